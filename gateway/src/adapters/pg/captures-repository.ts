/**
 * The capture outbox in PostgreSQL: captures, the events each owns, and the chunks (chaincode transactions) they were
 * grouped into. A capture is written whole in one transaction before the client hears 202, so a crash after that
 * loses nothing; the queue job then works through the pending chunks.
 */
import type { DbPool, Queryable } from './pool';
import { withTransaction } from './pool';
import type { CaptureState, CaptureOwner, ChunkRow, CapturesRepository } from '../../repositories/captures';

/** Longest reason stored (a stack trace is not a reason). */
const MAX_REASON_CHARS = 2_000;

interface CaptureDbRow {
  id: string;
  msp_id: string;
  enterprise_id: string | null;
  api_key_id: string;
  state: CaptureState;
  received_at: Date;
  updated_at: Date;
  event_count: number;
  item_count: number;
  duplicates: { eventID: string; captureId: string }[];
  park_reason: string | null;
  waits: number;
  wait_reason: string | null;
  waiting_since: Date | null;
  retry_at: Date | null;
}

/**
 * Whose events an event id is unique among: the owner's MSP and enterprise (none for customs), as the capture id is
 * derived from them.
 */
export function ownerScope(owner: Pick<CaptureOwner, 'mspId' | 'enterpriseId'>): string {
  return `${owner.mspId}\n${owner.enterpriseId ?? ''}`;
}

/**
 * Create the repository.
 *
 * @param pool - The pool (inserts run in their own transaction).
 */
