/**
 * The real gateway (`gateway/dist/server.js`) as a child process for fault tests: start it on a port against a dev
 * peer, PostgreSQL and Redis, kill it, start it again, call it over HTTP with bounded retries, wait for captures to
 * settle, and check the end state (each item's steps exactly once on the chain and in the projection, the live
 * projection equal to one rebuilt from block 0). Used by the crash test, the ledger outage test and the test of several
 * gateway processes on one database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Test } from 'tap';
import { Client } from 'pg';
import Redis from 'ioredis';
import { createPool } from '../../../gateway/src/adapters/pg';
import { readConnectionProfile } from '../../../gateway/src/ledger/ledger-settings';
import { openProjectionLedgerClient } from '../../../gateway/src/projection/ledger-source';
import { rebuildProjection } from '../../../gateway/src/projection/rebuild';
import type { TraceClient } from '../../../testkit/src/trace';
import { createMigratedDatabase } from './database';
import { waitFor } from './wait';

const GATEWAY = join(__dirname, '..', '..', '..', 'gateway', 'dist', 'server.js');

/** The bootstrap customs key the gateway processes are started with. */
export const CUSTOMS_KEY = `customs-${'k'.repeat(40)}`;

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** One HTTP answer. */
export interface CallResult {
  status: number;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test bodies are read field by field
  headers: Headers;
}

/** Settings of {@link newGatewayProcess}. */
export interface GatewayProcessOptions {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  /** The dev peer's connection.json. */
  connectionProfile: string;
  /** More environment variables (e.g. `DRAIN_DELAY_MS`). */
  env?: Record<string, string>;
}

/** A gateway process that can be started, killed and started again on the same port and servers. */
export interface GatewayProcess {
  readonly base: string;
  start(): Promise<void>;
  kill9(): Promise<void>;
  /** SIGTERM, then wait for it to end by itself. */
  stop(): Promise<void>;
  /** The last log lines (warnings and errors), for diagnostics. */
  logTail(): string;
  /** HTTP with bounded retries on refused connections and 502/503/504 (the gateway or a server restarting). */
  call(method: string, path: string, key: string, body?: unknown): Promise<CallResult>;
  /** Register an enterprise through the API and issue it a key. */
  newKey(id: string, role: 'enterprise' | 'operator', mspId: string): Promise<string>;
  /** Post documents, each expected 202; returns their status locations. */
  postAll(key: string, docs: readonly Record<string, unknown>[]): Promise<string[]>;
  /** Wait (bounded) until every capture is done, then check all committed; a parked capture fails at once. */
  allCommitted(key: string, locations: readonly string[], what: string): Promise<void>;
  /** Chunks committed so far (all captures). */
  committedChunks(): Promise<number>;
}

/**
 * Prepare a gateway process (not started).
 *
 * @param t - The test (assertions, teardown).
 * @param options - Servers and ledger.
 */
