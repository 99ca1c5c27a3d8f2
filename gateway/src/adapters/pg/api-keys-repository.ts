/**
 * API keys in PostgreSQL: insert, look up by digest (once per request), revoke, and the bootstrap customs key.
 * Rows are converted to the domain's {@link ApiKey}; the digest never leaves this module except as input.
 */
import type { Role } from '../../domain/principal';
import type { Queryable } from './pool';
import {
  type ApiKey,
  BOOTSTRAP_KEY_ID,
  BOOTSTRAP_KEY_LABEL,
  type ApiKeysRepository,
} from '../../repositories/api-keys';

interface ApiKeyRow {
  id: string;
  role: string;
  enterprise_id: string | null;
  msp_id: string | null;
  label: string;
  created_at: Date;
  revoked_at: Date | null;
  suspended_from: Date | null;
}

const SELECT_COLUMNS = `k.id, k.role, k.enterprise_id, e.msp_id, k.label, k.created_at, k.revoked_at, s.effective_at AS suspended_from
    FROM api_keys k LEFT JOIN enterprises e ON e.id = k.enterprise_id
    LEFT JOIN enterprise_suspensions s ON s.enterprise_id = k.enterprise_id AND s.reinstated_at IS NULL`;

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    role: row.role as Role, // the table's CHECK constraint admits only the three roles
    enterpriseId: row.enterprise_id,
    mspId: row.msp_id,
    label: row.label,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    suspendedFrom: row.suspended_from,
  };
}

/**
 * Create the repository.
 *
 * @param db - Pool or transaction.
 * @returns The repository.
 */
export function newApiKeysRepository(db: Queryable): ApiKeysRepository {
  return {
    async insert(key) {
      await db.query(`INSERT INTO api_keys (id, key_sha256, role, enterprise_id, label) VALUES ($1, $2, $3, $4, $5)`, [
        key.id,
        key.digest,
        key.role,
        key.enterpriseId,
        key.label,
      ]);
      const inserted = await this.findById(key.id);
      if (!inserted) {
        throw new Error(`api key ${key.id} vanished right after insert`);
      }
      return inserted;
    },
    async findActiveByDigest(digest) {
      const { rows } = await db.query<ApiKeyRow>(
        `SELECT ${SELECT_COLUMNS} WHERE k.key_sha256 = $1 AND k.revoked_at IS NULL`,
        [digest],
      );
      return rows[0] ? toApiKey(rows[0]) : undefined;
    },
    async findById(id) {
      const { rows } = await db.query<ApiKeyRow>(`SELECT ${SELECT_COLUMNS} WHERE k.id = $1`, [id]);
      return rows[0] ? toApiKey(rows[0]) : undefined;
    },
    async revoke(id) {
      await db.query(`UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1`, [id]);
      return this.findById(id);
    },
    forgetEnterprise() {
      // Nothing cached here: every lookup reads the suspension with the key.
    },
    async upsertBootstrap(digest) {
      await db.query(
        `INSERT INTO api_keys (id, key_sha256, role, enterprise_id, label) VALUES ($1, $2, 'customs', NULL, $3)
                 ON CONFLICT (id) DO UPDATE SET
                   revoked_at = CASE WHEN api_keys.key_sha256 = EXCLUDED.key_sha256 THEN api_keys.revoked_at END,
                   key_sha256 = EXCLUDED.key_sha256`,
        [BOOTSTRAP_KEY_ID, digest, BOOTSTRAP_KEY_LABEL],
      );
    },
  };
}