export function newCapturesRepository(pool: DbPool): CapturesRepository {
  const db: Queryable = pool;
  return {
    async insert(capture) {
      return withTransaction(pool, async (tx) => {
        const inserted = await tx.query(
          `INSERT INTO captures (id, msp_id, enterprise_id, api_key_id, event_count, item_count)
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING id`,
          [
            capture.id,
            capture.owner.mspId,
            capture.owner.enterpriseId,
            capture.owner.apiKeyId,
            capture.eventIds.length,
            capture.itemCount,
          ],
        );
        if (inserted.rowCount === 0) return { created: false };
        // An event is a duplicate only of one its owner captured before: another tenant's event with the same
        // eventID neither shadows this one nor is named to this owner (migration 016).
        const scope = ownerScope(capture.owner);
        const owned = await tx.query<{ seq: number }>(
          `INSERT INTO capture_events (owner_scope, event_id, capture_id, seq)
                     SELECT $3, e, $1, (n - 1)::int FROM unnest($2::text[]) WITH ORDINALITY AS t(e, n)
                     ON CONFLICT (owner_scope, event_id) DO NOTHING RETURNING seq`,
          [capture.id, capture.eventIds, scope],
        );
        const ownedSeqs = new Set(owned.rows.map((r) => r.seq));
        if (ownedSeqs.size < capture.eventIds.length) {
          const others = capture.eventIds.filter((_, seq) => !ownedSeqs.has(seq));
          const { rows } = await tx.query<{ event_id: string; capture_id: string }>(
            `SELECT event_id, capture_id FROM capture_events WHERE owner_scope = $2 AND event_id = ANY($1::text[])`,
            [others, scope],
          );
          await tx.query(`UPDATE captures SET duplicates = $2 WHERE id = $1`, [
            capture.id,
            JSON.stringify(rows.map((r) => ({ eventID: r.event_id, captureId: r.capture_id }))),
          ]);
        }
        const chunks = capture.chunksFor(ownedSeqs);
        if (chunks.length > 0) {
          await tx.query(
            `INSERT INTO capture_chunks (capture_id, seq, wave, fn, request, item_count, event_seqs)
                         SELECT $1, c.seq, c.wave, c.fn, c.request, c.item_count, ARRAY(SELECT jsonb_array_elements_text(c.event_seqs)::int)
                         FROM jsonb_to_recordset($2::jsonb) AS c(seq int, wave int, fn text, request jsonb, item_count int, event_seqs jsonb)`,
            [
              capture.id,
              JSON.stringify(
                chunks.map((c) => ({
                  seq: c.seq,
                  wave: c.wave,
                  fn: c.fn,
                  request: c.request,
                  item_count: c.itemCount,
                  event_seqs: c.eventSeqs,
                })),
              ),
            ],
          );
        } else {
          await tx.query(`UPDATE captures SET state = 'done', updated_at = now() WHERE id = $1`, [capture.id]);
        }
        if (capture.declaredGtins.length > 0) {
          await tx.query(
            `INSERT INTO known_gtins (gtin, company_prefix_digits) SELECT g, ($2::jsonb ->> g)::smallint FROM unnest($1::text[]) AS g
                         ON CONFLICT (gtin) DO UPDATE SET company_prefix_digits = EXCLUDED.company_prefix_digits WHERE known_gtins.company_prefix_digits IS NULL`,
            [capture.declaredGtins, JSON.stringify(capture.companyPrefixDigits ?? {})],
          );
        }
        return { created: true };
      });
    },
    async find(id) {
      const { rows } = await db.query<CaptureDbRow>(`SELECT * FROM captures WHERE id = $1`, [id]);
      const r = rows[0];
      if (!r) return undefined;
      return {
        id: r.id,
        owner: { mspId: r.msp_id, enterpriseId: r.enterprise_id, apiKeyId: r.api_key_id },
        state: r.state,
        receivedAt: r.received_at,
        updatedAt: r.updated_at,
        eventCount: r.event_count,
        itemCount: r.item_count,
        duplicates: r.duplicates,
        parkReason: r.park_reason,
        waits: r.waits,
        waitReason: r.wait_reason,
        waitingSince: r.waiting_since,
        retryAt: r.retry_at,
      };
    },
    async eventIds(id) {
      const { rows } = await db.query<{ event_id: string; seq: number }>(
        `SELECT event_id, seq FROM capture_events WHERE capture_id = $1 ORDER BY seq`,
        [id],
      );
      // By position, not packed: chunks name their events by seq, and a document mixing new events with
      // duplicates owns only some positions.
      const ids: string[] = [];
      for (const r of rows) ids[r.seq] = r.event_id;
      return ids;
    },
    async chunks(id) {
      const { rows } = await db.query<{
        seq: number;
        wave: number;
        fn: string;
        request: Record<string, unknown>;
        item_count: number;
        event_seqs: number[];
        state: ChunkRow['state'];
        tx_id: string | null;
        error_code: string | null;
        error: string | null;
      }>(
        `SELECT seq, wave, fn, request, item_count, event_seqs, state, tx_id, error_code, error FROM capture_chunks WHERE capture_id = $1 ORDER BY seq`,
        [id],
      );
      return rows.map((r) => ({
        seq: r.seq,
        wave: r.wave,
        fn: r.fn,
        request: r.request,
        itemCount: r.item_count,
        eventSeqs: r.event_seqs,
        state: r.state,
        txId: r.tx_id,
        errorCode: r.error_code,
        error: r.error,
      }));
    },
    async knownGtins(gtins) {
      if (gtins.length === 0) return new Set();
      const { rows } = await db.query<{ gtin: string }>(
        `SELECT gtin FROM known_gtins WHERE gtin = ANY($1::text[])
                 UNION SELECT g FROM unnest($1::text[]) AS g WHERE EXISTS (SELECT 1 FROM items WHERE items.gtin = g)`,
        [gtins],
      );
      return new Set(rows.map((r) => r.gtin));
    },
    async companyPrefixDigits(gtins) {
      const found = new Map<string, Set<number>>();
      if (gtins.length === 0) return found;
      // One projected item per GTIN is enough (`urn:epc:id:sgtin:` is 17 characters, the prefix ends at the first
      // dot); scanning every item of a GTIN to find a second split would cost as much as the GTIN has items.
      const { rows } = await db.query<{ gtin: string; digits: number | null }>(
        `SELECT gtin, company_prefix_digits AS digits FROM known_gtins WHERE gtin = ANY($1::text[]) AND company_prefix_digits IS NOT NULL
                 UNION SELECT g, (SELECT position('.' in substr(sgtin, 18)) - 1 FROM items WHERE items.gtin = g LIMIT 1) FROM unnest($1::text[]) AS g`,
        [gtins],
      );
      for (const { gtin, digits } of rows) {
        if (digits === null || digits < 1) continue;
        found.set(gtin, (found.get(gtin) ?? new Set<number>()).add(Number(digits)));
      }
      return found;
    },
    async markChunk(id, seq, outcome) {
      if (outcome.state === 'committed') {
        // One statement: the chunk, and the capture's progress stamp (the resume sweep leaves a moving capture alone).
        await db.query(
          `WITH chunk AS (UPDATE capture_chunks SET state = 'committed', tx_id = $3 WHERE capture_id = $1 AND seq = $2)
                     UPDATE captures SET updated_at = now() WHERE id = $1`,
          [id, seq, outcome.txId],
        );
      } else {
        await db.query(
          `UPDATE capture_chunks SET state = 'refused', error_code = $3, error = $4 WHERE capture_id = $1 AND seq = $2`,
          [id, seq, outcome.code, outcome.message.slice(0, 2000)],
        );
      }
    },
    async setState(id, state, parkReason) {
      // A decision about the capture ends any wait; a parked capture keeps why it is parked.
      await db.query(
        `UPDATE captures SET state = $2, park_reason = $3, updated_at = now(),
                        waits = CASE WHEN $2 = 'processing' THEN waits ELSE 0 END,
                        wait_reason = CASE WHEN $2 = 'processing' THEN wait_reason END,
                        waiting_since = CASE WHEN $2 = 'processing' THEN waiting_since END,
                        retry_at = CASE WHEN $2 = 'processing' THEN retry_at END
                 WHERE id = $1`,
        [id, state, parkReason?.slice(0, MAX_REASON_CHARS) ?? null],
      );
    },
    async recordWait(id, reason, retryAt) {
      const { rows } = await db.query<{ waits: number }>(
        `UPDATE captures SET waits = waits + 1, wait_reason = $2, waiting_since = coalesce(waiting_since, now()),
                        retry_at = $3, updated_at = now()
                 WHERE id = $1 RETURNING waits`,
        [id, reason.slice(0, MAX_REASON_CHARS), retryAt],
      );
      return rows[0]?.waits ?? 1;
    },
    async clearWaits(id) {
      await db.query(
        `UPDATE captures SET waits = 0, wait_reason = NULL, waiting_since = NULL, retry_at = NULL, updated_at = now()
                 WHERE id = $1 AND waits > 0`,
        [id],
      );
    },
    async unfinished(limit, after) {
      const { rows } = await db.query<{ id: string; state: CaptureState; updated_at: Date; received_at: string }>(
        `SELECT id, state, updated_at, received_at::text AS received_at FROM captures
                 WHERE state IN ('accepted', 'processing', 'parked')
                   AND ($2::timestamptz IS NULL OR (received_at, id) > ($2::timestamptz, $3::uuid))
                 ORDER BY received_at, id LIMIT $1`,
        [limit, after?.receivedAt ?? null, after?.id ?? null],
      );
      const last = rows.length === limit ? rows[rows.length - 1] : undefined;
      return {
        captures: rows.map((r) => ({ id: r.id, state: r.state, updatedAt: r.updated_at })),
        next: last ? { receivedAt: last.received_at, id: last.id } : undefined,
      };
    },
  };
}
