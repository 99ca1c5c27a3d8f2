/**
 * The decision of customs supervision of goods: hold, release and seizure. A hold overlays any state but the end
 * states; a held item can only be released or seized, and a seized item leaves its holder's book. Pure: the customs
 * contract loads, decides and commits (ledger/commit.ts).
 */
import { newInvalidArgument, unique } from '@hainan/ledger-model';
import type { Decision, Tx } from './decision';
import { locationId, objectEvent } from './epcis';
import { MovementBatch, next } from './lifecycle';
import { TERMINAL_STATUSES, type ItemRecord } from './records';

export type SupervisionKind = 'HOLD' | 'RELEASE' | 'SEIZURE';

/** A supervision request: why, by whom (the customs caller's id), when, and the client's EPCIS event id. */
export interface SupervisionRequest {
  readonly kind: SupervisionKind;
  readonly reason: string;
  readonly by: string;
  readonly eventTime: string;
  readonly eventId: string | undefined;
}

/** Holds, releases or seizes the items, each checked in order, then refuses an item named twice. */
export function decideSupervision(req: SupervisionRequest, loaded: readonly ItemRecord[], tx: Tx): Decision {
  const { kind, reason, eventTime } = req;
  const batch = new MovementBatch();
  const items = loaded.map((item) => {
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
    batch.add(item, after);
    return after;
  });
  unique(
    items.map((i) => i.sgtin),
    'item',
  );
  return {
    type: kind,
    eventTime,
    items,
    movements: batch.movements(),
    epcis: [
      objectEvent(
        tx,
        eventTime,
        req.eventId,
        'OBSERVE',
        items.map((i) => i.sgtin),
        {
          bizStep: kind === 'RELEASE' ? 'inspecting' : 'holding',
          disposition: kind === 'HOLD' ? 'non_sellable_other' : kind === 'SEIZURE' ? 'unavailable' : 'active',
          bizLocation: { id: locationId(items[0]!.location) },
          'hn:reason': reason,
        },
      ),
    ],
  };
}
