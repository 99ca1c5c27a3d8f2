/**
 * The `LedgerEvent`: the one chaincode event every state-changing transaction emits, as it is on the chain. The
 * chaincode writes it (chaincode/src/ledger/commit.ts) and the gateway's projection reads it, so its name, its
 * payload version and its shape are defined once, here. The shapes are the parts a follower reads; the chain's
 * records carry more fields, kept whole as JSON.
 */

/** Name of the one chaincode event every state-changing transaction emits. */
import type { Regime } from './enums';
export const LEDGER_EVENT_NAME = 'LedgerEvent';

/**
 * Version of the event payload on the chain. 2: items travel as `itemGroups` (items equal apart from their SGTIN,
 * one record and a list of SGTINs) instead of `items`; a payload without `v` is version 1 and lists `items` whole.
 * Followers read both.
 */
export const LEDGER_EVENT_VERSION = 2;

/** The parts of an item record a follower reads; the whole record travels. */
export interface LedgerItem {
  sgtin: string;
  product: { gtin: string };
  regime: string;
  traceCode?: string;
  status: string;
  holder: string;
  location: string;
  transit?: { to: string };
  /** The case or pallet the item is packed in; its holder, location and status are then the top container's. */
  container?: string;
  hold?: unknown;
  lastEventTime: string;
  lastTxId: string;
}

/** The parts of an EPCIS 2.0 event a follower indexes. */
export interface LedgerEpcisEvent {
  eventID: string;
  eventTime: string;
  bizStep?: string;
  bizLocation?: { id: string };
  epcList?: string[];
  inputEPCList?: string[];
  outputEPCList?: string[];
  childEPCs?: string[];
  [member: string]: unknown;
}

/** An account movement as posted: the net change of one book line by one transaction. */
export interface LedgerMovement {
  enterprise: string;
  gtin: string;
  regime: string;
  location: string;
  qty: number;
  txId: string;
  eventType: string;
  eventTime: string;
  /** Asia/Shanghai month of the event time, `yyyy-mm`. */
  period: string;
}

/** A balance of a closed period: one book line (enterprise, GTIN, regime, location) and its quantity. */
export interface PeriodBalance {
  enterprise: string;
  gtin: string;
  regime: Regime;
  location: string;
  qty: number;
}

/** A closed account period, as the chain stores it and ClosePeriod answers it. */
export interface PeriodRecord {
  enterprise: string;
  period: string;
  closedAt: string;
  closedBy: string;
  snapshotHash: string;
  balances: PeriodBalance[];
}

/** Items equal apart from their SGTIN, as payload version 2 carries them. */
export interface LedgerItemGroup {
  record: Omit<LedgerItem, 'sgtin'> & Record<string, unknown>;
  sgtins: string[];
}

/** The `LedgerEvent` payload, as it is on the chain. */
export interface LedgerEventPayload {
  /** Absent: version 1, with `items`. 2: with `itemGroups`. */
  v?: number;
  txId: string;
  /** Transaction type, e.g. ENTRY, SHIPMENT, SALE, EXIT, PERIOD_CLOSE. */
  type: string;
  eventTime: string;
  recordTime: string;
  actor: { mspId: string; enterpriseId: string | null };
  /** Version 1: every item the transaction changed, as it now is. */
  items?: LedgerItem[];
  /** Version 2: the same items, grouped. */
  itemGroups?: LedgerItemGroup[];
  /** Every account movement the transaction posted. */
  movements: LedgerMovement[];
  /** The EPCIS events of the transaction (goods events; usually one). */
  epcis?: LedgerEpcisEvent[];
  /** Other records written (sale, exit, declaration, period, enterprise, rules, stocktake ...). */
  records?: Record<string, unknown>;
}
