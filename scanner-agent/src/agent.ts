/**
 * One counting session: transport -> decoder -> dedup -> batch -> spool -> uploader -> progress, and the
 * close of the stocktake when asked.
 *
 * Order of effects, which is what makes the count exactly-once:
 * 1. a read is decoded; an item not yet in the session's seen set is added to it and to the pending batch;
 * 2. the pending batch is appended to the spool (fsync'ed) when it reaches `batchReadsMax` or every
 *    `batchAgeMsMax`; only then can the uploader see it;
 * 3. the uploader posts it with its position-derived batch id and acknowledges it in the spool after the
 *    gateway's answer.
 * After a crash, the seen set is rebuilt from the spool (what was appended), so appended items are neither
 * counted nor sent again; items read but not yet appended (at most `batchAgeMsMax` worth) were in memory
 * only and are counted again when the counter reads them again. A batch that was sent but not
 * acknowledged is sent again with the same id, which the gateway treats as a duplicate.
 */
import { CloseReport, GatewayClient, GatewayError } from './outbox/gateway-client';
import { Spool } from './outbox/spool';
import { Uploader, fullJitterDelayMs } from './outbox/uploader';
import { keyOfUpload } from '@hainan/epc-decoders';
import { EpcReadDecoder } from '@hainan/epc-decoders';
import { newReportDecoder } from '@hainan/epc-decoders';
import { ReportDecoder } from '@hainan/epc-decoders';
import { AgentError, newAgentError } from './errors';
import { CountProgress } from './progress';
import { Read, ReadSink, UndecodableRead, undecodable } from '@hainan/epc-decoders';
import { Transport } from './transport/transport';

/** Most reads per uploaded batch (the gateway's limit). */
export const BATCH_READS_MAX = 5000;
/** Longest time a new item waits in memory before it is spooled (bounds what a crash can lose). */
export const BATCH_AGE_MS_MAX = 250;
/** Time between progress ticks. */
export const PROGRESS_INTERVAL_MS = 1000;
/** Most distinct items in one session (far above any shop's stock; bounds memory). */
export const SESSION_ITEMS_MAX = 5_000_000;
/** Distinct undecodable reasons kept as examples for the summary. */
const UNDECODABLE_SAMPLES_MAX = 10;

/** Settings of a {@link CountSession}. */
export interface CountSessionOptions {
  readonly transport: Transport;
  /** The stocktake being counted; undefined for a dry run (decode and count, upload nothing). */
  readonly stocktakeId: string | undefined;
  readonly deviceId: string;
  /** Where batches go; required unless dry run. */
  readonly spool?: Spool;
  /** Uploads the spool; without one, batches stay spooled (benchmarks, offline tests). */
  readonly uploader?: Uploader;
  /** Needed to close the stocktake. */
  readonly client?: GatewayClient;
  readonly onProgress?: (p: CountProgress) => void;
  readonly progressIntervalMs?: number;
  readonly batchReadsMax?: number;
  readonly batchAgeMsMax?: number;
  readonly sessionItemsMax?: number;
  /** How long to wait for the spool to drain (and the close to succeed) at the end. */
  readonly drainTimeoutMs: number;
  /** Close the stocktake when the input ends (replay end, stdin EOF). */
  readonly closeAtEnd: boolean;
}

/** How a session ended. */
export interface CountOutcome {
  readonly progress: CountProgress;
  /** Examples of undecodable reads, one per reason. */
  readonly samples: readonly UndecodableRead[];
  /** True if every batch of this stocktake was acknowledged (always true for a dry run). */
  readonly drained: boolean;
  /** The reconciliation, if the stocktake was closed. */
  readonly closeReport: CloseReport | undefined;
  /** Why the session stopped early, if it did (device failure, spool full, ...). */
  readonly error: AgentError | undefined;
}

