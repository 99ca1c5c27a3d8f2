/**
 * The write-off use cases (底账核销, issue 18 Must 4) against their ports: customs writes off a closed period of an
 * enterprise's book on the chain (`account:WriteOffPeriod`, signed as the caller; the chain matches the period's
 * movements against its documents and records the result, so nothing here decides what matches), and reads the status
 * of (enterprise, period) from the projection: open, closed, or written off with the matched count, hash, transaction
 * and the unmatched documents with the transactions behind each. A preview evaluates the chain's write-off without
 * submitting it; the write-off can then be asked for that very matched set (its hash), so the gateway proposes and
 * the chain verifies.
 */
import type { WriteOffRecord } from '@hainan/ledger-model';
import type { Principal } from '../../domain/principal';
import { newProblem } from '../../errors';
import { duplicateOf } from '../../ledger/submission';
import { IDEMPOTENCY_KEY_HEADER } from '../../plugins/idempotency';
import type { LedgerClients } from '../../ports';
import type { AccountRepository, ClosedPeriod, StoredWriteOff } from '../../repositories/accounts';

/** What the write-off use cases depend on. */
export interface WriteOffServiceDeps {
  readonly accounts: AccountRepository;
  readonly ledgers: LedgerClients;
}

/** Where a period stands: not closed (as far as the projection knows), closed, or written off. */
export type WriteOffStatus = 'OPEN' | 'CLOSED' | 'WRITTEN_OFF';

/** The status of (enterprise, period). */
export interface PeriodWriteOffStatus {
  readonly status: WriteOffStatus;
  readonly closed: ClosedPeriod | undefined;
  readonly writeOff: StoredWriteOff | undefined;
}

/** The outcome of a write-off. */
export interface WriteOffOutcome {
  /** True when the Idempotency-Key was already committed: the write-off is that earlier transaction. */
  readonly duplicateSubmission: boolean;
  readonly txId: string;
  /** The record; on a duplicate only when the projection has it. */
  readonly record: WriteOffRecord | undefined;
}

/** The write-off use cases. */
export interface WriteOffService {
  /**
   * Write off a closed period on the chain as the caller (customs).
   *
   * @param submission - The chain submission id (from the Idempotency-Key) and the key as the client sent it.
   * @throws ProblemError `IDEMPOTENCY_KEY_REUSED` when the submission id did something else; chaincode refusals
   * (`PERIOD_NOT_CLOSED`, `ALREADY_WRITTEN_OFF`, `UNKNOWN_ENTERPRISE`, ...)
   */
  writeOff(
    caller: Principal,
    enterpriseId: string,
    period: string,
    submission: { id: string; key: string } | undefined,
    expectedMatchedHash?: string,
  ): Promise<WriteOffOutcome>;
  /**
   * What a write-off would record now: the chain's own match, evaluated as the caller and not submitted. Its
   * `matchedHash`, given back as `expectedMatchedHash`, makes the write-off record that very set.
   *
   * @throws ProblemError chaincode refusals (`PERIOD_NOT_CLOSED`, `ALREADY_WRITTEN_OFF`, ...)
   */
  preview(caller: Principal, enterpriseId: string, period: string): Promise<WriteOffRecord>;
  /** The status of (enterprise, period), from one projection snapshot. */
  status(enterpriseId: string, period: string): Promise<PeriodWriteOffStatus>;
}

/**
 * Build the write-off use cases over their ports.
 *
 * @param deps - The account repository and the ledger clients.
 * @returns The service.
 */
export function newWriteOffService(deps: WriteOffServiceDeps): WriteOffService {
  const { accounts, ledgers } = deps;
  return {
    async writeOff(caller, enterpriseId, period, submission, expectedMatchedHash) {
      const ledger = ledgers.forCaller(caller, 'account');
      let committed: string | undefined;
      try {
        const record = await ledger.submit<WriteOffRecord>(
          'WriteOffPeriod',
          [
            JSON.stringify({
              enterprise: enterpriseId,
              period,
              ...(expectedMatchedHash === undefined ? {} : { expectedMatchedHash }),
              ...(submission === undefined ? {} : { submissionId: submission.id }),
            }),
          ],
          { onCommitted: (txId) => (committed = txId) },
        );
        if (record === undefined) throw new Error('account:WriteOffPeriod answered nothing');
        if (committed === undefined) throw new Error('account:WriteOffPeriod committed without its transaction id');
        return { duplicateSubmission: false, txId: committed, record };
      } catch (err: unknown) {
        const txId = submission === undefined ? undefined : duplicateOf(err);
        if (txId === undefined) throw err;
        // The submission id is global on the chain: the earlier transaction must be this very write-off (when the
        // projection has it), not something else that carried the same key.
        const earlier = await accounts.findTransaction(txId);
        const stored = await accounts.snapshot((s) => s.writeOff(enterpriseId, period));
        if (earlier !== undefined && !(earlier.type === 'WRITE_OFF' && stored?.txId === txId)) {
          throw newProblem(
            'IDEMPOTENCY_KEY_REUSED',
            `${IDEMPOTENCY_KEY_HEADER} ${String(submission?.key)} was used on the chain by transaction ${txId} for a different request`,
          );
        }
        return { duplicateSubmission: true, txId, record: stored?.record as WriteOffRecord | undefined };
      }
    },

    async preview(caller, enterpriseId, period) {
      const record = await ledgers
        .forCaller(caller, 'account')
        .evaluate<WriteOffRecord>('WriteOffPeriod', [JSON.stringify({ enterprise: enterpriseId, period })]);
      if (record === undefined) throw new Error('account:WriteOffPeriod (evaluated) answered nothing');
      return record;
    },

    async status(enterpriseId, period) {
      const { closed, writeOff } = await accounts.snapshot(async (s) => ({
        closed: await s.closedPeriod(enterpriseId, period),
        writeOff: await s.writeOff(enterpriseId, period),
      }));
      const status: WriteOffStatus = writeOff ? 'WRITTEN_OFF' : closed ? 'CLOSED' : 'OPEN';
      return { status, closed, writeOff };
    },
  };
}
