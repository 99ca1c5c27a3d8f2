/**
 * What a transaction decided, as plain data: the pure decisions of domain/ return it and ledger/commit.ts writes
 * it, so that the checks of a transaction read as one function and its writes happen in one place.
 */
import { ChaincodeError } from '@hainan/ledger-model';
import type { EpcisEvent } from './epcis';
import type { ItemRecord, Movement } from './records';

/** The transaction a decision is made in: its id and its time (the only clock). */
export interface Tx {
  readonly id: string;
  /** Proposal time, ISO-8601 UTC. */
  readonly iso: string;
  readonly ms: number;
}

/** One record to put under a composite key (the key type is one of ledger/keys.ts). */
export interface RecordWrite {
  readonly type: string;
  readonly attrs: readonly string[];
  readonly value: unknown;
}

/** A write to a private data collection: the value is stored as the given text (UTF-8), not through the codec. */
export interface PrivateWrite {
  readonly collection: string;
  readonly key: string;
  readonly text: string;
}

/** A 16-digit traceability code given to an item. */
export interface CodeClaim {
  readonly code: string;
  readonly sgtin: string;
}

/** Everything a transaction changes and emits. */
export interface Decision {
  /** The ledger event's type (and the movements' event type), e.g. ENTRY, SALE, HOLD. */
  readonly type: string;
  readonly eventTime: string;
  /** The new states of the items the transaction changed, in the order the event lists them. */
  readonly items?: readonly ItemRecord[];
  /** The SGTINs among `items` that the transaction creates (entry, processing outputs): the commit indexes them. */
  readonly created?: readonly string[];
  /** Traceability codes the transaction gives to items (entry, association): the commit writes them in their runs. */
  readonly codes?: readonly CodeClaim[];
  /**
   * Items the transaction adds to the chain of without changing them (observations, error declarations): the ledger
   * event lists them as they are, so followers put the transaction into each item's history; they are not written.
   */
  readonly observed?: readonly ItemRecord[];
  /** Net book movements; the commit refuses them in a closed period. */
  readonly movements?: readonly Movement[];
  /** Records written besides the items, in order (a later write of a key wins). */
  readonly writes?: readonly RecordWrite[];
  readonly privateWrites?: readonly PrivateWrite[];
  /** Records the ledger event names (sale, exit, person, ...). */
  readonly records?: Record<string, unknown>;
  /** The transaction's EPCIS events, stored under the transaction id and carried by the ledger event. */
  readonly epcis?: readonly EpcisEvent[];
}

/** A decision that only writes one record and names it in the ledger event (registrations, classifications...). */
export function recordDecision(type: string, eventTime: string, name: string, write: RecordWrite): Decision {
  return { type, eventTime, writes: [write], records: { [name]: write.value } };
}

/**
 * A load that may have failed, kept so that a decision raises the failure where the transaction always raised it
 * (after the checks that come first), not while loading.
 */
export type Loaded<T> = T | ChaincodeError;

/** The loaded value, or its failure raised. */
export function presentOne<T>(loaded: Loaded<T>): T {
  if (loaded instanceof ChaincodeError) throw loaded;
  return loaded;
}

/** The loaded values, or the first failure in element order. */
export function present<T>(loaded: readonly Loaded<T>[]): T[] {
  return loaded.map(presentOne);
}