/** A counting session. Create, then `run()`; `stop()` ends it from outside (key press, signal). */
export class CountSession {
  private readonly decoder: ReportDecoder;
  private readonly seen = new Set<string>();
  private pending: string[] = [];
  private readonly startedMs = Date.now();
  private reads = 0;
  private newItems = 0;
  private undecodableCount = 0;
  private readonly byReason = new Map<string, number>();
  private readonly samples = new Map<string, UndecodableRead>();
  private lastUndecodable: UndecodableRead | undefined;
  private spooledBatches = 0;
  private lastTick = { atMs: Date.now(), reads: 0 };
  private stopMode: 'close' | 'quit' | undefined;
  private fatal: AgentError | undefined;
  private readonly batchReadsMax: number;
  private readonly sessionItemsMax: number;
  private readonly sink: ReadSink = (read) => this.onRead(read);

  constructor(private readonly options: CountSessionOptions) {
    if (options.stocktakeId !== undefined && options.spool === undefined)
      throw new Error('a session with a stocktake needs a spool');
    this.decoder = newReportDecoder(options.transport.layout, new EpcReadDecoder());
    this.batchReadsMax = Math.min(options.batchReadsMax ?? BATCH_READS_MAX, BATCH_READS_MAX);
    this.sessionItemsMax = options.sessionItemsMax ?? SESSION_ITEMS_MAX;
    if (options.stocktakeId !== undefined && options.spool !== undefined) {
      for (const upload of options.spool.uploadsOf(options.stocktakeId)) {
        const key = keyOfUpload(upload);
        if (key !== undefined) this.seen.add(key);
      }
    }
  }

  /** Feeds a capture line the replay could not parse (counted as undecodable, not fatal). */
  readonly onMalformedCaptureLine = (lineNumber: number, line: string): void => {
    this.onRead(undecodable('capture-line-invalid', `line ${lineNumber}: ${line}`));
  };

  /**
   * Ends the session: stop reading, spool what is pending, wait for the upload, and close the stocktake
   * if `mode` is `close` (or closeAtEnd was set).
   */
  stop(mode: 'close' | 'quit'): void {
    if (this.stopMode !== 'close') this.stopMode = mode;
    void this.options.transport.close();
  }

  /** The current progress snapshot. */
  progress(final = false): CountProgress {
    const now = Date.now();
    const up = this.options.uploader?.snapshot;
    const id = this.options.stocktakeId;
    const rate = final
      ? (this.reads * 1000) / Math.max(1, now - this.startedMs)
      : ((this.reads - this.lastTick.reads) * 1000) / Math.max(1, now - this.lastTick.atMs);
    return {
      stocktakeId: id,
      elapsedMs: now - this.startedMs,
      reads: this.reads,
      readsPerSecond: rate,
      uniqueItems: this.seen.size,
      newItems: this.newItems,
      undecodable: this.undecodableCount,
      undecodableByReason: Object.fromEntries(this.byReason),
      lastUndecodable:
        this.lastUndecodable === undefined
          ? undefined
          : { reason: this.lastUndecodable.reason, raw: this.lastUndecodable.raw },
      ignored: this.decoder.ignored,
      spooledBatches: this.spooledBatches,
      pendingBatches: this.options.spool?.pending() ?? 0,
      uploadedBatches: up?.uploadedBatches ?? 0,
      duplicateBatches: up?.duplicateBatches ?? 0,
      rejectedBatches: up?.rejectedBatches ?? 0,
      gateway: up === undefined ? 'offline-mode' : up.gateway,
      lastProblem: up?.lastProblem,
      serverUniqueItems: id === undefined ? undefined : up?.serverUniqueItems.get(id),
    };
  }

