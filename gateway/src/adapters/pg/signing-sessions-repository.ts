/**
 * Signing sessions of the bring-your-own-key flow (table `signing_sessions`, migration 019): what the gateway
 * prepared for an enterprise to sign, and where the session is. A transition is written only from the state it
 * leaves (`WHERE state = $from`), so two signatures posted at once advance a session once.
 */
import type { Queryable } from './pool';
import type { SigningState, SigningSession, SigningSessionsRepository } from '../../repositories/signing-sessions';

/** Sessions deleted per creation once long expired (keeps the table bounded without a job of its own). */
const PURGE_BATCH = 100;

/** How long an expired session is kept for a late status read. */
const PURGE_AFTER = '1 day';

interface Row {
  id: string;
  api_key_id: string;
  enterprise_id: string;
  msp_id: string;
  fn: string;
  transaction_id: string;
  state: SigningState;
  proposal: Buffer;
  proposal_digest: Buffer;
  endorsed: Buffer | null;
  endorsed_digest: Buffer | null;
  result: unknown;
  block_number: string | null;
  error_code: string | null;
  error: string | null;
  created_at: Date;
  expires_at: Date;
  capture_id: string | null;
  chunk_seq: number | null;
}

function toSession(r: Row): SigningSession {
  return {
    id: r.id,
    apiKeyId: r.api_key_id,
    enterpriseId: r.enterprise_id,
    mspId: r.msp_id,
    fn: r.fn,
    transactionId: r.transaction_id,
    state: r.state,
    proposal: r.proposal,
    proposalDigest: r.proposal_digest,
    endorsed: r.endorsed ?? undefined,
    endorsedDigest: r.endorsed_digest ?? undefined,
    result: r.result,
    blockNumber: r.block_number ?? undefined,
    errorCode: r.error_code ?? undefined,
    error: r.error ?? undefined,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    chunk: r.capture_id !== null && r.chunk_seq !== null ? { captureId: r.capture_id, seq: r.chunk_seq } : undefined,
  };
}

/**
 * Create the repository.
 *
 * @param db - Pool.
 */
export function newSigningSessionsRepository(db: Queryable): SigningSessionsRepository {
  return {
    async insert(session) {
      await db.query(
        `DELETE FROM signing_sessions WHERE ctid IN (
                     SELECT ctid FROM signing_sessions WHERE expires_at < now() - interval '${PURGE_AFTER}' LIMIT ${PURGE_BATCH})`,
      );
      await db.query(
        `INSERT INTO signing_sessions (id, api_key_id, enterprise_id, msp_id, fn, transaction_id, state, proposal, proposal_digest, expires_at, capture_id, chunk_seq)
                 VALUES ($1, $2, $3, $4, $5, $6, 'proposed', $7, $8, $9, $10, $11)`,
        [
          session.id,
          session.apiKeyId,
          session.enterpriseId,
          session.mspId,
          session.fn,
          session.transactionId,
          session.proposal,
          session.proposalDigest,
          session.expiresAt,
          session.chunk?.captureId ?? null,
          session.chunk?.seq ?? null,
        ],
      );
    },
    async find(id) {
      const { rows } = await db.query<Row>(
        `SELECT *, block_number::text AS block_number FROM signing_sessions WHERE id = $1`,
        [id],
      );
      return rows[0] ? toSession(rows[0]) : undefined;
    },
    async latestOfCapture(captureId) {
      const { rows } = await db.query<Row>(
        `SELECT DISTINCT ON (chunk_seq) *, block_number::text AS block_number FROM signing_sessions
                 WHERE capture_id = $1 ORDER BY chunk_seq, created_at DESC`,
        [captureId],
      );
      return new Map(rows.map((r) => [r.chunk_seq!, toSession(r)]));
    },
    async markEndorsed(id, endorsed, digest, result) {
      const { rowCount } = await db.query(
        `UPDATE signing_sessions SET state = 'endorsed', endorsed = $2, endorsed_digest = $3, result = $4, updated_at = now()
                 WHERE id = $1 AND state = 'proposed'`,
        [id, Buffer.from(endorsed), Buffer.from(digest), JSON.stringify(result ?? null)],
      );
      return rowCount === 1;
    },
    async markCommitted(id, blockNumber) {
      const { rowCount } = await db.query(
        `UPDATE signing_sessions SET state = 'committed', block_number = $2, updated_at = now() WHERE id = $1 AND state = 'endorsed'`,
        [id, blockNumber.toString()],
      );
      return rowCount === 1;
    },
    async markFailed(id, code, message) {
      await db.query(
        `UPDATE signing_sessions SET state = 'failed', error_code = $2, error = $3, updated_at = now() WHERE id = $1 AND state IN ('proposed', 'endorsed')`,
        [id, code, message.slice(0, 2_000)],
      );
    },
  };
}
