/**
 * The decision of customs:ReleaseAtGate (卡口核放): a truck's release list (核放单) is checked against the ledger at a
 * second-line gate. Pure: the customs contract loads the exit, its items and its seed, decides here and commits.
 *
 * The release list passes when every item or case on it is an exit of that enterprise, not held, and the exit is
 * cleared: its screening asked for no inspection and the random draw did not select it, or a CONFORMING inspection
 * result / a RELEASE consequence is recorded. Otherwise the refusal names each blocking item or case and why. A case
 * (SSCC / GRAI) resolves to the container that left whole with the exit: itself, or the pallet it travels on; it is
 * judged by that container's key (hold, held contents, status, holder), never item by item. Nothing leaves twice.
 */
import { ChaincodeError, ErrorCode, isContainerId, type GateReleaseRequest } from '@hainan/ledger-model';
import type { ContainerRecord } from './containers';
import type { Decision, Tx } from './decision';
import { objectEvent } from './epcis';
import { isSelected } from './inspection';
import { next } from './lifecycle';
import type { ExitRecord, ItemRecord, SeedRecord } from './records';
import { requiresInspection } from './risk';
import { KeyType } from '../ledger/keys';

/** Blocking reasons named in a refusal; the rest are counted, so a 1,000-item refusal stays readable. */
export const GATE_BLOCKERS_NAMED_MAX = 50;

export interface GateState {
  readonly exit: ExitRecord;
  /** The exit's items as they are now, in the exit's order. */
  readonly items: readonly ItemRecord[];
  /** The seed the exit's random draw used, if any. */
  readonly seed: SeedRecord | undefined;
  /** The exit's containers as they are now, in the exit's order (absent: none). */
  readonly containers?: readonly ContainerRecord[];
  /**
   * Each presented case that is not itself on the exit, and each presented item packed in a case, to the top container
   * of its chain (absent: not on the ledger, or a loose item).
   */
  readonly tops?: ReadonlyMap<string, string>;
}

export interface GateRelease {
  gate: string;
  releasedAt: string;
  releasedBy: string;
  txId: string;
}

/** Why the exit as a whole may not pass yet, or undefined when it is cleared. */
export function exitBlocker(exit: ExitRecord, seed: SeedRecord | undefined): string | undefined {
  const result = exit.inspectionResult;
  if (result) {
    if (result.verdict === 'CONFORMING' || result.consequence.kind === 'RELEASE') return undefined;
    return `inspection result ${result.verdict} with consequence ${result.consequence.kind}`;
  }
  if (exit.screening && requiresInspection(exit.screening.action))
    return `risk screening asked for ${exit.screening.action} and no conforming inspection result is recorded`;
  if (seed?.seed && isSelected(seed.seed, exit.txId, exit.inspection.rateBp))
    return 'selected for inspection by the random draw and no conforming inspection result is recorded';
  return undefined;
}

/** Why a case that left whole with the exit may not pass, or undefined (judged by the container's own key). */
function caseBlocker(c: ContainerRecord, enterprise: string, whole: string | undefined): string | undefined {
  if (whole) return `not cleared, ${whole}`;
  if (c.hold) return `held (${c.hold.reason})`;
  if (c.held && c.held.count > 0) {
    const more = c.held.count - c.held.ids.length;
    return `customs holds ${c.held.count} inside (${c.held.ids.join(', ')}${more > 0 ? ` and ${more} more` : ''})`;
  }
  if (c.status !== 'EXITED') return `is ${c.status}, not EXITED`;
  if (c.holder !== enterprise) return `held by another enterprise than ${enterprise}`;
  return undefined;
}

/**
 * Releases an exit's release list at a gate, or refuses it.
 *
 * @throws ChaincodeError GATE_ALREADY_RELEASED (naming when and where), GATE_BLOCKED (naming each blocking item and
 * why, the first {@link GATE_BLOCKERS_NAMED_MAX} and a count of the rest)
 */
