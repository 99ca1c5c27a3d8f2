/**
 * WebSocket stream subscriptions of this process (`GET /queries/{name}/events` with `stream=true` and an Upgrade):
 * each open stream has an in-memory bookmark; when new events are projected (the signal, relayed from the projection
 * leader to every process) or at the latest every `pollMs`, each stream reads what matches its query after its
 * bookmark, sends it as one EPCISQueryDocument per batch, and moves the bookmark. Every message carries the bookmark
 * as `nextPageToken`: a client that reconnects with it resumes after the last event it received, so a gateway
 * restart (or a move to another process behind the balancer) loses and repeats nothing the client kept.
 *
 * A subscriber too slow to read (its socket buffer past `maxBufferedBytes`) is disconnected (1013) rather than
 * buffered without bound; it reconnects with its last `nextPageToken`.
 */
import type { EpcisQuery } from '../../domain/epcis-query';
import { newEpcisQueryDocument } from '../../projection/epcis-document';
import type { EpcisPosition, EpcisRepository } from '../../repositories/epcis';
import { encodeCursor } from './cursor';
import type { NewEventsSignal } from './new-events';

/** Where a stream's messages go (the WebSocket). */
export interface StreamSink {
  send(text: string): void;
  /** Bytes queued and not yet written to the socket. */
  bufferedBytes(): number;
  close(code: number, reason: string): void;
}

/** A stream to open. */
export interface StreamSpec {
  readonly subscriptionId: string;
  readonly queryName: string;
  /** The stream form of the query (stream-query.ts). */
  readonly query: EpcisQuery;
  readonly visibleTo: string | undefined;
  /** Deliver events after this one; undefined: from the first that matches. */
  readonly after: EpcisPosition | undefined;
  readonly sink: StreamSink;
}

/** Log sink. */
export interface StreamsLogger {
  warn(obj: object, message: string): void;
}

/** Options of {@link newEventStreams}. */
export interface EventStreamsOptions {
  readonly events: EpcisRepository;
  readonly signal?: NewEventsSignal;
  readonly log?: StreamsLogger;
  readonly pollMs?: number;
  readonly batchMaxEvents?: number;
  /** Messages per stream and pass (then the next stream's turn; the next pass goes on). */
  readonly batchesPerPass?: number;
  readonly maxStreams?: number;
  readonly maxBufferedBytes?: number;
}

export const DEFAULT_STREAM_POLL_MS = 5_000;
export const DEFAULT_STREAM_BATCH_MAX_EVENTS = 100;
export const DEFAULT_STREAM_BATCHES_PER_PASS = 10;
export const DEFAULT_MAX_STREAMS = 1_000;
export const DEFAULT_STREAM_MAX_BUFFERED_BYTES = 4 * 1_048_576;

/** The process's streams. */
export interface EventStreams {
  /** Whether another stream may open now. */
  full(): boolean;
  /** Open a stream (it catches up at once); returns the function that closes it. */
  open(spec: StreamSpec): () => void;
  /** Close every stream (1001 going away) and stop listening. */
  stop(): void;
}

/** Passes of one pump at most. */
const MAX_PASSES = 1_000;

interface OpenStream {
  readonly spec: StreamSpec;
  after: EpcisPosition | undefined;
}

/**
 * Create the registry.
 *
 * @param options - Repository, signal, limits.
 * @returns The registry.
 */
export function newEventStreams(options: EventStreamsOptions): EventStreams {
  const pollMs = options.pollMs ?? DEFAULT_STREAM_POLL_MS;
  const batchMax = options.batchMaxEvents ?? DEFAULT_STREAM_BATCH_MAX_EVENTS;
  const batchesPerPass = options.batchesPerPass ?? DEFAULT_STREAM_BATCHES_PER_PASS;
  const maxStreams = options.maxStreams ?? DEFAULT_MAX_STREAMS;
  const maxBuffered = options.maxBufferedBytes ?? DEFAULT_STREAM_MAX_BUFFERED_BYTES;
  const streams = new Set<OpenStream>();
  let pumping = false;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  /** Returns whether the stream has more to read now. */
  async function serve(stream: OpenStream): Promise<boolean> {
    const { spec } = stream;
    for (let batch = 0; batch < batchesPerPass; batch++) {
      if (!streams.has(stream)) return false;
      const rows = await options.events.events({
        query: spec.query,
        ...(spec.visibleTo === undefined ? {} : { visibleTo: spec.visibleTo }),
        ...(stream.after === undefined ? {} : { after: stream.after }),
        limit: batchMax,
      });
      const last = rows[rows.length - 1];
      if (last === undefined || !streams.has(stream)) return false;
      if (spec.sink.bufferedBytes() > maxBuffered) {
        streams.delete(stream);
        spec.sink.close(1013, 'subscriber too slow; reconnect with the last nextPageToken');
        return false;
      }
      stream.after = { blockNumber: last.blockNumber, txSeq: last.txSeq, eventSeq: last.eventSeq };
      const document = newEpcisQueryDocument(
        rows.map((row) => row.event),
        new Date(),
        spec.queryName,
      );
      spec.sink.send(
        JSON.stringify({
          ...document,
          epcisBody: { queryResults: { subscriptionID: spec.subscriptionId, ...document.epcisBody.queryResults } },
          nextPageToken: encodeCursor(spec.query, { after: stream.after }),
        }),
      );
      if (rows.length < batchMax) return false;
    }
    return true;
  }

  /** One pass over every stream; passes repeat while a signal came meanwhile or a stream has more. */
  async function pump(): Promise<void> {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      // Bounded: a pass serves each stream at most batchesPerPass batches; after MAX_PASSES the poll timer goes on.
      let passes = 0;
      do {
        again = false;
        passes++;
        for (const stream of Array.from(streams)) {
          try {
            if (await serve(stream)) again = true;
          } catch (err: unknown) {
            options.log?.warn({ err, subscription: stream.spec.subscriptionId }, 'epcis stream: read failed');
          }
        }
      } while (again && streams.size > 0 && passes < MAX_PASSES);
    } finally {
      pumping = false;
    }
  }

  const kick = () => void pump();
  const unlisten = options.signal?.listen(kick);
  const schedule = () => {
    timer = setTimeout(() => {
      kick();
      schedule();
    }, pollMs);
    timer.unref();
  };
  schedule();

  return {
    full: () => streams.size >= maxStreams,
    open(spec) {
      const stream: OpenStream = { spec, after: spec.after };
      streams.add(stream);
      kick();
      return () => {
        streams.delete(stream);
      };
    },
    stop() {
      clearTimeout(timer);
      unlisten?.();
      for (const stream of streams) stream.spec.sink.close(1001, 'gateway shutting down');
      streams.clear();
    },
  };
}
