// Proves several gateway processes make one service: three gateways on one PostgreSQL, Redis and dev peer under a
// mixed load (captures, steps, provenance reads, a live stocktake watched through a process that receives none of its
// reads); the projection leader is killed with SIGKILL mid-run and another process takes over within seconds. At the
// end every accepted capture is committed exactly once, the live projection equals one rebuilt from block 0, and the
// stocktake's event stream saw every count and the report. A process drained and stopped (SIGTERM) under the read
// load fails no request.
// How: the real gateway (`server.js`) as three child processes (helpers/gateway-process.ts) with BullMQ on Redis;
// the leader found by the `projection_leader` gauge of /metrics; the stream read over HTTP as server-sent events; reads
// sent round robin to the processes a balancer loop finds ready (it drops one whose /readyz says `draining`).
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { startDevnetProcess, type DevnetProcess } from '../../testkit/src/devnet';
import { entryEvent, epcisDocument, receivingEvent, shippingEvent } from '../../testkit/src/epcis';
import { redisUrl } from '../../testkit/src/services';
import { ENTERPRISES, gln, product, registerDevnetEnterprises, TraceClient } from '../../testkit/src/trace';
import { createMigratedDatabase } from './helpers/database';
import {
  checkChainAndProjection,
  CUSTOMS_KEY,
  newGatewayProcess,
  type GatewayProcess,
} from './helpers/gateway-process';
import { waitFor } from './helpers/wait';

const { operator, importer } = ENTERPRISES;
const GIN = product(501);
const TEA = product(502);
const DOCUMENTS = 6;
const ITEMS_PER_EVENT = 100;
const STEP_ENTRIES = 6;
const STOCKTAKE_BATCHES = 10;
const READS_PER_BATCH = 40;
/** How long a stopping process answers /readyz 503 `draining` while it still serves. */
const DRAIN_DELAY_MS = 2_000;

/** The `projection_leader` gauge of a process, or undefined when it does not answer. */
async function leads(gateway: GatewayProcess): Promise<boolean | undefined> {
  try {
    const text = await (await fetch(`${gateway.base}/metrics`, { signal: AbortSignal.timeout(2_000) })).text();
    return /^projection_leader 1$/m.test(text);
  } catch {
    return undefined;
  }
}

/** A server-sent event stream read in the background: every event as it came. */
function watchStream(url: string): { events: { event: string; data: any }[]; ended: Promise<void>; close(): void } {
  // eslint-disable-line @typescript-eslint/no-explicit-any
  const events: { event: string; data: any }[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  const abort = new AbortController();
  const ended = (async () => {
    const res = await fetch(url, { signal: abort.signal });
    if (res.status !== 200) throw new Error(`stream answered ${res.status}: ${await res.text()}`);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) });
      }
    }
  })().catch((err: unknown) => {
    if (!abort.signal.aborted) throw err;
  });
  return { events, ended, close: () => abort.abort() };
}

