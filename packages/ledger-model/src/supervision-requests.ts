/**
 * Decoders of the customs supervision requests of issue 18 (RecordInspection): read a request object into its typed
 * form or throw the chaincode's coded error, with no ledger state involved. The chaincode decodes its request with
 * these and the gateway checks a request with the same functions before it submits it.
 */
import { isContainerId } from './container-requests';
import { newInvalidArgument } from './errors';
import { list, obj, oneOf, optStr, str, unique, type Fields } from './fields';
import { decodeEventTime, eventIdOf, sgtinOf, type EventTime, type TxClock } from './goods-requests';
import { ITEMS_PER_TRANSACTION_MAX } from './limits';
import { HEX64, REF } from './patterns';

/** How an exit was inspected: H986 image review, physical inspection, or a check of the documents. */
export const INSPECTION_METHODS = ['IMAGE_REVIEW', 'PHYSICAL', 'DOCUMENTS'] as const;
export type InspectionMethod = (typeof INSPECTION_METHODS)[number];
export const INSPECTION_VERDICTS = ['CONFORMING', 'DISCREPANCY'] as const;
export type InspectionVerdict = (typeof INSPECTION_VERDICTS)[number];
/** What a discrepancy was about. */
export const DISCREPANCY_KINDS = ['QUANTITY', 'DESCRIPTION', 'UNDECLARED_GOODS', 'VALUE'] as const;
export type DiscrepancyKind = (typeof DISCREPANCY_KINDS)[number];
/** What follows from the result: release of the exit's held items, hold or seizure of named items, a correction. */
export const INSPECTION_CONSEQUENCES = ['RELEASE', 'HOLD', 'SEIZURE', 'CORRECTION'] as const;
export type InspectionConsequence = (typeof INSPECTION_CONSEQUENCES)[number];

/** Discrepancies per result; one per kind and item group is plenty. */
const DISCREPANCIES_MAX = 20;
/** Longest evidence URI; the scan or report itself stays off the chain. */
const URI_LENGTH_MAX = 1000;
const URI = /^[a-z][a-z0-9+.-]*:[^\s]+$/;

export interface InspectionResultRequest {
  releaseListNo: string;
  method: InspectionMethod;
  /** The inspecting officer's id (badge number or the like), not a name. */
  officer: string;
  eventTime: EventTime;
  verdict: InspectionVerdict;
  discrepancies: { kind: DiscrepancyKind; items: string[]; note?: string }[];
  /** The scan or report: its SHA-256 and where it is kept. */
  evidence: { sha256: string; uri: string };
  consequence: { kind: InspectionConsequence; items: string[]; note?: string };
  eventId: string | undefined;
}

function sgtins(f: Fields, name: string, minItems: number): string[] {
  if (f[name] === undefined && minItems === 0) return [];
  const items = list(f, name, ITEMS_PER_TRANSACTION_MAX, sgtinOf, minItems);
  unique(items, 'item');
  return items;
}

/**
 * Decodes `customs:RecordInspection {releaseListNo, method, officer, eventTime?, verdict, discrepancies?,
 * evidence{sha256, uri}, consequence{kind, items?, note?}}`. A conforming verdict has no discrepancies and its
 * consequence is RELEASE; a discrepancy names at least one, each with its kind and the items it concerns (none for a
 * value or description discrepancy of the whole list); HOLD and SEIZURE name the items they apply to.
 *
 * @throws ChaincodeError INVALID_ARGUMENT naming the field
 */
export function decodeInspectionResultRequest(f: Fields, tx: TxClock): InspectionResultRequest {
  const releaseListNo = str(f, 'releaseListNo', { pattern: REF });
  const method = oneOf(f, 'method', INSPECTION_METHODS);
  const officer = str(f, 'officer', { pattern: REF });
  const eventTime = decodeEventTime(f, tx);
  const verdict = oneOf(f, 'verdict', INSPECTION_VERDICTS);
  const discrepancies =
    f.discrepancies === undefined
      ? []
      : list(
          f,
          'discrepancies',
          DISCREPANCIES_MAX,
          (v, i) => {
            if (typeof v !== 'object' || v === null || Array.isArray(v))
              throw newInvalidArgument(`discrepancies[${i}] must be an object`);
            const d = v as Fields;
            const note = optStr(d, 'note', { maxLength: 500 });
            return {
              kind: oneOf(d, 'kind', DISCREPANCY_KINDS),
              items: sgtins(d, 'items', 0),
              ...(note === undefined ? {} : { note }),
            };
          },
          0,
        );
  if (verdict === 'CONFORMING' && discrepancies.length > 0)
    throw newInvalidArgument('a CONFORMING verdict has no discrepancies');
  if (verdict === 'DISCREPANCY' && discrepancies.length === 0)
    throw newInvalidArgument('a DISCREPANCY verdict names at least one discrepancy');
  const ev = obj(f, 'evidence');
  const evidence = {
    sha256: str(ev, 'sha256', { pattern: HEX64 }),
    uri: str(ev, 'uri', { pattern: URI, maxLength: URI_LENGTH_MAX }),
  };
  const c = obj(f, 'consequence');
  const kind = oneOf(c, 'kind', INSPECTION_CONSEQUENCES);
  if (verdict === 'CONFORMING' && kind !== 'RELEASE')
    throw newInvalidArgument('a CONFORMING verdict has the consequence RELEASE');
  const items = sgtins(c, 'items', kind === 'HOLD' || kind === 'SEIZURE' ? 1 : 0);
  const note = optStr(c, 'note', { maxLength: 500 });
  return {
    releaseListNo,
    method,
    officer,
    eventTime,
    verdict,
    discrepancies,
    evidence,
    consequence: { kind, items, ...(note === undefined ? {} : { note }) },
    eventId: eventIdOf(f),
  };
}

/** A gate (卡口) at a second-line port: a reference such as `HKG-GATE-3`. */
export interface GateReleaseRequest {
  releaseListNo: string;
  gate: string;
  /**
   * The items (SGTIN URNs) and cases or pallets (SSCC / GRAI URNs) presented with the truck, when the gate reads them;
   * absent: the release list as recorded.
   */
  items: string[] | undefined;
  eventTime: EventTime;
  eventId: string | undefined;
}

/**
 * Decodes `customs:ReleaseAtGate {releaseListNo, gate, items?, eventTime?, eventId?}`.
 *
 * @throws ChaincodeError INVALID_ARGUMENT naming the field
 */
export function decodeGateReleaseRequest(f: Fields, tx: TxClock): GateReleaseRequest {
  const releaseListNo = str(f, 'releaseListNo', { pattern: REF });
  const gate = str(f, 'gate', { pattern: REF });
  const items =
    f.items === undefined
      ? undefined
      : list(f, 'items', ITEMS_PER_TRANSACTION_MAX, (v, i) => (isContainerId(String(v)) ? String(v) : sgtinOf(v, i)));
  if (items) unique(items, 'item or container');
  return { releaseListNo, gate, items, eventTime: decodeEventTime(f, tx), eventId: eventIdOf(f) };
}
