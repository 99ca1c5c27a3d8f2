/**
 * The transaction context of the traceability contracts: the caller, the transaction's id and time (the only
 * clock), typed state access, and the one chaincode event the transaction will emit.
 */
import { Context } from 'fabric-contract-api';
import type { LedgerEventPayload as OnChainPayload } from '@hainan/ledger-model';
import type { Caller } from '../caller';
import type { EpcisEvent } from '../domain/epcis';
import type { ItemRecord, MovementRecord } from '../domain/records';
import { LedgerStore } from './store';

/**
 * The chaincode event as a transaction builds it: the chain's payload (@hainan/ledger-model's LedgerEventPayload)
 * with the chaincode's own records, and the items listed whole; ledger-contract.ts groups them for the chain.
 */
export type LedgerEventPayload = Omit<OnChainPayload, 'v' | 'items' | 'itemGroups' | 'movements' | 'epcis'> & {
  /** Every item the transaction changed, as it is now. */
  items: ItemRecord[];
  /** Every account movement the transaction posted. */
  movements: MovementRecord[];
  /** The EPCIS events of the transaction (goods events; usually one). */
  epcis?: EpcisEvent[];
};

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
