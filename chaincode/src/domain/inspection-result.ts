/**
 * The decision of customs:RecordInspection (查验): the outcome of the inspection of a selected exit, recorded with
 * the exit, and its consequence for the exit's items. Pure: the customs contract loads the exit, its items, its
 * enterprise and its seed, decides here and commits (ledger/commit.ts).
 *
 * An exit is selected when its risk screening asked for any inspection, or when the random draw selected it (only
 * checkable on the chain once the seed is revealed). A discrepancy counts against the enterprise and each item it
 * names (`inspectionDiscrepancies`, `discrepancies`): facts the risk rules read at later exits.
 */
import {
  ChaincodeError,
  ErrorCode,
  newAlreadyExists,
  newInvalidArgument,
  type DiscrepancyKind,
  type InspectionConsequence,
  type InspectionMethod,
  type InspectionResultRequest,
  type InspectionVerdict,
} from '@hainan/ledger-model';
import type { Decision, RecordWrite, Tx } from './decision';
import { appendDiscrepancy } from './credit';
import { objectEvent } from './epcis';
import { isSelected } from './inspection';
import { next } from './lifecycle';
import type { ContainerRecord } from './containers';
import type { EnterpriseRecord, ExitRecord, ItemRecord, SeedRecord } from './records';
import { requiresInspection } from './risk';
import { KeyType } from '../ledger/keys';

/** An inspection result as recorded in the exit record. */
export interface InspectionResult {
  method: InspectionMethod;
  officer: string;
  inspectedAt: string;
  verdict: InspectionVerdict;
  discrepancies: { kind: DiscrepancyKind; items: string[]; note?: string }[];
  evidence: { sha256: string; uri: string };
  consequence: { kind: InspectionConsequence; items: string[]; note?: string };
  /** Why the exit was inspected: its risk screening, or the random draw (seed revealed). */
  selectedBy: 'RISK' | 'RANDOM';
  /** Customs caller that recorded it. */
  recordedBy: string;
  txId: string;
}

/** What the decision reads besides the request. */
export interface InspectionState {
  readonly exit: ExitRecord;
  /** The exit's items as they are now, in the exit's order. */
  readonly items: readonly ItemRecord[];
  readonly enterprise: EnterpriseRecord;
  /** The seed the exit's draw used, if any. */
  readonly seed: SeedRecord | undefined;
  /** The cases and pallets that left whole with the exit, as they are now (absent: none). */
  readonly containers?: readonly ContainerRecord[];
}

/** Why the exit was selected, or a NOT_SELECTED_FOR_INSPECTION refusal saying why not. */
export function selectionOf(exit: ExitRecord, seed: SeedRecord | undefined): 'RISK' | 'RANDOM' {
  if (exit.screening && requiresInspection(exit.screening.action)) return 'RISK';
  if (seed?.seed && isSelected(seed.seed, exit.txId, exit.inspection.rateBp)) return 'RANDOM';
  const screened = exit.screening
    ? `its risk screening asked for ${exit.screening.action}`
    : 'no risk rules screened it';
  const draw = !exit.inspection.seedId
    ? 'no inspection seed covered it'
    : !seed?.seed
      ? `seed ${exit.inspection.seedId} is not revealed yet`
      : 'the random draw did not select it';
  throw new ChaincodeError(
    ErrorCode.NOT_SELECTED_FOR_INSPECTION,
    `exit ${exit.releaseListNo} was not selected for inspection: ${screened} and ${draw}`,
  );
}

/**
 * Records an inspection result on a selected exit. RELEASE lifts every hold on the exit's items (a CONFORMING
 * verdict always releases); HOLD holds the named items; SEIZURE seizes them; CORRECTION changes no item. Every item
 * of the exit is in the decision (stamped with the transaction), so each item's history shows the inspection.
 *
 * @throws ChaincodeError NOT_SELECTED_FOR_INSPECTION, ALREADY_EXISTS (a result is already recorded),
 * INVALID_ARGUMENT (an item named that is not on the exit)
 */
