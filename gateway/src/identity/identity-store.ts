/**
 * The identity store: the X.509 identities issued to enterprises (table `enterprise_identities`, migration 017),
 * with the private key of a `managed` identity sealed by the key vault. Rows are converted to
 * {@link StoredIdentity}; the sealed key stays sealed here (the registry opens it when it connects the identity).
 */
import type { Queryable } from '../adapters/pg';
import type { SealedKey } from './key-vault';

/** `managed`: the gateway holds the key (sealed); `external`: the enterprise keeps it (it sent a CSR). */
export type IdentityKind = 'managed' | 'external';

/** One enterprise's current identity. */
export interface StoredIdentity {
  readonly id: string;
  readonly enterpriseId: string;
  readonly mspId: string;
  readonly enrollmentId: string;
  readonly caName: string;
  readonly kind: IdentityKind;
  readonly certPem: string;
  readonly certSerial: string;
  readonly notAfter: Date;
  /** Undefined for an external identity. */
  readonly sealedKey: SealedKey | undefined;
  /** Bumped by each renewal (optimistic check of concurrent renewals). */
  readonly version: number;
  readonly revokedAt: Date | undefined;
  readonly createdAt: Date;
  readonly renewedAt: Date | undefined;
}

/** What {@link IdentityStore.insert} stores. */
export type NewIdentity = Omit<StoredIdentity, 'version' | 'revokedAt' | 'createdAt' | 'renewedAt'>;

/** A renewal: the new certificate and (for a new key) its sealed key. */
export interface IdentityRenewal {
  readonly certPem: string;
  readonly certSerial: string;
  readonly notAfter: Date;
  readonly sealedKey: SealedKey;
}

/** Most rows one renewal sweep reads. */
export const MAX_RENEWAL_BATCH = 500;

interface IdentityRow {
  id: string;
  enterprise_id: string;
  msp_id: string;
  enrollment_id: string;
  ca_name: string;
  kind: IdentityKind;
  cert_pem: string;
  cert_serial: string;
  not_after: Date;
  key_id: string | null;
  key_ciphertext: Buffer | null;
  version: number;
  revoked_at: Date | null;
  created_at: Date;
  renewed_at: Date | null;
}

const COLUMNS = `id, enterprise_id, msp_id, enrollment_id, ca_name, kind, cert_pem, cert_serial, not_after, key_id,
                 key_ciphertext, version, revoked_at, created_at, renewed_at`;

function toIdentity(row: IdentityRow): StoredIdentity {
  return {
    id: row.id,
    enterpriseId: row.enterprise_id,
    mspId: row.msp_id,
    enrollmentId: row.enrollment_id,
    caName: row.ca_name,
    kind: row.kind,
    certPem: row.cert_pem,
    certSerial: row.cert_serial,
    notAfter: row.not_after,
    sealedKey:
      row.key_id !== null && row.key_ciphertext !== null
        ? { keyId: row.key_id, ciphertext: row.key_ciphertext }
        : undefined,
    version: row.version,
    revokedAt: row.revoked_at ?? undefined,
    createdAt: row.created_at,
    renewedAt: row.renewed_at ?? undefined,
  };
}

/** Repository of issued identities. */
export interface IdentityStore {
  /** Insert (inside the onboarding transaction); undefined when the enterprise already has one (nothing changed). */
  insert(identity: NewIdentity): Promise<StoredIdentity | undefined>;
  /** The enterprise's identity, if it has one. */
  findByEnterprise(enterpriseId: string): Promise<StoredIdentity | undefined>;
  /**
   * Live managed identities whose certificate ends before `before`, soonest first.
   *
   * @param limit - At most this many (1..{@link MAX_RENEWAL_BATCH}).
   */
  dueForRenewal(before: Date, limit: number): Promise<StoredIdentity[]>;
  /** Replace certificate and key if the row is still at `version`; false when another renewal won. */
  renew(id: string, version: number, renewal: IdentityRenewal): Promise<boolean>;
  /** Mark revoked (the CA revoked the certificate); false when there is no such live identity. */
  markRevoked(enterpriseId: string, at: Date): Promise<boolean>;
  /**
   * Replace a revoked identity by a new one (re-issue after reinstatement): the row takes the new id, enrollment
   * id, kind, certificate and key, and is live again. Undefined when the enterprise's identity is not revoked (an
   * earlier re-issue won; nothing changed).
   */
  replaceRevoked(identity: NewIdentity): Promise<StoredIdentity | undefined>;
}

