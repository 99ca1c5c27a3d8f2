/**
 * Cases and pallets on the chain (issue 15 Must 3, issue 16 Must 1). Pure decisions of goods:Pack, goods:Unpack,
 * goods:ShipContainer and goods:ReceiveContainer.
 *
 * Why this state: a container key holds the container's own state (holder, location, status, transit), its parent
 * (a case on a pallet), its direct child containers and the book lines (GTIN x regime counts) of every item inside it.
 * An item keeps a pointer to its container and its own key is written only when it is packed or unpacked; a move of
 * a container therefore writes that container's key alone (and posts one book movement per line, not per item),
 * whatever it holds. An item's effective state is its own record overlaid by the top container of its chain.
 * Packing and unpacking change only top-level containers (not one on a pallet), so no count above them goes stale.
 * An item inside a container cannot be moved alone (ITEM_IN_CONTAINER). Customs may hold a packed item or a whole
 * container (customs:Hold): the held key is written, and every container above it carries a bounded record of its
 * held contents (`held`: an exact count and the first HELD_NAMED_MAX ids), so a container move still reads and writes
 * its own key alone and can name what blocks it (ITEM_HELD). A held item or a container with held contents cannot be
 * packed, so a held good never leaves inside a case.
 */
import {
  ChaincodeError,
  CONTAINER_DEPTH_MAX,
  ErrorCode,
  newInvalidArgument,
  newInvalidTransition,
  newNotFound,
  type ContainerReceiveRequest,
  type ContainerShipRequest,
  type PackRequest,
  type Regime,
} from '@hainan/ledger-model';
import type { Decision, RecordWrite, Tx } from './decision';
import { BizTxType, epcisBase, locationId, objectEvent, partyId, type EpcisEvent } from './epcis';
import { next, requireHolder, requireNotHeld, requireStatus } from './lifecycle';
import type { ItemRecord, Movement } from './records';
import { KeyType } from '../ledger/keys';

/** Book line of the items inside a container: how many of one product under one regime. */
export interface ContainerLine {
  gtin: string;
  regime: Regime;
  qty: number;
  /** HS code of the product (risk screening of a container exit reads it); absent on lines packed before it was. */
  hsCode?: string;
}

/** How many held ids a container names; the count stays exact past it (bounds the container key). */
export const HELD_NAMED_MAX = 20;

/** Held contents of a container, directly or in child containers: held items and held cases. */
export interface HeldContents {
  count: number;
  /** The first HELD_NAMED_MAX held ids (item SGTINs or container ids), sorted. */
  ids: string[];
}

/** A customs hold, on an item or a container. */
export interface HoldRecord {
  reason: string;
  heldAt: string;
  by: string;
}

/** A case or pallet. */
export interface ContainerRecord {
  id: string;
  /** EXITED: the container left the island whole through the second line (goods:Exit); its contents with it. */
  status: 'IN_STOCK' | 'IN_TRANSIT' | 'EXITED';
  /** Enterprise that holds the container (and so everything in it). */
  holder: string;
  location: string;
  transit?: { shipmentId: string; to: string; toLocation: string; from: string; fromLocation: string };
  /** The container this one is packed in (a case on a pallet); while set, its own state is the parent's. */
  parent?: string;
  /** Items packed directly in this container. */
  items: number;
  /** Containers packed directly in this one. */
  containers: string[];
  /** Items inside, directly or in child containers, per book line (sorted by GTIN, regime). */
  lines: ContainerLine[];
  /** 1 for a container of items only, 1 + the deepest child's otherwise (bounded by CONTAINER_DEPTH_MAX). */
  depth: number;
  /** Customs-held contents (absent when none). */
  held?: HeldContents;
  /** A customs hold of the container itself: blocks its moves and its unpacking, and shows on every item inside. */
  hold?: HoldRecord;
  /**
   * The most customs holds and inspection discrepancies any item inside had when it was packed (an upper bound: it is
   * not lowered when items come out). Risk screening of a container exit reads it instead of every item's key.
   */
  history?: { holds: number; discrepancies: number };
  /** The second-line exit the container left with (status EXITED). */
  exit?: { releaseListNo: string; port: string; exitValueFen: number; exitedAt: string };
  createdAt: string;
  createdBy: string;
  lastEventTime: string;
  lastTxId: string;
}

/** What a pack or unpack reads: the parent (absent when new), its child items and child containers. */
export interface PackState {
  readonly parent: ContainerRecord | undefined;
  readonly items: readonly (ItemRecord | undefined)[];
  readonly containers: readonly (ContainerRecord | undefined)[];
}

