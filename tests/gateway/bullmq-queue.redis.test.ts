// Proves the BullMQ JobQueue: idempotent enqueue, retry then success, UnrecoverableError parked with its reason, bounded attempts, a SIGKILLed worker's job rerun with one effect, and recovery after a Redis restart.
// How: the shared queue contract (helpers/queue-contract.ts) on the real Redis (REDIS_URL), effects in a PostgreSQL table with a primary key; restartRedis() mid-run.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { createPool } from '../../gateway/src/adapters/pg';
import { newBullmqQueue } from '../../gateway/src/adapters/queue/bullmq';
import { redisManaged, redisUrl, restartRedis } from '../../testkit/src/services';
import { createMigratedDatabase } from './helpers/database';
import { createEffectsTable, effectsOf, recordEffect, runQueueContract } from './helpers/queue-contract';
import { waitFor } from './helpers/wait';

/** Lock duration and stalled-check interval: short, so that a dead worker's job is picked up soon. */
const LOCK_MS = 1_000;

/** Key prefix of this run, so that runs and files never see each other's jobs. */
const PREFIX = `test-${randomBytes(4).toString('hex')}`;

let databaseUrl: string | undefined;
async function sharedDatabase(): Promise<string> {
  databaseUrl ??= await createMigratedDatabase(t);
  return databaseUrl;
}

runQueueContract(
  t,
  {
    kind: 'bullmq',
    async make(tt, settings) {
      const queue = newBullmqQueue({
        redisUrl: redisUrl(),
        prefix: PREFIX,
        retry: { maxAttempts: settings.maxAttempts, backoffBaseMs: 20, backoffMaxMs: 200 },
        lockDurationMs: LOCK_MS,
        stalledIntervalMs: LOCK_MS,
        closeTimeoutMs: 2_000,
      });
      tt.teardown(async () => {
        await queue.close();
        await queue.disconnect();
      });
      return queue;
    },
    childEnv: () => ({ QUEUE_KIND: 'bullmq', BULLMQ_PREFIX: PREFIX, QUEUE_LOCK_MS: String(LOCK_MS) }),
  },
  sharedDatabase,
);

t.test('processing resumes after Redis restarts mid-run, with no duplicate effect', async (t) => {
  if (!redisManaged()) {
    t.skip('REDIS_URL came from the environment: cannot restart that server', () => undefined);
    return;
  }
  const effects = createPool({ connectionString: await sharedDatabase() });
  await createEffectsTable(effects);
  const errors: string[] = [];
  const queue = newBullmqQueue({
    redisUrl: redisUrl(),
    prefix: PREFIX,
    retry: { maxAttempts: 10, backoffBaseMs: 50, backoffMaxMs: 500 },
    lockDurationMs: 2_000,
    stalledIntervalMs: 1_000,
    onError: (err, context) => errors.push(`${context}: ${String(err)}`),
  });
  t.teardown(async () => {
    await queue.close();
    await queue.disconnect();
    await effects.end();
  });
  const name = 'restart-redis';
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
  await restartRedis();
  const after = 10;
  await waitFor('enqueueing to work again', async () => {
    await queue.enqueue(name, 'job-after-0', { i: 'after' });
    return true;
  });
  for (let i = 1; i < after; i++) await queue.enqueue(name, `job-after-${i}`, { i });
  const ids = [
    ...Array.from({ length: before }, (_, i) => `job-${i}`),
    ...Array.from({ length: after }, (_, i) => `job-after-${i}`),
  ];
  await waitFor('every job to complete', async () => {
    for (const id of ids) {
      if ((await queue.getJob(name, id))?.state !== 'completed') return false;
    }
    return true;
  });
  for (const id of ids) {
    const rows = await effectsOf(effects, name, id);
    if (rows.length !== 1) t.fail(`${id} has ${rows.length} effects`);
  }
  const { rows } = await effects.query<{ n: string }>('SELECT count(*) AS n FROM job_effects WHERE queue = $1', [name]);
  t.equal(Number(rows[0]?.n), before + after, 'every job had its effect once');
  t.match(await queue.depth(name), { waiting: 0, active: 0, delayed: 0, parked: 0 });
});
