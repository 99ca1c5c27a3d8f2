/**
 * One call, one response (一呼一应, issue 18 Must 5): an enterprise files a request with customs (inspection booking,
 * release of a hold, correction of a record, reinstatement) and customs answers it: accept (with a slot for an
 * inspection booking), refuse with a reason, or done. Pure decisions on plain records; the `requests` contract loads,
 * calls these and commits what they return.
 *
 * States: OPEN → ACCEPTED → DONE, OPEN → DONE (done at once, e.g. a correction), OPEN → REFUSED. Each request carries
 * the time it was filed (the transaction's) and the time its answer is due: the rules' answer time in working minutes
 * (@hainan/ledger-model working-hours.ts: Monday to Friday, 09:00-17:00 Asia/Shanghai) after filing. The first answer
 * records its time and whether it came late; an open request past its due time is overdue (the gateway's reads flag it).
 */
import {
  addWorkingMinutes,
  ChaincodeError,
  ErrorCode,
  newInvalidArgument,
  parseInstant,
  REQUEST_ANSWER_WORKING_MINUTES_DEFAULT,
  toShanghaiIso,
  type AnswerRequestInput,
  type FileRequestInput,
  type RequestAnswer,
  type RequestKind,
  type RequestStatus,
  type TimeWindow,
} from '@hainan/ledger-model';
import type { Decision, Tx } from './decision';
import type { ItemRecord } from './records';
import type { RuleSet } from './rules';
import { KeyType } from '../ledger/keys';

/** One answer customs gave. */
export interface RequestAnswerStep {
  answer: RequestAnswer;
  /** Transaction time of the answer. */
  at: string;
  /** The customs caller's id. */
  by: string;
  txId: string;
  slot?: TimeWindow & { place?: string };
  reason?: string;
  note?: string;
}

/** An enterprise's request to customs and its answers (`req~<requestId>`). */
export interface CustomsRequestRecord {
  requestId: string;
  /** The enterprise that filed it (always the caller's own). */
  enterprise: string;
  kind: RequestKind;
  status: RequestStatus;
  /** What was asked, by kind: place and window, items (as SGTINs), a record reference, a reason. */
  detail: {
    place?: string;
    window?: TimeWindow;
    items?: string[];
    releaseListNo?: string;
    ref?: string;
    reason?: string;
  };
  /** Transaction time of the filing. */
  filedAt: string;
  filedBy: string;
  txId: string;
  /** The answer time in force at filing, in working minutes. */
  answerWorkingMinutes: number;
  /** When the first answer is due, Shanghai wall-clock ISO-8601. */
  dueAt: string;
  /** Time of the first answer; absent while OPEN. */
  answeredAt?: string;
  /** Whether the first answer came after `dueAt`. */
  answeredLate?: boolean;
  /** Time of the final answer (REFUSE or DONE). */
  closedAt?: string;
  /** Every answer, oldest first; at most two (accept, then done), as the states allow no more. */
  answers: RequestAnswerStep[];
}

/** The working minutes customs has to answer, by the rules in force at filing. */
export function answerWorkingMinutesOf(rules: Pick<RuleSet, 'requestAnswerWorkingMinutes'>): number {
  return rules.requestAnswerWorkingMinutes ?? REQUEST_ANSWER_WORKING_MINUTES_DEFAULT;
}

/** What the filing transaction knows besides the request. */
export interface FilingContext {
  /** The caller's enterprise. */
  readonly enterprise: string;
  /** The caller's id. */
  readonly by: string;
  /** HOLD_RELEASE: the items named, loaded (same order as the request). */
  readonly items: readonly ItemRecord[];
  readonly answerWorkingMinutes: number;
}

function decision(type: string, tx: Tx, record: CustomsRequestRecord): Decision {
  return {
    type,
    eventTime: tx.iso,
    writes: [{ type: KeyType.request, attrs: [record.requestId], value: record }],
    records: { request: record },
  };
}

/**
 * Files a request for the caller's enterprise. A hold release names only items the enterprise holds and customs
 * holds (NOT_HOLDER, INVALID_ARGUMENT otherwise). A suspended enterprise never reaches this: the access check before
 * every transaction refuses it (ENTERPRISE_SUSPENDED), reinstatement requests too.
 */