/** Items inside a container, summed over its lines. */
export function contentCount(c: ContainerRecord): number {
  return c.lines.reduce((n, l) => n + l.qty, 0);
}

/**
 * The effective state of an item: its own record overlaid by the top container of its chain (`chain` lists the
 * containers from the item's own up to the top, as loaded).
 */
export function effectiveItem(item: ItemRecord, chain: readonly ContainerRecord[]): ItemRecord {
  const top = chain[chain.length - 1];
  if (!item.container || !top) return item;
  const { transit: _own, ...rest } = item;
  // A hold of any container around the item holds the item while it is inside.
  const hold = item.hold ?? chain.find((c) => c.hold)?.hold;
  return {
    ...rest,
    ...(hold ? { hold } : {}),
    status: top.status,
    holder: top.holder,
    location: top.location,
    ...(top.transit ? { transit: top.transit } : {}),
  };
}

/** Refuses a step on an item alone while it is packed (unpack it first). */
export function requireLoose(item: ItemRecord, step: string): void {
  if (item.container)
    throw new ChaincodeError(
      ErrorCode.ITEM_IN_CONTAINER,
      `${step} of ${item.sgtin} refused: it is packed in ${item.container}; unpack it first`,
    );
}

function addLines(lines: ContainerLine[], more: readonly ContainerLine[], sign: 1 | -1): ContainerLine[] {
  const by = new Map(lines.map((l) => [`${l.gtin} ${l.regime}`, { ...l }]));
  for (const l of more) {
    const k = `${l.gtin} ${l.regime}`;
    const have = by.get(k);
    if (have) have.qty += sign * l.qty;
    else by.set(k, { ...l, qty: sign * l.qty });
  }
  return [...by.entries()]
    .filter(([, l]) => l.qty !== 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, l]) => l);
}

function itemLines(items: readonly ItemRecord[]): ContainerLine[] {
  return addLines(
    [],
    items.map((i) => ({ gtin: i.product.gtin, regime: i.regime, qty: 1, hsCode: i.product.hsCode })),
    1,
  );
}

/** The held contents of `c` after adding (`sign` 1) or removing (-1) `more`; absent once the count is 0. */
export function withHeld(c: ContainerRecord, more: HeldContents, sign: 1 | -1): ContainerRecord {
  const count = (c.held?.count ?? 0) + sign * more.count;
  const { held: _old, ...rest } = c;
  if (count <= 0) return rest;
  const have = c.held?.ids ?? [];
  const ids = sign === 1 ? [...new Set([...have, ...more.ids])].sort() : have.filter((id) => !more.ids.includes(id));
  return { ...rest, held: { count, ids: ids.slice(0, HELD_NAMED_MAX) } };
}

/** What a container contributes to the held contents of the containers above it: its own hold and its contents. */
export function heldWithin(c: ContainerRecord): HeldContents {
  const own = c.hold ? 1 : 0;
  return {
    count: own + (c.held?.count ?? 0),
    ids: [...(c.hold ? [c.id] : []), ...(c.held?.ids ?? [])].slice(0, HELD_NAMED_MAX),
  };
}

/** The history a container keeps of its contents (see ContainerRecord.history), absent when nothing was ever held. */
function historyOf(
  containers: readonly ContainerRecord[],
  items: readonly ItemRecord[],
): ContainerRecord['history'] | undefined {
  let holds = 0;
  let discrepancies = 0;
  for (const c of containers) {
    holds = Math.max(holds, c.history?.holds ?? 0);
    discrepancies = Math.max(discrepancies, c.history?.discrepancies ?? 0);
  }
  for (const i of items) {
    holds = Math.max(holds, i.holds ?? 0);
    discrepancies = Math.max(discrepancies, i.discrepancies ?? 0);
  }
  return holds + discrepancies > 0 ? { holds, discrepancies } : undefined;
}

/** `c` with its history raised to at least `holds` customs holds of one item inside (a packed item held again). */
export function withHoldHistory(c: ContainerRecord, holds: number): ContainerRecord {
  const h = c.history ?? { holds: 0, discrepancies: 0 };
  return holds > h.holds ? { ...c, history: { ...h, holds } } : c;
}

/** Refuses a step on a container that customs holds itself (ITEM_HELD). */
export function requireContainerNotHeld(c: ContainerRecord, step: string): void {
  if (c.hold)
    throw new ChaincodeError(
      ErrorCode.ITEM_HELD,
      `${step} of ${c.id} refused: held by customs since ${c.hold.heldAt} (${c.hold.reason})`,
    );
}