export function decideInspectionResult(
  req: InspectionResultRequest,
  state: InspectionState,
  by: string,
  tx: Tx,
): Decision & { record: InspectionResult } {
  const { exit, enterprise } = state;
  const eventTime = req.eventTime.iso;
  if (exit.inspectionResult)
    throw newAlreadyExists(
      `exit ${exit.releaseListNo} already has an inspection result (transaction ${exit.inspectionResult.txId})`,
    );
  const selectedBy = selectionOf(exit, state.seed);
  const onExit = new Set(exit.items.map((i) => i.sgtin));
  const named = [...req.discrepancies.flatMap((d) => d.items), ...req.consequence.items];
  for (const sgtin of named)
    if (!onExit.has(sgtin)) throw newInvalidArgument(`${sgtin} is not on release list ${exit.releaseListNo}`);
  const discrepant = new Set(req.discrepancies.flatMap((d) => d.items));
  const affected = new Set(req.consequence.items);
  const kind = req.consequence.kind;
  const changed: ItemRecord[] = [];
  for (const item of state.items) {
    let changes: Partial<ItemRecord> | undefined;
    let released: ItemRecord = item;
    if (kind === 'RELEASE' && item.hold) {
      const { hold: _lifted, ...rest } = item;
      released = rest as ItemRecord;
      changes = {};
    } else if (kind === 'HOLD' && affected.has(item.sgtin) && !item.hold) {
      changes = {
        hold: { reason: `inspection of ${exit.releaseListNo}: ${req.verdict}`, heldAt: eventTime, by },
        holds: (item.holds ?? 0) + 1,
      };
    } else if (kind === 'SEIZURE' && affected.has(item.sgtin)) {
      const { hold: _lifted, ...rest } = item;
      released = rest as ItemRecord;
      changes = { status: 'SEIZED' };
    }
    if (discrepant.has(item.sgtin)) changes = { ...changes, discrepancies: (item.discrepancies ?? 0) + 1 };
    // Every item of the exit is listed, changed or not: the inspection is part of each one's chain (provenance).
    changed.push(next(released, changes ?? {}, eventTime, tx.id));
  }
  const record: InspectionResult = {
    method: req.method,
    officer: req.officer,
    inspectedAt: eventTime,
    verdict: req.verdict,
    discrepancies: req.discrepancies,
    evidence: req.evidence,
    consequence: req.consequence,
    selectedBy,
    recordedBy: by,
    txId: tx.id,
  };
  const exitAfter: ExitRecord = { ...exit, inspectionResult: record };
  // RELEASE lifts a hold of a case or pallet that left whole (a screening HOLD held it); one key per container.
  const containers =
    kind === 'RELEASE'
      ? (state.containers ?? []).flatMap((c): ContainerRecord[] => {
          if (!c.hold) return [];
          const { hold: _lifted, ...rest } = c;
          return [{ ...rest, lastEventTime: eventTime, lastTxId: tx.id }];
        })
      : [];
  const writes: RecordWrite[] = [
    { type: KeyType.exit, attrs: [exit.releaseListNo], value: exitAfter },
    ...containers.map((c) => ({ type: KeyType.container, attrs: [c.id], value: c })),
  ];
  const records: Record<string, unknown> = {
    exit: exitAfter,
    inspection: { releaseListNo: exit.releaseListNo, ...record },
    ...(containers.length > 0 ? { containers } : {}),
  };
  if (req.verdict === 'DISCREPANCY') {
    const entAfter: EnterpriseRecord = {
      ...enterprise,
      inspectionDiscrepancies: (enterprise.inspectionDiscrepancies ?? 0) + 1,
      // The basis of a key-attention class derived from discrepancies (credit.ts): which results, when.
      discrepancyLog: appendDiscrepancy(enterprise.discrepancyLog, {
        releaseListNo: exit.releaseListNo,
        txId: tx.id,
        atIso: eventTime,
        kinds: [...new Set(req.discrepancies.map((d) => d.kind))].sort(),
      }),
    };
    writes.push({ type: KeyType.enterprise, attrs: [enterprise.id], value: entAfter });
    records.enterprise = entAfter;
  }
  const epcis = objectEvent(
    tx,
    eventTime,
    req.eventId,
    'OBSERVE',
    [...exit.items.map((i) => i.sgtin), ...(exit.containers ?? []).map((c) => c.id)],
    {
      bizStep: 'inspecting',
      disposition:
        req.verdict === 'CONFORMING'
          ? 'in_transit'
          : kind === 'SEIZURE'
            ? 'unavailable'
            : kind === 'HOLD'
              ? 'non_sellable_other'
              : 'in_transit',
      readPoint: { id: `urn:hn:port:${exit.port}` },
      'hn:releaseListNo': exit.releaseListNo,
      'hn:method': req.method,
      'hn:verdict': req.verdict,
      'hn:consequence': kind,
      'hn:evidenceSha256': req.evidence.sha256,
      'hn:evidenceUri': req.evidence.uri,
    },
  );
  return { type: 'INSPECTION', eventTime, items: changed, writes, records, epcis: [epcis], record };
}
