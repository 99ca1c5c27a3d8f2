/**
 * The item state machine ("one goods, one chain"): every transition checks the item's status, hold and holder,
 * and refuses anything else with a stable code. Book membership is derived from the item itself — an item is
 * on its holder's book at its location while IN_STOCK (held or not) — so account movements are computed as the
 * difference between an item's book line before and after a transition, and the books equal the items by
 * construction.
 */
import { ChaincodeError, ErrorCode, newInvalidTransition, newNotFound } from '@hainan/ledger-model';
import type { ItemRecord, ItemStatus, Movement } from './records';

/** The book line an item counts on, or undefined when it is on no book. */
export function bookLine(item: ItemRecord | undefined): Omit<Movement, 'qty'> | undefined {
  if (item?.status !== 'IN_STOCK') return undefined;
  return { enterprise: item.holder, gtin: item.product.gtin, regime: item.regime, location: item.location };
}

const lineKey = (l: Omit<Movement, 'qty'>) => `${l.enterprise}\u0000${l.gtin}\u0000${l.regime}\u0000${l.location}`;

/** Accumulates net book movements over many item transitions, in a deterministic order. */
export class MovementBatch {
  readonly #lines = new Map<string, Movement>();

  /** Records the book effect of one item going from `before` to `after`. */
  add(before: ItemRecord | undefined, after: ItemRecord | undefined): void {
    const from = bookLine(before);
    const to = bookLine(after);
    if (from && to && lineKey(from) === lineKey(to)) return;
    if (from) this.#bump(from, -1);
    if (to) this.#bump(to, +1);
  }

  /** Posts `qty` to one book line directly (a container's contents, counted by line, not item by item). */
  post(line: Omit<Movement, 'qty'>, qty: number): void {
    this.#bump(line, qty);
  }

  #bump(line: Omit<Movement, 'qty'>, qty: number): void {
    const k = lineKey(line);
    const m = this.#lines.get(k);
    if (m) m.qty += qty;
    else this.#lines.set(k, { ...line, qty });
  }

  /** Non-zero net movements sorted by line. */
  movements(): Movement[] {
    return [...this.#lines.entries()]
      .filter(([, m]) => m.qty !== 0)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, m]) => m);
  }
}

/** Requires an item to exist. */
export function requireItem(item: ItemRecord | undefined, id: string): ItemRecord {
  if (!item) throw newNotFound(`item ${id} has no first-line entry on the ledger`);
  return item;
}

/** Requires one of the statuses, naming the step that was refused. */
export function requireStatus(item: ItemRecord, allowed: readonly ItemStatus[], step: string): void {
  if (!allowed.includes(item.status)) {
    throw newInvalidTransition(
      `${step} of ${item.sgtin} refused: the item is ${item.status}, ${step} needs ${allowed.join(' or ')}`,
    );
  }
}

/** Requires that customs does not hold the item. */
export function requireNotHeld(item: ItemRecord, step: string): void {
  if (item.hold)
    throw new ChaincodeError(
      ErrorCode.ITEM_HELD,
      `${step} of ${item.sgtin} refused: held by customs since ${item.hold.heldAt} (${item.hold.reason})`,
    );
}

/** Requires the caller's enterprise to hold the item. */
export function requireHolder(item: ItemRecord, enterprise: string, step: string): void {
  if (item.holder !== enterprise) {
    throw new ChaincodeError(
      ErrorCode.NOT_HOLDER,
      `${step} of ${item.sgtin} refused: held by ${item.holder}, not by ${enterprise}`,
    );
  }
}

/** Requires an event not to predate the item's last event (an item's chain is ordered by event time). */
export function requireNotBefore(item: ItemRecord, eventTime: string, eventMs: number, lastMs: number): void {
  if (eventMs < lastMs) {
    throw newInvalidTransition(
      `event time ${eventTime} of ${item.sgtin} is before its last event at ${item.lastEventTime}`,
    );
  }
}

/** A new version of the item, stamped with the event. */
export function next(item: ItemRecord, changes: Partial<ItemRecord>, eventTime: string, txId: string): ItemRecord {
  return { ...item, ...changes, lastEventTime: eventTime, lastTxId: txId };
}
