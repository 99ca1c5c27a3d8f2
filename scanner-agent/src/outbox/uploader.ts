/**
 * Uploads spooled batches to the gateway, oldest first, one at a time, each with its position-derived batch
 * id as idempotency key, and acknowledges each in the spool only after the gateway confirmed it.
 *
 * While the gateway cannot be reached (or answers 5xx/429, or refuses the API key, or breaks the contract)
 * the same batch is retried with "full jitter" exponential backoff: a random delay in
 * [0, min(retryDelayMsMax, retryDelayMsBase * 2^attempt)), or the gateway's Retry-After if it sent one (also
 * capped). Attempts are not counted down to a give-up: the reads must not be dropped, and the loop ends only
 * with {@link Uploader.stop} (the CLI then exits with "pending upload" and the next run continues). A batch
 * the gateway refuses for good (a 4xx problem document with a code) is moved to the spool's rejected file
 * so it does not block the batches behind it.
 */
import { fullJitterBackoffMs } from '@hainan/ledger-model';
import { GatewayClient, GatewayError } from './gateway-client';
import { Spool } from './spool';

/** First retry delay ceiling. */
export const RETRY_DELAY_MS_BASE = 250;
/** Largest retry delay: an unreachable gateway is probed at least this often. */
export const RETRY_DELAY_MS_MAX = 30_000;
/** Exponent cap, so 2^attempt never overflows. */
const RETRY_EXPONENT_MAX = 20;

/** What the uploader is doing, for progress output. */
export interface UploaderState {
  /** `idle`: nothing to send; `ok`: last upload succeeded; `retrying`: waiting to try again. */
  readonly gateway: 'idle' | 'ok' | 'retrying';
  readonly uploadedBatches: number;
  readonly uploadedReads: number;
  readonly duplicateBatches: number;
  readonly rejectedBatches: number;
  /** Attempts made for the batch currently failing. */
  readonly attempts: number;
  /** When the next retry happens (ms since epoch), if retrying. */
  readonly nextRetryAtMs: number | undefined;
  /** The last failure, e.g. `gateway unreachable: POST ... ECONNREFUSED`. */
  readonly lastProblem: string | undefined;
  /** The gateway's `uniqueItems` after the last accepted batch, per stocktake. */
  readonly serverUniqueItems: ReadonlyMap<string, number>;
}

/** Settings of {@link Uploader}. */
export interface UploaderOptions {
  readonly spool: Spool;
  readonly client: GatewayClient;
  readonly retryDelayMsBase?: number;
  readonly retryDelayMsMax?: number;
  /** Injectable for tests. */
  readonly random?: () => number;
}

/**
 * @returns the full-jitter delay before retry number `attempt` (1-based)
 */
export function fullJitterDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  return fullJitterBackoffMs(Math.min(attempt, RETRY_EXPONENT_MAX), baseMs, maxMs, random);
}

/** The background upload loop. */
export class Uploader {
  private running: Promise<void> | undefined;
  private stopped = false;
  /** Ends the idle wait (a batch was appended). */
  private idleWake: (() => void) | undefined;
  /** Ends a backoff wait (drain or stop: try now). */
  private backoffWake: (() => void) | undefined;
  private readonly waiters = new Set<() => void>();
  private state: {
    gateway: UploaderState['gateway'];
    uploadedBatches: number;
    uploadedReads: number;
    duplicateBatches: number;
    rejectedBatches: number;
    attempts: number;
    nextRetryAtMs: number | undefined;
    lastProblem: string | undefined;
    serverUniqueItems: Map<string, number>;
  } = {
    gateway: 'idle',
    uploadedBatches: 0,
    uploadedReads: 0,
    duplicateBatches: 0,
    rejectedBatches: 0,
    attempts: 0,
    nextRetryAtMs: undefined,
    lastProblem: undefined,
    serverUniqueItems: new Map(),
  };

  constructor(private readonly options: UploaderOptions) {}

  /** A snapshot of the uploader's state. */
  get snapshot(): UploaderState {
    return { ...this.state, serverUniqueItems: new Map(this.state.serverUniqueItems) };
  }

  /** Starts the loop (idempotent). */
  start(): void {
    this.running ??= this.run();
  }

  /** Tells the loop a batch was appended. Does not cut a backoff short (that would hammer a down gateway). */
  wake(): void {
    this.idleWake?.();
  }

  /** Ends any wait now, backoff included. */
  private retryNow(): void {
    this.idleWake?.();
    this.backoffWake?.();
  }

  /**
   * Waits until every spooled batch of `stocktakeId` is acknowledged, or `timeoutMs` passes.
   *
   * @returns true if nothing of that stocktake is left in the spool
   */
  async drain(stocktakeId: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    this.retryNow(); // the operator is waiting: try now rather than after the current backoff
    while (this.options.spool.pending(stocktakeId) > 0 && !this.stopped) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.add(done);
      });
    }
    return this.options.spool.pending(stocktakeId) === 0;
  }

  /** Stops the loop after the request in flight (whose outcome is then kept or retried next run). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.retryNow();
    this.notify();
    await this.running;
  }

  private notify(): void {
    for (const done of Array.from(this.waiters)) {
      this.waiters.delete(done);
      done();
    }
  }

  private sleep(ms: number, kind: 'idle' | 'backoff'): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (): void => {
        clearTimeout(timer);
        if (this.idleWake === finish) this.idleWake = undefined;
        if (this.backoffWake === finish) this.backoffWake = undefined;
        resolve();
      };
      timer = setTimeout(finish, ms);
      if (kind === 'idle') this.idleWake = finish;
      else this.backoffWake = finish;
    });
  }

  private async run(): Promise<void> {
    const { spool, client } = this.options;
    const random = this.options.random ?? Math.random;
    const baseMs = this.options.retryDelayMsBase ?? RETRY_DELAY_MS_BASE;
    const maxMs = this.options.retryDelayMsMax ?? RETRY_DELAY_MS_MAX;
    while (!this.stopped) {
      const ref = spool.nextUnacked();
      if (ref === undefined) {
        this.state.gateway = 'idle';
        this.notify();
        await this.sleep(RETRY_DELAY_MS_MAX, 'idle'); // woken by wake() when a batch is appended
        continue;
      }
      const batch = spool.read(ref);
      const batchId = spool.batchId(ref);
      try {
        const ack = await client.postReads(batch.stocktakeId, {
          batchId,
          deviceId: batch.deviceId,
          reads: batch.reads,
        });
        spool.ack(ref);
        this.state.uploadedBatches++;
        this.state.uploadedReads += batch.reads.length;
        if (ack.duplicateBatch) this.state.duplicateBatches++;
        this.state.serverUniqueItems.set(batch.stocktakeId, ack.uniqueItems);
        this.state.gateway = 'ok';
        this.state.attempts = 0;
        this.state.nextRetryAtMs = undefined;
        this.notify();
      } catch (err) {
        if (!(err instanceof GatewayError)) throw err;
        this.state.lastProblem = err.message;
        if (!err.retryable) {
          spool.reject(ref, err.problem ?? { status: err.status, detail: err.message });
          this.state.rejectedBatches++;
          this.notify();
          continue;
        }
        this.state.attempts++;
        const jitterMs = fullJitterDelayMs(this.state.attempts, baseMs, maxMs, random);
        const delayMs = err.retryAfterMs === undefined ? jitterMs : Math.min(maxMs, err.retryAfterMs);
        this.state.gateway = 'retrying';
        this.state.nextRetryAtMs = Date.now() + delayMs;
        this.notify();
        if (!this.stopped) await this.sleep(delayMs, 'backoff');
      }
    }
  }
}
