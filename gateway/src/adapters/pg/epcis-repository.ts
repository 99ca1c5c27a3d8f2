/**
 * The EPCIS query interface in PostgreSQL: events by query over `epcis_events` (conditions from epcis-query-sql.ts,
 * keyset pages in chain or event-time order), vocabulary values, named queries (`epcis_named_queries`) and webhook
 * subscriptions (`epcis_subscriptions`, migration 021).
 */
import { randomUUID } from 'node:crypto';
import type {
  ClaimedSubscription,
  EpcisEventsRequest,
  EpcisMatch,
  EpcisPosition,
  EpcisRepository,
  EpcisSubscriptionsRepository,
  EpcisVocabulary,
  NamedQueryRow,
  SubscriptionRow,
} from '../../repositories/epcis';
import { SqlParams, conditionSql, visibleToSql } from './epcis-query-sql';
import type { Queryable } from './pool';

/** WHERE conditions of a request (query and tenancy), without the cursor. */
function whereOf(request: Omit<EpcisEventsRequest, 'after' | 'limit'>, p: SqlParams): string[] {
  const where = request.query.conditions.map((condition) => conditionSql(condition, p));
  if (request.visibleTo !== undefined) where.push(visibleToSql(request.visibleTo, p));
  return where;
}

const clause = (where: readonly string[]) => (where.length > 0 ? `WHERE ${where.join(' AND ')}` : '');

/** Value of each vocabulary in an event row. */
const VOCABULARY_SQL: Readonly<Record<Exclude<EpcisVocabulary, 'epc'>, string>> = {
  bizStep: 'e.biz_step',
  disposition: `e.event->>'disposition'`,
  bizLocation: 'e.biz_location',
  readPoint: `e.event->'readPoint'->>'id'`,
};

interface NamedQueryDbRow {
  name: string;
  query: Record<string, unknown>;
  created_at: Date;
}

const toNamedQuery = (row: NamedQueryDbRow): NamedQueryRow => ({
  name: row.name,
  query: row.query,
  createdAt: row.created_at,
});

/**
 * Create the repository.
 *
 * @param db - Pool or transaction.
 * @returns The repository.
 */