/** The columns of a new identity, in the order of the insert: id, enterprise, MSP, enrollment id, CA, kind, certificate, serial, end, sealed key. */
function identityParams(identity: NewIdentity): unknown[] {
  return [
    identity.id,
    identity.enterpriseId,
    identity.mspId,
    identity.enrollmentId,
    identity.caName,
    identity.kind,
    identity.certPem,
    identity.certSerial,
    identity.notAfter,
    identity.sealedKey?.keyId ?? null,
    identity.sealedKey?.ciphertext ?? null,
  ];
}

/**
 * Create the store.
 *
 * @param db - Pool or transaction.
 */
export function newIdentityStore(db: Queryable): IdentityStore {
  return {
    async insert(identity) {
      const { rows } = await db.query<IdentityRow>(
        `INSERT INTO enterprise_identities (id, enterprise_id, msp_id, enrollment_id, ca_name, kind, cert_pem, cert_serial,
                                                    not_after, key_id, key_ciphertext)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                 ON CONFLICT (enterprise_id) DO NOTHING
                 RETURNING ${COLUMNS}`,
        identityParams(identity),
      );
      return rows[0] ? toIdentity(rows[0]) : undefined;
    },
    async findByEnterprise(enterpriseId) {
      const { rows } = await db.query<IdentityRow>(
        `SELECT ${COLUMNS} FROM enterprise_identities WHERE enterprise_id = $1`,
        [enterpriseId],
      );
      return rows[0] ? toIdentity(rows[0]) : undefined;
    },
    async dueForRenewal(before, limit) {
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RENEWAL_BATCH)
        throw new RangeError(`limit must be 1..${MAX_RENEWAL_BATCH}`);
      const { rows } = await db.query<IdentityRow>(
        `SELECT ${COLUMNS} FROM enterprise_identities
                 WHERE kind = 'managed' AND revoked_at IS NULL AND not_after < $1
                 ORDER BY not_after LIMIT $2`,
        [before, limit],
      );
      return rows.map(toIdentity);
    },
    async renew(id, version, renewal) {
      const { rowCount } = await db.query(
        `UPDATE enterprise_identities
                 SET cert_pem = $3, cert_serial = $4, not_after = $5, key_id = $6, key_ciphertext = $7,
                     version = version + 1, renewed_at = now()
                 WHERE id = $1 AND version = $2 AND revoked_at IS NULL`,
        [
          id,
          version,
          renewal.certPem,
          renewal.certSerial,
          renewal.notAfter,
          renewal.sealedKey.keyId,
          renewal.sealedKey.ciphertext,
        ],
      );
      return rowCount === 1;
    },
    async replaceRevoked(identity) {
      const { rows } = await db.query<IdentityRow>(
        `UPDATE enterprise_identities
                 SET id = $1, msp_id = $3, enrollment_id = $4, ca_name = $5, kind = $6, cert_pem = $7, cert_serial = $8,
                     not_after = $9, key_id = $10, key_ciphertext = $11, version = version + 1, revoked_at = NULL, renewed_at = now()
                 WHERE enterprise_id = $2 AND revoked_at IS NOT NULL
                 RETURNING ${COLUMNS}`,
        identityParams(identity),
      );
      return rows[0] ? toIdentity(rows[0]) : undefined;
    },
    async markRevoked(enterpriseId, at) {
      const { rowCount } = await db.query(
        `UPDATE enterprise_identities SET revoked_at = $2 WHERE enterprise_id = $1 AND revoked_at IS NULL`,
        [enterpriseId, at],
      );
      return rowCount === 1;
    },
  };
}
