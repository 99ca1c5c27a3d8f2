/**
 * Scanner captures outbox in PostgreSQL (skeleton for issue 5's capture routes): a capture is stored before any
 * ledger work and its status follows the queue job that submits it.
 */
import type { Queryable } from './pool';

/** Life of a capture. */
export type CaptureStatus = 'received' | 'submitted' | 'committed' | 'rejected';

/** A stored capture. */
export interface Capture {
    readonly id: string;
    readonly status: CaptureStatus;
    readonly receivedAt: Date;
    readonly document: unknown;
    readonly errors: unknown;
}

interface CaptureRow {
    id: string;
    status: string;
    received_at: Date;
    document: unknown;
    errors: unknown;
}

function toCapture(row: CaptureRow): Capture {
    return {
        id: row.id,
        status: row.status as CaptureStatus, // the table's CHECK constraint admits only these
        receivedAt: row.received_at,
        document: row.document,
        errors: row.errors,
    };
}

/** Repository of captures. */
export interface CapturesRepository {
    /** Store a capture (idempotent by client-generated id); returns the stored one, new or existing. */
    insert(id: string, document: unknown): Promise<Capture>;
    findById(id: string): Promise<Capture | undefined>;
    setStatus(id: string, status: CaptureStatus, errors?: unknown): Promise<void>;
}

/**
 * Create the repository.
 *
 * @param db - Pool or transaction.
 * @returns The repository.
 */
export function newCapturesRepository(db: Queryable): CapturesRepository {
    const select = `SELECT id, status, received_at, document, errors FROM captures WHERE id = $1`;
    return {
        async insert(id, document) {
            await db.query(`INSERT INTO captures (id, document) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, [
                id,
                JSON.stringify(document),
            ]);
            const { rows } = await db.query<CaptureRow>(select, [id]);
            if (!rows[0]) {
                throw new Error(`capture ${id} vanished right after insert`);
            }
            return toCapture(rows[0]);
        },
        async findById(id) {
            const { rows } = await db.query<CaptureRow>(select, [id]);
            return rows[0] ? toCapture(rows[0]) : undefined;
        },
        async setStatus(id, status, errors) {
            await db.query(`UPDATE captures SET status = $2, errors = $3 WHERE id = $1`, [
                id,
                status,
                errors === undefined ? null : JSON.stringify(errors),
            ]);
        },
    };
}
