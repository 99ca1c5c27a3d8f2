// Proves the PostgreSQL JobQueue: idempotent enqueue, retry then success, parking with a reason, bounded attempts, a SIGKILLed worker's job rerun with one effect, and recovery after a PostgreSQL restart.
// How: the shared queue contract (helpers/queue-contract.ts) on a private migrated database; restartPostgres() mid-run.
import t from 'tap';
import { createPool } from '../../gateway/src/adapters/pg';
import { newPgQueue } from '../../gateway/src/adapters/queue/pg-queue';
import { postgresManaged, restartPostgres } from '../../testkit/src/services';
import { createMigratedDatabase } from './helpers/database';
import { createEffectsTable, effectsOf, recordEffect, runQueueContract } from './helpers/queue-contract';
import { waitFor } from './helpers/wait';

/** Lease of the queues under test: short, so that a dead worker's job is reclaimed soon. */
const LEASE_MS = 1_000;

let databaseUrl: string | undefined;
async function sharedDatabase(): Promise<string> {
  databaseUrl ??= await createMigratedDatabase(t);
  return databaseUrl;
}

runQueueContract(
  t,
  {
    kind: 'pg',
    async make(tt, settings) {
      const pool = createPool({ connectionString: await sharedDatabase() });
      const queue = newPgQueue({
        pool,
        retry: { maxAttempts: settings.maxAttempts, backoffBaseMs: 20, backoffMaxMs: 200 },
        leaseMs: LEASE_MS,
        pollIntervalMs: 50,
        closeTimeoutMs: 2_000,
      });
      tt.teardown(async () => {
        await queue.close();
        await pool.end();
      });
      return queue;
    },
    childEnv: () => ({ QUEUE_KIND: 'pg', QUEUE_DATABASE_URL: databaseUrl ?? '', QUEUE_LOCK_MS: String(LEASE_MS) }),
  },
  sharedDatabase,
);

t.test('processing resumes after PostgreSQL restarts mid-run, with no duplicate effect', async (t) => {
  if (!postgresManaged()) {
    t.skip('DATABASE_URL came from the environment: cannot restart that server', () => undefined);
    return;
  }
  const url = await sharedDatabase();
  const pool = createPool({ connectionString: url });
  const effects = createPool({ connectionString: url });
  await createEffectsTable(effects);
  const errors: string[] = [];
  const queue = newPgQueue({
    pool,
    retry: { maxAttempts: 10, backoffBaseMs: 50, backoffMaxMs: 500 },
    leaseMs: LEASE_MS,
    pollIntervalMs: 50,
    onError: (err, context) => errors.push(`${context}: ${String(err)}`),
  });
  t.teardown(async () => {
    await queue.close();
    await pool.end();
    await effects.end();
  });
  const name = 'restart-pg';
  const before = 20;
  for (let i = 0; i < before; i++) await queue.enqueue(name, `job-${i}`, { i });
  queue.process(
    name,
    async (job) => {
      await new Promise((resolve) => setTimeout(resolve, 30)); // keep jobs in flight across the restart
      await recordEffect(effects, job, 'parent');
    },
    { concurrency: 2 },
  );
  await waitFor('a few jobs to complete', async () => (await queue.depth(name)).waiting <= before - 4);
  await restartPostgres();
  const after = 10;
  await waitFor('enqueueing to work again', async () => {
    await queue.enqueue(name, 'job-after-0', { i: 'after' });
    return true;
  });
  for (let i = 1; i < after; i++) await queue.enqueue(name, `job-after-${i}`, { i });
  await waitFor('every job to complete', async () => {
    const depth = await queue.depth(name);
    return depth.waiting + depth.active + depth.delayed + depth.parked === 0;
  });
  for (const id of [
    ...Array.from({ length: before }, (_, i) => `job-${i}`),
    ...Array.from({ length: after }, (_, i) => `job-after-${i}`),
  ]) {
    const rows = await effectsOf(effects, name, id);
    if (rows.length !== 1) t.fail(`${id} has ${rows.length} effects`);
  }
  const { rows } = await effects.query<{ n: string }>('SELECT count(*) AS n FROM job_effects WHERE queue = $1', [name]);
  t.equal(Number(rows[0]?.n), before + after, 'every job had its effect once');
  t.ok(errors.length > 0, 'the restart was noticed by the worker (and survived)');
});
