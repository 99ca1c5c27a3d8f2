/**
 * Chaincode submission ids (the chaincode's idempotency keys, `submissionId` in every state-changing request): how the
 * gateway derives them from an `Idempotency-Key`, and how it reads the first transaction out of a
 * `DUPLICATE_SUBMISSION` refusal. Capture chunks use `cap:<capture id>:<seq>` (capture/processor.ts).
 */
import { createHash } from 'node:crypto';
import { LedgerError } from '../adapters/fabric/errors';

/** Prefix of the submission ids the gateway derives from `Idempotency-Key` (capture chunk ids use their own). */
export const SUBMISSION_ID_PREFIX = 'idem:';

/** Hex characters of SHA-256 kept in a submission id: 160 bits, far beyond any collision a client could cause. */
export const SUBMISSION_ID_HASH_CHARS = 40;

/** The chaincode's refusal of a second transaction with a submission id, and the txId it names. */
const DUPLICATE_SUBMISSION_CODE = 'DUPLICATE_SUBMISSION';
const FIRST_TX_ID = /committed in transaction ([0-9A-Za-z]+)\s*$/;

/**
 * The chaincode `submissionId` for an `Idempotency-Key`, scoped to the API key as the idempotency plugin scopes its
 * records: two keys (or two clients) using the same `Idempotency-Key` never collide on the ledger. Hashed so that the
 * id is visible ASCII of a fixed length (the chaincode accepts 1..200) whatever the client's key looks like.
 *
 * @param keyId - Id of the caller's API key.
 * @param idempotencyKey - The request's `Idempotency-Key`.
 * @returns `idem:` followed by 40 lower-case hex digits.
 */
export function submissionIdFor(keyId: string, idempotencyKey: string): string {
  const digest = createHash('sha256').update(`${keyId}:${idempotencyKey}`, 'utf8').digest('hex');
  return SUBMISSION_ID_PREFIX + digest.slice(0, SUBMISSION_ID_HASH_CHARS);
}

/**
 * The first transaction of a `DUPLICATE_SUBMISSION` refusal, or undefined for any other error.
 *
 * @param err - What the ledger client threw.
 * @returns The txId the chaincode names (`submission <id> was committed in transaction <txId>`).
 */
export function duplicateOf(err: unknown): string | undefined {
  if (!(err instanceof LedgerError) || err.code !== DUPLICATE_SUBMISSION_CODE) {
    return undefined;
  }
  return FIRST_TX_ID.exec(err.message)?.[1];
}
