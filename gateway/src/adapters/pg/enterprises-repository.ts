/**
 * The gateway-side enterprise directory in PostgreSQL. Rows are converted to the domain's {@link Enterprise}.
 */
import type { Enterprise, EnterpriseRole } from '../../domain/principal';
import type { Queryable } from './pool';
import type { EnterprisesRepository } from '../../repositories/enterprises';

interface EnterpriseRow {
  id: string;
  name: string;
  roles: string[];
  msp_id: string;
  created_at: Date;
}

function toEnterprise(row: EnterpriseRow): Enterprise {
  return {
    id: row.id,
    name: row.name,
    roles: row.roles as EnterpriseRole[], // the table's CHECK constraint admits only enterprise roles
    mspId: row.msp_id,
    createdAt: row.created_at,
  };
}

/**
 * Create the repository.
 *
 * @param db - Pool or transaction.
 * @returns The repository.
 */
export function newEnterprisesRepository(db: Queryable): EnterprisesRepository {
  return {
    async insert(enterprise) {
      const { rows } = await db.query<EnterpriseRow>(
        `INSERT INTO enterprises (id, name, roles, msp_id) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id) DO NOTHING
                 RETURNING id, name, roles, msp_id, created_at`,
        [enterprise.id, enterprise.name, [...enterprise.roles], enterprise.mspId],
      );
      return rows[0] ? toEnterprise(rows[0]) : undefined;
    },
    async findById(id) {
      const { rows } = await db.query<EnterpriseRow>(
        `SELECT id, name, roles, msp_id, created_at FROM enterprises WHERE id = $1`,
        [id],
      );
      return rows[0] ? toEnterprise(rows[0]) : undefined;
    },
  };
}
