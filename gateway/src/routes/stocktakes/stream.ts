/**
 * `GET /v1/stocktakes/{id}/stream`: server-sent events (text/event-stream) of one stocktake. Events:
 * - `counts`: the running totals and reads per second, at once on connect and after every accepted batch;
 * - `heartbeat`: every {@link StreamLimits.heartbeatMs}, with the current reads per second (keeps proxies and the
 *   gateway's own idle timeout from cutting a quiet stream);
 * - `report`: the matched / missing / unexpected report when the stocktake closes (or at once if it is closed), after
 *   which the server ends the stream;
 * - `end`: the server ends the stream for another reason (`lifetime`, `shutdown`); the client may reconnect.
 *
 * A browser's EventSource cannot send an Authorization header, so the route also accepts a single-use stream token
 * (`?access_token=`, see plugins/auth.ts). Bounded: streams per API key, streams per process, a lifetime, and a
 * slow reader whose unsent buffer grows past a limit is disconnected.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Stocktake, StocktakeReport } from '../../repositories/stocktakes';
import { newProblem } from '../../errors';
import type { LiveCounts, LiveEvent, StocktakeLive } from '../../stocktake/live';

/** Bounds of the event streams. */
export interface StreamLimits {
  /** Open streams per API key. */
  readonly perKeyMax: number;
  /** Open streams in this process. */
  readonly totalMax: number;
  /** Interval of heartbeats, in milliseconds. */
  readonly heartbeatMs: number;
  /** Longest a stream stays open, in milliseconds; the client reconnects with a new token. */
  readonly lifetimeMs: number;
  /** Unsent bytes at which a slow reader is disconnected. */
  readonly bufferMaxBytes: number;
}

/** Default bounds. */
export const DEFAULT_STREAM_LIMITS: StreamLimits = Object.freeze({
  perKeyMax: 4,
  totalMax: 1_000,
  heartbeatMs: 15_000, // well under the server's 60 s connection timeout
  lifetimeMs: 3_600_000,
  bufferMaxBytes: 1_048_576,
});

/** Most identities listed per category of a report sent over a stream; the counts are always complete. */
export const STREAM_REPORT_LIST_MAX = 1_000;

/** A report as a stream sends it: counts complete, lists cut at {@link STREAM_REPORT_LIST_MAX}. */
export function streamedReport(report: StocktakeReport) {
  const cut = (ids: readonly string[]) => ids.slice(0, STREAM_REPORT_LIST_MAX);
  return {
    id: report.id,
    enterprise: report.enterprise,
    location: report.location,
    counts: report.counts,
    matched: cut(report.matched),
    missing: cut(report.missing),
    unexpected: cut(report.unexpected),
    truncated:
      Math.max(report.matched.length, report.missing.length, report.unexpected.length) > STREAM_REPORT_LIST_MAX,
    merkleRoot: report.merkleRoot,
    txId: report.txId,
    closedAt: report.closedAt,
  };
}

/** One server-sent event (the data is one line of JSON, so no line of it can end the event early). */
function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** What the stream route needs from the stocktake routes. */
export interface StreamSources {
  readonly live: StocktakeLive;
  /** The stocktake, after the tenant check (throws a problem otherwise). */
  load(id: string, request: FastifyRequest): Promise<Stocktake>;
  findById(id: string): Promise<Stocktake | undefined>;
  findReport(id: string): Promise<StocktakeReport | undefined>;
}

/** Open streams, to bound them and to end them at shutdown. */
export class EventStreams {
  readonly #perKey = new Map<string, number>();
  readonly #open = new Set<() => void>();

  constructor(readonly limits: StreamLimits) {}

