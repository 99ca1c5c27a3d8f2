/**
 * The transaction context of the traceability contracts: the caller, the transaction's id and time (the only
 * clock), typed state access, and the one chaincode event the transaction will emit.
 */
import { Context } from 'fabric-contract-api';
import type { Caller } from '../caller';
import type { EpcisEvent } from '../domain/epcis';
import type { ItemRecord, MovementRecord } from '../domain/records';
import { LedgerStore } from './store';

/**
 * Payload of the chaincode event as the chaincode builds it: everything a follower needs to update its projection.
 * On the chain the items travel grouped (@hainan/ledger-model's LedgerEventPayload, version LEDGER_EVENT_VERSION).
 */
export interface LedgerEventPayload {
  txId: string;
  /** Transaction type, e.g. ENTRY, SHIPMENT, SALE, EXIT, PERIOD_CLOSE. */
  type: string;
  eventTime: string;
  recordTime: string;
  actor: { mspId: string; enterpriseId: string | null };
  /** Every item the transaction changed, as it is now. */
  items: ItemRecord[];
  /** Every account movement the transaction posted. */
  movements: MovementRecord[];
  /** The EPCIS events of the transaction (goods events; usually one). */
  epcis?: EpcisEvent[];
  /** Other records written (sale, exit, declaration, period, enterprise, rules, stocktake ...). */
  records?: Record<string, unknown>;
}

/** Context with what every traceability transaction needs. */
export class TraceContext extends Context {
  store!: LedgerStore;
  caller!: Caller;
  txId!: string;
  /** Proposal time, ISO-8601 UTC. */
  txTime!: string;
  txMs!: number;
  /** Set by a state-changing transaction; emitted after it returns. */
  ledgerEvent: LedgerEventPayload | undefined;
}
