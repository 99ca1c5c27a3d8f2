// Proves that of several gateway processes on one database exactly one is the projection leader, that another takes
// over within seconds when the leader's connection dies (as when its process is killed with SIGKILL), and that a
// deposed leader that has not noticed yet cannot regress or double-apply the projection checkpoint.
// How: leader elections (cluster/leader.ts) on a private PostgreSQL database; the leader's backend terminated with
// pg_terminate_backend; checkpoint compare-and-set from two transactions.
import t from 'tap';
import { Client } from 'pg';
import { createPool, newCheckpointRepository, withTransaction } from '../../gateway/src/adapters/pg';
import {
  ADVISORY_LOCK_CLASS,
  PROJECTION_LEADER_LOCK,
  newLeaderElection,
  type LeaderElection,
} from '../../gateway/src/cluster/leader';
import { createMigratedDatabase } from './helpers/database';
import { waitFor } from './helpers/wait';

const RETRY_MS = 300;

t.test("one leader at a time; handover when the holder's connection dies", async (t) => {
  const databaseUrl = await createMigratedDatabase(t);
  /** Per election: how many times it was elected and deposed, and whether it runs the leader's work now. */
  const state = new Map<string, { elected: number; deposed: number; working: boolean }>();
  const elections = new Map<string, LeaderElection>();
  for (const name of ['a', 'b', 'c']) {
    state.set(name, { elected: 0, deposed: 0, working: false });
    const election = newLeaderElection({
      databaseUrl,
      retryMs: RETRY_MS,
      onElected: () => {
        const s = state.get(name)!;
        s.elected++;
        s.working = true;
      },
      onDeposed: async () => {
        const s = state.get(name)!;
        s.deposed++;
        s.working = false;
      },
    });
    elections.set(name, election);
    t.teardown(() => election.stop());
  }
  const leaders = () => [...elections.entries()].filter(([, e]) => e.isLeader()).map(([name]) => name);
  const working = () => [...state.entries()].filter(([, s]) => s.working).map(([name]) => name);

  for (const election of elections.values()) election.start();
  const first = (await waitFor('a leader', () => (leaders().length > 0 ? leaders() : undefined)))[0]!;
  // Several attempts of the others later, still exactly one.
  await new Promise((resolve) => setTimeout(resolve, RETRY_MS * 4));
  t.same(leaders(), [first], 'exactly one leader');
  t.same(working(), [first], "only the leader runs the leader's work");

  // The holder's connection dies (its process killed, or cut off): PostgreSQL releases the lock with the session.
  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  t.teardown(() => admin.end());
  const holder = await admin.query<{ pid: number }>(
    // Advisory locks are per database; other databases on the server may have leaders of their own.
    `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND granted
       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [ADVISORY_LOCK_CLASS, PROJECTION_LEADER_LOCK],
  );
  t.equal(holder.rows.length, 1, 'one session holds the lock');
  const killedAt = Date.now();
  await admin.query('SELECT pg_terminate_backend($1)', [holder.rows[0]!.pid]);
  const second = (
    await waitFor('another leader', () => {
      const now = leaders().filter((name) => name !== first);
      return now.length > 0 ? now : undefined;
    })
  )[0]!;
  const tookMs = Date.now() - killedAt;
  t.ok(tookMs < 5_000, `${second} took over ${tookMs} ms after the leader's connection died`);
  await waitFor('the deposed leader to stop its work', () => !state.get(first)!.working);
  t.equal(state.get(first)!.deposed, 1, 'the deposed leader was told');
  await new Promise((resolve) => setTimeout(resolve, RETRY_MS * 4));
  t.same(leaders(), [second], 'still exactly one leader (the deposed one contends again, and waits)');
  t.same(working(), [second], 'and one process does the work');

  // A clean stop hands over too.
  await elections.get(second)!.stop();
  const third = (
    await waitFor('a leader after a clean stop', () => {
      const now = leaders();
      return now.length > 0 ? now : undefined;
    })
  )[0]!;
  t.not(third, second, `${third} leads after ${second} stopped`);
  t.same(working(), [third], "its work runs, the stopped one's does not");
});

t.test(
  'the projection checkpoint is compare-and-set: a stale writer neither regresses nor double-applies',
  async (t) => {
    const pool = createPool({ connectionString: await createMigratedDatabase(t) });
    t.teardown(() => pool.end());
    const repo = newCheckpointRepository(pool);
    const name = 'cas-test';
    t.equal(
      await repo.saveIfAt({ name, blockNumber: 5n, transactionId: 'tx5' }, undefined),
      true,
      'the first checkpoint is created',
    );
    t.equal(
      await repo.saveIfAt({ name, blockNumber: 6n, transactionId: 'tx6' }, undefined),
      false,
      'a second writer that saw no row is refused',
    );
    // Two followers resumed from block 5: the first moves the checkpoint on, the second (deposed) must not.
    t.equal(
      await repo.saveIfAt({ name, blockNumber: 7n, transactionId: 'tx7' }, { blockNumber: 5n, transactionId: 'tx5' }),
      true,
      'the leader moves it on',
    );
    t.equal(
      await repo.saveIfAt({ name, blockNumber: 6n, transactionId: 'tx6' }, { blockNumber: 5n, transactionId: 'tx5' }),
      false,
      'the deposed leader is refused',
    );
    t.same(await repo.get(name), { name, blockNumber: 7n, transactionId: 'tx7' }, 'the checkpoint did not go back');

    // Concurrent: both transactions expect block 7; the second waits on the row lock, then finds it moved.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const firstTx = withTransaction(pool, async (tx) => {
      const ok = await newCheckpointRepository(tx).saveIfAt(
        { name, blockNumber: 8n, transactionId: 'tx8' },
        { blockNumber: 7n, transactionId: 'tx7' },
      );
      await held;
      return ok;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const secondTx = withTransaction(pool, (tx) =>
      newCheckpointRepository(tx).saveIfAt(
        { name, blockNumber: 8n, transactionId: 'tx8-again' },
        { blockNumber: 7n, transactionId: 'tx7' },
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    t.same([await firstTx, await secondTx], [true, false], 'exactly one of two concurrent writers moves it');
    t.same(await repo.get(name), { name, blockNumber: 8n, transactionId: 'tx8' });
  },
);
