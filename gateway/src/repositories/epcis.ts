/**
 * Repository ports of the EPCIS 2.0 query interface: events selected by an EPCIS query over the projection, the
 * vocabulary values the events use, named queries (per owner), and query subscriptions with their delivery
 * bookmark. adapters/pg implements them.
 */
import type { EpcisQuery } from '../domain/epcis-query';

/** Position of an event in chain order, plus its event time (the keyset of `orderBy=eventTime` pages). */
export interface EpcisPosition {
  readonly blockNumber: bigint;
  readonly txSeq: number;
  readonly eventSeq: number;
}

/** An event selected by a query. */
export interface EpcisMatch extends EpcisPosition {
  /** The stored event time as PostgreSQL renders it (microseconds kept, so a cursor built from it is exact). */
  readonly eventTime: string;
  readonly event: Record<string, unknown>;
}

/** Where a page starts: after this event in the query's order. */
export interface EpcisCursor extends EpcisPosition {
  /** Required when the order is by event time. */
  readonly eventTime?: string;
}

/** One read of events. */
export interface EpcisEventsRequest {
  readonly query: EpcisQuery;
  /** Only events naming an item this enterprise held or was sent; undefined: all (customs). */
  readonly visibleTo?: string;
  readonly after?: EpcisCursor;
  readonly limit: number;
}

/** Vocabulary resources listed from the events. */
export type EpcisVocabulary = 'bizStep' | 'disposition' | 'bizLocation' | 'readPoint' | 'epc';

/** A named query as stored. */
export interface NamedQueryRow {
  readonly name: string;
  /** The query object exactly as the owner sent it (query-schema.json). */
  readonly query: Record<string, unknown>;
  readonly createdAt: Date;
}

/** Reads of the EPCIS query interface, and named queries. */
export interface EpcisRepository {
  /** Events matching the query, in its order, after the cursor. */
  events(request: EpcisEventsRequest): Promise<EpcisMatch[]>;
  /** How many events match, counting no further than `max` (the answer is at most `max`). */
  countUpTo(request: Omit<EpcisEventsRequest, 'after' | 'limit'>, max: number): Promise<number>;
  /** Distinct values of a vocabulary in the events visible to the caller, ascending, after `after`. */
  distinct(
    vocabulary: EpcisVocabulary,
    visibleTo: string | undefined,
    after: string | undefined,
    limit: number,
  ): Promise<string[]>;
  /**
   * The last projected event, or with `recordedBefore` the last one recorded before that time (where a subscription
   * with `initialRecordTime` starts); undefined when there is none.
   */
  latestPosition(recordedBefore?: string): Promise<EpcisPosition | undefined>;
  /** Store a named query; false when the owner already has one of that name. */
  createQuery(owner: string, name: string, query: Record<string, unknown>): Promise<boolean>;
  findQuery(owner: string, name: string): Promise<NamedQueryRow | undefined>;
  /** The owner's queries by name, after `after`. */
  listQueries(owner: string, after: string | undefined, limit: number): Promise<NamedQueryRow[]>;
  /** Delete a named query and its subscriptions; false when there was none. */
  deleteQuery(owner: string, name: string): Promise<boolean>;
}

/** A webhook subscription as stored. */
export interface SubscriptionRow {
  readonly id: string;
  readonly owner: string;
  readonly queryName: string;
  readonly dest: string;
  /** The subscriber's secret for `GS1-Signature`; never shown back. */
  readonly signatureToken: string | null;
  readonly initialRecordTime: string | null;
  /** The last event delivered (acknowledged by a 2xx); undefined: none yet, start at the beginning. */
  readonly bookmark: EpcisPosition | undefined;
  readonly createdAt: Date;
  readonly lastNotifiedAt: Date | null;
  readonly attempts: number;
  readonly active: boolean;
  readonly lastError: string | null;
}

/** A subscription claimed for one delivery turn, with its query. */
export interface ClaimedSubscription extends SubscriptionRow {
  /** Proves the claim in {@link EpcisSubscriptionsRepository.delivered} and friends. */
  readonly leaseToken: string;
  readonly query: Record<string, unknown>;
}

/** What a new subscription is made of. */
export interface NewSubscription {
  readonly id: string;
  readonly owner: string;
  readonly queryName: string;
  readonly dest: string;
  readonly signatureToken: string | null;
  readonly initialRecordTime: string | null;
  readonly bookmark: EpcisPosition | undefined;
}

/** Webhook subscriptions and their delivery state. */
export interface EpcisSubscriptionsRepository {
  /** False when the owner has no query of that name. */
  create(subscription: NewSubscription): Promise<boolean>;
  find(owner: string, queryName: string, id: string): Promise<SubscriptionRow | undefined>;
  list(owner: string, queryName: string, after: string | undefined, limit: number): Promise<SubscriptionRow[]>;
  delete(owner: string, queryName: string, id: string): Promise<boolean>;
  /**
   * Claim up to `limit` active subscriptions due since `dueBy` whose lease is free, leasing them for `leaseMs`: no
   * other process delivers them meanwhile, and a process that dies holding one loses it when the lease ends.
   */
  claimDue(dueBy: Date, limit: number, leaseMs: number): Promise<ClaimedSubscription[]>;
  /** The subscriber acknowledged events up to `bookmark`: store it (only while the lease is still ours). */
  delivered(id: string, leaseToken: string, bookmark: EpcisPosition): Promise<boolean>;
  /** A delivery failed: count it, retry at `retryAt` (or deactivate), keep the bookmark, free the lease. */
  failed(id: string, leaseToken: string, retryAt: Date, error: string, deactivate: boolean): Promise<void>;
  /** Nothing (more) to deliver: free the lease; the subscription is due again at once. */
  release(id: string, leaseToken: string): Promise<void>;
}
