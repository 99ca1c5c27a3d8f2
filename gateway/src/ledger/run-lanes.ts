/**
 * Submission lanes: one FIFO queue per run key (ledger-model `runKeysCreatedBy`: the item and code runs a step
 * creates into), so that this process submits the transactions creating into one run one after another, each once
 * the previous one committed or failed, instead of letting them race to a read conflict at commit
 * (MVCC_READ_CONFLICT: two creations in one run endorsed against the same version of its key, only one valid). The
 * losers of such a race retry a bounded number of times and some end in 503 `LEDGER_CONFLICT`; in a lane they wait
 * a few block times instead.
 *
 * A submission enters every lane of its keys in one synchronous step, so every lane's queue follows one global order
 * of arrival: the oldest waiting submission is at the head of all its lanes, and no two submissions can wait for
 * each other (no deadlock, whatever keys they share). A lane exists only while it holds submissions.
 *
 * Per process only: gateways of a cluster still race each other, and the adapter's retries cover that.
 */
import { LedgerError, LedgerErrorCode } from './ledger-error-type';

/** Most submissions waiting in one lane behind the running one; one more is refused at once (a retryable 503). */
export const LANE_WAITERS_MAX = 32;

/** One submission: the lanes it still waits in, and how to start it. */
interface Waiter {
  /** Lanes where another submission is still ahead of this one. */
  blockedIn: number;
  readonly start: () => void;
}

/** FIFO lanes by key; one per gateway process (ledger/ledger-clients.ts). */
export class RunLanes {
  readonly #lanes = new Map<string, Waiter[]>();
  readonly #waitersMax: number;

  /** @param waitersMax - Most submissions waiting in one lane (tests use small values). */
  constructor(waitersMax: number = LANE_WAITERS_MAX) {
    this.#waitersMax = waitersMax;
  }

  /** Lanes holding submissions right now (for tests and metrics: 0 when idle). */
  get size(): number {
    return this.#lanes.size;
  }

  /**
   * Run `fn` once this submission is first in the lane of every key, then leave the lanes (whatever `fn` did).
   *
   * @param keys - Lane keys (duplicates are ignored); none runs `fn` at once.
   * @param fn - The submission: endorse, order and wait for the commit.
   * @returns What `fn` returned.
   * @throws LedgerError `LEDGER_CONFLICT` (retryable) at once when a lane already has {@link LANE_WAITERS_MAX}
   *   submissions waiting: nothing was queued or submitted.
   */
  async run<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const distinct = [...new Set(keys)].sort();
    if (distinct.length === 0) return fn();
    // Refused before joining any lane, so a refusal holds nothing up.
    const full = distinct.find((key) => (this.#lanes.get(key)?.length ?? 0) > this.#waitersMax);
    if (full !== undefined) throw laneFull(full, this.#waitersMax);
    let start!: () => void;
    const started = new Promise<void>((resolve) => {
      start = resolve;
    });
    const waiter: Waiter = { blockedIn: 0, start };
    for (const key of distinct) {
      const lane = this.#lanes.get(key);
      if (lane === undefined) this.#lanes.set(key, [waiter]);
      else {
        lane.push(waiter);
        waiter.blockedIn += 1;
      }
    }
    if (waiter.blockedIn === 0) start();
    await started;
    try {
      return await fn();
    } finally {
      this.#leave(distinct, waiter);
    }
  }

  /** Takes `waiter` (the head of each of its lanes) out, and starts whoever it was the last obstacle of. */
  #leave(keys: readonly string[], waiter: Waiter): void {
    for (const key of keys) {
      const lane = this.#lanes.get(key);
      if (lane === undefined || lane[0] !== waiter) continue; // cannot happen: a started waiter heads its lanes
      lane.shift();
      const next = lane[0];
      if (next === undefined) {
        this.#lanes.delete(key);
        continue;
      }
      next.blockedIn -= 1;
      if (next.blockedIn === 0) next.start();
    }
  }
}

/** The refusal of a submission to a full lane: the adapter's read conflict's code, kind and retryability. */
function laneFull(key: string, waitersMax: number): LedgerError {
  return new LedgerError({
    code: LedgerErrorCode.LEDGER_CONFLICT,
    message: `${waitersMax} submissions are already waiting to create items or codes in run ${key}; try again shortly`,
    kind: 'conflict',
    retryable: true,
  });
}
