// Proves a counting session gets a stocktake's reads to the gateway exactly once: 10,000 reads of 8,000 items give exactly 8,000, also with the gateway down for part of the run and with a restart, and closing yields the matched/missing/unexpected report.
// How: the real session (replay transport -> decoders -> dedup -> spool -> uploader) in-process against the node:http fake gateway, plus dry runs of every committed fixture.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CountSession } from '../../scanner-agent/src/agent';
import { newGatewayClient } from '../../scanner-agent/src/outbox/gateway-client';
import { Spool } from '../../scanner-agent/src/outbox/spool';
import { Uploader } from '../../scanner-agent/src/outbox/uploader';
import { openReplayTransport } from '../../scanner-agent/src/transport/replay';
import { Transport } from '../../scanner-agent/src/transport/transport';
import { stocktakeCapture } from '../../scanner-agent/src/tools/make-fixture';
import { FakeGateway, startFakeGateway } from './helpers/fake-gateway';

const FIXTURES = join(__dirname, '..', 'fixtures', 'scanner');
const LOCATION = '6901234567892';

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'count-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Run {
  readonly fake: FakeGateway;
  readonly spoolDir: string;
  readonly capture: string;
  readonly urns: string[];
}

async function prepare(t: { teardown(fn: () => unknown): void }, items: number, repeats: number): Promise<Run> {
  const fake = await startFakeGateway();
  t.teardown(() => fake.close());
  const dir = tempDir(t);
  const c = stocktakeCapture(items, repeats);
  const capture = join(dir, 'stocktake.capture');
  writeFileSync(capture, c.text);
  return { fake, spoolDir: join(dir, 'spool'), capture, urns: c.urns };
}

/** Wraps a transport so the session is stopped (as by an operator) after `stopAfterReports` reports. */
function stoppingAfter(inner: Transport, stopAfterReports: number, stop: () => void): Transport {
  return {
    layout: inner.layout,
    description: inner.description,
    slow: inner.slow,
    close: () => inner.close(),
    async *reports() {
      let n = 0;
      for await (const batch of inner.reports()) {
        yield batch;
        n += batch.length;
        if (n >= stopAfterReports) stop();
      }
    },
  };
}

async function count(
  run: Run,
  stocktakeId: string,
  options: { closeAtEnd?: boolean; stopAfterReports?: number; drainTimeoutMs?: number } = {},
) {
  const spool = Spool.open(run.spoolDir);
  try {
    const client = newGatewayClient({ baseUrl: run.fake.url, apiKey: run.fake.apiKey });
    const uploader = new Uploader({ spool, client, retryDelayMsBase: 5, retryDelayMsMax: 50 });
    const replay = await openReplayTransport(run.capture, { speed: 0 });
    let session: CountSession | undefined;
    const transport =
      options.stopAfterReports === undefined
        ? replay
        : stoppingAfter(replay, options.stopAfterReports, () => session?.stop('quit'));
    session = new CountSession({
      transport,
      stocktakeId,
      deviceId: 'counter-1',
      spool,
      uploader,
      client,
      batchReadsMax: 1000,
      drainTimeoutMs: options.drainTimeoutMs ?? 30_000,
      closeAtEnd: options.closeAtEnd ?? false,
    });
    return await session.run();
  } finally {
    spool.close();
  }
}

t.test('10,000 reads of 8,000 distinct items: the stocktake holds exactly 8,000, each sent once', async (t) => {
  const run = await prepare(t, 8000, 2000);
  const id = run.fake.open(LOCATION);
  const outcome = await count(run, id);
  t.equal(outcome.error, undefined);
  t.ok(outcome.drained);
  t.match(outcome.progress, {
    reads: 10_000,
    uniqueItems: 8000,
    newItems: 8000,
    undecodable: 0,
    pendingBatches: 0,
    serverUniqueItems: 8000,
  });
  t.equal(run.fake.stocktakes.get(id)?.items.size, 8000);
  t.same(new Set(run.fake.stocktakes.get(id)?.items), new Set(run.urns), 'exactly the items of the capture');
  t.equal(Math.max(...Array.from(run.fake.appliedCount.values())), 1, 'no item sent twice');
  t.ok(
    run.fake.posts.every((p) => p.reads <= 1000),
    'batches stay within the batch limit',
  );
});

t.test('the same with the gateway down for part of the run: spooled, retried, exactly 8,000', async (t) => {
  const run = await prepare(t, 8000, 2000);
  const id = run.fake.open(LOCATION);
  run.fake.mode = 'down';
  run.fake.upAfterRefused = 4; // back up after refusing four uploads
  const outcome = await count(run, id);
  t.ok(run.fake.refused > 0, `the gateway refused ${run.fake.refused} uploads while down`);
  t.ok(outcome.drained);
  t.equal(run.fake.stocktakes.get(id)?.items.size, 8000);
  t.equal(Math.max(...Array.from(run.fake.appliedCount.values())), 1);
});

