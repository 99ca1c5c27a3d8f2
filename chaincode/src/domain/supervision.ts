/**
 * The decision of customs supervision of goods: hold, release and seizure. A hold overlays any state but the end
 * states; a held item can only be released or seized, and a seized item leaves its holder's book. Pure: the customs
 * contract loads, decides and commits (ledger/commit.ts).
 *
 * Packed goods (issue 15 Must 3): an item inside a case may be held and released (not seized: unpack it first), and a
 * whole case or pallet may be held and released. The held key is written, and so is every container above it, whose
 * `held` record counts (and names, bounded) what it holds that customs holds; a container move reads its own key
 * alone and refuses while that count is not 0 (domain/containers.ts).
 */
import { CONTAINER_DEPTH_MAX, newInvalidArgument, newNotFound, unique } from '@hainan/ledger-model';
import { requireLoose, withHeld, withHoldHistory, type ContainerRecord, type HeldContents } from './containers';
import type { Decision, RecordWrite, Tx } from './decision';
import { locationId, objectEvent } from './epcis';
import { MovementBatch, next } from './lifecycle';
import { TERMINAL_STATUSES, type ItemRecord } from './records';
import { KeyType } from '../ledger/keys';

export type SupervisionKind = 'HOLD' | 'RELEASE' | 'SEIZURE';

/** A supervision request: why, by whom (the customs caller's id), when, and the client's EPCIS event id. */
export interface SupervisionRequest {
  readonly kind: SupervisionKind;
  readonly reason: string;
  readonly by: string;
  readonly eventTime: string;
  readonly eventId: string | undefined;
}

/**
 * Holds, releases or seizes the items, then holds or releases the named containers, each checked in order, then
 * refuses an id named twice. `around` holds every container above a packed item or a named container (and the named
 * containers themselves), by id, as loaded by walking parent pointers (at most CONTAINER_DEPTH_MAX each).
 */
export function decideSupervision(
  req: SupervisionRequest,
  loaded: readonly ItemRecord[],
  tx: Tx,
  named: readonly ContainerRecord[] = [],
  around: ReadonlyMap<string, ContainerRecord> = new Map(),
): Decision {
  const { kind, reason, eventTime } = req;
  const batch = new MovementBatch();
  // The containers as this decision changes them; written once each at the end, whatever the number of changes.
  const work = new Map(around);
  for (const c of named) if (!work.has(c.id)) work.set(c.id, c);
  const touched = new Set<string>();
  // `holds`: the held item's hold count, kept as the containers' history (risk screening of a container exit).
  const bump = (first: string | undefined, delta: HeldContents, sign: 1 | -1, holds = 0) => {
    for (let id = first, n = 0; id && n < CONTAINER_DEPTH_MAX; n++) {
      const c = work.get(id);
      if (!c) throw newNotFound(`container ${id} is not on the ledger`);
      work.set(id, withHoldHistory(withHeld(c, delta, sign), holds));
      touched.add(id);
      id = c.parent;
    }
  };
  const items = loaded.map((item) => {
    // A seizure takes the item off its holder's book, which a packed item is on through its container's lines.
    if (kind === 'SEIZURE') requireLoose(item, 'seizure');
    if (TERMINAL_STATUSES.includes(item.status))
      throw newInvalidArgument(`${item.sgtin} is ${item.status}: its chain has ended`);
    let after: ItemRecord;
    if (kind === 'HOLD') {
      if (item.hold) throw newInvalidArgument(`${item.sgtin} is already held since ${item.hold.heldAt}`);
      after = next(
        item,
        { hold: { reason, heldAt: eventTime, by: req.by }, holds: (item.holds ?? 0) + 1 },
        eventTime,
        tx.id,
      );
    } else {
      if (!item.hold) throw newInvalidArgument(`${item.sgtin} is not held`);
      const { hold: _released, ...rest } = item;
      after = next(rest as ItemRecord, kind === 'SEIZURE' ? { status: 'SEIZED' } : {}, eventTime, tx.id);
    }
    if (item.container)
      bump(item.container, { count: 1, ids: [item.sgtin] }, kind === 'HOLD' ? 1 : -1, after.holds ?? 0);
    // A hold or release changes no book line (status, holder and location stay), packed or not.
    else batch.add(item, after);
    return after;
  });
  for (const n of named) {
    if (kind === 'SEIZURE') throw newInvalidArgument(`${n.id} is a container: unpack it and seize its items`);
    const c = work.get(n.id)!;
    let after: ContainerRecord;
    if (kind === 'HOLD') {
      if (c.hold) throw newInvalidArgument(`${c.id} is already held since ${c.hold.heldAt}`);
      after = { ...c, hold: { reason, heldAt: eventTime, by: req.by } };
    } else {
      if (!c.hold) throw newInvalidArgument(`${c.id} is not held`);
      const { hold: _released, ...rest } = c;
      after = rest;
    }
    work.set(c.id, { ...after, lastEventTime: eventTime, lastTxId: tx.id });
    touched.add(c.id);
    bump(c.parent, { count: 1, ids: [c.id] }, kind === 'HOLD' ? 1 : -1);
  }
  unique([...items.map((i) => i.sgtin), ...named.map((c) => c.id)], 'item or container');
  const writes: RecordWrite[] = [...touched].sort().map((id) => ({
    type: KeyType.container,
    attrs: [id],
    value: work.get(id)!,
  }));
  const location = items.find((i) => !i.container)?.location ?? work.get(named[0]?.id ?? '')?.location;
  return {
    type: kind,
    eventTime,
    items,
    ...(writes.length > 0 ? { writes } : {}),
    movements: batch.movements(),
    epcis: [
      objectEvent(tx, eventTime, req.eventId, 'OBSERVE', [...items.map((i) => i.sgtin), ...named.map((c) => c.id)], {
        bizStep: kind === 'RELEASE' ? 'inspecting' : 'holding',
        disposition: kind === 'HOLD' ? 'non_sellable_other' : kind === 'SEIZURE' ? 'unavailable' : 'active',
        ...(location ? { bizLocation: { id: locationId(location) } } : {}),
        'hn:reason': reason,
      }),
    ],
  };
}
