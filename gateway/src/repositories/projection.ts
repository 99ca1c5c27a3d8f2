/**
 * Repository port: The projection of the chain: items, their parties, events, transactions, EPCIS events and account
 * movements. The row types live here with the interface; adapters/pg implements it.
 */

/** One `LedgerEvent` (one valid transaction) as projected. */
export interface ProjectedTransaction {
  readonly txId: string;
  readonly blockNumber: bigint;
  /** Position among the chaincode events of the block. */
  readonly txSeq: number;
  readonly type: string;
  readonly eventTime: string;
  readonly recordTime: string;
  readonly actor: unknown;
  /** SHA-256 (hex) of the event payload bytes as the peer delivered them. */
  readonly payloadSha256: string;
  readonly payload: unknown;
}

/** An item as the last transaction of a batch left it. */
export interface ProjectedItem {
  readonly sgtin: string;
  readonly traceCode: string | null;
  readonly gtin: string;
  readonly status: string;
  readonly holder: string;
  readonly location: string;
  readonly regime: string;
  readonly held: boolean;
  readonly lastTxId: string;
  readonly lastBlock: bigint;
  readonly lastTxSeq: number;
  readonly lastEventTime: string;
  readonly record: unknown;
  /**
   * When set, `record` is `{ ...recordBase, sgtin }`: the group record of a chaincode event (payload version 2),
   * the same object for every item of the group, so that the writer sends it once per group.
   */
  readonly recordBase?: object;
}

/** One transaction in one item's history. */
export interface ProjectedItemEvent {
  readonly sgtin: string;
  readonly txId: string;
  readonly blockNumber: bigint;
  readonly txSeq: number;
  readonly eventTime: string;
  readonly recordTime: string;
  readonly type: string;
  /** Positions (`epcis_events.event_seq`) of the transaction's EPCIS events that name the item. */
  readonly epcis: readonly number[];
  /** The item after the transaction. */
  readonly item: unknown;
  /** When set, `item` is `{ ...itemBase, sgtin }` (as {@link ProjectedItem.recordBase}). */
  readonly itemBase?: object;
}

/** One EPCIS 2.0 event. */
export interface ProjectedEpcisEvent {
  readonly eventId: string;
  readonly txId: string;
  readonly blockNumber: bigint;
  readonly txSeq: number;
  /** Position inside the transaction's EPCIS events. */
  readonly eventSeq: number;
  readonly eventTime: string;
  readonly bizStep: string | null;
  readonly bizLocation: string | null;
  readonly epcs: readonly string[];
  readonly event: unknown;
}

/** One account movement (one enterprise, one account). */
export interface ProjectedMovement {
  readonly enterprise: string;
  readonly gtin: string;
  readonly regime: string;
  readonly location: string;
  readonly txId: string;
  readonly qty: number;
  readonly eventType: string;
  readonly eventTime: string;
  readonly period: string;
}

/** An enterprise that held an item or was sent it. */
export interface ProjectedParty {
  readonly sgtin: string;
  readonly enterprise: string;
}

/** An enterprise's request to customs (一呼一应) as the last transaction of a batch left it. */
export interface ProjectedRequest {
  readonly requestId: string;
  readonly enterprise: string;
  readonly kind: string;
  /** OPEN, ACCEPTED, REFUSED or DONE. */
  readonly status: string;
  readonly filedAt: string;
  readonly dueAt: string;
  readonly answeredAt: string | null;
  readonly closedAt: string | null;
  readonly lastTxId: string;
  readonly lastBlock: bigint;
  readonly lastTxSeq: number;
  /** The chaincode's request record, whole. */
  readonly record: unknown;
}

/** A case or pallet as the last transaction of a batch left it. */
export interface ProjectedContainer {
  readonly containerId: string;
  readonly holder: string;
  readonly location: string;
  readonly status: string;
  readonly parent: string | null;
  readonly lastTxId: string;
  readonly lastBlock: bigint;
  readonly lastTxSeq: number;
  /** The chaincode's container record, whole. */
  readonly record: unknown;
}

/** An item or case packed into a container; `to*` set once it was unpacked (null while inside). */
export interface ProjectedMembership {
  readonly member: string;
  readonly containerId: string;
  readonly fromTxId: string;
  readonly fromBlock: bigint;
  readonly fromTxSeq: number;
  readonly fromTime: string;
  readonly toTxId: string | null;
  readonly toBlock: bigint | null;
  readonly toTxSeq: number | null;
  readonly toTime: string | null;
}

/** The unpack of a member packed by an earlier batch: closes its open membership of `containerId`. */
export interface ProjectedMembershipEnd {
  readonly member: string;
  readonly containerId: string;
  readonly toTxId: string;
  readonly toBlock: bigint;
  readonly toTxSeq: number;
  readonly toTime: string;
}

/** One container move (shipment, receipt): one row per container, whatever it holds. */
export interface ProjectedContainerEvent {
  readonly containerId: string;
  readonly txId: string;
  readonly blockNumber: bigint;
  readonly txSeq: number;
  readonly type: string;
  readonly eventTime: string;
  readonly record: unknown;
}

