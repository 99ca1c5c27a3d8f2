/**
 * The projection follower: reads the chaincode's `LedgerEvent`s from the stored checkpoint (off_chain_data
 * `listen.ts` pattern) and writes each batch of them into PostgreSQL in the SAME database transaction as the new
 * checkpoint, so that after any crash it resumes exactly after the last committed event: no gap, no duplicate. Rows
 * are keyed by transaction id as well, so even a replay is harmless. The checkpoint is written compare-and-set: with
 * several gateway processes only the projection leader follows (cluster/leader.ts), and a leader deposed without
 * knowing it yet has its next batch rolled back instead of applied twice.
 *
 * A failed event stream or database write closes the stream and reopens it from the stored checkpoint after a
 * bounded, growing delay.
 */
import {
  newCheckpointRepository,
  newProjectionRepository,
  withTransaction,
  type DbPool,
  type Queryable,
} from '../adapters/pg';
import { ALL_ITEMS } from '../cache/read-cache';
import type { ProjectionCheckpoint } from '../repositories/checkpoints';
import type { LedgerChaincodeEvent, LedgerCheckpoint, LedgerEventStream } from '../adapters/fabric';
import { toLedgerCheckpoint } from '../ledger/checkpoint';
import {
  LEDGER_EVENT_NAME,
  decodeLedgerEvent,
  itemCountOf,
  projectEvents,
  type LedgerEventPayload,
  type PositionedEvent,
} from './ledger-event';

/** Name of the projection's row in `projection_checkpoint`. */
export const PROJECTION_NAME = 'ledger';

/** Most events in one database transaction. */
export const DEFAULT_BATCH_MAX_EVENTS = 200;
/** Most items (rows of `item_events`) in one database transaction; a 1,000-item transaction still fits alone. */
export const DEFAULT_BATCH_MAX_ITEMS = 5_000;
/** A partly filled batch is written when no further event arrives within this time, in milliseconds. */
export const DEFAULT_FLUSH_IDLE_MS = 50;
/** First reconnect delay after a failure, in milliseconds; it doubles with each failure in a row. */
export const DEFAULT_RECONNECT_DELAY_MS_MIN = 250;
/** Longest reconnect delay, in milliseconds. */
export const DEFAULT_RECONNECT_DELAY_MS_MAX = 30_000;

/** Opens the chaincode event stream (the Fabric adapter's `LedgerClient.chaincodeEvents`). */
export type OpenLedgerEvents = (fromBlock: bigint, checkpoint: LedgerCheckpoint) => Promise<LedgerEventStream>;

/** Log sink of the follower. */
export interface FollowerLogger {
  info(obj: object, message: string): void;
  warn(obj: object, message: string): void;
}

/** Options of {@link newProjectionFollower}. */
export interface FollowerOptions {
  pool: DbPool;
  openEvents: OpenLedgerEvents;
  log?: FollowerLogger;
  name?: string;
  batchMaxEvents?: number;
  batchMaxItems?: number;
  flushIdleMs?: number;
  reconnectDelayMsMin?: number;
  reconnectDelayMsMax?: number;
  /**
   * Called inside each batch's transaction after the rows and before the checkpoint commit; a throw rolls the
   * batch back. For tests that simulate a crash between batches.
   */
  beforeCommit?: (tx: Queryable, events: readonly PositionedEvent[]) => Promise<void>;
  /**
   * Called when each batch's transaction has ended, with the SGTINs whose rows it wrote, so that read caches drop
   * them (`readCache.invalidate(sgtins)`) before any later read. Also called when the transaction failed (a
   * COMMIT whose answer was lost may still have happened; forgetting too much is harmless). It must not throw.
   */
  onCommitted?: (sgtins: readonly string[]) => void;
}

/** What the follower reports about itself. */
export interface FollowerStatus {
  /** Last block whose events (up to lastTxId) are projected; undefined before the first. */
  readonly lastBlock: bigint | undefined;
  readonly lastTxId: string | undefined;
  /** Events applied by this follower since it started. */
  readonly eventsApplied: number;
  /** Whether an event stream is open now. */
  readonly streaming: boolean;
  /** Failures in a row since the last applied batch. */
  readonly consecutiveFailures: number;
  readonly lastError: string | undefined;
}