export async function newGatewayProcess(t: Test, options: GatewayProcessOptions): Promise<GatewayProcess> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    QUEUE_PREFIX: options.queuePrefix,
    FABRIC_CONNECTION_PROFILE: options.connectionProfile,
    BOOTSTRAP_CUSTOMS_KEY: CUSTOMS_KEY,
    PERSON_CODE_SECRET: 's'.repeat(40),
    LOG_LEVEL: 'info',
    ...options.env,
  };
  let child: ChildProcess | undefined;
  const tail: string[] = [];
  const remember = (line: string) => {
    tail.push(line);
    if (tail.length > 80) tail.shift();
  };
  const logTail = () =>
    tail
      .filter((l) => !l.includes('"level":30'))
      .join('\n')
      .slice(-6000);
  t.teardown(() => void child?.kill('SIGKILL'));
  // Also when tap gives up on the file (timeout): no orphaned gateway keeps working on the shared servers.
  process.once('exit', () => void child?.kill('SIGKILL'));

  const start = async (): Promise<void> => {
    const started = spawn(process.execPath, [GATEWAY], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: started.stdout! });
      lines.on('line', (line) => {
        remember(line);
        if (line.includes('"gateway ready"')) resolve();
      });
      started.stderr!.on('data', (d: Buffer) => remember(d.toString()));
      started.once('exit', (code) =>
        reject(new Error(`gateway exited with ${code} before it was ready:\n${tail.join('\n')}`)),
      );
    });
    started.once('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGKILL' && signal !== 'SIGTERM')
        t.comment(`gateway exited (${code ?? signal}):\n${logTail()}`);
    });
    child = started;
  };
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill(signal);
    await exited;
  };

  const call = async (method: string, path: string, key: string, body?: unknown): Promise<CallResult> => {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(base + path, {
          method,
          headers: {
            authorization: `Bearer ${key}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const json = await res.json().catch(() => undefined);
        if ((res.status === 503 || res.status === 502 || res.status === 504) && attempt < 60) {
          await new Promise((r) => setTimeout(r, 500));
          continue;
        }
        return { status: res.status, json, headers: res.headers };
      } catch (err) {
        if (attempt >= 60) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };

  const query = async <R extends Record<string, unknown>>(sql: string): Promise<R[]> => {
    const client = new Client({ connectionString: options.databaseUrl });
    await client.connect();
    try {
      return (await client.query<R>(sql)).rows;
    } finally {
      await client.end();
    }
  };

  return {
    base,
    start,
    kill9: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
    logTail,
    call,
    async newKey(id, role, mspId) {
      const created = await call('POST', '/v1/enterprises', CUSTOMS_KEY, { id, name: id, roles: [role], mspId });
      t.equal(created.status, 201, JSON.stringify(created.json));
      return (await call('POST', `/v1/enterprises/${id}/keys`, CUSTOMS_KEY, { role, label: 'fault-test' })).json
        .key as string;
    },
    async postAll(key, docs) {
      const locations: string[] = [];
      for (const doc of docs) {
        const res = await call('POST', '/v1/capture', key, doc);
        t.equal(res.status, 202, `${JSON.stringify(res.json)}\n${res.status >= 500 ? logTail() : ''}`);
        locations.push(res.headers.get('location')!);
      }
      return locations;
    },
    async allCommitted(key, locations, what) {
      let last: unknown[] = [];
      const outcomes = await waitFor(
        `${what}: every capture done`,
        async () => {
          const statuses = await Promise.all(locations.map((l) => call('GET', l, key)));
          last = statuses.map((s) => s.json?.state ?? s.status);
          const parked = statuses.find((s) => s.json?.state === 'parked');
          if (parked) throw new Error(`parked: ${parked.json.parkReason}`);
          return statuses.every((s) => s.json?.state === 'done') ? statuses.map((s) => s.json) : undefined;
        },
        480,
        250,
      ).catch(async (err: Error) => {
        const r = new Redis(options.redisUrl);
        const q = `${options.queuePrefix}:captures`;
        const counts = {
          wait: await r.llen(`${q}:wait`),
          active: await r.llen(`${q}:active`),
          delayed: await r.zcard(`${q}:delayed`),
          failed: await r.zcard(`${q}:failed`),
          completed: await r.zcard(`${q}:completed`),
        };
        r.disconnect();
        const chunks = await query(
          `SELECT c.state AS capture, k.state AS chunk, count(*) AS n FROM captures c JOIN capture_chunks k ON k.capture_id = c.id GROUP BY 1, 2`,
        );
        throw new Error(
          `${err.message}; chunks ${JSON.stringify(chunks)}; states ${JSON.stringify(last)}; queue ${JSON.stringify(counts)}; gateway log:\n${logTail()}`,
        );
      });
      t.same(
        outcomes.map((o: { outcome: string }) => o.outcome),
        locations.map(() => 'committed'),
        `${what}: all committed`,
      );
    },
    async committedChunks() {
      return Number(
        (await query<{ n: string }>(`SELECT count(*) AS n FROM capture_chunks WHERE state = 'committed'`))[0]!.n,
      );
    },
  };
}

/**
 * The end state of a fault test: each sampled item's history on the chain is exactly `statuses`; every item of
 * `sgtinLike` has exactly the `types` in the live projection; the live projection equals a rebuild from block 0.
 *
 * @param t - The test.
 * @param input - What to check.
 */
export async function checkChainAndProjection(
  t: Test,
  input: {
    chain: TraceClient;
    databaseUrl: string;
    connectionProfile: string;
    sample: readonly string[];
    statuses: readonly string[];
    sgtinLike: string;
    itemCount: number;
    types: readonly string[];
  },
): Promise<void> {
  for (const id of input.sample) {
    const { history } = await input.chain.evaluate<{ history: { item: { status: string } }[] }>(
      'customs-admin',
      'query:GetItemHistory',
      { id },
    );
    t.same(
      history.map((h) => h.item.status),
      input.statuses,
      `${id}: each step exactly once on the chain`,
    );
  }

  type Row = { sgtin: string; tx_id: string; type: string };
  const select = `SELECT sgtin, tx_id, type FROM item_events WHERE sgtin LIKE $1 ORDER BY sgtin, block_number, tx_seq`;
  const live = createPool({ connectionString: input.databaseUrl });
  t.teardown(() => live.end());
  const liveEvents = await waitFor(
    'the projection to catch up',
    async () => {
      const { rows } = await live.query<Row>(select, [input.sgtinLike]);
      return rows.length >= input.itemCount * input.types.length ? rows : undefined;
    },
    600,
    100,
  );
  const perItem = new Map<string, string[]>();
  for (const r of liveEvents) perItem.set(r.sgtin, [...(perItem.get(r.sgtin) ?? []), r.type]);
  t.equal(perItem.size, input.itemCount, `${input.itemCount} items projected`);
  const wrong = [...perItem.entries()].filter(([, types]) => types.join() !== input.types.join());
  t.same(wrong.slice(0, 3), [], `no gap, no duplicate: ${input.types.join(', ')} for each item`);

  const rebuiltUrl = await createMigratedDatabase(t);
  const rebuilt = createPool({ connectionString: rebuiltUrl });
  t.teardown(() => rebuilt.end());
  const { settings } = readConnectionProfile(input.connectionProfile);
  const source = openProjectionLedgerClient(settings!, 'CustomsMSP');
  t.teardown(() => source.close());
  const warnings: string[] = [];
  const note = (o: unknown, m?: string) =>
    void warnings.push(
      `${m ?? ''} ${o instanceof Object && 'err' in o ? String((o as { err: unknown }).err) : JSON.stringify(o)}`,
    );
  await rebuildProjection({
    pool: rebuilt,
    openEvents: (from, checkpoint) => source.chaincodeEvents(from, checkpoint),
    idleMs: 5_000,
    log: { info: () => undefined, warn: note },
  });
  t.same(warnings, [], 'the rebuild ran without a failed batch');
  const { rows: rebuiltEvents } = await rebuilt.query<Row>(select, [input.sgtinLike]);
  // Compared as lines (a deep diff of many thousand rows would take tap minutes to print).
  const lines = (rows: Row[]) => rows.map((r) => `${r.sgtin} ${r.tx_id} ${r.type}`);
  const rebuiltLines = new Set(lines(rebuiltEvents));
  t.equal(rebuiltEvents.length, liveEvents.length, 'as many item events in the rebuild as in the live projection');
  t.same(
    lines(liveEvents)
      .filter((l) => !rebuiltLines.has(l))
      .slice(0, 5),
    [],
    'the live projection equals a rebuild from the chain',
  );
  const count = async (pool: typeof live) =>
    Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ledger_transactions`)).rows[0]!.n);
  t.equal(await count(live), await count(rebuilt), 'same transactions');
}