/** Everything one batch of ledger events adds to the projection. */
export interface ProjectionBatch {
  readonly transactions: readonly ProjectedTransaction[];
  /** At most one row per sgtin (the latest in chain order). */
  readonly items: readonly ProjectedItem[];
  readonly itemEvents: readonly ProjectedItemEvent[];
  readonly epcisEvents: readonly ProjectedEpcisEvent[];
  readonly movements: readonly ProjectedMovement[];
  readonly parties: readonly ProjectedParty[];
  /** At most one row per request id (the latest in chain order); absent: none. */
  readonly requests?: readonly ProjectedRequest[];
  /** At most one row per container (the latest in chain order); absent: none. */
  readonly containers?: readonly ProjectedContainer[];
  /** Memberships opened by the batch (closed already when the batch also unpacked them). */
  readonly memberships?: readonly ProjectedMembership[];
  /** Unpacks of members packed by earlier batches. */
  readonly membershipEnds?: readonly ProjectedMembershipEnd[];
  readonly containerEvents?: readonly ProjectedContainerEvent[];
}

/** An item as read back. */
export interface ItemRow {
  readonly sgtin: string;
  readonly traceCode: string | null;
  readonly gtin: string;
  readonly status: string;
  readonly holder: string;
  readonly location: string;
  readonly regime: string;
  readonly held: boolean;
  readonly lastTxId: string;
  readonly lastBlock: bigint;
  readonly lastEventTime: Date;
  readonly record: Record<string, unknown>;
}

/** One entry of an item's history as read back, with its transaction's payload hash. */
export interface ItemEventRow {
  readonly txId: string;
  readonly blockNumber: bigint;
  readonly txSeq: number;
  readonly type: string;
  readonly eventTime: Date;
  readonly recordTime: Date;
  readonly epcis: unknown[];
  readonly item: Record<string, unknown>;
  readonly payloadSha256: string;
  readonly actor: unknown;
}

/** A transaction with its full payload (for a dossier). */
export interface TransactionRow {
  readonly txId: string;
  readonly blockNumber: bigint;
  readonly txSeq: number;
  readonly payloadSha256: string;
  readonly payload: unknown;
}

/** Position in chain order of one EPCIS event: the keyset of `/v1/events` pages. */
export interface EpcisEventKey {
  readonly blockNumber: bigint;
  readonly txSeq: number;
  readonly eventSeq: number;
}

/** Filters of the EPCIS query subset. */
export interface EpcisEventFilter {
  readonly epcs?: readonly string[];
  readonly bizSteps?: readonly string[];
  readonly bizLocations?: readonly string[];
  readonly eventTimeFrom?: string;
  readonly eventTimeBefore?: string;
  /** Only events naming an item this enterprise held or was sent; undefined: all. */
  readonly visibleTo?: string;
  /** Resume after this event. */
  readonly after?: EpcisEventKey;
  readonly limit: number;
}

/** An EPCIS event as read back. */
export interface EpcisEventRow extends EpcisEventKey {
  readonly event: Record<string, unknown>;
}

/** Which page of a container's contents. */
export interface ContainerContentsPage {
  /** Resume after this SGTIN. */
  readonly after?: string;
  readonly limit: number;
  /** Only items this enterprise held or was sent (directly or in a container); undefined: all (customs). */
  readonly visibleTo?: string;
}

/** One item inside a container, with the container it is directly in (the container itself, or one of its cases). */
export interface ContainerContentRow {
  readonly sgtin: string;
  readonly container: string;
}

/** Tables of the projection, in truncation order. */
export const PROJECTION_TABLES = [
  'items',
  'item_parties',
  'item_events',
  'ledger_transactions',
  'epcis_events',
  'account_movements',
  'customs_requests',
  'container_state',
  'container_members',
  'container_events',
] as const;

/** Repository of the projection. */
export interface ProjectionRepository {
  /** Write a batch (idempotent). */
  applyBatch(batch: ProjectionBatch): Promise<void>;
  /** Highest tx_seq already projected in `blockNumber`, or -1. */
  lastTxSeqInBlock(blockNumber: bigint): Promise<number>;
  /** Empty every projection table (and the named checkpoint), for a rebuild. */
  truncate(checkpointName: string): Promise<void>;
  findItem(sgtin: string): Promise<ItemRow | undefined>;
  findSgtinByTraceCode(code: string): Promise<string | undefined>;
  /** The SGTIN of the item with this GTIN-14 and serial (a GS1 Digital Link names no company prefix length). */
  findSgtinByGtinSerial(gtin: string, serial: string): Promise<string | undefined>;
  /** Whether `enterprise` held the item or was sent it. */
  isParty(sgtin: string, enterprise: string): Promise<boolean>;
  /** The items inside a container now (directly or through its cases), in SGTIN order, one page. */
  containerContents(containerId: string, page: ContainerContentsPage): Promise<ContainerContentRow[]>;
  /** The item's history in chain order, at most `limit` entries. */
  history(sgtin: string, limit: number): Promise<ItemEventRow[]>;
  /** {@link findItem} and {@link history} in one round trip (one statement, so one snapshot). */
  findItemWithHistory(sgtin: string, limit: number): Promise<{ item: ItemRow; history: ItemEventRow[] } | undefined>;
  /** Transactions with their payloads, by id, in chain order. */
  transactions(txIds: readonly string[]): Promise<TransactionRow[]>;
  /** EPCIS events in chain order. */
  epcisEvents(filter: EpcisEventFilter): Promise<EpcisEventRow[]>;
}