/** A running projection follower. */
export interface ProjectionFollower {
  /** Start following (returns at once). */
  start(): void;
  /** Stop: close the stream, let the batch in progress commit or roll back, and resolve when the loop has ended. */
  stop(): Promise<void>;
  status(): FollowerStatus;
  /**
   * Resolve once no event has arrived for `idleMs` after the last write (the projection has caught up with the
   * chain as far as the peer has delivered), or reject after `maxWaitMs`.
   */
  waitUntilIdle(idleMs: number, maxWaitMs: number): Promise<void>;
}

const IDLE = Symbol('idle');

/** Where the stored checkpoint stands. */
type Position = Pick<ProjectionCheckpoint, 'blockNumber' | 'transactionId'>;

/**
 * Another writer moved the checkpoint since this stream read it (two followers on one database: a projection leader
 * that lost its lock and has not noticed yet). The batch was rolled back; the stream reopens from the stored
 * checkpoint, so nothing is applied twice and the checkpoint never goes back.
 */
export class CheckpointMovedError extends Error {
  constructor(name: string) {
    super(`projection checkpoint ${name} was moved by another writer; resuming from it`);
    this.name = 'CheckpointMovedError';
  }
}

interface DecodedEvent {
  readonly position: PositionedEvent;
  readonly payload: LedgerEventPayload;
}

/**
 * Create a follower (not started).
 *
 * @param options - Pool, event source and limits.
 * @returns The follower.
 */