  /** Runs until the input ends or {@link CountSession.stop} is called. */
  async run(): Promise<CountOutcome> {
    const { transport, uploader } = this.options;
    uploader?.start();
    const flushTimer = setInterval(() => this.flush(), this.options.batchAgeMsMax ?? BATCH_AGE_MS_MAX);
    const tickTimer = setInterval(() => this.tick(), this.options.progressIntervalMs ?? PROGRESS_INTERVAL_MS);
    try {
      for await (const batch of transport.reports()) {
        for (const report of batch) this.decoder.push(report.bytes, this.sink);
        if (this.fatal !== undefined || this.stopMode !== undefined) break;
      }
    } catch (err) {
      if (!(err instanceof AgentError)) throw err;
      this.fatal ??= err;
    } finally {
      clearInterval(flushTimer);
      clearInterval(tickTimer);
      await transport.close();
    }
    this.decoder.end(this.sink);
    this.flush();
    this.tick();

    let drained = true;
    let closeReport: CloseReport | undefined;
    const id = this.options.stocktakeId;
    if (id !== undefined && uploader !== undefined) {
      drained = await uploader.drain(id, this.options.drainTimeoutMs);
      const wantClose =
        this.stopMode === 'close' || (this.options.closeAtEnd && this.fatal === undefined && this.stopMode !== 'quit');
      if (wantClose && this.fatal === undefined) {
        if (!drained) {
          this.fatal = newAgentError(
            'STOCKTAKE_NOT_CLOSED',
            `stocktake ${id} was not closed: ${this.options.spool?.pending(id) ?? 0} batches are not yet acknowledged by the gateway (${uploader.snapshot.lastProblem ?? 'no answer'})`,
            'the reads are safe in the spool; run the same command again with --close once the gateway is reachable',
          );
        } else {
          closeReport = await this.closeStocktake(id);
        }
      }
      await uploader.stop();
    } else if (id === undefined) {
      await uploader?.stop();
    }
    return {
      progress: this.progress(true),
      samples: Array.from(this.samples.values()),
      drained,
      closeReport,
      error: this.fatal,
    };
  }

  private async closeStocktake(id: string): Promise<CloseReport | undefined> {
    const client = this.options.client;
    if (client === undefined) throw new Error('closing needs a gateway client');
    const deadline = Date.now() + this.options.drainTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      try {
        const report = await client.closeStocktake(id);
        this.options.spool?.forgetSession(id);
        return report;
      } catch (err) {
        if (!(err instanceof GatewayError)) throw err;
        const delayMs = fullJitterDelayMs(attempt, 250, 5000, Math.random);
        if (!err.retryable || Date.now() + delayMs > deadline) {
          this.fatal = newAgentError(
            err.retryable ? 'STOCKTAKE_NOT_CLOSED' : 'GATEWAY_REJECTED',
            `closing stocktake ${id} failed: ${err.message}`,
            err.retryable
              ? 'every read is uploaded; run again with --close when the gateway answers'
              : 'check the stocktake on the gateway (was it already closed?)',
          );
          return undefined;
        }
        await new Promise((r) => setTimeout(r, delayMs));
      }
    }
  }

  private onRead(read: Read): void {
    this.reads++;
    if (read.kind === 'repeat') return;
    if (read.kind === 'undecodable') {
      this.undecodableCount++;
      this.byReason.set(read.reason, (this.byReason.get(read.reason) ?? 0) + 1);
      if (!this.samples.has(read.reason) && this.samples.size < UNDECODABLE_SAMPLES_MAX)
        this.samples.set(read.reason, read);
      this.lastUndecodable = read;
      return;
    }
    if (this.seen.has(read.key)) return;
    if (this.seen.size >= this.sessionItemsMax) {
      if (this.fatal === undefined) {
        this.fatal = newAgentError(
          'SESSION_TOO_LARGE',
          `more than ${this.sessionItemsMax} distinct items in one session`,
          'split the location into several stocktakes',
        );
        void this.options.transport.close();
      }
      return;
    }
    this.seen.add(read.key);
    this.newItems++;
    this.pending.push(read.upload);
    if (this.pending.length >= this.batchReadsMax) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const reads = this.pending;
    this.pending = [];
    const { spool, stocktakeId } = this.options;
    if (spool === undefined || stocktakeId === undefined) {
      this.spooledBatches++; // dry run: batched, then dropped
      return;
    }
    try {
      spool.append({ stocktakeId, deviceId: this.options.deviceId, reads });
      this.spooledBatches++;
      this.options.uploader?.wake();
    } catch (err) {
      if (!(err instanceof AgentError)) throw err;
      // Not spooled: forget these items so a later run (or rescan) counts them.
      for (const upload of reads) {
        const key = keyOfUpload(upload);
        if (key !== undefined) this.seen.delete(key);
      }
      this.newItems -= reads.length;
      this.fatal ??= err;
      void this.options.transport.close();
    }
  }

  private tick(): void {
    const p = this.progress();
    this.lastTick = { atMs: Date.now(), reads: this.reads };
    this.options.onProgress?.(p);
  }
}