/** Refuses a step on a container that customs holds, or that has held contents (ITEM_HELD naming them). */
export function requireNothingHeld(c: ContainerRecord, step: string): void {
  requireContainerNotHeld(c, step);
  if (c.held && c.held.count > 0) {
    const more = c.held.count - c.held.ids.length;
    throw new ChaincodeError(
      ErrorCode.ITEM_HELD,
      `${step} of ${c.id} refused: customs holds ${c.held.count} inside: ${c.held.ids.join(', ')}${more > 0 ? ` and ${more} more` : ''}`,
    );
  }
}

/** A top-level container the caller holds in stock at a location: the only kind a step may change. */
function requireTopInStock(c: ContainerRecord, enterprise: string, step: string): void {
  if (c.parent)
    throw newInvalidTransition(`${step} of ${c.id} refused: it is packed in ${c.parent}; unpack it from there first`);
  if (c.status !== 'IN_STOCK')
    throw newInvalidTransition(`${step} of ${c.id} refused: the container is ${c.status}, ${step} needs IN_STOCK`);
  if (c.holder !== enterprise)
    throw new ChaincodeError(
      ErrorCode.NOT_HOLDER,
      `${step} of ${c.id} refused: held by ${c.holder}, not by ${enterprise}`,
    );
}

function aggregationEvent(tx: Tx, req: PackRequest, action: 'ADD' | 'DELETE', location: string): EpcisEvent {
  return {
    type: 'AggregationEvent',
    ...epcisBase(tx, req.eventTime.iso, req.eventId),
    action,
    parentID: req.parent,
    childEPCs: [...req.containers, ...req.items],
    bizStep: action === 'ADD' ? 'packing' : 'unpacking',
    disposition: 'in_progress',
    readPoint: { id: locationId(location) },
    bizLocation: { id: locationId(location) },
  };
}

/** goods:Pack (AggregationEvent ADD): items and cases into a case or pallet, new or top-level and in stock. */
export function decidePack(req: PackRequest, enterprise: string, state: PackState, tx: Tx): Decision {
  const eventTime = req.eventTime.iso;
  const items = state.items.map((item, i) => {
    if (!item) throw newNotFound(`item ${req.items[i]} has no first-line entry on the ledger`);
    requireLoose(item, 'packing');
    requireNotHeld(item, 'packing');
    requireStatus(item, ['IN_STOCK'], 'packing');
    requireHolder(item, enterprise, 'packing');
    return item;
  });
  const children = state.containers.map((c, i) => {
    if (!c) throw newNotFound(`container ${req.containers[i]} is not on the ledger`);
    requireTopInStock(c, enterprise, 'packing');
    // Held goods are not packed, alone or in a case, so no count of held contents is added by a pack.
    requireNothingHeld(c, 'packing');
    return c;
  });
  if (state.parent) {
    requireTopInStock(state.parent, enterprise, 'packing into');
    requireContainerNotHeld(state.parent, 'packing into');
  }
  const location = state.parent?.location ?? items[0]?.location ?? children[0]!.location;
  for (const x of [...items.map((i) => ({ id: i.sgtin, location: i.location })), ...children])
    if (x.location !== location)
      throw newInvalidArgument(`${x.id} is at ${x.location}, not at ${location} where ${req.parent} is packed`);
  const depth = Math.max(state.parent?.depth ?? 1, ...children.map((c) => c.depth + 1));
  if (depth > CONTAINER_DEPTH_MAX)
    throw newInvalidArgument(`containers nest at most ${CONTAINER_DEPTH_MAX} deep; ${req.parent} would be ${depth}`);
  const base: ContainerRecord = state.parent ?? {
    id: req.parent,
    status: 'IN_STOCK',
    holder: enterprise,
    location,
    items: 0,
    containers: [],
    lines: [],
    depth: 1,
    createdAt: eventTime,
    createdBy: enterprise,
    lastEventTime: eventTime,
    lastTxId: tx.id,
  };
  let lines = addLines(base.lines, itemLines(items), 1);
  for (const c of children) lines = addLines(lines, c.lines, 1);
  const history = historyOf([base, ...children], items);
  const parent: ContainerRecord = {
    ...base,
    ...(history ? { history } : {}),
    items: base.items + items.length,
    containers: [...base.containers, ...children.map((c) => c.id)].sort(),
    lines,
    depth,
    lastEventTime: eventTime,
    lastTxId: tx.id,
  };
  const packed = children.map(
    (c): ContainerRecord => ({ ...c, parent: req.parent, lastEventTime: eventTime, lastTxId: tx.id }),
  );
  const writes: RecordWrite[] = [
    ...packed.map((c) => ({ type: KeyType.container, attrs: [c.id], value: c })),
    { type: KeyType.container, attrs: [parent.id], value: parent },
  ];
  return {
    type: 'PACK',
    eventTime,
    // Packing changes no book: the items stay with their holder at their location.
    items: items.map((i) => next(i, { container: req.parent }, eventTime, tx.id)),
    writes,
    // The packed cases too: the gateway's projection opens their membership from the event alone.
    records: { containers: [...packed, parent] },
    epcis: [aggregationEvent(tx, req, 'ADD', location)],
  };
}

