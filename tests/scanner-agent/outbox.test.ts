// Proves the uploader delivers every spooled batch to the gateway exactly once: retried with bounded full-jitter backoff while the gateway is down, re-sent with the same batch id when an answer is lost, set aside when the gateway refuses it for good.
// How: a real spool and HTTP client against a node:http fake of the gateway's stocktake API (a test double for the remote server), switched down/up by the test.
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayClient, GatewayError, newGatewayClient } from '../../scanner-agent/src/outbox/gateway-client';
import { Spool } from '../../scanner-agent/src/outbox/spool';
import { Uploader, fullJitterDelayMs } from '../../scanner-agent/src/outbox/uploader';
import { startFakeGateway } from './helpers/fake-gateway';

const FAST_RETRY = { retryDelayMsBase: 5, retryDelayMsMax: 40 };
const DRAIN_MS = 20_000;

function setup(t: { teardown(fn: () => unknown): void }): Spool {
  const dir = mkdtempSync(join(tmpdir(), 'outbox-test-'));
  const spool = Spool.open(dir);
  t.teardown(() => {
    spool.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return spool;
}
const reads = (from: number, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `urn:epc:id:sgtin:0614141.812345.${from + i}`);

t.test('full jitter: random in [0, min(max, base * 2^attempt)), capped', async (t) => {
  t.equal(
    fullJitterDelayMs(1, 250, 30_000, () => 0),
    0,
  );
  t.equal(
    fullJitterDelayMs(1, 250, 30_000, () => 0.999999),
    499,
  );
  t.equal(
    fullJitterDelayMs(3, 250, 30_000, () => 0.5),
    1000,
  );
  t.equal(
    fullJitterDelayMs(50, 250, 30_000, () => 0.999999),
    29_999,
    'never above the maximum, however many attempts',
  );
});

t.test('the gateway client speaks the contract and classifies failures', async (t) => {
  const fake = await startFakeGateway();
  t.teardown(() => fake.close());
  const client = newGatewayClient({ baseUrl: `${fake.url}/`, apiKey: fake.apiKey });
  const opened = await client.openStocktake('6901234567892', ['dev-1']);
  t.match(opened, { location: '6901234567892', status: 'open' });
  const ack = await client.postReads(opened.id, { batchId: 'b-1', deviceId: 'dev-1', reads: reads(1, 3) });
  t.same(ack, { batchId: 'b-1', accepted: 3, duplicateBatch: false, uniqueItems: 3 });
  t.same(
    await client.postReads(opened.id, { batchId: 'b-1', deviceId: 'dev-1', reads: reads(1, 3) }),
    { ...ack, duplicateBatch: true },
    'the same batch id again changes nothing',
  );
  t.match(await client.getStocktake(opened.id), { id: opened.id, status: 'open', uniqueItems: 3 });
  fake.books.set('6901234567892', reads(2, 3));
  const report = await client.closeStocktake(opened.id);
  t.same(report.counts, { matched: 2, missing: 1, unexpected: 1 });

  const rejected = await client
    .postReads(opened.id, { batchId: 'b-2', deviceId: 'dev-1', reads: reads(9, 1) })
    .catch((e: unknown) => e);
  t.match(rejected, { failure: 'rejected', status: 409, code: 'STOCKTAKE_CLOSED' });
  t.equal((rejected as GatewayError).retryable, false, 'a problem document with a code is final');

  const badKey = newGatewayClient({ baseUrl: fake.url, apiKey: 'wrong' });
  t.match(await badKey.getStocktake(opened.id).catch((e: unknown) => e), { failure: 'auth', status: 401 });
  fake.mode = 'down';
  const down = await client.postReads(opened.id, { batchId: 'b-3', deviceId: 'd', reads: [] }).catch((e: unknown) => e);
  t.match(down, { failure: 'server', status: 503 });
  t.equal((down as GatewayError).retryable, true);
  fake.mode = 'drop';
  t.match(
    await client.postReads(opened.id, { batchId: 'b-4', deviceId: 'd', reads: [] }).catch((e: unknown) => e),
    { failure: 'unreachable' },
    'connection reset',
  );
  const nowhere = newGatewayClient({ baseUrl: 'http://127.0.0.1:9', apiKey: 'k' });
  t.match(await nowhere.getStocktake('x').catch((e: unknown) => e), { failure: 'unreachable' }, 'nothing listening');
});

t.test('batches are uploaded in spool order with their batch ids, and acknowledged', async (t) => {
  const fake = await startFakeGateway();
  t.teardown(() => fake.close());
  const spool = setup(t);
  const id = fake.open('6901234567892');
  const refs = [
    spool.append({ stocktakeId: id, deviceId: 'd', reads: reads(1, 3) }),
    spool.append({ stocktakeId: id, deviceId: 'd', reads: reads(4, 2) }),
  ];
  const uploader = new Uploader({
    spool,
    client: newGatewayClient({ baseUrl: fake.url, apiKey: fake.apiKey }),
    ...FAST_RETRY,
  });
  uploader.start();
  t.ok(await uploader.drain(id, DRAIN_MS));
  await uploader.stop();
  t.same(
    fake.posts.map((p) => p.batchId),
    refs.map((r) => spool.batchId(r)),
  );
  t.equal(fake.stocktakes.get(id)?.items.size, 5);
  t.equal(spool.pending(), 0);
  t.match(uploader.snapshot, { uploadedBatches: 2, uploadedReads: 5, duplicateBatches: 0, gateway: 'idle' });
});

t.test('while the gateway is down the same batch is retried (bounded backoff), then delivered once', async (t) => {
  const fake = await startFakeGateway();
  t.teardown(() => fake.close());
  const spool = setup(t);
  const id = fake.open('6901234567892');
  fake.mode = 'down';
  spool.append({ stocktakeId: id, deviceId: 'd', reads: reads(1, 10) });
  const uploader = new Uploader({
    spool,
    client: newGatewayClient({ baseUrl: fake.url, apiKey: fake.apiKey }),
    ...FAST_RETRY,
  });
  uploader.start();
  t.notOk(await uploader.drain(id, 300), 'not drained while down');
  t.ok(fake.refused >= 2, `retried (${fake.refused} refused attempts)`);
  t.match(uploader.snapshot, { gateway: 'retrying', lastProblem: /503/ });
  fake.mode = 'up';
  t.ok(await uploader.drain(id, DRAIN_MS), 'drained once the gateway is back');
  await uploader.stop();
  t.equal(fake.posts.length, 1, 'accepted exactly once');
  t.equal(Math.max(...Array.from(fake.appliedCount.values())), 1);
});

t.test('an answer lost after the gateway applied the batch: re-sent with the same id, counted once', async (t) => {
  const fake = await startFakeGateway();
  t.teardown(() => fake.close());
  const spool = setup(t);
  const id = fake.open('6901234567892');
  const ref = spool.append({ stocktakeId: id, deviceId: 'd', reads: reads(1, 4) });
  const real = newGatewayClient({ baseUrl: fake.url, apiKey: fake.apiKey });
  let lose = true;
  const lossy: GatewayClient = {
    ...real,
    postReads: async (s, b) => {
      const answer = await real.postReads(s, b);
      if (lose) {
        lose = false;
        throw new GatewayError('timeout', 'answer lost on the way back');
      }
      return answer;
    },
  };
  const uploader = new Uploader({ spool, client: lossy, ...FAST_RETRY });
  uploader.start();
  t.ok(await uploader.drain(id, DRAIN_MS));
  await uploader.stop();
  t.same(fake.posts, [
    { batchId: spool.batchId(ref), duplicate: false, reads: 4 },
    { batchId: spool.batchId(ref), duplicate: true, reads: 4 },
  ]);
  t.equal(fake.stocktakes.get(id)?.items.size, 4);
  t.equal(uploader.snapshot.duplicateBatches, 1);
});

t.test('a batch refused for good (closed stocktake) is set aside and the queue moves on', async (t) => {
  const fake = await startFakeGateway();
  t.teardown(() => fake.close());
  const spool = setup(t);
  const closed = fake.open('6901234567892');
  fake.stocktakes.get(closed)!.status = 'closed';
  const open = fake.open('6901234567892');
  spool.append({ stocktakeId: closed, deviceId: 'd', reads: reads(1, 2) });
  spool.append({ stocktakeId: open, deviceId: 'd', reads: reads(3, 2) });
  const uploader = new Uploader({
    spool,
    client: newGatewayClient({ baseUrl: fake.url, apiKey: fake.apiKey }),
    ...FAST_RETRY,
  });
  uploader.start();
  t.ok(await uploader.drain(open, DRAIN_MS));
  await uploader.stop();
  t.equal(uploader.snapshot.rejectedBatches, 1);
  t.equal(fake.stocktakes.get(open)?.items.size, 2);
  const rejected = readFileSync(join(spool.dir, 'rejected.jsonl'), 'utf8');
  t.match(rejected, /STOCKTAKE_CLOSED/);
});

t.test('a wrong API key is retried (with backoff), shown, and nothing is dropped', async (t) => {
  const fake = await startFakeGateway();
  t.teardown(() => fake.close());
  const spool = setup(t);
  const id = fake.open('6901234567892');
  spool.append({ stocktakeId: id, deviceId: 'd', reads: reads(1, 2) });
  const uploader = new Uploader({
    spool,
    client: newGatewayClient({ baseUrl: fake.url, apiKey: 'wrong' }),
    ...FAST_RETRY,
  });
  uploader.start();
  t.notOk(await uploader.drain(id, 200));
  await uploader.stop();
  t.match(uploader.snapshot.lastProblem, /auth: 401/);
  t.equal(spool.pending(), 1, 'the batch is still in the spool');
});
