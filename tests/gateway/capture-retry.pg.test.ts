// Proves the capture job's failure policy (issue 12, "nothing accepted is ever dropped"), through the HTTP API on a
// real PostgreSQL and its queue, with a ledger whose outage and identities the test controls:
// - an outage longer than the queue's attempts: the capture waits (no attempt used), says what it waits for, probes
//   the ledger before submitting again, and commits by itself when the ledger is back;
// - a cause no retry can fix (no ledger identity for the sender's organisation): parked at once with the cause named;
//   after the fix, POST /v1/capture/{id}/retry commits it; a finished capture cannot be retried;
// - a restart resumes every unfinished capture (a lost enqueue, a parked job); the periodic sweep revives a job the
//   queue parked by itself but leaves the capture job's own parks to an operator.
import t, { type Test } from 'tap';
import { LedgerError } from '../../gateway/src/adapters/fabric/errors';
import {
  CAPTURE_QUEUE,
  newCaptureJobHandler,
  resumeUnfinishedCaptures,
  type CaptureJob,
} from '../../gateway/src/capture/processor';
import { newProblem } from '../../gateway/src/errors';
import type { LedgerClients } from '../../gateway/src/ports';
import { entryEvent, epcisDocument } from '../../testkit/src/epcis';
import { ENTERPRISES, product } from '../../testkit/src/trace';
import { bearer, buildTestApp, type TestApp } from './helpers/app';
import { waitFor } from './helpers/wait';

const { importer, operator } = ENTERPRISES;
const SOAP = product(601);

/** A ledger the test switches: down or up, and which organisations it holds identities for. */
function newSwitchableLedger() {
  const state = {
    down: false,
    identities: new Set(['CustomsMSP', 'OperatorMSP', 'EnterpriseMSP']),
    submits: 0,
    pings: 0,
    txs: 0,
  };
  const unavailable = () =>
    new LedgerError({
      code: 'LEDGER_UNAVAILABLE',
      kind: 'transient',
      retryable: true,
      message: 'ledger unavailable: 14 UNAVAILABLE: No connection established',
    });
  const ledgers: LedgerClients = {
    forCaller(caller) {
      if (!state.identities.has(caller.mspId)) {
        throw newProblem('LEDGER_IDENTITY_MISSING', `this gateway holds no Fabric identity for MSP ${caller.mspId}`);
      }
      return {
        async evaluate() {
          return undefined;
        },
        async submit<T>() {
          state.submits += 1;
          if (state.down) throw unavailable();
          state.txs += 1;
          return { txId: `tx${state.txs}` } as T;
        },
      };
    },
    async ping() {
      state.pings += 1;
      if (state.down) throw unavailable();
    },
    close() {},
  };
  return { state, ledgers };
}

interface Status {
  state: string;
  outcome: string;
  parkReason?: string;
  waiting?: { reason: string; since: string; waits: number; retryAt: string | null };
}

async function setUp(t: Test) {
  const { state, ledgers } = newSwitchableLedger();
  const built: TestApp = await buildTestApp(t, { ledgers });
  const captures = built.app.repositories.captures;
  const newKey = async (id: string, role: 'enterprise' | 'operator', mspId: string) => {
    const created = await built.app.inject({
      method: 'POST',
      url: '/v1/enterprises',
      headers: bearer(built.customsKey),
      payload: { id, name: id, roles: [role], mspId },
    });
    t.equal(created.statusCode, 201, created.body);
    return (
      await built.app.inject({
        method: 'POST',
        url: `/v1/enterprises/${id}/keys`,
        headers: bearer(built.customsKey),
        payload: { role, label: 'test' },
      })
    ).json().key as string;
  };
  const importerKey = await newKey(importer.id, 'enterprise', importer.mspId);
  const operatorKey = await newKey(operator.id, 'operator', operator.mspId);
  const status = async (location: string, key = importerKey): Promise<Status> =>
    (await built.app.inject({ method: 'GET', url: location, headers: bearer(key) })).json() as Status;
  /** Post a document (the route enqueues its job). */
  const post = async (declarationNo: string): Promise<{ id: string; location: string }> => {
    const items = Array.from({ length: 3 }, (_, i) => SOAP.sgtin(`${declarationNo}-${i}`));
    const res = await built.app.inject({
      method: 'POST',
      url: '/v1/capture',
      headers: bearer(importerKey),
      payload: epcisDocument([entryEvent({ items, declarationNo, location: 1 })]),
    });
    t.equal(res.statusCode, 202, res.body);
    const { captureId } = res.json() as { captureId: string };
    return { id: captureId, location: res.headers.location as string };
  };
  /** Start the capture worker, as the server does. */
  const work = () =>
    built.jobQueue.process<CaptureJob>(CAPTURE_QUEUE, newCaptureJobHandler({ captures, ledgers }), { concurrency: 2 });
  return { state, built, captures, importerKey, operatorKey, status, post, work };
}

