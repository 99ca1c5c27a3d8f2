// Proves `kill -9` of the agent at any moment loses nothing and counts nothing twice: killed while the gateway holds an upload, and killed mid-read while the gateway is down, a restart still lands exactly the 8,000 items of 10,000 reads, each applied once.
// How: the real CLI spawned as a child process (ts-node) on a replay file against the node:http fake gateway, SIGKILLed at a moment the test picks by events (a held request, a progress line), then restarted on the same spool.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stocktakeCapture } from '../../scanner-agent/src/tools/make-fixture';
import { startAgent } from './helpers/agent-process';
import { startFakeGateway, type FakeGateway } from './helpers/fake-gateway';

async function setup(t: {
  teardown(fn: () => unknown): void;
}): Promise<{ fake: FakeGateway; capture: string; spoolDir: string; urns: string[] }> {
  const fake = await startFakeGateway();
  const dir = mkdtempSync(join(tmpdir(), 'crash-test-'));
  t.teardown(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const c = stocktakeCapture(8000, 2000);
  const capture = join(dir, 'stocktake.capture');
  writeFileSync(capture, c.text);
  return { fake, capture, spoolDir: join(dir, 'spool'), urns: c.urns };
}

t.test(
  'killed while the gateway holds the first upload (applied, never acknowledged): the restart re-sends it with the same id',
  async (t) => {
    const { fake, capture, spoolDir, urns } = await setup(t);
    const id = fake.open('6901234567892');
    const held = fake.holdNextReads();
    const first = startAgent(fake, ['count', '--replay', capture, '--stocktake', id, '--spool-dir', spoolDir]);
    const died = first.exited.then((code) => {
      throw new Error(`agent exited (${code}) before uploading: ${first.stderr()}`);
    });
    const { batchId, release } = await Promise.race([held, died]);
    first.child.kill('SIGKILL');
    t.equal(await first.exited, null, 'killed');
    release();

    const second = startAgent(fake, ['count', '--replay', capture, '--stocktake', id, '--spool-dir', spoolDir]);
    t.equal(await second.exited, 0, `restart exits 0 ${second.stderr()}`);
    const st = fake.stocktakes.get(id);
    t.equal(st?.items.size, 8000, 'exactly 8,000 items');
    t.same(new Set(st?.items), new Set(urns));
    t.equal(Math.max(...Array.from(fake.appliedCount.values())), 1, 'no read applied twice');
    const sameId = fake.posts.filter((p) => p.batchId === batchId);
    t.same(
      sameId.map((p) => p.duplicate),
      [false, true],
      'the unacknowledged batch came again, with the same id, and was a no-op',
    );
  },
);

t.test('killed mid-read while the gateway is down, restarted with it up: exactly 8,000, each once', async (t) => {
  const { fake, capture, spoolDir } = await setup(t);
  const id = fake.open('6901234567892');
  fake.mode = 'down';
  // Recorded speed x2: the 10,000 reads take about 2.5 s, so the kill lands while reading.
  const first = startAgent(fake, [
    'count',
    '--replay',
    capture,
    '--speed',
    '2',
    '--stocktake',
    id,
    '--spool-dir',
    spoolDir,
  ]);
  await Promise.race([
    first.progress((p) => p.reads > 0 && p.spooledBatches > 0),
    first.exited.then((code) => {
      throw new Error(`agent exited (${code}) before the kill: ${first.stderr()}`);
    }),
  ]);
  first.child.kill('SIGKILL');
  await first.exited;
  t.ok(fake.refused > 0, 'the agent had tried to upload while the gateway was down');
  t.equal(fake.posts.length, 0, 'nothing reached the stocktake yet');

  fake.mode = 'up';
  const second = startAgent(fake, ['count', '--replay', capture, '--stocktake', id, '--spool-dir', spoolDir]);
  t.equal(await second.exited, 0, `restart exits 0 ${second.stderr()}`);
  t.equal(fake.stocktakes.get(id)?.items.size, 8000);
  t.equal(Math.max(...Array.from(fake.appliedCount.values())), 1, 'no read applied twice');
  t.ok(
    fake.posts.every((p) => !p.duplicate),
    'no batch needed re-sending: none had reached the gateway',
  );
});

t.test('with the gateway unreachable the agent exits 75 and keeps the reads for next time', async (t) => {
  const { fake, capture, spoolDir } = await setup(t);
  const id = fake.open('6901234567892');
  fake.mode = 'down';
  const agent = startAgent(fake, [
    'count',
    '--replay',
    capture,
    '--stocktake',
    id,
    '--spool-dir',
    spoolDir,
    '--drain-timeout-s',
    '1',
  ]);
  t.equal(await agent.exited, 75, 'EX_TEMPFAIL: reads pending upload');
  fake.mode = 'up';
  const next = startAgent(fake, ['count', '--replay', capture, '--stocktake', id, '--spool-dir', spoolDir, '--close']);
  t.equal(await next.exited, 0, next.stderr());
  t.equal(fake.stocktakes.get(id)?.items.size, 8000);
  t.equal(fake.stocktakes.get(id)?.status, 'closed', '--close closed it after the upload');
});