t.test('three gateways, one service: the projection leader killed mid-run', async (t) => {
  const started = Date.now();
  const mark = (what: string) => t.comment(`${what} at ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const dn: DevnetProcess = await startDevnetProcess();
  t.teardown(() => dn.stop());
  const chain = new TraceClient(dn);
  t.teardown(() => chain.close());
  await registerDevnetEnterprises(chain);
  const databaseUrl = await createMigratedDatabase(t);
  const connectionProfile = join(dn.dataDir, 'connection.json');
  const queuePrefix = `multi-${randomUUID().slice(0, 8)}`;
  // The per-key rate limit holds over the processes (Redis): raised here, as the readers use one key flat out
  // (tests/gateway/cluster-shared.pg.redis.test.ts proves the limit across processes).
  const env = {
    STREAM_TOKEN_SECRET: 'the-stream-token-secret-of-this-deployment',
    RATE_LIMIT_MAX: '1000000',
    DRAIN_DELAY_MS: String(DRAIN_DELAY_MS),
  };
  const gateways: GatewayProcess[] = [];
  for (let i = 0; i < 3; i++)
    gateways.push(
      await newGatewayProcess(t, { databaseUrl, redisUrl: redisUrl(), queuePrefix, connectionProfile, env }),
    );
  for (const gateway of gateways) await gateway.start();
  mark('three gateways ready');

  // Exactly one leader.
  let flags: (boolean | undefined)[] = [];
  const leaderIndex = await waitFor(
    'one projection leader',
    async () => {
      flags = await Promise.all(gateways.map(leads));
      return flags.filter((f) => f === true).length === 1 ? { index: flags.indexOf(true) } : undefined;
    },
    100,
    200,
  )
    .then(({ index }) => index)
    .catch((err: Error) => {
      throw new Error(
        `${err.message}: projection_leader ${JSON.stringify(flags)}\n${gateways.map((g) => g.logTail()).join('\n---\n')}`,
      );
    });
  const leader = gateways[leaderIndex]!;
  const [watcher, other] = gateways.filter((_, i) => i !== leaderIndex) as [GatewayProcess, GatewayProcess];
  t.pass(`gateway ${leaderIndex} is the projection leader`);

  const importerKey = await gateways[0]!.newKey(importer.id, 'enterprise', importer.mspId);
  const operatorKey = await gateways[1]!.newKey(operator.id, 'operator', operator.mspId);
  /** Round robin over the given processes, as a balancer would. */
  let turn = 0;
  const next = (from: readonly GatewayProcess[]) => from[turn++ % from.length]!;
  const itemsOf = (doc: number, event: number) =>
    Array.from({ length: ITEMS_PER_EVENT }, (_, i) => GIN.sgtin(`m${doc}-${event}-${i}`));
  const postAcross = async (from: readonly GatewayProcess[], key: string, docs: readonly Record<string, unknown>[]) => {
    const accepted: { gateway: GatewayProcess; location: string }[] = [];
    for (const doc of docs) {
      const gateway = next(from);
      const res = await gateway.call('POST', '/v1/capture', key, doc);
      t.equal(res.status, 202, JSON.stringify(res.json));
      accepted.push({ gateway, location: res.headers.get('location')! });
    }
    return accepted.map((a) => a.location);
  };

  // 1. Entries: captures spread over the three processes, and entry steps through each.
  const entries = await postAcross(
    gateways,
    importerKey,
    Array.from({ length: DOCUMENTS }, (_, d) =>
      epcisDocument([
        entryEvent({ items: itemsOf(d, 0), declarationNo: `MG-${d}-0`, location: 1 }),
        entryEvent({ items: itemsOf(d, 1), declarationNo: `MG-${d}-1`, location: 1 }),
      ]),
    ),
  );
  const teaItems = Array.from({ length: STEP_ENTRIES }, (_, s) =>
    Array.from({ length: 5 }, (_, i) => TEA.sgtin(`s${s}-${i}`)),
  );
  for (let s = 0; s < STEP_ENTRIES; s++) {
    const res = await next(gateways).call('POST', '/v1/entries', importerKey, {
      declarationNo: `MG-STEP-${s}`,
      location: gln(1),
      regime: 'BONDED',
      product: { gtin: TEA.gtin, hsCode: '090210', category: 'OTHER' },
      unitValueFen: 5_000,
      items: teaItems[s],
    });
    t.equal(res.status, 201, `entry step ${s}: ${JSON.stringify(res.json)}`);
  }
  await gateways[2]!.allCommitted(importerKey, entries, 'entries');
  mark('entries committed');

  // 2. Provenance reads through every live process, until the end of the run.
  const alive = new Set(gateways);
  const readOutcomes = new Map<number, number>();
  const readsFailed = new Map<GatewayProcess, number>();
  let reading = true;
  // The balancer's readiness probe: a process answering /readyz 503 `draining` gets no new requests.
  const balancer = (async () => {
    while (reading) {
      for (const gateway of [...alive]) {
        const ready = (await fetch(`${gateway.base}/readyz`)
          .then((r) => r.json())
          .catch(() => undefined)) as { reason?: string } | undefined;
        if (ready?.reason === 'draining') alive.delete(gateway);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  const readers = Array.from({ length: 3 }, async () => {
    for (let n = 0; reading; n++) {
      const gateway = next([...alive]);
      const sgtin =
        n % 2 === 0 ? teaItems[n % STEP_ENTRIES]![n % 5]! : itemsOf(n % DOCUMENTS, n % 2)[n % ITEMS_PER_EVENT]!;
      try {
        const res = await fetch(`${gateway.base}/v1/items/${encodeURIComponent(sgtin)}/history`, {
          headers: { authorization: `Bearer ${CUSTOMS_KEY}` },
        });
        await res.arrayBuffer();
        readOutcomes.set(res.status, (readOutcomes.get(res.status) ?? 0) + 1);
      } catch {
        readsFailed.set(gateway, (readsFailed.get(gateway) ?? 0) + 1);
      }
    }
  });

  // 3. A live stocktake: opened on one process, watched through another, counted through the leader and the third.
  const opened = await other.call('POST', '/v1/stocktakes', importerKey, { location: gln(1), deviceIds: ['h1', 'h2'] });
  t.equal(opened.status, 201, JSON.stringify(opened.json));
  const stocktakeUrl = `/v1/stocktakes/${opened.json.id as string}`;
  // The stream ticket is minted by another process than the one that opens the stream.
  const ticket = await leader.call('POST', '/v1/stream-tokens', importerKey);
  t.equal(ticket.status, 201);
  const stream = watchStream(
    `${watcher.base}${stocktakeUrl}/stream?access_token=${encodeURIComponent(ticket.json.token as string)}`,
  );
  t.teardown(() => stream.close());
  await waitFor(
    'the stream to send its first counts',
    () => stream.events.some((e) => e.event === 'counts' || e.event === 'heartbeat') || undefined,
    100,
    100,
  ).catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const countBatch = async (b: number, through: GatewayProcess) => {
    const reads = Array.from(
      { length: READS_PER_BATCH },
      (_, i) => itemsOf(b % DOCUMENTS, 0)[(b * READS_PER_BATCH + i) % ITEMS_PER_EVENT]!,
    );
    const res = await through.call('POST', `${stocktakeUrl}/reads`, importerKey, {
      batchId: `b${b}`,
      deviceId: b % 2 === 0 ? 'h1' : 'h2',
      reads,
    });
    t.equal(res.status, 200, `batch ${b}: ${JSON.stringify(res.json)}`);
    await new Promise((resolve) => setTimeout(resolve, 250)); // one count per batch (a watcher is sent the newest totals)
  };

  // 4. Shipments in flight, half the stocktake counted, then the leader is killed.
  const shipments = await postAcross(
    gateways,
    importerKey,
    Array.from({ length: DOCUMENTS }, (_, d) =>
      epcisDocument([
        shippingEvent({
          items: [...itemsOf(d, 0), ...itemsOf(d, 1)],
          shipmentId: `MG-S-${d}`,
          toEnterprise: operator.id,
          toLocation: 2,
        }),
      ]),
    ),
  );
  for (let b = 1; b <= STOCKTAKE_BATCHES / 2; b++) await countBatch(b, b % 2 === 0 ? leader : other);
  await waitFor(
    'some shipment chunks committed',
    async () => ((await other.committedChunks()) > DOCUMENTS * 2 ? true : undefined),
    600,
    50,
  );
  alive.delete(leader);
  const killedAt = Date.now();
  await leader.kill9();
  mark('leader killed');
  const newLeader = await waitFor(
    'another projection leader',
    async () => {
      const flags = await Promise.all([watcher, other].map(leads));
      return flags.filter((f) => f === true).length === 1 ? [watcher, other][flags.indexOf(true)] : undefined;
    },
    150,
    100,
  );
  const takeoverMs = Date.now() - killedAt;
  t.ok(takeoverMs < 10_000, `another process leads ${takeoverMs} ms after the SIGKILL`);
  t.comment(`takeover after ${takeoverMs} ms`);
  t.ok(newLeader !== undefined, 'exactly one of the two survivors leads');

  for (let b = STOCKTAKE_BATCHES / 2 + 1; b <= STOCKTAKE_BATCHES; b++) await countBatch(b, other);
  await other.allCommitted(importerKey, shipments, "shipments across the leader's SIGKILL");
  const receipts = await postAcross(
    [watcher, other],
    operatorKey,
    Array.from({ length: DOCUMENTS }, (_, d) =>
      epcisDocument([
        receivingEvent({ items: [...itemsOf(d, 0), ...itemsOf(d, 1)], shipmentId: `MG-S-${d}`, location: 2 }),
      ]),
    ),
  );
  await watcher.allCommitted(operatorKey, receipts, 'receipts');
  mark('captures committed');

  // 5. The stocktake closes through a third process; its watcher saw every count, then the report.
  const totals = await watcher.call('GET', stocktakeUrl, importerKey);
  const closed = await other.call('POST', `${stocktakeUrl}/close`, importerKey);
  t.equal(closed.status, 200, JSON.stringify(closed.json));
  await waitFor(
    'the report on the stream',
    () => stream.events.some((e) => e.event === 'report') || undefined,
    100,
    100,
  );
  const counts = stream.events.filter((e) => e.event === 'counts').map((e) => e.data);
  t.same(
    counts.map((c) => c.batches).filter((b) => b > 0),
    Array.from({ length: STOCKTAKE_BATCHES }, (_, i) => i + 1),
    "the stream saw every batch's count, in order",
  );
  t.match(
    totals.json.counts,
    { batches: STOCKTAKE_BATCHES, reads: STOCKTAKE_BATCHES * READS_PER_BATCH },
    'every batch counted',
  );
  t.match(
    counts[counts.length - 1],
    { batches: STOCKTAKE_BATCHES, reads: totals.json.counts.reads, uniqueItems: totals.json.counts.uniqueItems },
    "its last count is the stocktake's total",
  );

  // 6. The watcher is drained and stopped (SIGTERM) under the read load: not one request fails.
  const drainedAt = Date.now();
  await watcher.stop();
  t.ok(Date.now() - drainedAt >= DRAIN_DELAY_MS, 'the process served through its drain delay before it closed');
  t.notOk(alive.has(watcher), 'the balancer saw it draining');
  await new Promise((resolve) => setTimeout(resolve, 500));
  reading = false;
  await Promise.all([...readers, balancer]);
  t.comment(
    `provenance reads: ${JSON.stringify(Object.fromEntries(readOutcomes))}, ${readsFailed.get(leader) ?? 0} cut by the SIGKILL`,
  );
  t.same(
    [...readOutcomes.keys()].filter((status) => status !== 200),
    [],
    'every provenance read answered 200',
  );
  t.equal(readsFailed.get(watcher) ?? 0, 0, 'no read failed on the drained process');
  t.equal(readsFailed.get(other) ?? 0, 0, 'nor on the one that stayed');

  // 7. Exactly once on the chain and in the projection; the projection equals a rebuild from block 0.
  await checkChainAndProjection(t, {
    chain,
    databaseUrl,
    connectionProfile,
    sample: [itemsOf(0, 0)[0]!, itemsOf(DOCUMENTS - 1, 1)[ITEMS_PER_EVENT - 1]!, itemsOf(3, 1)[17]!],
    statuses: ['IN_STOCK', 'IN_TRANSIT', 'IN_STOCK'],
    sgtinLike: 'urn:epc:id:sgtin:6901234.000501.%',
    itemCount: DOCUMENTS * 2 * ITEMS_PER_EVENT,
    types: ['ENTRY', 'SHIPMENT', 'RECEIPT'],
  });
  mark('compared with a rebuild');
  await other.stop();
  mark('gateways stopped');
});