t.test(
  'an outage longer than the attempts: the capture waits, says why, probes the ledger, commits when it is back',
  async (t) => {
    const { state, built, status, post, work } = await setUp(t);
    state.down = true;
    const { id, location } = await post('OUT-1');
    // A job of 2 attempts: an outage outlasts them within seconds.
    await built.db.query(`UPDATE queue_jobs SET max_attempts = 2 WHERE id = $1`, [id]);
    work();
    const waiting = await waitFor(
      'three waits',
      async () => {
        const s = await status(location);
        if (s.state === 'parked') throw new Error(`parked: ${s.parkReason}`);
        return (s.waiting?.waits ?? 0) >= 3 ? s : undefined;
      },
      300,
      100,
    );
    t.not(waiting.state, 'parked', 'more waits than the queue has attempts, and not parked');
    t.match(waiting.waiting, { reason: /LEDGER_UNAVAILABLE/, waits: Number });
    t.ok(waiting.waiting!.retryAt, 'says when it tries again');
    t.equal(
      state.submits,
      1,
      'after the first failure, nothing is submitted while the ledger does not answer its probe',
    );
    t.ok(state.pings >= 2, 'each wait after the first probes the ledger');
    const job = await built.jobQueue.getJob(CAPTURE_QUEUE, id);
    t.ok(job && job.attempts <= 1, `the waits used no attempt (attempts ${job?.attempts})`);

    state.down = false;
    const done = await waitFor(
      'the capture to commit',
      async () => {
        const s = await status(location);
        return s.state === 'done' ? s : undefined;
      },
      300,
      100,
    );
    t.equal(done.outcome, 'committed');
    t.equal(done.waiting, undefined, 'no longer waiting');
  },
);

t.test('a missing ledger identity parks the capture at once, named; a retry after the fix commits it', async (t) => {
  const { state, built, status, post, operatorKey, importerKey, work } = await setUp(t);
  work();
  state.identities.delete('EnterpriseMSP');
  const { id, location } = await post('IDM-1');
  const parked = await waitFor(
    'the capture to be parked',
    async () => {
      const s = await status(location);
      return s.state === 'parked' ? s : undefined;
    },
    300,
    100,
  );
  t.match(parked.parkReason, /^LEDGER_IDENTITY_MISSING: .*EnterpriseMSP/, 'the cause is named');
  t.equal((await built.jobQueue.getJob(CAPTURE_QUEUE, id))?.attempts, 1, 'parked at once, not after its attempts');

  const foreign = await built.app.inject({ method: 'POST', url: `${location}/retry`, headers: bearer(operatorKey) });
  t.equal(foreign.statusCode, 403, 'another enterprise cannot retry it');

  state.identities.add('EnterpriseMSP'); // the fix
  const retried = await built.app.inject({ method: 'POST', url: `${location}/retry`, headers: bearer(importerKey) });
  t.equal(retried.statusCode, 202, retried.body);
  t.same(retried.json(), { id, retried: true, status: location });
  const done = await waitFor(
    'the capture to commit',
    async () => {
      const s = await status(location);
      return s.state === 'done' ? s : undefined;
    },
    300,
    100,
  );
  t.equal(done.outcome, 'committed');
  t.equal(done.parkReason, undefined, 'the park reason is gone');

  const again = await built.app.inject({ method: 'POST', url: `${location}/retry`, headers: bearer(built.customsKey) });
  t.equal(again.statusCode, 409);
  t.equal(again.json().code, 'CAPTURE_FINISHED');
  const unknown = await built.app.inject({
    method: 'POST',
    url: '/v1/capture/00000000-0000-8000-8000-000000000000/retry',
    headers: bearer(built.customsKey),
  });
  t.equal(unknown.statusCode, 404);
});

t.test("a restart resumes every unfinished capture; the periodic sweep leaves the job's own parks alone", async (t) => {
  const { state, built, captures, status, post, work } = await setUp(t);
  // No worker yet: this test puts the jobs in the states a crash leaves, then resumes them.
  const db = built.db;
  const lost = await post('RS-LOST');
  const parked = await post('RS-PARKED');
  const machinery = await post('RS-STALLED');
  // 1. An enqueue lost in a crash: the capture is stored, its job is not.
  await db.query(`DELETE FROM queue_jobs WHERE id = $1`, [lost.id]);
  // 2. Parked by the capture job (identity missing then), fixed since.
  await db.query(`UPDATE queue_jobs SET state = 'parked', last_error = 'LEDGER_IDENTITY_MISSING: ...' WHERE id = $1`, [
    parked.id,
  ]);
  await captures.setState(
    parked.id,
    'parked',
    'LEDGER_IDENTITY_MISSING: this gateway holds no Fabric identity for MSP EnterpriseMSP',
  );
  // 3. Parked by the queue itself (a worker lost on its last attempt), the capture still "processing" and stale.
  await db.query(
    `UPDATE queue_jobs SET state = 'parked', last_error = 'worker lost during attempt 5 (lease expired); attempts used up' WHERE id = $1`,
    [machinery.id],
  );
  await db.query(`UPDATE captures SET state = 'processing', updated_at = now() - interval '10 minutes' WHERE id = $1`, [
    machinery.id,
  ]);

  const stale = await resumeUnfinishedCaptures(captures, built.jobQueue, { mode: 'stale', staleMs: 60_000 });
  t.same(
    stale,
    { seen: 3, enqueued: 0, revived: 1 },
    'the periodic sweep revives only the job the queue parked by itself',
  );
  t.equal(
    (await built.jobQueue.getJob(CAPTURE_QUEUE, parked.id))?.state,
    'parked',
    "the capture job's own park waits for an operator",
  );

  const restart = await resumeUnfinishedCaptures(captures, built.jobQueue, { mode: 'restart' });
  t.same(restart, { seen: 3, enqueued: 1, revived: 1 }, 'a restart enqueues the lost one and revives the parked one');

  // The jobs now run, as after a restart.
  work();
  for (const c of [lost, parked, machinery]) {
    const s = await waitFor(
      `capture ${c.id} to commit`,
      async () => {
        const st = await status(c.location);
        return st.state === 'done' ? st : undefined;
      },
      300,
      100,
    );
    t.equal(s.outcome, 'committed');
  }
  t.equal(state.txs, 3, 'each capture committed once');
});