t.test(
  'stopped half way (gateway down) and run again on the same capture: nothing lost, nothing sent twice',
  async (t) => {
    const run = await prepare(t, 8000, 2000);
    const id = run.fake.open(LOCATION);
    run.fake.mode = 'down';
    const first = await count(run, id, { drainTimeoutMs: 50, stopAfterReports: 4000 });
    t.notOk(first.drained, 'the first run leaves batches in the spool');
    t.ok(
      first.progress.newItems > 0 && first.progress.newItems < 8000,
      `first run counted ${first.progress.newItems} items before stopping`,
    );
    run.fake.mode = 'up';
    const second = await count(run, id);
    t.equal(second.progress.uniqueItems, 8000, 'the session resumes with what the spool already holds');
    t.equal(second.progress.newItems, 8000 - first.progress.newItems, 'only the rest is new');
    t.equal(run.fake.stocktakes.get(id)?.items.size, 8000);
    t.equal(Math.max(...Array.from(run.fake.appliedCount.values())), 1);
  },
);

t.test('closing: after the last batch is acknowledged, the report lists matched, missing and unexpected', async (t) => {
  const run = await prepare(t, 100, 20);
  run.fake.books.set(LOCATION, [...run.urns.slice(0, 95), 'urn:epc:id:sgtin:0614141.812345.1']);
  const id = run.fake.open(LOCATION);
  const outcome = await count(run, id, { closeAtEnd: true });
  t.equal(outcome.error, undefined);
  t.match(outcome.closeReport?.counts, { matched: 95, missing: 1, unexpected: 5 });
  t.same(outcome.closeReport?.missing, ['urn:epc:id:sgtin:0614141.812345.1']);
  t.equal(run.fake.stocktakes.get(id)?.status, 'closed');
});

t.test('closing is refused while reads are not yet acknowledged (the report would be wrong)', async (t) => {
  const run = await prepare(t, 100, 0);
  const id = run.fake.open(LOCATION);
  run.fake.mode = 'down';
  const outcome = await count(run, id, { closeAtEnd: true, drainTimeoutMs: 100 });
  t.match(outcome.error, { code: 'STOCKTAKE_NOT_CLOSED' });
  t.notOk(outcome.drained);
  t.equal(run.fake.stocktakes.get(id)?.status, 'open');
});

t.test(
  'every committed fixture replays through its layout: items, repeats and undecodable reads counted',
  async (t) => {
    const expected: Record<
      string,
      { reads: number; uniqueItems: number; undecodableByReason: Record<string, number> }
    > = {
      'hid-pos.capture': {
        reads: 7,
        uniqueItems: 3,
        undecodableByReason: { 'gtin-without-serial': 1, unrecognised: 1, 'hid-pos-truncated-report': 1 },
      },
      'cp2110-m100.capture': {
        reads: 7,
        uniqueItems: 3,
        undecodableByReason: { 'epc-unknown-header': 1, 'm100-bad-checksum': 1, 'epc-not-sgtin-sscc-96': 1 },
      },
      'm100.capture': {
        reads: 7,
        uniqueItems: 3,
        undecodableByReason: { 'epc-unknown-header': 1, 'm100-bad-checksum': 1, 'epc-not-sgtin-sscc-96': 1 },
      },
      'tsl-ascii.capture': {
        reads: 6,
        uniqueItems: 3,
        undecodableByReason: { 'epc-not-hex': 1, 'tsl-unrecognised-line': 1 },
      },
      'lines.capture': {
        reads: 8,
        uniqueItems: 4,
        undecodableByReason: { 'gs1-gtin-check-digit': 1, unrecognised: 1 },
      },
    };
    for (const [file, want] of Object.entries(expected)) {
      const transport = await openReplayTransport(join(FIXTURES, file), { speed: 0 });
      const outcome = await new CountSession({
        transport,
        stocktakeId: undefined,
        deviceId: 'd',
        drainTimeoutMs: 0,
        closeAtEnd: false,
      }).run();
      t.match(outcome.progress, want, file);
      t.equal(outcome.samples.length, Object.keys(want.undecodableByReason).length, `${file}: one example per reason`);
    }
  },
);

t.test('a replay at recorded speed delivers the same reads (timing is not asserted)', async (t) => {
  const transport = await openReplayTransport(join(FIXTURES, 'lines.capture'), { speed: 100 });
  const outcome = await new CountSession({
    transport,
    stocktakeId: undefined,
    deviceId: 'd',
    drainTimeoutMs: 0,
    closeAtEnd: false,
  }).run();
  t.match(outcome.progress, { reads: 8, uniqueItems: 4 });
});
