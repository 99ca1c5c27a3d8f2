// Proves the scanner agent and the real gateway together count exactly once: 10,000 reads of 8,000 items replayed into
// a stocktake leave exactly 8,000 items; the same with the gateway down for the first part of the run and the agent
// killed once (SIGKILL) while its reads waited in the spool.
// How: the gateway app on a real port over a real PostgreSQL (a second app instance on the same port and database
// plays the gateway coming back); the real CLI as a child process on a replay file and a spool directory.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { stocktakeCapture } from '../../scanner-agent/src/tools/make-fixture';
import { bearer, buildTestApp } from '../gateway/helpers/app';
import { createMigratedDatabase } from '../gateway/helpers/database';
import { startAgent } from './helpers/agent-process';

const OPERATOR = { id: '91460000MA5TDF000D', mspId: 'OperatorMSP' };
const SHOP = '6901234000023';

async function world(t: Test) {
  const databaseUrl = await createMigratedDatabase(t);
  const dir = mkdtempSync(join(tmpdir(), 'agent-e2e-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const fixture = stocktakeCapture(8000, 2000);
  const capture = join(dir, 'stocktake.capture');
  writeFileSync(capture, fixture.text);
  const start = async (port = 0): Promise<{ app: FastifyInstance; url: string; customsKey: string }> => {
    const built = await buildTestApp(t, { databaseUrl });
    const url = await built.app.listen({ port, host: '127.0.0.1' });
    return { app: built.app, url, customsKey: built.customsKey };
  };
  return { databaseUrl, capture, spoolDir: join(dir, 'spool'), urns: fixture.urns, reads: fixture.reads, start };
}

async function openStocktake(app: FastifyInstance, customsKey: string): Promise<{ key: string; id: string }> {
  await app.inject({
    method: 'POST',
    url: '/v1/enterprises',
    headers: bearer(customsKey),
    payload: { id: OPERATOR.id, name: 'Shop', roles: ['operator'], mspId: OPERATOR.mspId },
  });
  const key = (
    (
      await app.inject({
        method: 'POST',
        url: `/v1/enterprises/${OPERATOR.id}/keys`,
        headers: bearer(customsKey),
        payload: { role: 'operator', label: 'handheld' },
      })
    ).json() as { key: string }
  ).key;
  const created = await app.inject({
    method: 'POST',
    url: '/v1/stocktakes',
    headers: bearer(key),
    payload: { location: SHOP, deviceIds: ['m100-1'] },
  });
  return { key, id: (created.json() as { id: string }).id };
}

async function counted(app: FastifyInstance, key: string, id: string) {
  return (await app.inject({ method: 'GET', url: `/v1/stocktakes/${id}`, headers: bearer(key) })).json() as {
    counts: { uniqueItems: number; reads: number; batches: number };
  };
}

t.test('10,000 reads of 8,000 items through the real gateway: the stocktake holds exactly 8,000', async (t) => {
  const w = await world(t);
  t.equal(w.reads, 10_000);
  const gw = await w.start();
  const { key, id } = await openStocktake(gw.app, gw.customsKey);
  const agent = startAgent({ url: gw.url, apiKey: key }, [
    'count',
    '--replay',
    w.capture,
    '--stocktake',
    id,
    '--spool-dir',
    w.spoolDir,
  ]);
  t.equal(await agent.exited, 0, agent.stderr());
  const st = await counted(gw.app, key, id);
  t.equal(st.counts.uniqueItems, 8_000, 'exactly 8,000 distinct items');
  const { rows } = await gw.app.db.query<{ sgtin: string }>(
    `SELECT sgtin FROM stocktake_reads WHERE stocktake_id = $1`,
    [id],
  );
  t.same(new Set(rows.map((r) => r.sgtin)), new Set(w.urns), 'the very items of the replay');
});

t.test('gateway down for the first part, agent killed once: restarted, exactly 8,000', async (t) => {
  const w = await world(t);
  const first = await w.start();
  const { key, id } = await openStocktake(first.app, first.customsKey);
  const port = Number(new URL(first.url).port);
  await first.app.close(); // the gateway goes down

  const agent = startAgent({ url: first.url, apiKey: key }, [
    'count',
    '--replay',
    w.capture,
    '--speed',
    '2',
    '--stocktake',
    id,
    '--spool-dir',
    w.spoolDir,
  ]);
  await Promise.race([
    agent.progress((p) => p.reads > 0 && p.spooledBatches > 0),
    agent.exited.then((code) => {
      throw new Error(`agent exited (${code}) before the kill: ${agent.stderr()}`);
    }),
  ]);
  agent.child.kill('SIGKILL');
  t.equal(await agent.exited, null, 'agent killed while its reads waited in the spool');

  const back = await w.start(port); // the gateway comes back, same database
  const before = await counted(back.app, key, id);
  t.equal(before.counts.uniqueItems, 0, 'nothing reached the gateway while it was down');
  const again = startAgent({ url: back.url, apiKey: key }, [
    'count',
    '--replay',
    w.capture,
    '--stocktake',
    id,
    '--spool-dir',
    w.spoolDir,
  ]);
  t.equal(await again.exited, 0, again.stderr());
  const after = await counted(back.app, key, id);
  t.equal(after.counts.uniqueItems, 8_000, 'exactly 8,000 distinct items, none counted twice');
});
