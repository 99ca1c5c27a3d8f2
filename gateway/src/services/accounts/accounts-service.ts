/**
 * The account use cases (one enterprise, one account) against their ports: balances and movements from the
 * projection, the reconciliation of ERP figures against the book (stored as answered), and the close of a finished
 * month on the chain (`account:ClosePeriod`, signed as the caller), which answers the committed transaction's id.
 */
import { randomUUID } from 'node:crypto';
import type { Principal } from '../../domain/principal';
import { newProblem } from '../../errors';
import { duplicateOf } from '../../ledger/submission';
import { IDEMPOTENCY_KEY_HEADER } from '../../plugins/idempotency';
import type { LedgerClients } from '../../ports';
import { PROJECTION_NAME } from '../../projection/follower';
import type {
  AccountLine,
  AccountMovement,
  AccountRepository,
  ClosedPeriod,
  MovementFilter,
  ProjectionPosition,
} from '../../repositories/accounts';
import type { EnterprisesRepository } from '../../repositories/enterprises';
import { ErpLinesRefused, diffAccount, type ErpLine, type Variance } from './reconcile';

/** Most book lines `GET /account` returns (the rest is flagged `truncated`). */
export const ACCOUNT_LINES_MAX = 10_000;
/** Most book lines a reconciliation compares; a bigger book is refused rather than compared in part. */
export const RECONCILIATION_LEDGER_LINES_MAX = 100_000;
/** Most closed periods listed (50 years of months). */
export const CLOSED_PERIODS_MAX = 600;
/** Most movements listed behind one variance (the latest ones); `truncated` says when there are more. */
export const EVENTS_PER_VARIANCE_MAX = 50;
/** Variances that get their events listed; later ones (in line order) only their count, so an answer stays bounded. */
export const VARIANCES_WITH_EVENTS_MAX = 1_000;

/** The chaincode's period record, as the model defines it. */
import type { PeriodRecord } from '@hainan/ledger-model';
export type { PeriodRecord };

/** What the account use cases depend on. */
export interface AccountsServiceDeps {
  readonly accounts: AccountRepository;
  readonly enterprises: EnterprisesRepository;
  readonly ledgers: LedgerClients;
}

/** Balances as of a time, with what the answer reflects. */
export interface AccountBalances {
  readonly position: ProjectionPosition | undefined;
  readonly lines: AccountLine[];
  readonly truncated: boolean;
  readonly periods: ClosedPeriod[];
}

/** One variance with the movements behind its ledger figure (none read beyond {@link VARIANCES_WITH_EVENTS_MAX}). */
export interface VarianceWithMovements {
  readonly variance: Variance;
  /** Movements behind it (the latest {@link EVENTS_PER_VARIANCE_MAX}), and how many there are; undefined: not read. */
  readonly behind: { readonly movements: AccountMovement[]; readonly total: number } | undefined;
}

/** A reconciliation as computed, before it is shaped for the answer. */
export interface Reconciliation {
  readonly id: string;
  readonly asOf: Date;
  readonly position: ProjectionPosition | undefined;
  readonly ledgerLines: number;
  readonly matched: number;
  readonly variances: VarianceWithMovements[];
}

/** The outcome of a period close. */
export type PeriodClose =
  | { readonly duplicateSubmission: false; readonly txId: string; readonly record: PeriodRecord }
  /** Committed earlier under the same submission id; the record when the projection has it. */
  | { readonly duplicateSubmission: true; readonly txId: string; readonly record: PeriodRecord | undefined };

/** The account use cases. */
export interface AccountsService {
  /**
   * Customs may name any enterprise: `NOT_FOUND` for one the gateway does not know rather than an empty book.
   * (Tenancy of other callers is checked before, by the routes' hook.)
   */
  assertKnown(caller: Principal, enterpriseId: string): Promise<void>;
  balances(enterpriseId: string, asOf: Date): Promise<AccountBalances>;
  movements(filter: MovementFilter): Promise<AccountMovement[]>;
  /**
   * Compare ERP lines with the book in one snapshot; every variance with the movements behind it.
   *
   * @throws ProblemError `UNPROCESSABLE` (a book too big, ERP lines the diff cannot take: `lineIndex`)
   */
  reconcile(enterpriseId: string, asOf: Date, lines: readonly ErpLine[]): Promise<Reconciliation>;
  /** Store a reconciliation's answer, as answered. */
  storeReconciliation(input: {
    reconciliation: Reconciliation;
    enterpriseId: string;
    caller: Principal;
    erpLines: number;
    result: Record<string, unknown>;
  }): Promise<{ createdAt: Date }>;
  /**
   * A stored reconciliation's answer, as it was answered.
   *
   * @throws ProblemError `NOT_FOUND` (also for another enterprise's)
   */
  reconciliation(enterpriseId: string, id: string): Promise<{ result: Record<string, unknown>; createdAt: Date }>;
  /**
   * Close a finished month on the chain as the caller.
   *
   * @param submission - The chain submission id (from the Idempotency-Key) and the key as the client sent it.
   * @throws ProblemError `IDEMPOTENCY_KEY_REUSED` when the submission id closed something else; chaincode refusals
   */
  closePeriod(
    caller: Principal,
    enterpriseId: string,
    period: string,
    submission: { id: string; key: string } | undefined,
  ): Promise<PeriodClose>;
}