export function newProjectionFollower(options: Readonly<FollowerOptions>): ProjectionFollower {
  const name = options.name ?? PROJECTION_NAME;
  const batchMaxEvents = options.batchMaxEvents ?? DEFAULT_BATCH_MAX_EVENTS;
  const batchMaxItems = options.batchMaxItems ?? DEFAULT_BATCH_MAX_ITEMS;
  const flushIdleMs = options.flushIdleMs ?? DEFAULT_FLUSH_IDLE_MS;
  const delayMin = options.reconnectDelayMsMin ?? DEFAULT_RECONNECT_DELAY_MS_MIN;
  const delayMax = options.reconnectDelayMsMax ?? DEFAULT_RECONNECT_DELAY_MS_MAX;
  const { pool, openEvents, log } = options;

  let stopped = false;
  let loop: Promise<void> | undefined;
  let stream: LedgerEventStream | undefined;
  let wakeSleep: (() => void) | undefined;
  let lastActivityMs = Date.now();
  let writing = false;
  let status: {
    lastBlock: bigint | undefined;
    lastTxId: string | undefined;
    eventsApplied: number;
    consecutiveFailures: number;
    lastError: string | undefined;
  } = { lastBlock: undefined, lastTxId: undefined, eventsApplied: 0, consecutiveFailures: 0, lastError: undefined };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakeSleep = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => (wakeSleep = undefined));

  /** Write a batch that follows `after` (the checkpoint this stream resumed from or last wrote); returns the new one. */
  async function writeBatch(
    batch: readonly DecodedEvent[],
    after: Position | undefined,
  ): Promise<Position | undefined> {
    const last = batch[batch.length - 1]?.position;
    if (!last) return after;
    const rows = projectEvents(batch);
    writing = true;
    try {
      await withTransaction(pool, async (tx) => {
        // The checkpoint first, compare-and-set: its row lock orders concurrent writers, and a writer whose
        // position is stale (another follower moved on: a deposed leader) rolls back without applying.
        const moved = await newCheckpointRepository(tx).saveIfAt(
          { name, blockNumber: last.blockNumber, transactionId: last.transactionId },
          after,
        );
        if (!moved) throw new CheckpointMovedError(name);
        await newProjectionRepository(tx).applyBatch(rows);
        await options.beforeCommit?.(
          tx,
          batch.map((event) => event.position),
        );
      });
    } finally {
      writing = false;
      // A container row changed: the items inside changed too, unnamed (read-cache.ts ALL_ITEMS).
      const sgtins = rows.items.map((item) => item.sgtin);
      options.onCommitted?.(rows.containers !== undefined ? [...sgtins, ALL_ITEMS] : sgtins);
    }
    status = {
      ...status,
      lastBlock: last.blockNumber,
      lastTxId: last.transactionId,
      eventsApplied: status.eventsApplied + batch.length,
    };
    lastActivityMs = Date.now();
    return { blockNumber: last.blockNumber, transactionId: last.transactionId };
  }

  /** One stream's life: from the stored checkpoint until the stream fails or the follower stops. */
  async function followOnce(): Promise<void> {
    const stored: ProjectionCheckpoint | undefined = await newCheckpointRepository(pool).get(name);
    if (stored) status = { ...status, lastBlock: stored.blockNumber, lastTxId: stored.transactionId ?? undefined };
    // tx_seq continues where the stored checkpoint left the block (a resume may start in the middle of it).
    let currentBlock = stored?.blockNumber;
    let nextSeq = stored ? (await newProjectionRepository(pool).lastTxSeqInBlock(stored.blockNumber)) + 1 : 0;
    let position: Position | undefined = stored
      ? { blockNumber: stored.blockNumber, transactionId: stored.transactionId }
      : undefined;
    stream = await openEvents(0n, toLedgerCheckpoint(stored));
    if (stopped) {
      stream.close();
      return;
    }
    const iterator = stream[Symbol.asyncIterator]();
    let batch: DecodedEvent[] = [];
    let batchItems = 0;
    // A read in flight survives a flush: the next loop turn awaits the same promise.
    let pending: Promise<IteratorResult<LedgerChaincodeEvent>> | undefined;
    const flush = async () => {
      const toWrite = batch;
      batch = [];
      batchItems = 0;
      position = await writeBatch(toWrite, position);
      status = { ...status, consecutiveFailures: 0, lastError: undefined };
    };
    try {
      // One turn per delivered event: the stream is endless by design; what is bounded is the batch
      // (batchMaxEvents, batchMaxItems) and the time a partial batch waits (flushIdleMs).
      while (!stopped) {
        pending ??= iterator.next();
        const result =
          batch.length === 0
            ? await pending
            : await Promise.race([
                pending,
                new Promise<typeof IDLE>((resolve) => setTimeout(() => resolve(IDLE), flushIdleMs)),
              ]);
        if (result === IDLE) {
          await flush();
          continue;
        }
        pending = undefined;
        if (result.done) {
          // The peer ended a stream that should never end: write what was read, then reconnect with backoff.
          if (batch.length > 0) await flush();
          throw new Error('the peer ended the chaincode event stream');
        }
        const event = result.value;
        lastActivityMs = Date.now(); // an event read is activity too (waitUntilIdle)
        if (event.eventName !== LEDGER_EVENT_NAME) continue; // not ours to project
        if (event.blockNumber !== currentBlock) {
          currentBlock = event.blockNumber;
          nextSeq = 0;
        }
        const position: PositionedEvent = {
          blockNumber: event.blockNumber,
          txSeq: nextSeq++,
          transactionId: event.transactionId,
          payload: event.payload,
        };
        const payload = decodeLedgerEvent(position);
        batch.push({ position, payload });
        batchItems += Math.max(1, itemCountOf(payload));
        if (batch.length >= batchMaxEvents || batchItems >= batchMaxItems) await flush();
      }
      // Stopping: what was read is written, so a clean stop loses no work (a crash would redo it).
      if (batch.length > 0) await flush();
    } finally {
      stream.close();
      stream = undefined;
    }
  }

  async function run(): Promise<void> {
    // Retried without a count limit on purpose: giving up would leave the gateway answering from a silently
    // stale projection. Each delay is bounded (delayMax), and the lag gauge and the logs show the failure.
    while (!stopped) {
      try {
        await followOnce();
      } catch (err: unknown) {
        if (stopped) break;
        const message = err instanceof Error ? err.message : String(err);
        status = { ...status, consecutiveFailures: status.consecutiveFailures + 1, lastError: message };
        const delayMs = Math.min(delayMax, delayMin * 2 ** Math.min(status.consecutiveFailures - 1, 30));
        log?.warn(
          { err, delayMs, failures: status.consecutiveFailures },
          'projection: event stream failed; reconnecting',
        );
        await sleep(delayMs);
      }
    }
  }

  return {
    start() {
      if (loop) return;
      stopped = false;
      loop = run();
      log?.info({ name }, 'projection: following the ledger');
    },
    async stop() {
      stopped = true;
      stream?.close();
      wakeSleep?.();
      await loop;
      loop = undefined;
    },
    status() {
      return { ...status, streaming: stream !== undefined };
    },
    async waitUntilIdle(idleMs, maxWaitMs) {
      const deadline = Date.now() + maxWaitMs;
      lastActivityMs = Date.now();
      // Bounded by maxWaitMs: one check per idleMs / 4 at most.
      // Idle = no event read and no batch written for idleMs, and no batch being written now (a large batch on a
      // busy database may take longer than idleMs).
      while (writing || Date.now() - lastActivityMs < idleMs) {
        if (Date.now() > deadline) throw new Error(`projection still busy after ${maxWaitMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, Math.max(10, idleMs / 4)));
      }
    },
  };
}
