// Test double of the *remote* gateway's stocktake API (the real gateway is built elsewhere), on node:http.
// It implements the contract the agent codes against, and records what it received so tests can check "exactly once".
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

/** How the fake answers `POST .../reads`. */
export type FakeMode = 'up' | 'down' | 'drop';

interface FakeStocktake {
  readonly id: string;
  readonly location: string;
  status: 'open' | 'closed';
  readonly items: Set<string>;
  readonly batches: Map<string, { accepted: number; uniqueItems: number }>;
}

/** What the fake saw. */
export interface FakeGateway {
  readonly url: string;
  readonly apiKey: string;
  readonly stocktakes: Map<string, FakeStocktake>;
  /** Every reads request that reached the handler: batch id and whether it was a duplicate. */
  readonly posts: { batchId: string; duplicate: boolean; reads: number }[];
  /** How many times each read string arrived in a batch applied for the first time. */
  readonly appliedCount: Map<string, number>;
  mode: FakeMode;
  /** Reads requests answered 503 or dropped because of `mode`. */
  refused: number;
  /** If set, the fake comes back up by itself after refusing this many reads requests. */
  upAfterRefused: number | undefined;
  /** Expected items per location, for the close report. */
  readonly books: Map<string, readonly string[]>;
  /** Creates a stocktake directly (as if opened earlier). */
  open(location: string): string;
  /** Resolves when the next reads request arrives, and holds its answer until `release()` is called. */
  holdNextReads(): Promise<{ release: () => void; batchId: string }>;
  /** Called with every reads request after it is handled (for tests that act mid-run). */
  onReads: ((batchId: string, totalPosts: number) => void) | undefined;
  close(): Promise<void>;
}

function problem(res: ServerResponse, status: number, code: string, detail: string): void {
  res.writeHead(status, { 'content-type': 'application/problem+json' });
  res.end(JSON.stringify({ type: 'about:blank', title: code, status, code, detail }));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text.length === 0 ? undefined : JSON.parse(text);
}

/** Starts the fake on a free loopback port. */
export async function startFakeGateway(apiKey = 'test-key'): Promise<FakeGateway> {
  const stocktakes = new Map<string, FakeStocktake>();
  const posts: FakeGateway['posts'] = [];
  const appliedCount = new Map<string, number>();
  const books = new Map<string, readonly string[]>();
  let hold: { resolve: (h: { release: () => void; batchId: string }) => void } | undefined;

  const open = (location: string): string => {
    const id = randomUUID();
    stocktakes.set(id, { id, location, status: 'open', items: new Set(), batches: new Map() });
    return id;
  };

  const state: FakeGateway = {
    url: '',
    apiKey,
    stocktakes,
    posts,
    appliedCount,
    mode: 'up',
    refused: 0,
    upAfterRefused: undefined,
    books,
    open,
    holdNextReads: () => new Promise((resolve) => (hold = { resolve })),
    onReads: undefined,
    close: async () => undefined,
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      if (req.headers.authorization !== `Bearer ${apiKey}`) return problem(res, 401, 'UNAUTHENTICATED', 'bad API key');
      const url = new URL(req.url ?? '/', 'http://x');
      const parts = url.pathname.split('/').filter(Boolean); // v1 stocktakes {id} {action}
      if (parts[0] !== 'v1' || parts[1] !== 'stocktakes') return problem(res, 404, 'NOT_FOUND', url.pathname);
      if (req.method === 'POST' && parts.length === 2) {
        const b = (await body(req)) as { location?: string };
        if (typeof b?.location !== 'string') return problem(res, 400, 'VALIDATION_FAILED', 'location');
        const id = open(b.location);
        return json(res, 201, { id, location: b.location, status: 'open' });
      }
      const st = stocktakes.get(parts[2] ?? '');
      if (st === undefined) return problem(res, 404, 'STOCKTAKE_NOT_FOUND', parts[2] ?? '');
      if (req.method === 'GET' && parts.length === 3)
        return json(res, 200, { id: st.id, status: st.status, uniqueItems: st.items.size, location: st.location });
      if (req.method === 'POST' && parts[3] === 'reads') {
        const b = (await body(req)) as { batchId: string; deviceId: string; reads: string[] };
        if (state.mode !== 'up' && state.upAfterRefused !== undefined && state.refused >= state.upAfterRefused)
          state.mode = 'up';
        if (state.mode === 'drop') {
          state.refused++;
          req.socket.destroy();
          return;
        }
        if (state.mode === 'down') {
          state.refused++;
          return problem(res, 503, 'UNAVAILABLE', 'gateway down for the test');
        }
        if (b.reads.length > 5000) return problem(res, 413, 'BATCH_TOO_LARGE', 'at most 5000 reads');
        if (st.status !== 'open') return problem(res, 409, 'STOCKTAKE_CLOSED', st.id);
        const known = st.batches.get(b.batchId);
        let answer: { batchId: string; accepted: number; duplicateBatch: boolean; uniqueItems: number };
        if (known !== undefined) {
          answer = {
            batchId: b.batchId,
            accepted: known.accepted,
            duplicateBatch: true,
            uniqueItems: known.uniqueItems,
          };
          posts.push({ batchId: b.batchId, duplicate: true, reads: b.reads.length });
        } else {
          for (const r of b.reads) {
            st.items.add(r);
            appliedCount.set(r, (appliedCount.get(r) ?? 0) + 1);
          }
          st.batches.set(b.batchId, { accepted: b.reads.length, uniqueItems: st.items.size });
          answer = { batchId: b.batchId, accepted: b.reads.length, duplicateBatch: false, uniqueItems: st.items.size };
          posts.push({ batchId: b.batchId, duplicate: false, reads: b.reads.length });
        }
        state.onReads?.(b.batchId, posts.length);
        if (hold !== undefined) {
          const h = hold;
          hold = undefined;
          await new Promise<void>((release) => h.resolve({ release, batchId: b.batchId }));
        }
        return json(res, 202, answer);
      }
      if (req.method === 'POST' && parts[3] === 'close') {
        if (st.status !== 'open') return problem(res, 409, 'STOCKTAKE_CLOSED', st.id);
        st.status = 'closed';
        const book = books.get(st.location) ?? [];
        const counted = st.items;
        const matched = book.filter((i) => counted.has(i));
        const missing = book.filter((i) => !counted.has(i));
        const bookSet = new Set(book);
        const unexpected = Array.from(counted).filter((i) => !bookSet.has(i));
        return json(res, 200, {
          id: st.id,
          matched,
          missing,
          unexpected,
          counts: { matched: matched.length, missing: missing.length, unexpected: unexpected.length },
          merkleRoot: 'ab'.repeat(32),
          txId: 'tx-fake',
        });
      }
      return problem(res, 404, 'NOT_FOUND', url.pathname);
    })().catch((err: unknown) => problem(res, 500, 'INTERNAL', String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  (state as { url: string }).url = `http://127.0.0.1:${port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