/** goods:Unpack (AggregationEvent DELETE): named items and cases out of a top-level container in stock. */
export function decideUnpack(req: PackRequest, enterprise: string, state: PackState, tx: Tx): Decision {
  const eventTime = req.eventTime.iso;
  const parent = state.parent;
  if (!parent) throw newNotFound(`container ${req.parent} is not on the ledger`);
  requireTopInStock(parent, enterprise, 'unpacking');
  // A held container stays closed until customs releases it; held contents may come out and stay held.
  requireContainerNotHeld(parent, 'unpacking');
  const items = state.items.map((item, i) => {
    if (!item) throw newNotFound(`item ${req.items[i]} has no first-line entry on the ledger`);
    if (item.container !== parent.id)
      throw newInvalidTransition(`unpacking of ${item.sgtin} refused: it is not packed in ${parent.id}`);
    // The item takes its container's state as its own again (it was moved with it).
    const { container: _out, transit: _t, ...rest } = item;
    return next(
      { ...rest, status: 'IN_STOCK', holder: parent.holder, location: parent.location } as ItemRecord,
      {},
      eventTime,
      tx.id,
    );
  });
  const children = state.containers.map((c, i) => {
    if (!c) throw newNotFound(`container ${req.containers[i]} is not on the ledger`);
    if (c.parent !== parent.id)
      throw newInvalidTransition(`unpacking of ${c.id} refused: it is not packed in ${parent.id}`);
    const { parent: _p, transit: _t, ...rest } = c;
    return {
      ...rest,
      status: 'IN_STOCK',
      holder: parent.holder,
      location: parent.location,
      lastEventTime: eventTime,
      lastTxId: tx.id,
    } as ContainerRecord;
  });
  let lines = addLines(parent.lines, itemLines(items), -1);
  for (const c of children) lines = addLines(lines, c.lines, -1);
  const gone = new Set(children.map((c) => c.id));
  const containers = parent.containers.filter((id) => !gone.has(id));
  // Held items and cases keep their holds outside; the parent no longer counts them.
  let counted = parent;
  for (const i of items) if (i.hold) counted = withHeld(counted, { count: 1, ids: [i.sgtin] }, -1);
  for (const c of children) counted = withHeld(counted, heldWithin(c), -1);
  const after: ContainerRecord = {
    ...counted,
    items: parent.items - items.length,
    containers,
    lines,
    // Depth is kept as an upper bound when cases leave (their depths are not loaded); 1 once only items remain.
    depth: containers.length === 0 ? 1 : parent.depth,
    lastEventTime: eventTime,
    lastTxId: tx.id,
  };
  return {
    type: 'UNPACK',
    eventTime,
    items,
    writes: [
      ...children.map((c) => ({ type: KeyType.container, attrs: [c.id], value: c })),
      { type: KeyType.container, attrs: [after.id], value: after },
    ],
    // The unpacked cases too: the gateway's projection closes their membership from the event alone.
    records: { containers: [...children, after] },
    epcis: [aggregationEvent(tx, req, 'DELETE', parent.location)],
  };
}

/** Book movements of whole containers: one per line, `sign` -1 off `enterprise` at `location`, +1 onto it. */
export function containerMovements(
  containers: readonly { lines: readonly ContainerLine[] }[],
  enterprise: string,
  location: string,
  sign: 1 | -1,
): Movement[] {
  let lines: ContainerLine[] = [];
  for (const c of containers) lines = addLines(lines, c.lines, 1);
  return lines.map((l) => ({ enterprise, gtin: l.gtin, regime: l.regime, location, qty: sign * l.qty }));
}

