/**
 * The behaviour both JobQueue adapters (BullMQ, PostgreSQL) must show, written once and run by each adapter's test
 * file: idempotent enqueue, retry then success, permanent failure parked with its reason, attempts used up, and a
 * worker killed mid-job (a child process SIGKILLed after its handler wrote its effect) whose job runs again and
 * completes exactly once: the handler's effect row has a primary key, so the rerun adds no duplicate.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Test } from 'tap';
import { createPool, type DbPool } from '../../../gateway/src/adapters/pg';
import { PermanentJobError, RetryLaterError, type JobQueue, type QueueJob } from '../../../gateway/src/ports';
import type { Teardown } from './database';
import { waitFor } from './wait';

/** Retry settings of the queues under test: quick backoff so that tests do not wait long. */
export interface QueueSettings {
  maxAttempts: number;
}

/** Makes a queue for one test (closed at teardown); `childEnv` describes it to the child worker process. */
export interface QueueUnderTest {
  kind: 'pg' | 'bullmq';
  make(t: Teardown, settings: QueueSettings): Promise<JobQueue>;
  /** Environment for tests/gateway/fixtures/queue-worker-child.ts to open the same queue. */
  childEnv(): Record<string, string>;
}

/** A table with one row per job effect; its primary key makes a rerun's insert a no-op. */
export async function createEffectsTable(pool: DbPool): Promise<void> {
  await pool.query(`CREATE TABLE IF NOT EXISTS job_effects (
        queue text NOT NULL, job_id text NOT NULL, attempt int NOT NULL, worker text NOT NULL,
        PRIMARY KEY (queue, job_id))`);
}