export function decideGateRelease(
  req: GateReleaseRequest,
  state: GateState,
  by: string,
  tx: Tx,
): Decision & { record: GateRelease } {
  const { exit } = state;
  const eventTime = req.eventTime.iso;
  if (exit.gateRelease) {
    const r = exit.gateRelease;
    throw new ChaincodeError(
      ErrorCode.GATE_ALREADY_RELEASED,
      `release list ${exit.releaseListNo} already passed gate ${r.gate} at ${r.releasedAt} (transaction ${r.txId})`,
    );
  }
  const blockers: string[] = [];
  const whole = exitBlocker(exit, state.seed);
  const onExit = new Set(exit.items.map((i) => i.sgtin));
  const exited = new Map((state.containers ?? []).map((c) => [c.id, c]));
  const presentedIds = req.items ?? [...onExit, ...exited.keys()];
  // Cases, and items read at the gate inside a case that left whole: both judged by that container's key.
  const cases = presentedIds.filter((id) => isContainerId(id) || (!onExit.has(id) && state.tops?.has(id)));
  for (const sgtin of presentedIds)
    if (!isContainerId(sgtin) && !onExit.has(sgtin) && !state.tops?.has(sgtin))
      blockers.push(`${sgtin}: not on release list ${exit.releaseListNo}`);
  const presented = new Set(presentedIds);
  const released = new Map<string, ContainerRecord>();
  for (const id of cases) {
    const c = exited.get(id) ?? exited.get(state.tops?.get(id) ?? '');
    const why = c ? caseBlocker(c, exit.enterprise, whole) : `not on release list ${exit.releaseListNo}`;
    if (why) blockers.push(`${id}: ${why}`);
    else if (c) released.set(c.id, c);
  }
  for (const item of state.items) {
    if (!presented.has(item.sgtin)) continue;
    if (whole) blockers.push(`${item.sgtin}: not cleared, ${whole}`);
    else if (item.hold) blockers.push(`${item.sgtin}: held (${item.hold.reason})`);
    else if (item.status !== 'EXITED') blockers.push(`${item.sgtin}: is ${item.status}, not EXITED`);
    else if (item.holder !== exit.enterprise)
      blockers.push(`${item.sgtin}: held by another enterprise than ${exit.enterprise}`);
  }
  if (blockers.length > 0) {
    const named = blockers.slice(0, GATE_BLOCKERS_NAMED_MAX).join('; ');
    const more =
      blockers.length > GATE_BLOCKERS_NAMED_MAX ? `; and ${blockers.length - GATE_BLOCKERS_NAMED_MAX} more` : '';
    throw new ChaincodeError(
      ErrorCode.GATE_BLOCKED,
      `release list ${exit.releaseListNo} may not pass gate ${req.gate} (${blockers.length} blocking): ${named}${more}`,
    );
  }
  const record: GateRelease = { gate: req.gate, releasedAt: eventTime, releasedBy: by, txId: tx.id };
  const exitAfter: ExitRecord = { ...exit, gateRelease: record };
  // The released containers are stamped too (one key each, whatever they hold): the gate is part of their chains.
  const containers = [...released.values()].map(
    (c): ContainerRecord => ({ ...c, lastEventTime: eventTime, lastTxId: tx.id }),
  );
  // The released items are stamped with the transaction (no change of state): the gate is part of each one's chain.
  const items = state.items.filter((i) => presented.has(i.sgtin)).map((i) => next(i, {}, eventTime, tx.id));
  const epcis = objectEvent(
    tx,
    eventTime,
    req.eventId,
    'OBSERVE',
    [...items.map((i) => i.sgtin), ...containers.map((c) => c.id)],
    {
      bizStep: 'departing',
      disposition: 'in_transit',
      readPoint: { id: `urn:hn:gate:${req.gate}` },
      'hn:releaseListNo': exit.releaseListNo,
      'hn:gate': req.gate,
    },
  );
  return {
    type: 'GATE_RELEASE',
    eventTime,
    items,
    writes: [
      { type: KeyType.exit, attrs: [exit.releaseListNo], value: exitAfter },
      ...containers.map((c) => ({ type: KeyType.container, attrs: [c.id], value: c })),
    ],
    records: {
      exit: exitAfter,
      gateRelease: { releaseListNo: exit.releaseListNo, ...record },
      ...(containers.length > 0 ? { containers } : {}),
    },
    epcis: [epcis],
    record,
  };
}