export function decideFiling(req: FileRequestInput, ctx: FilingContext, tx: Tx): Decision {
  let items: string[] | undefined;
  if (req.kind === 'HOLD_RELEASE') {
    items = ctx.items.map((item) => {
      if (item.holder !== ctx.enterprise)
        throw new ChaincodeError(
          ErrorCode.NOT_HOLDER,
          `${item.sgtin} is held by ${item.holder}, not ${ctx.enterprise}`,
        );
      if (!item.hold) throw newInvalidArgument(`${item.sgtin} is not held by customs`);
      return item.sgtin;
    });
  }
  const detail: CustomsRequestRecord['detail'] = {
    ...(req.place === undefined ? {} : { place: req.place }),
    ...(req.window === undefined ? {} : { window: req.window }),
    ...(items === undefined ? {} : { items }),
    ...(req.releaseListNo === undefined ? {} : { releaseListNo: req.releaseListNo }),
    ...(req.ref === undefined ? {} : { ref: req.ref }),
    ...(req.reason === undefined ? {} : { reason: req.reason }),
  };
  return decision('REQUEST_FILED', tx, {
    requestId: req.requestId ?? tx.id,
    enterprise: ctx.enterprise,
    kind: req.kind,
    status: 'OPEN',
    detail,
    filedAt: tx.iso,
    filedBy: ctx.by,
    txId: tx.id,
    answerWorkingMinutes: ctx.answerWorkingMinutes,
    dueAt: toShanghaiIso(addWorkingMinutes(tx.ms, ctx.answerWorkingMinutes)),
    answers: [],
  });
}

const NEXT_STATUS: Readonly<Record<RequestAnswer, RequestStatus>> = {
  ACCEPT: 'ACCEPTED',
  REFUSE: 'REFUSED',
  DONE: 'DONE',
};

/**
 * Customs answers a request: REQUEST_UNKNOWN when none was filed under the id, REQUEST_CLOSED once it is refused or
 * done, REQUEST_ALREADY_ANSWERED for a second accept or a refusal after an accept; an inspection booking is accepted
 * only with a slot.
 */
export function decideAnswer(
  prev: CustomsRequestRecord | undefined,
  req: AnswerRequestInput,
  by: string,
  tx: Tx,
): Decision {
  if (prev === undefined)
    throw new ChaincodeError(ErrorCode.REQUEST_UNKNOWN, `no request ${req.requestId} was filed on the ledger`);
  if (prev.status === 'REFUSED' || prev.status === 'DONE')
    throw new ChaincodeError(
      ErrorCode.REQUEST_CLOSED,
      `request ${prev.requestId} is ${prev.status} since ${prev.closedAt ?? prev.answeredAt}; it takes no more answers`,
    );
  if (prev.status === 'ACCEPTED' && req.answer !== 'DONE')
    throw new ChaincodeError(
      ErrorCode.REQUEST_ALREADY_ANSWERED,
      `request ${prev.requestId} was accepted at ${prev.answeredAt}; it can only be marked DONE now`,
    );
  if (req.answer === 'ACCEPT' && prev.kind === 'INSPECTION_BOOKING' && req.slot === undefined)
    throw newInvalidArgument('accepting an inspection booking needs a slot {from, to}');
  const slot = req.slot === undefined ? undefined : { ...req.slot, place: req.slot.place ?? prev.detail.place };
  const step: RequestAnswerStep = {
    answer: req.answer,
    at: tx.iso,
    by,
    txId: tx.id,
    ...(slot === undefined ? {} : { slot: withoutUndefined(slot) }),
    ...(req.reason === undefined ? {} : { reason: req.reason }),
    ...(req.note === undefined ? {} : { note: req.note }),
  };
  const status = NEXT_STATUS[req.answer];
  const first = prev.answeredAt === undefined;
  return decision('REQUEST_ANSWERED', tx, {
    ...prev,
    status,
    ...(first ? { answeredAt: tx.iso, answeredLate: tx.ms > parseInstant(prev.dueAt) } : {}),
    ...(status === 'ACCEPTED' ? {} : { closedAt: tx.iso }),
    answers: [...prev.answers, step],
  });
}

/** The codec refuses undefined values: a slot whose place is unknown carries none. */
function withoutUndefined(slot: TimeWindow & { place?: string | undefined }): TimeWindow & { place?: string } {
  return slot.place === undefined ? { from: slot.from, to: slot.to } : { ...slot, place: slot.place };
}