export function newEpcisRepository(db: Queryable): EpcisRepository {
  return {
    async events(request) {
      const p = new SqlParams();
      const where = whereOf(request, p);
      const { by, direction } = request.query.order;
      const keys =
        by === 'eventTime'
          ? 'e.event_time, e.block_number, e.tx_seq, e.event_seq'
          : 'e.block_number, e.tx_seq, e.event_seq';
      const after = request.after;
      if (after !== undefined) {
        const position = `${p.add(after.blockNumber.toString())}::bigint, ${p.add(after.txSeq)}::int, ${p.add(after.eventSeq)}::int`;
        const values = by === 'eventTime' ? `${p.add(after.eventTime ?? null)}::timestamptz, ${position}` : position;
        where.push(`(${keys}) ${direction === 'ASC' ? '>' : '<'} (${values})`);
      }
      const order = keys
        .split(', ')
        .map((k) => `${k} ${direction}`)
        .join(', ');
      const { rows } = await db.query<{
        block_number: string;
        tx_seq: number;
        event_seq: number;
        event_time: string;
        event: Record<string, unknown>;
      }>(
        // event_time as text: microseconds included, so a page's cursor compares exactly with the stored value.
        `SELECT e.block_number::text AS block_number, e.tx_seq, e.event_seq, e.event_time::text AS event_time, e.event
           FROM epcis_events e ${clause(where)} ORDER BY ${order} LIMIT ${p.add(request.limit)}`,
        p.values,
      );
      return rows.map(
        (row): EpcisMatch => ({
          blockNumber: BigInt(row.block_number),
          txSeq: row.tx_seq,
          eventSeq: row.event_seq,
          eventTime: row.event_time,
          event: row.event,
        }),
      );
    },

    async countUpTo(request, max) {
      const p = new SqlParams();
      const where = whereOf(request, p);
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (SELECT 1 FROM epcis_events e ${clause(where)} LIMIT ${p.add(max)}) s`,
        p.values,
      );
      return rows[0]?.n ?? 0;
    },

    async distinct(vocabulary, visibleTo, after, limit) {
      const p = new SqlParams();
      if (vocabulary === 'epc') {
        // The items the ledger records: every EPC an event names is one of them.
        const sql =
          visibleTo === undefined
            ? `SELECT sgtin AS v FROM items WHERE sgtin > ${p.add(after ?? '')} ORDER BY sgtin LIMIT ${p.add(limit)}`
            : `SELECT sgtin AS v FROM item_parties WHERE enterprise = ${p.add(visibleTo)} AND sgtin > ${p.add(after ?? '')}
                 ORDER BY sgtin LIMIT ${p.add(limit)}`;
        const { rows } = await db.query<{ v: string }>(sql, p.values);
        return rows.map((row) => row.v);
      }
      const value = VOCABULARY_SQL[vocabulary];
      const where = [`${value} IS NOT NULL`, `${value} > ${p.add(after ?? '')}`];
      if (visibleTo !== undefined) where.push(visibleToSql(visibleTo, p));
      const { rows } = await db.query<{ v: string }>(
        `SELECT DISTINCT ${value} AS v FROM epcis_events e ${clause(where)} ORDER BY v LIMIT ${p.add(limit)}`,
        p.values,
      );
      return rows.map((row) => row.v);
    },

    async latestPosition(recordedBefore) {
      // With a time: walks back from the newest event (chain order is record order) to the first recorded before it.
      const { rows } = await db.query<{ block_number: string; tx_seq: number; event_seq: number }>(
        `SELECT block_number::text AS block_number, tx_seq, event_seq FROM epcis_events e
          ${recordedBefore === undefined ? '' : `WHERE (e.event->>'recordTime')::timestamptz < $1::timestamptz`}
          ORDER BY block_number DESC, tx_seq DESC, event_seq DESC LIMIT 1`,
        recordedBefore === undefined ? [] : [recordedBefore],
      );
      const row = rows[0];
      return row ? { blockNumber: BigInt(row.block_number), txSeq: row.tx_seq, eventSeq: row.event_seq } : undefined;
    },

    async createQuery(owner, name, query) {
      const { rowCount } = await db.query(
        `INSERT INTO epcis_named_queries (owner, name, query) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [owner, name, JSON.stringify(query)],
      );
      return (rowCount ?? 0) > 0;
    },

    async findQuery(owner, name) {
      const { rows } = await db.query<NamedQueryDbRow>(
        `SELECT name, query, created_at FROM epcis_named_queries WHERE owner = $1 AND name = $2`,
        [owner, name],
      );
      return rows[0] ? toNamedQuery(rows[0]) : undefined;
    },

    async listQueries(owner, after, limit) {
      const { rows } = await db.query<NamedQueryDbRow>(
        `SELECT name, query, created_at FROM epcis_named_queries WHERE owner = $1 AND name > $2 ORDER BY name LIMIT $3`,
        [owner, after ?? '', limit],
      );
      return rows.map(toNamedQuery);
    },

    async deleteQuery(owner, name) {
      const { rowCount } = await db.query(`DELETE FROM epcis_named_queries WHERE owner = $1 AND name = $2`, [
        owner,
        name,
      ]);
      return (rowCount ?? 0) > 0;
    },
  };
}

interface SubscriptionDbRow {
  id: string;
  owner: string;
  query_name: string;
  dest: string;
  signature_token: string | null;
  initial_record_time: Date | null;
  bookmark_block: string | null;
  bookmark_tx_seq: number | null;
  bookmark_event_seq: number | null;
  created_at: Date;
  last_notified_at: Date | null;
  attempts: number;
  active: boolean;
  last_error: string | null;
}

const SUBSCRIPTION_COLUMNS = `s.id, s.owner, s.query_name, s.dest, s.signature_token, s.initial_record_time,
  s.bookmark_block::text AS bookmark_block, s.bookmark_tx_seq, s.bookmark_event_seq, s.created_at, s.last_notified_at,
  s.attempts, s.active, s.last_error`;

function toSubscription(row: SubscriptionDbRow): SubscriptionRow {
  return {
    id: row.id,
    owner: row.owner,
    queryName: row.query_name,
    dest: row.dest,
    signatureToken: row.signature_token,
    initialRecordTime: row.initial_record_time?.toISOString() ?? null,
    bookmark:
      row.bookmark_block === null
        ? undefined
        : {
            blockNumber: BigInt(row.bookmark_block),
            txSeq: row.bookmark_tx_seq ?? 0,
            eventSeq: row.bookmark_event_seq ?? 0,
          },
    createdAt: row.created_at,
    lastNotifiedAt: row.last_notified_at,
    attempts: row.attempts,
    active: row.active,
    lastError: row.last_error,
  };
}

