/**
 * Turns the chaincode's `LedgerEvent` payloads into projection rows. Pure: no database, no Fabric. The event's name,
 * version and shapes are @hainan/ledger-model's (ledger-event.ts), re-exported here for the projection's modules.
 */
import type {
  ProjectedContainer,
  ProjectedContainerEvent,
  ProjectedEpcisEvent,
  ProjectedItem,
  ProjectedItemEvent,
  ProjectedMembership,
  ProjectedMembershipEnd,
  ProjectedMovement,
  ProjectedParty,
  ProjectedRequest,
  ProjectedTransaction,
  ProjectionBatch,
} from '../repositories/projection';
import { sha256Hex } from './canonical-json';
import type { LedgerEpcisEvent, LedgerEventPayload, LedgerItem, LedgerItemGroup } from '@hainan/ledger-model';

export {
  LEDGER_EVENT_NAME,
  LEDGER_EVENT_VERSION,
  type LedgerEpcisEvent,
  type LedgerEventPayload,
  type LedgerItem,
  type LedgerItemGroup,
  type LedgerMovement,
} from '@hainan/ledger-model';

/** One delivered chaincode event with its place in the chain. */
export interface PositionedEvent {
  readonly blockNumber: bigint;
  /** Position among the chaincode events of the block. */
  readonly txSeq: number;
  readonly transactionId: string;
  readonly payload: Uint8Array;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decode and check a payload. A payload that is not a LedgerEvent is a chaincode bug, not a user error.
 *
 * @param event - The delivered event.
 * @returns The payload.
 * @throws Error when the bytes are not a LedgerEvent of this transaction.
 */
export function decodeLedgerEvent(event: PositionedEvent): LedgerEventPayload {
  const payload = JSON.parse(utf8.decode(event.payload)) as LedgerEventPayload;
  if (
    typeof payload !== 'object' ||
    payload === null ||
    payload.txId !== event.transactionId ||
    typeof payload.type !== 'string' ||
    !Array.isArray(payload.movements) ||
    !(payload.v === 2
      ? Array.isArray(payload.itemGroups) && payload.itemGroups.every(isItemGroup)
      : Array.isArray(payload.items))
  ) {
    throw new Error(
      `chaincode event of transaction ${event.transactionId} in block ${event.blockNumber} is not a LedgerEvent`,
    );
  }
  return payload;
}

function isItemGroup(g: unknown): boolean {
  const group = g as Partial<LedgerItemGroup> | null;
  return (
    typeof group === 'object' &&
    group !== null &&
    typeof group.record === 'object' &&
    group.record !== null &&
    Array.isArray(group.sgtins)
  );
}

/**
 * Every item a payload names, as it now is, whichever version the payload is.
 *
 * @param payload - A decoded payload.
 * @returns The items, in the order the chaincode listed them (group by group for version 2).
 */
export function itemsOf(payload: LedgerEventPayload): LedgerItem[] {
  if (payload.itemGroups === undefined) return payload.items ?? [];
  return payload.itemGroups.flatMap((g) => g.sgtins.map((sgtin) => ({ ...g.record, sgtin }) as LedgerItem));
}

/**
 * {@link itemsOf} with each item's group record (version 2: the same object for the group's items, which are
 * `{ ...base, sgtin }`); version 1 items have none.
 */
export function itemsWithBaseOf(payload: LedgerEventPayload): { item: LedgerItem; base: object | undefined }[] {
  if (payload.itemGroups === undefined) return (payload.items ?? []).map((item) => ({ item, base: undefined }));
  return payload.itemGroups.flatMap((g) =>
    g.sgtins.map((sgtin) => ({ item: { ...g.record, sgtin } as LedgerItem, base: g.record })),
  );
}

/** How many items a payload names (without expanding groups). */
export function itemCountOf(payload: LedgerEventPayload): number {
  return payload.itemGroups === undefined
    ? (payload.items?.length ?? 0)
    : payload.itemGroups.reduce((n, g) => n + g.sgtins.length, 0);
}

/** The EPCs an EPCIS event names (objects, inputs, outputs, children). */
export function epcsOf(event: LedgerEpcisEvent): string[] {
  const all = [
    ...(event.epcList ?? []),
    ...(event.inputEPCList ?? []),
    ...(event.outputEPCList ?? []),
    ...(event.childEPCs ?? []),
  ];
  return Array.from(new Set(all));
}

/** Where the chain keeps a sender's whole event as JSON text (observations, error declarations: issue 15). */
const EVENT_JSON_FIELD = 'hn:eventJson';

/** The event as its sender captured it, when the chain kept it as text; else the chain's event itself. */
export function wholeEvent(event: LedgerEpcisEvent): LedgerEpcisEvent {
  const text = event[EVENT_JSON_FIELD];
  return typeof text === 'string' ? (JSON.parse(text) as LedgerEpcisEvent) : event;
}

const FIRST_EVENT: readonly number[] = Object.freeze([0]);
const NO_EVENT: readonly number[] = Object.freeze([]);

/**
 * Project events (in chain order) into one batch: later events win for item rows.
 *
 * @param events - Delivered events with their decoded payloads, in chain order.
 * @returns The rows to write.
 */
export function projectEvents(
  events: readonly { position: PositionedEvent; payload: LedgerEventPayload }[],
): ProjectionBatch {
  const transactions: ProjectedTransaction[] = [];
  const items = new Map<string, ProjectedItem>();
  const itemEvents: ProjectedItemEvent[] = [];
  const epcisEvents: ProjectedEpcisEvent[] = [];
  const movements = new Map<string, ProjectedMovement>();
  const parties = new Map<string, ProjectedParty>();
  const requests = new Map<string, ProjectedRequest>();
  const containers = new Map<string, ProjectedContainer>();
  const memberships: Mutable<ProjectedMembership>[] = [];
  /** The membership this batch opened and not yet closed, per member. */
  const openedHere = new Map<string, Mutable<ProjectedMembership>>();
  const membershipEnds: ProjectedMembershipEnd[] = [];
  const containerEvents: ProjectedContainerEvent[] = [];

  for (const { position, payload } of events) {
    const { blockNumber, txSeq } = position;
    transactions.push({
      txId: payload.txId,
      blockNumber,
      txSeq,
      type: payload.type,
      eventTime: payload.eventTime,
      recordTime: payload.recordTime,
      actor: payload.actor,
      payloadSha256: sha256Hex(position.payload),
      payload,
    });
    const epcis = payload.epcis ?? [];
    const epcsByEvent = epcis.map(epcsOf);
    const namedBy = epcsByEvent.map((epcs) => new Set(epcs));
    // Positions of the events naming an item; with one EPCIS event (the usual case) one of two shared arrays, so a
    // 1,000-item transaction does not allocate 1,000 of them (the rows are read only).
    const positionsNaming =
      namedBy.length === 1
        ? (sgtin: string): readonly number[] => (namedBy[0]!.has(sgtin) ? FIRST_EVENT : NO_EVENT)
        : (sgtin: string): readonly number[] => namedBy.flatMap((epcs, i) => (epcs.has(sgtin) ? [i] : []));
    epcis.forEach((event, eventSeq) => {
      epcisEvents.push({
        eventId: event.eventID,
        txId: payload.txId,
        blockNumber,
        txSeq,
        eventSeq,
        eventTime: event.eventTime,
        bizStep: event.bizStep ?? null,
        bizLocation: event.bizLocation?.id ?? null,
        epcs: epcsByEvent[eventSeq] ?? [],
        event: wholeEvent(event),
      });
    });
    for (const { item, base } of itemsWithBaseOf(payload)) {
      items.set(item.sgtin, {
        sgtin: item.sgtin,
        traceCode: item.traceCode ?? null,
        gtin: item.product.gtin,
        status: item.status,
        holder: item.holder,
        location: item.location,
        regime: item.regime,
        held: item.hold !== undefined,
        lastTxId: payload.txId,
        lastBlock: blockNumber,
        lastTxSeq: txSeq,
        lastEventTime: item.lastEventTime,
        record: item,
        recordBase: base,
      });
      itemEvents.push({
        sgtin: item.sgtin,
        txId: payload.txId,
        blockNumber,
        txSeq,
        eventTime: payload.eventTime,
        recordTime: payload.recordTime,
        type: payload.type,
        // Positions of the transaction's EPCIS events that name the item, not copies of them: an event of a
        // 1,000-item transaction names 1,000 items, and a copy per item made the projection quadratic.
        epcis: positionsNaming(item.sgtin),
        item,
        itemBase: base,
      });
      for (const enterprise of [item.holder, item.transit?.to]) {
        if (enterprise !== undefined)
          parties.set(`${item.sgtin}\u0000${enterprise}`, { sgtin: item.sgtin, enterprise });
      }
    }
    // Cases and pallets: the container rows, membership intervals and moves. A move (shipment, receipt) is one
    // row per container; only a pack or unpack, which writes the items' keys on the chain too, touches items.
    const at = { txId: payload.txId, block: blockNumber, txSeq, time: payload.eventTime };
    const changed = containersOf(payload);
    for (const c of changed) {
      containers.set(c.id, {
        containerId: c.id,
        holder: c.holder,
        location: c.location,
        status: c.status,
        parent: c.parent ?? null,
        lastTxId: payload.txId,
        lastBlock: blockNumber,
        lastTxSeq: txSeq,
        record: c,
      });
    }
    if (payload.type === 'PACK') {
      for (const item of itemsOf(payload)) if (item.container !== undefined) open(item.sgtin, item.container, at);
      for (const c of changed)
        if (c.parent !== undefined) {
          open(c.id, c.parent, at);
          containerEvents.push(containerEvent(c, payload, position));
        }
    } else if (payload.type === 'UNPACK') {
      // The container unpacked from is the event's last container (the chaincode lists the unpacked cases first).
      const from = changed[changed.length - 1]?.id;
      if (from === undefined) throw new Error(`UNPACK transaction ${payload.txId} names no container`);
      for (const item of itemsOf(payload)) close(item.sgtin, from, at);
      for (const c of changed)
        if (c.id !== from) {
          close(c.id, from, at);
          containerEvents.push(containerEvent(c, payload, position));
        }
    } else {
      // A step on whole containers (shipment, receipt, exit, gate release, inspection): one row per container, and
      // the items inside read its new status through their membership (an exited pallet's items read EXITED).
      for (const c of changed) containerEvents.push(containerEvent(c, payload, position));
    }
    const request = requestOf(payload);
    if (request !== undefined) {
      requests.set(request.requestId, {
        requestId: request.requestId,
        enterprise: request.enterprise,
        kind: request.kind,
        status: request.status,
        filedAt: request.filedAt,
        dueAt: request.dueAt,
        answeredAt: request.answeredAt ?? null,
        closedAt: request.closedAt ?? null,
        lastTxId: payload.txId,
        lastBlock: blockNumber,
        lastTxSeq: txSeq,
        record: request,
      });
    }
    for (const m of payload.movements) {
      movements.set([m.enterprise, m.gtin, m.regime, m.location, m.txId].join('\u0000'), {
        enterprise: m.enterprise,
        gtin: m.gtin,
        regime: m.regime,
        location: m.location,
        txId: m.txId,
        qty: m.qty,
        eventType: m.eventType,
        eventTime: m.eventTime,
        period: m.period,
      });
    }
  }
  function open(member: string, containerId: string, a: ChainPoint): void {
    const m: Mutable<ProjectedMembership> = {
      member,
      containerId,
      fromTxId: a.txId,
      fromBlock: a.block,
      fromTxSeq: a.txSeq,
      fromTime: a.time,
      toTxId: null,
      toBlock: null,
      toTxSeq: null,
      toTime: null,
    };
    memberships.push(m);
    openedHere.set(member, m);
  }

  function close(member: string, containerId: string, a: ChainPoint): void {
    const m = openedHere.get(member);
    if (m !== undefined && m.containerId === containerId) {
      m.toTxId = a.txId;
      m.toBlock = a.block;
      m.toTxSeq = a.txSeq;
      m.toTime = a.time;
      openedHere.delete(member);
      return;
    }
    membershipEnds.push({ member, containerId, toTxId: a.txId, toBlock: a.block, toTxSeq: a.txSeq, toTime: a.time });
  }

  return {
    transactions,
    ...(containers.size > 0 ? { containers: Array.from(containers.values()) } : {}),
    ...(memberships.length > 0 ? { memberships } : {}),
    ...(membershipEnds.length > 0 ? { membershipEnds } : {}),
    ...(containerEvents.length > 0 ? { containerEvents } : {}),
    items: Array.from(items.values()),
    itemEvents,
    epcisEvents,
    movements: Array.from(movements.values()),
    parties: Array.from(parties.values()),
    requests: Array.from(requests.values()),
  };
}

/** The fields of the chaincode's request record (chaincode/src/domain/requests.ts) the projection indexes. */
interface LedgerRequestRecord {
  readonly requestId: string;
  readonly enterprise: string;
  readonly kind: string;
  readonly status: string;
  readonly filedAt: string;
  readonly dueAt: string;
  readonly answeredAt?: string;
  readonly closedAt?: string;
}

/** The request a REQUEST_FILED / REQUEST_ANSWERED event carries (`records.request`), if any. */
function requestOf(payload: LedgerEventPayload): LedgerRequestRecord | undefined {
  const request = payload.records?.request as Partial<LedgerRequestRecord> | undefined;
  if (typeof request !== 'object' || request === null) return undefined;
  if (typeof request.requestId !== 'string' || typeof request.enterprise !== 'string') {
    throw new Error(`chaincode event of transaction ${payload.txId} carries a request record without its id`);
  }
  return request as LedgerRequestRecord;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A transaction's place in the chain and its event time. */
interface ChainPoint {
  readonly txId: string;
  readonly block: bigint;
  readonly txSeq: number;
  readonly time: string;
}

/** The fields of the chaincode's container record (chaincode/src/domain/containers.ts) the projection indexes. */
interface LedgerContainerRecord {
  readonly id: string;
  readonly holder: string;
  readonly location: string;
  readonly status: string;
  readonly parent?: string;
}

/** A step of a container (shipped, received, packed, unpacked, exited, passed a gate): one row, whatever it has. */
function containerEvent(
  c: LedgerContainerRecord,
  payload: LedgerEventPayload,
  position: PositionedEvent,
): ProjectedContainerEvent {
  return {
    containerId: c.id,
    txId: payload.txId,
    blockNumber: position.blockNumber,
    txSeq: position.txSeq,
    type: payload.type,
    eventTime: payload.eventTime,
    record: c,
  };
}

/** The containers an event carries (`records.containers`): packs, unpacks, container moves, exits, gate releases. */
function containersOf(payload: LedgerEventPayload): LedgerContainerRecord[] {
  const list = payload.records?.containers;
  if (list === undefined) return [];
  if (!Array.isArray(list) || !list.every((c) => typeof (c as Partial<LedgerContainerRecord>)?.id === 'string')) {
    throw new Error(`chaincode event of transaction ${payload.txId} carries containers without their ids`);
  }
  return list as LedgerContainerRecord[];
}