  /** Claim a slot for this key, or throw the problem that says why not. */
  claim(keyId: string): () => void {
    const mine = this.#perKey.get(keyId) ?? 0;
    if (mine >= this.limits.perKeyMax) {
      throw newProblem(
        'RATE_LIMITED',
        `at most ${this.limits.perKeyMax} event streams per API key are open at once; close one first`,
        {
          headers: { 'retry-after': '5' },
        },
      );
    }
    if (this.#open.size >= this.limits.totalMax) {
      throw newProblem('UNAVAILABLE', 'the gateway has as many event streams open as it serves; retry shortly', {
        headers: { 'retry-after': '5' },
        expose: true,
      });
    }
    this.#perKey.set(keyId, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#perKey.get(keyId) ?? 1) - 1;
      if (left <= 0) this.#perKey.delete(keyId);
      else this.#perKey.set(keyId, left);
    };
  }

  add(end: () => void): void {
    this.#open.add(end);
  }

  remove(end: () => void): void {
    this.#open.delete(end);
  }

  /** End every open stream (at shutdown, before the server waits for its connections). */
  endAll(): void {
    for (const end of [...this.#open]) end();
  }

  get size(): number {
    return this.#open.size;
  }
}

/**
 * Serve one stream. Claims a slot (429 / 503 problems before anything is sent), then hijacks the reply.
 *
 * @param streams - The open streams.
 * @param sources - The stocktake, its report and the live view.
 * @param stocktakeId - The stocktake to stream.
 */
export async function serveStocktakeStream(
  streams: EventStreams,
  sources: StreamSources,
  stocktakeId: string,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const stocktake = await sources.load(stocktakeId, request);
  const release = streams.claim(request.principal.keyId);
  const { limits } = streams;
  const res = reply.raw;
  reply.hijack();
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no', // a proxy (nginx) must pass events on as they come
    'x-request-id': request.id,
  });
  // The socket's idle timeout (the app's connectionTimeout) must not cut a quiet stream: heartbeats keep it busy,
  // and the stream's own lifetime bounds it.
  request.raw.socket.setTimeout(0);

  let ended = false;
  let unsubscribe: (() => void) | undefined;
  const timers: NodeJS.Timeout[] = [];
  /** End the stream: with a goodbye `end` event when a reason is given, or by cutting the connection (`abort`). */
  const end = (reason?: string, abort = false) => {
    if (ended) return;
    ended = true;
    for (const timer of timers) clearTimeout(timer);
    unsubscribe?.();
    streams.remove(endForShutdown);
    release();
    if (abort) {
      res.destroy();
      return;
    }
    if (reason !== undefined && !res.destroyed) res.write(frame('end', { reason }));
    res.end();
  };
  const endForShutdown = () => end('shutdown');
  streams.add(endForShutdown);
  const send = (event: string, data: unknown) => {
    if (ended || res.destroyed) return;
    res.write(frame(event, data));
    if (res.writableLength > limits.bufferMaxBytes) {
      request.log.warn(
        { stocktakeId: stocktake.id, buffered: res.writableLength },
        'event stream reader too slow; disconnected',
      );
      end(undefined, true); // no goodbye frame: the buffer is the problem
    }
  };
  const onLive = (event: LiveEvent) => {
    if (event.kind === 'counts') send('counts', event.counts);
    else {
      send('report', event.report);
      end();
    }
  };
  res.on('close', () => end()); // the client went away (or the response ended): release everything

  try {
    if (stocktake.status === 'closed') {
      const report = await sources.findReport(stocktake.id);
      if (report) send('report', streamedReport(report));
      end();
      return;
    }
    // Subscribe before reading the totals, so no batch accepted in between is missed (totals only grow, and
    // the live view drops a publication that is not newer).
    unsubscribe = sources.live.subscribe(stocktake.id, onLive);
    const fresh = (await sources.findById(stocktake.id)) ?? stocktake;
    if (fresh.status === 'closed') {
      const report = await sources.findReport(stocktake.id);
      if (report) send('report', streamedReport(report));
      end();
      return;
    }
    const published = sources.live.publishTotals(stocktake.id, fresh);
    const initial: LiveCounts | undefined = published ?? sources.live.current(stocktake.id);
    if (initial && !published) send('counts', initial);
    timers.push(
      setInterval(() => {
        const current = sources.live.current(stocktake.id);
        send('heartbeat', { at: new Date().toISOString(), readsPerSecond: current?.readsPerSecond ?? 0 });
      }, limits.heartbeatMs),
    );
    timers.push(setTimeout(() => end('lifetime'), limits.lifetimeMs));
  } catch (err: unknown) {
    request.log.error({ err, stocktakeId: stocktake.id }, 'event stream failed');
    end('error');
  }
}