/** Record the effect of a job, once. */
export async function recordEffect(pool: DbPool, job: QueueJob, worker: string): Promise<void> {
  await pool.query(
    `INSERT INTO job_effects (queue, job_id, attempt, worker) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
    [job.queue, job.id, job.attempt, worker],
  );
}

/** Effect rows of one job. */
export async function effectsOf(
  pool: DbPool,
  queue: string,
  jobId: string,
): Promise<{ attempt: number; worker: string }[]> {
  const { rows } = await pool.query<{ attempt: number; worker: string }>(
    `SELECT attempt, worker FROM job_effects WHERE queue = $1 AND job_id = $2`,
    [queue, jobId],
  );
  return rows;
}

function uniqueQueueName(label: string): string {
  return `${label}-${randomBytes(4).toString('hex')}`;
}

/**
 * Run the contract.
 *
 * @param t - The test file's root.
 * @param underTest - How to make the adapter's queue.
 * @param databaseUrl - A migrated database for the effects table (and the PostgreSQL queue).
 */
export function runQueueContract(t: Test, underTest: QueueUnderTest, databaseUrl: () => Promise<string>): void {
  let effects: DbPool;
  t.before(async () => {
    effects = createPool({ connectionString: await databaseUrl() });
    await createEffectsTable(effects);
  });
  t.teardown(() => effects?.end());

  t.test('enqueueing the same job id twice runs the job once, with the first data', async (t) => {
    const queue = await underTest.make(t, { maxAttempts: 3 });
    const name = uniqueQueueName('idempotent');
    await queue.enqueue(name, 'capture:42', { version: 1 });
    await queue.enqueue(name, 'capture:42', { version: 2 });
    const seen: QueueJob[] = [];
    queue.process(
      name,
      async (job) => {
        seen.push(job);
      },
      { concurrency: 2 },
    );
    await waitFor('the job to complete', async () => (await queue.getJob(name, 'capture:42'))?.state === 'completed');
    await queue.enqueue(name, 'capture:42', { version: 3 }); // after completion: still a no-op
    await waitFor('the queue to be idle', async () => (await queue.depth(name)).waiting === 0);
    t.equal(seen.length, 1, 'one run');
    t.same(seen[0]?.data, { version: 1 });
    t.equal(seen[0]?.id, 'capture:42', 'the handler sees the idempotency key as the job id');
    t.match(await queue.getJob(name, 'capture:42'), { state: 'completed', attempts: 1 });
  });

  t.test('a failing job is retried with backoff and then succeeds', async (t) => {
    const queue = await underTest.make(t, { maxAttempts: 5 });
    const name = uniqueQueueName('retry');
    const attempts: number[] = [];
    queue.process(
      name,
      async (job) => {
        attempts.push(job.attempt);
        if (job.attempt < 3) throw new Error(`peer unavailable (attempt ${job.attempt})`);
        await recordEffect(effects, job, 'parent');
      },
      { concurrency: 1 },
    );
    await queue.enqueue(name, 'job-1', { n: 1 });
    await waitFor('the job to complete', async () => (await queue.getJob(name, 'job-1'))?.state === 'completed');
    t.same(attempts, [1, 2, 3], 'two failures, then success on the third attempt');
    t.match(await queue.getJob(name, 'job-1'), { state: 'completed', attempts: 3 });
    t.equal((await effectsOf(effects, name, 'job-1')).length, 1);
  });

  t.test('a permanent failure parks the job at once with its reason', async (t) => {
    const queue = await underTest.make(t, { maxAttempts: 5 });
    const name = uniqueQueueName('permanent');
    let runs = 0;
    queue.process(
      name,
      async () => {
        runs++;
        throw new PermanentJobError('capture refers to unknown location urn:epc:id:sgln:0614141.00001.0');
      },
      { concurrency: 1 },
    );
    await queue.enqueue(name, 'job-p', {});
    const parked = await waitFor('the job to be parked', async () => {
      const status = await queue.getJob(name, 'job-p');
      return status?.state === 'parked' ? status : undefined;
    });
    t.equal(runs, 1, 'not retried');
    t.equal(parked.attempts, 1);
    t.match(parked.reason, /unknown location/);
    t.match(await queue.depth(name), { parked: 1, waiting: 0, active: 0 });
  });

  t.test('a job that keeps failing is parked once its attempts are used up', async (t) => {
    const queue = await underTest.make(t, { maxAttempts: 3 });
    const name = uniqueQueueName('exhausted');
    let runs = 0;
    queue.process(
      name,
      async () => {
        runs++;
        throw new Error('ledger timed out');
      },
      { concurrency: 1 },
    );
    await queue.enqueue(name, 'job-x', {});
    const parked = await waitFor('the job to be parked', async () => {
      const status = await queue.getJob(name, 'job-x');
      return status?.state === 'parked' ? status : undefined;
    });
    t.equal(runs, 3, 'bounded: exactly maxAttempts runs');
    t.equal(parked.attempts, 3);
    t.match(parked.reason, /ledger timed out/);
  });

  t.test('a job that waits (RetryLaterError) runs again and again without using its attempts', async (t) => {
    // maxAttempts 2, but 6 waits: an outage of any length must not park the job.
    const queue = await underTest.make(t, { maxAttempts: 2 });
    const name = uniqueQueueName('waits');
    const seen: { attempt: number; lastAttempt: boolean; data: unknown }[] = [];
    queue.process(
      name,
      async (job) => {
        seen.push({ attempt: job.attempt, lastAttempt: job.lastAttempt, data: job.data });
        if (seen.length <= 6) throw new RetryLaterError(`ledger unavailable (wait ${seen.length})`, 20);
        await recordEffect(effects, job, 'parent');
      },
      { concurrency: 1 },
    );
    await queue.enqueue(name, 'job-w', { capture: 'c-1' });
    await waitFor('the job to complete', async () => (await queue.getJob(name, 'job-w'))?.state === 'completed');
    t.equal(seen.length, 7, 'six waits, then the run that succeeds');
    t.same(
      seen.map((s) => s.attempt),
      [1, 1, 1, 1, 1, 1, 1],
      'every run after a wait is still attempt 1',
    );
    t.ok(
      seen.every((s) => !s.lastAttempt),
      'no run was the last attempt',
    );
    t.ok(
      seen.every((s) => JSON.stringify(s.data) === JSON.stringify({ capture: 'c-1' })),
      'the handler sees the data as enqueued',
    );
    t.match(await queue.getJob(name, 'job-w'), { state: 'completed', attempts: 1 });
    t.equal((await effectsOf(effects, name, 'job-w')).length, 1);
  });

  t.test('lastAttempt tells the handler that a failure now parks the job', async (t) => {
    const queue = await underTest.make(t, { maxAttempts: 2 });
    const name = uniqueQueueName('last');
    const seen: [number, boolean][] = [];
    queue.process(
      name,
      async (job) => {
        seen.push([job.attempt, job.lastAttempt]);
        throw new Error('boom');
      },
      { concurrency: 1 },
    );
    await queue.enqueue(name, 'job-l', {});
    await waitFor('the job to be parked', async () => (await queue.getJob(name, 'job-l'))?.state === 'parked');
    t.same(seen, [
      [1, false],
      [2, true],
    ]);
  });

  t.test('revive puts a parked job back to waiting with fresh attempts; other states are left alone', async (t) => {
    const queue = await underTest.make(t, { maxAttempts: 3 });
    const name = uniqueQueueName('revive');
    let fixed = false;
    const attempts: number[] = [];
    queue.process(
      name,
      async (job) => {
        attempts.push(job.attempt);
        if (!fixed) throw new PermanentJobError('LEDGER_IDENTITY_MISSING: no identity for EnterpriseMSP');
        await recordEffect(effects, job, 'parent');
      },
      { concurrency: 1 },
    );
    t.equal(await queue.revive(name, 'job-r'), false, 'an unknown job is not revived');
    await queue.enqueue(name, 'job-r', {});
    const parked = await waitFor('the job to be parked', async () => {
      const status = await queue.getJob(name, 'job-r');
      return status?.state === 'parked' ? status : undefined;
    });
    t.match(parked.reason, /LEDGER_IDENTITY_MISSING/);
    fixed = true;
    t.equal(await queue.revive(name, 'job-r'), true, 'the parked job is revived');
    await waitFor('the job to complete', async () => (await queue.getJob(name, 'job-r'))?.state === 'completed');
    t.same(attempts, [1, 1], 'the revived run starts again at attempt 1');
    t.equal(await queue.revive(name, 'job-r'), false, 'a completed job is not revived');
    t.equal((await effectsOf(effects, name, 'job-r')).length, 1);
  });

  t.test('a worker killed mid-job: the job runs again and its effect happens exactly once', async (t) => {
    const name = uniqueQueueName('killed');
    const jobId = 'capture:killed-1';
    const producer = await underTest.make(t, { maxAttempts: 5 });
    await producer.enqueue(name, jobId, { items: 3 });

    // A child process takes the job, writes its effect, and hangs before acknowledging; then it is SIGKILLed.
    const child = spawn(
      process.execPath,
      [...process.execArgv, join(__dirname, '..', 'fixtures', 'queue-worker-child.ts')],
      {
        env: { ...process.env, ...underTest.childEnv(), QUEUE_NAME: name, EFFECTS_DATABASE_URL: await databaseUrl() },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    t.teardown(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await waitFor('the child to write its effect', () => stdout.includes(`EFFECT ${jobId}`));
    child.kill('SIGKILL');
    await exited;
    t.same(
      await effectsOf(effects, name, jobId),
      [{ attempt: 1, worker: 'child' }],
      'the first attempt had its effect',
    );
    t.not((await producer.getJob(name, jobId))?.state, 'completed', 'but never acknowledged');

    // A surviving worker picks the job up once the dead worker's lock/lease expires.
    const handled: QueueJob[] = [];
    producer.process(
      name,
      async (job) => {
        handled.push(job);
        await recordEffect(effects, job, 'parent');
      },
      { concurrency: 1 },
    );
    await waitFor('the job to complete', async () => (await producer.getJob(name, jobId))?.state === 'completed');
    t.equal(handled.length, 1, 'run again once');
    t.equal(handled[0]?.attempt, 2, 'as attempt 2');
    t.same(await effectsOf(effects, name, jobId), [{ attempt: 1, worker: 'child' }], 'no duplicate effect');
    t.match(await producer.getJob(name, jobId), { state: 'completed', attempts: 2 });
  });
}
