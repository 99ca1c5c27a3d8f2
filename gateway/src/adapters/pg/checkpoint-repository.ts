/**
 * Projection checkpoints in PostgreSQL: where each chain-event projection resumes. Save the checkpoint with the
 * same {@link Queryable} (transaction) as the projected rows, so both commit or neither does.
 */
import type { Queryable } from './pool';
import type { CheckpointRepository } from '../../repositories/checkpoints';

interface CheckpointRow {
  name: string;
  block_number: string; // bigint arrives as text from pg
  tx_id: string | null;
}

/**
 * Create the repository.
 *
 * @param db - Pool or transaction (use the projection's transaction for `save`).
 * @returns The repository.
 */
export function newCheckpointRepository(db: Queryable): CheckpointRepository {
  return {
    async get(name) {
      const { rows } = await db.query<CheckpointRow>(
        `SELECT name, block_number::text AS block_number, tx_id FROM projection_checkpoint WHERE name = $1`,
        [name],
      );
      const row = rows[0];
      return row ? { name: row.name, blockNumber: BigInt(row.block_number), transactionId: row.tx_id } : undefined;
    },
    async save(checkpoint) {
      await db.query(
        `INSERT INTO projection_checkpoint (name, block_number, tx_id, updated_at) VALUES ($1, $2, $3, now())
                 ON CONFLICT (name) DO UPDATE SET block_number = EXCLUDED.block_number, tx_id = EXCLUDED.tx_id,
                   updated_at = now()`,
        [checkpoint.name, checkpoint.blockNumber.toString(), checkpoint.transactionId],
      );
    },
    async saveIfAt(checkpoint, expected) {
      const values = [checkpoint.name, checkpoint.blockNumber.toString(), checkpoint.transactionId];
      const result =
        expected === undefined
          ? await db.query(
              `INSERT INTO projection_checkpoint (name, block_number, tx_id, updated_at) VALUES ($1, $2, $3, now())
                       ON CONFLICT (name) DO NOTHING`,
              values,
            )
          : await db.query(
              `UPDATE projection_checkpoint SET block_number = $2, tx_id = $3, updated_at = now()
                       WHERE name = $1 AND block_number = $4 AND tx_id IS NOT DISTINCT FROM $5`,
              [...values, expected.blockNumber.toString(), expected.transactionId],
            );
      return (result.rowCount ?? 0) === 1;
    },
  };
}