/** Subscription ids are UUIDs: anything else names none (and would be a type error in SQL). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Create the subscriptions repository.
 *
 * @param db - Pool or transaction.
 * @returns The repository.
 */
export function newEpcisSubscriptionsRepository(db: Queryable): EpcisSubscriptionsRepository {
  return {
    async create(s) {
      const b = s.bookmark;
      const { rowCount } = await db.query(
        `INSERT INTO epcis_subscriptions (id, owner, query_name, dest, signature_token, initial_record_time,
                                          bookmark_block, bookmark_tx_seq, bookmark_event_seq)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9
          WHERE EXISTS (SELECT 1 FROM epcis_named_queries WHERE owner = $2 AND name = $3)`,
        [
          s.id,
          s.owner,
          s.queryName,
          s.dest,
          s.signatureToken,
          s.initialRecordTime,
          b?.blockNumber.toString() ?? null,
          b?.txSeq ?? null,
          b?.eventSeq ?? null,
        ],
      );
      return (rowCount ?? 0) > 0;
    },

    async find(owner, queryName, id) {
      if (!UUID.test(id)) return undefined;
      const { rows } = await db.query<SubscriptionDbRow>(
        `SELECT ${SUBSCRIPTION_COLUMNS} FROM epcis_subscriptions s WHERE s.owner = $1 AND s.query_name = $2 AND s.id = $3`,
        [owner, queryName, id],
      );
      return rows[0] ? toSubscription(rows[0]) : undefined;
    },

    async list(owner, queryName, after, limit) {
      const { rows } = await db.query<SubscriptionDbRow>(
        `SELECT ${SUBSCRIPTION_COLUMNS} FROM epcis_subscriptions s
          WHERE s.owner = $1 AND s.query_name = $2 AND s.id::text > $3 ORDER BY s.id LIMIT $4`,
        [owner, queryName, after ?? '', limit],
      );
      return rows.map(toSubscription);
    },

    async delete(owner, queryName, id) {
      if (!UUID.test(id)) return false;
      const { rowCount } = await db.query(
        `DELETE FROM epcis_subscriptions WHERE owner = $1 AND query_name = $2 AND id = $3`,
        [owner, queryName, id],
      );
      return (rowCount ?? 0) > 0;
    },

    async claimDue(dueBy, limit, leaseMs) {
      const leaseToken = randomUUID();
      const { rows } = await db.query<SubscriptionDbRow & { query: Record<string, unknown> }>(
        `WITH due AS (
           SELECT id FROM epcis_subscriptions
            WHERE active AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until < now())
            ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         UPDATE epcis_subscriptions s SET lease_token = $3, lease_until = now() + $4 * interval '1 millisecond'
           FROM due, epcis_named_queries q
          WHERE s.id = due.id AND q.owner = s.owner AND q.name = s.query_name
         RETURNING ${SUBSCRIPTION_COLUMNS}, q.query`,
        [dueBy, limit, leaseToken, leaseMs],
      );
      return rows.map((row): ClaimedSubscription => ({ ...toSubscription(row), leaseToken, query: row.query }));
    },

    async delivered(id, leaseToken, bookmark: EpcisPosition) {
      const { rowCount } = await db.query(
        `UPDATE epcis_subscriptions SET bookmark_block = $3, bookmark_tx_seq = $4, bookmark_event_seq = $5,
                attempts = 0, last_error = NULL, last_notified_at = now()
          WHERE id = $1 AND lease_token = $2`,
        [id, leaseToken, bookmark.blockNumber.toString(), bookmark.txSeq, bookmark.eventSeq],
      );
      return (rowCount ?? 0) > 0;
    },

    async failed(id, leaseToken, retryAt, error, deactivate) {
      await db.query(
        `UPDATE epcis_subscriptions SET attempts = attempts + 1, next_attempt_at = $3, last_error = $4,
                active = active AND NOT $5, lease_token = NULL, lease_until = NULL
          WHERE id = $1 AND lease_token = $2`,
        [id, leaseToken, retryAt, error.slice(0, 500), deactivate],
      );
    },

    async release(id, leaseToken) {
      await db.query(
        `UPDATE epcis_subscriptions SET lease_token = NULL, lease_until = NULL, next_attempt_at = now()
          WHERE id = $1 AND lease_token = $2`,
        [id, leaseToken],
      );
    },
  };
}