/** goods:ShipContainer: top-level containers the caller holds in stock, with everything in them. */
export function decideContainerShipment(
  req: ContainerShipRequest,
  enterprise: string,
  to: string,
  loaded: readonly (ContainerRecord | undefined)[],
  tx: Tx,
): Decision {
  const eventTime = req.eventTime.iso;
  const containers = loaded.map((c, i) => {
    if (!c) throw newNotFound(`container ${req.containers[i]} is not on the ledger`);
    requireTopInStock(c, enterprise, 'shipment');
    requireNothingHeld(c, 'shipment');
    return c;
  });
  const from = containers[0]!.location;
  if (containers.some((c) => c.location !== from))
    throw newInvalidArgument('the containers of one shipment must leave from one location');
  if (to === enterprise && from === req.toLocation)
    throw newInvalidArgument('a shipment must change the enterprise or the location');
  const transit = { shipmentId: req.shipmentId, to, toLocation: req.toLocation, from: enterprise, fromLocation: from };
  const after = containers.map(
    (c): ContainerRecord => ({ ...c, status: 'IN_TRANSIT', transit, lastEventTime: eventTime, lastTxId: tx.id }),
  );
  const epcis = objectEvent(
    tx,
    eventTime,
    req.eventId,
    'OBSERVE',
    after.map((c) => c.id),
    {
      bizStep: 'shipping',
      disposition: 'in_transit',
      readPoint: { id: locationId(from) },
      bizTransactionList: [{ type: BizTxType.shipment, bizTransaction: `urn:hn:shipment:${req.shipmentId}` }],
      sourceList: [
        { type: 'owning_party', source: partyId(enterprise) },
        { type: 'location', source: locationId(from) },
      ],
      destinationList: [
        { type: 'owning_party', destination: partyId(to) },
        { type: 'location', destination: locationId(req.toLocation) },
      ],
    },
  );
  return {
    type: 'CONTAINER_SHIPMENT',
    eventTime,
    writes: after.map((c) => ({ type: KeyType.container, attrs: [c.id], value: c })),
    movements: containerMovements(containers, enterprise, from, -1),
    records: { containers: after },
    epcis: [epcis],
  };
}

/** goods:ReceiveContainer: the receiver confirms containers at the location and under the shipment they were sent. */
export function decideContainerReceipt(
  req: ContainerReceiveRequest,
  enterprise: string,
  loaded: readonly (ContainerRecord | undefined)[],
  tx: Tx,
): Decision {
  const eventTime = req.eventTime.iso;
  const after = loaded.map((c, i): ContainerRecord => {
    if (!c) throw newNotFound(`container ${req.containers[i]} is not on the ledger`);
    if (c.parent) throw newInvalidTransition(`receipt of ${c.id} refused: it travels packed in ${c.parent}`);
    if (c.status !== 'IN_TRANSIT' || !c.transit)
      throw newInvalidTransition(`receipt of ${c.id} refused: the container is ${c.status}, receipt needs IN_TRANSIT`);
    const t = c.transit;
    if (t.to !== enterprise)
      throw new ChaincodeError(ErrorCode.WRONG_RECEIPT, `${c.id} was shipped to ${t.to}, not to ${enterprise}`);
    if (t.toLocation !== req.location)
      throw new ChaincodeError(
        ErrorCode.WRONG_RECEIPT,
        `${c.id} was shipped to location ${t.toLocation}, not to ${req.location}`,
      );
    if (t.shipmentId !== req.shipmentId)
      throw new ChaincodeError(
        ErrorCode.WRONG_RECEIPT,
        `${c.id} travels under shipment ${t.shipmentId}, not ${req.shipmentId}`,
      );
    const { transit: _done, ...rest } = c;
    return {
      ...rest,
      status: 'IN_STOCK',
      holder: enterprise,
      location: req.location,
      lastEventTime: eventTime,
      lastTxId: tx.id,
    };
  });
  const epcis = objectEvent(
    tx,
    eventTime,
    req.eventId,
    'OBSERVE',
    after.map((c) => c.id),
    {
      bizStep: 'receiving',
      disposition: 'in_progress',
      readPoint: { id: locationId(req.location) },
      bizLocation: { id: locationId(req.location) },
      bizTransactionList: [{ type: BizTxType.shipment, bizTransaction: `urn:hn:shipment:${req.shipmentId}` }],
    },
  );
  return {
    type: 'CONTAINER_RECEIPT',
    eventTime,
    writes: after.map((c) => ({ type: KeyType.container, attrs: [c.id], value: c })),
    movements: containerMovements(after, enterprise, req.location, 1),
    records: { containers: after },
    epcis: [epcis],
  };
}
