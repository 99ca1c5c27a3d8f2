/**
 * Enterprise suspensions in PostgreSQL (`enterprise_suspensions`, migration 018). Rows are converted to the port's
 * {@link Suspension}.
 */
import type { CertRevocation, Suspension, SuspensionsRepository } from '../../repositories/suspensions';
import type { Queryable } from './pool';

interface SuspensionRow {
  enterprise_id: string;
  reason: string;
  effective_at: Date;
  reinstated_at: Date | null;
  cert_revocation: CertRevocation; // the table's CHECK constraint admits only these
  needs_reenrollment: boolean;
}

const COLUMNS = 'enterprise_id, reason, effective_at, reinstated_at, cert_revocation, needs_reenrollment';

function toSuspension(row: SuspensionRow): Suspension {
  return {
    enterpriseId: row.enterprise_id,
    reason: row.reason,
    effectiveAt: row.effective_at,
    reinstatedAt: row.reinstated_at,
    certRevocation: row.cert_revocation,
    needsReenrollment: row.needs_reenrollment,
  };
}

function first(rows: readonly SuspensionRow[]): Suspension | undefined {
  return rows[0] ? toSuspension(rows[0]) : undefined;
}

/**
 * Create the repository.
 *
 * @param db - Pool or transaction.
 * @returns The repository.
 */
export function newSuspensionsRepository(db: Queryable): SuspensionsRepository {
  return {
    async findStanding(enterpriseId) {
      const { rows } = await db.query<SuspensionRow>(
        `SELECT ${COLUMNS} FROM enterprise_suspensions WHERE enterprise_id = $1 AND reinstated_at IS NULL`,
        [enterpriseId],
      );
      return first(rows);
    },
    async suspend(enterpriseId, reason, effectiveAt) {
      const { rows } = await db.query<SuspensionRow>(
        `INSERT INTO enterprise_suspensions (enterprise_id, reason, effective_at) VALUES ($1, $2, $3)
                 ON CONFLICT (enterprise_id) DO UPDATE SET reason = EXCLUDED.reason, effective_at = EXCLUDED.effective_at,
                   suspended_at = now(), reinstated_at = NULL, cert_revocation = 'pending', cert_revocation_error = NULL,
                   revocation_attempts = 0, needs_reenrollment = false
                 RETURNING ${COLUMNS}`,
        [enterpriseId, reason, effectiveAt],
      );
      return toSuspension(rows[0]!); // an upsert always returns its row
    },
    async reinstate(enterpriseId) {
      const { rows } = await db.query<SuspensionRow>(
        `UPDATE enterprise_suspensions SET reinstated_at = now(), needs_reenrollment = (cert_revocation = 'done')
                 WHERE enterprise_id = $1 AND reinstated_at IS NULL RETURNING ${COLUMNS}`,
        [enterpriseId],
      );
      return first(rows);
    },
    async setNeedsReenrollment(enterpriseId, needsReenrollment) {
      const { rows } = await db.query<SuspensionRow>(
        `UPDATE enterprise_suspensions SET needs_reenrollment = $2 WHERE enterprise_id = $1 RETURNING ${COLUMNS}`,
        [enterpriseId, needsReenrollment],
      );
      return first(rows);
    },
    async recordRevocationAttempt(enterpriseId, outcome, error) {
      const { rows } = await db.query<SuspensionRow>(
        `UPDATE enterprise_suspensions SET cert_revocation = coalesce($2, cert_revocation), cert_revocation_error = $3,
                   revocation_attempts = revocation_attempts + 1
                 WHERE enterprise_id = $1 AND reinstated_at IS NULL RETURNING ${COLUMNS}`,
        [enterpriseId, outcome, error],
      );
      return first(rows);
    },
    async listPendingRevocations(limit, olderThanMs) {
      const { rows } = await db.query<{ enterprise_id: string }>(
        `SELECT enterprise_id FROM enterprise_suspensions
                 WHERE cert_revocation = 'pending' AND reinstated_at IS NULL AND suspended_at <= now() - make_interval(secs => $2)
                 ORDER BY suspended_at LIMIT $1`,
        [limit, olderThanMs / 1000],
      );
      return rows.map((row) => row.enterprise_id);
    },
  };
}
