/**
 * One call, one response (一呼一应, issue 18 Must 5): the requests an enterprise files with customs and customs'
 * answers, as request vocabulary and decoders. The chaincode decodes `requests:FileRequest` and `AnswerRequest` with
 * these; the gateway's schemas use the same lists. No ledger state here: whether the items are held, whether a
 * request is still open, is the chaincode's decision.
 */
import { newInvalidArgument } from './errors';
import { itemIdOf, list, obj, oneOf, optStr, str, unique, type Fields } from './fields';
import { locationOf, type TxClock } from './goods-requests';
import { ITEMS_PER_TRANSACTION_MAX } from './limits';
import { REF } from './patterns';
import { INSTANT_LENGTH_MAX, parseInstant, toShanghaiIso } from './time';

/**
 * What an enterprise asks customs for: an inspection at its premises in a time window ("Internet + local inspection"),
 * the release of held items, the correction of a record, or reinstatement (of a suspension announced for later, or of
 * its credit class).
 */
export const REQUEST_KINDS = ['INSPECTION_BOOKING', 'HOLD_RELEASE', 'RECORD_CORRECTION', 'REINSTATEMENT'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];
/** Customs' answers: accept (an inspection booking with a slot), refuse with a reason, done. */
export const REQUEST_ANSWERS = ['ACCEPT', 'REFUSE', 'DONE'] as const;
export type RequestAnswer = (typeof REQUEST_ANSWERS)[number];
/** OPEN → ACCEPTED → DONE, OPEN → DONE, or OPEN → REFUSED; REFUSED and DONE are final. */
export const REQUEST_STATUSES = ['OPEN', 'ACCEPTED', 'REFUSED', 'DONE'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** Working minutes customs has to answer when the rules in force name none: two working hours. */
export const REQUEST_ANSWER_WORKING_MINUTES_DEFAULT = 120;
/** Longest inspection window or slot: a week. */
export const BOOKING_WINDOW_MS_MAX = 7 * 86_400_000;
/** How far ahead a window may start: half a year. */
export const BOOKING_AHEAD_MS_MAX = 183 * 86_400_000;
/** Longest reason or note. */
export const REQUEST_TEXT_LENGTH_MAX = 500;
/** A record reference: a transaction id, an EPCIS event id, a document number; visible ASCII. */
export const RECORD_REF = /^[\x21-\x7e]{1,200}$/;

/** A time window, both ends as Shanghai wall-clock ISO-8601 (`+08:00`). */
export interface TimeWindow {
  readonly from: string;
  readonly to: string;
}

/** `requests:FileRequest`, decoded. Fields not of the kind are refused, so a misplaced one is not silently lost. */
export interface FileRequestInput {
  /** The client's id for the request; the transaction id when absent. */
  readonly requestId: string | undefined;
  readonly kind: RequestKind;
  /** INSPECTION_BOOKING: where to inspect (GLN or SGLN). */
  readonly place?: string;
  /** INSPECTION_BOOKING: when the goods can be inspected. */
  readonly window?: TimeWindow;
  /** HOLD_RELEASE: the held items (SGTIN or 16-digit code). */
  readonly items?: readonly string[];
  /** INSPECTION_BOOKING, HOLD_RELEASE: the release list concerned, if any. */
  readonly releaseListNo?: string;
  /** RECORD_CORRECTION: the record or event to correct. */
  readonly ref?: string;
  /** Why; required for RECORD_CORRECTION and REINSTATEMENT. */
  readonly reason?: string;
}

const KIND_FIELDS: Readonly<Record<RequestKind, { required: readonly string[]; optional: readonly string[] }>> = {
  INSPECTION_BOOKING: { required: ['place', 'window'], optional: ['releaseListNo', 'reason'] },
  HOLD_RELEASE: { required: ['items'], optional: ['releaseListNo', 'reason'] },
  RECORD_CORRECTION: { required: ['ref', 'reason'], optional: [] },
  REINSTATEMENT: { required: ['reason'], optional: [] },
};
const COMMON_FIELDS = ['requestId', 'kind', 'submissionId'];

function onlyKindFields(f: Fields, kind: RequestKind): void {
  const allowed = new Set([...COMMON_FIELDS, ...KIND_FIELDS[kind].required, ...KIND_FIELDS[kind].optional]);
  for (const name of Object.keys(f).sort()) {
    if (!allowed.has(name) && f[name] !== undefined) throw newInvalidArgument(`${name} is not a field of a ${kind}`);
  }
  for (const name of KIND_FIELDS[kind].required) {
    if (f[name] === undefined || f[name] === null) throw newInvalidArgument(`a ${kind} needs ${name}`);
  }
}

/**
 * Reads a window `{from, to}`: from before to, at most a week long, not over at `tx`, starting within half a year.
 *
 * @throws ChaincodeError INVALID_ARGUMENT naming the field
 */
export function windowOf(f: Fields, name: string, tx: TxClock): TimeWindow {
  const w = obj(f, name);
  const fromMs = parseInstant(str(w, 'from', { maxLength: INSTANT_LENGTH_MAX }));
  const toMs = parseInstant(str(w, 'to', { maxLength: INSTANT_LENGTH_MAX }));
  if (toMs <= fromMs) throw newInvalidArgument(`${name}.to must be after ${name}.from`);
  if (toMs - fromMs > BOOKING_WINDOW_MS_MAX) throw newInvalidArgument(`${name} is longer than 7 days`);
  if (toMs <= tx.ms) throw newInvalidArgument(`${name} ended before ${tx.iso}`);
  if (fromMs > tx.ms + BOOKING_AHEAD_MS_MAX) throw newInvalidArgument(`${name} starts more than 183 days ahead`);
  return { from: toShanghaiIso(fromMs), to: toShanghaiIso(toMs) };
}

/**
 * Decodes `requests:FileRequest {requestId?, kind, ...}`: INSPECTION_BOOKING `{place, window{from,to},
 * releaseListNo?, reason?}`, HOLD_RELEASE `{items[], releaseListNo?, reason?}`, RECORD_CORRECTION `{ref, reason}`,
 * REINSTATEMENT `{reason}`.
 *
 * @throws ChaincodeError INVALID_ARGUMENT naming the field
 */
export function decodeFileRequest(f: Fields, tx: TxClock): FileRequestInput {
  const requestId = optStr(f, 'requestId', { pattern: REF });
  const kind = oneOf(f, 'kind', REQUEST_KINDS);
  onlyKindFields(f, kind);
  const reason = optStr(f, 'reason', { maxLength: REQUEST_TEXT_LENGTH_MAX });
  const releaseListNo = optStr(f, 'releaseListNo', { pattern: REF });
  const common = {
    requestId,
    kind,
    ...(releaseListNo === undefined ? {} : { releaseListNo }),
    ...(reason === undefined ? {} : { reason }),
  };
  switch (kind) {
    case 'INSPECTION_BOOKING':
      return { ...common, place: locationOf(f, 'place'), window: windowOf(f, 'window', tx) };
    case 'HOLD_RELEASE': {
      const items = list(f, 'items', ITEMS_PER_TRANSACTION_MAX, itemIdOf);
      unique(items, 'item');
      return { ...common, items };
    }
    case 'RECORD_CORRECTION':
      return { ...common, ref: str(f, 'ref', { pattern: RECORD_REF, maxLength: 200 }) };
    case 'REINSTATEMENT':
      return common;
  }
}

/** `requests:AnswerRequest`, decoded. */
export interface AnswerRequestInput {
  readonly requestId: string;
  readonly answer: RequestAnswer;
  /** ACCEPT: the appointment (required for an inspection booking); its place defaults to the requested one. */
  readonly slot?: TimeWindow & { readonly place?: string };
  /** REFUSE: why (required). */
  readonly reason?: string;
  readonly note?: string;
}

/**
 * Decodes `requests:AnswerRequest {requestId, answer, slot?{from, to, place?}, reason?, note?}`: a slot only with
 * ACCEPT, a reason required with REFUSE.
 *
 * @throws ChaincodeError INVALID_ARGUMENT naming the field
 */
export function decodeAnswerRequest(f: Fields, tx: TxClock): AnswerRequestInput {
  const requestId = str(f, 'requestId', { pattern: REF });
  const answer = oneOf(f, 'answer', REQUEST_ANSWERS);
  const note = optStr(f, 'note', { maxLength: REQUEST_TEXT_LENGTH_MAX });
  const reason = optStr(f, 'reason', { maxLength: REQUEST_TEXT_LENGTH_MAX });
  if (answer === 'REFUSE' && reason === undefined) throw newInvalidArgument('a REFUSE answer needs a reason');
  if (answer !== 'ACCEPT' && f.slot !== undefined) throw newInvalidArgument(`a ${answer} answer has no slot`);
  let slot: AnswerRequestInput['slot'];
  if (f.slot !== undefined) {
    const window = windowOf(f, 'slot', tx);
    const s = obj(f, 'slot');
    slot = s.place === undefined ? window : { ...window, place: locationOf(s, 'place') };
  }
  return {
    requestId,
    answer,
    ...(slot === undefined ? {} : { slot }),
    ...(reason === undefined ? {} : { reason }),
    ...(note === undefined ? {} : { note }),
  };
}