/**
 * Build the account use cases over their ports.
 *
 * @param deps - Repositories and ledger clients.
 * @returns The service.
 */
export function newAccountsService(deps: AccountsServiceDeps): AccountsService {
  const { accounts, enterprises, ledgers } = deps;
  return {
    async assertKnown(caller, enterpriseId) {
      if (caller.role === 'customs' && !(await enterprises.findById(enterpriseId))) {
        throw newProblem('NOT_FOUND', `no enterprise ${enterpriseId}`);
      }
    },

    async balances(enterpriseId, asOf) {
      const { position, lines, periods } = await accounts.snapshot(async (s) => ({
        position: await s.position(PROJECTION_NAME),
        lines: await s.balances(enterpriseId, asOf, ACCOUNT_LINES_MAX + 1),
        periods: await s.closedPeriods(enterpriseId, CLOSED_PERIODS_MAX),
      }));
      return {
        position,
        lines: lines.slice(0, ACCOUNT_LINES_MAX),
        truncated: lines.length > ACCOUNT_LINES_MAX,
        periods,
      };
    },

    movements: (filter) => accounts.movements(filter),

    async reconcile(enterpriseId, asOf, lines) {
      const { position, ledgerLines, diff, behind } = await accounts
        .snapshot(async (s) => {
          const book = await s.balances(enterpriseId, asOf, RECONCILIATION_LEDGER_LINES_MAX + 1);
          if (book.length > RECONCILIATION_LEDGER_LINES_MAX) {
            throw newProblem(
              'UNPROCESSABLE',
              `the book of ${enterpriseId} has more than ${RECONCILIATION_LEDGER_LINES_MAX} lines; it cannot be reconciled in one request`,
            );
          }
          const diff = diffAccount(lines, book);
          const listed = diff.variances.slice(0, VARIANCES_WITH_EVENTS_MAX);
          const behind = await s.movementsOfLines(
            enterpriseId,
            asOf,
            listed.map((v) => ({ gtin: v.gtin, regime: v.regime, location: v.location })),
            EVENTS_PER_VARIANCE_MAX,
          );
          return { position: await s.position(PROJECTION_NAME), ledgerLines: book.length, diff, behind };
        })
        .catch((err: unknown) => {
          if (err instanceof ErpLinesRefused) {
            throw newProblem('UNPROCESSABLE', err.message, { extensions: { lineIndex: err.lineIndex } });
          }
          throw err;
        });
      return {
        id: randomUUID(),
        asOf,
        position,
        ledgerLines,
        matched: diff.matched,
        variances: diff.variances.map((variance, i) => ({ variance, behind: behind[i] })),
      };
    },

    async storeReconciliation({ reconciliation, enterpriseId, caller, erpLines, result }) {
      return accounts.insertReconciliation({
        id: reconciliation.id,
        enterprise: enterpriseId,
        asOf: reconciliation.asOf,
        position: reconciliation.position,
        createdByKey: caller.keyId,
        erpLines,
        variances: reconciliation.variances.length,
        result,
      });
    },

    async reconciliation(enterpriseId, id) {
      const stored = await accounts.findReconciliation(id);
      if (!stored || stored.enterprise !== enterpriseId) {
        throw newProblem('NOT_FOUND', `no reconciliation ${id} of enterprise ${enterpriseId}`);
      }
      return stored;
    },

    async closePeriod(caller, enterpriseId, period, submission) {
      const ledger = ledgers.forCaller(caller, 'account');
      let committed: string | undefined;
      try {
        const record = await ledger.submit<PeriodRecord>(
          'ClosePeriod',
          [
            JSON.stringify({
              enterprise: enterpriseId,
              period,
              ...(submission === undefined ? {} : { submissionId: submission.id }),
            }),
          ],
          { onCommitted: (txId) => (committed = txId) },
        );
        if (record === undefined) {
          throw new Error('account:ClosePeriod answered nothing');
        }
        if (committed === undefined) {
          throw new Error('account:ClosePeriod committed without its transaction id');
        }
        return { duplicateSubmission: false, txId: committed, record };
      } catch (err: unknown) {
        const txId = submission === undefined ? undefined : duplicateOf(err);
        if (txId === undefined) {
          throw err;
        }
        // The submission id is global on the chain: make sure the earlier transaction closed this very period
        // (when the projection has it), not something else that happened to carry the same key.
        const earlier = await accounts.findTransaction(txId);
        const record = earlier?.periodRecord as PeriodRecord | null | undefined;
        if (
          earlier !== undefined &&
          !(earlier.type === 'PERIOD_CLOSE' && record?.enterprise === enterpriseId && record.period === period)
        ) {
          throw newProblem(
            'IDEMPOTENCY_KEY_REUSED',
            `${IDEMPOTENCY_KEY_HEADER} ${String(submission?.key)} was used on the chain by transaction ${txId} for a different request`,
          );
        }
        return { duplicateSubmission: true, txId, record: record ?? undefined };
      }
    },
  };
}
