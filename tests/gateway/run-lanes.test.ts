// Proves the gateway's submission lanes (gateway/src/ledger/run-lanes.ts) keep submissions creating into one run one
// after another, in arrival order, while other runs go side by side; that submissions naming several runs never wait
// for each other in a cycle; that a full lane refuses at once with the retryable LEDGER_CONFLICT a read conflict
// gets (503); that a failed submission frees its lanes; and which steps take lanes (the ledger model's rule).
// How: RunLanes on promises the test settles by hand; ledger-clients' use of it is proven on the dev peer
// (entries-one-run.fabric.pg.test.ts).
import t from 'tap';
import { createsIntoRuns, runKeysCreatedBy } from '@hainan/ledger-model';
import { LedgerError } from '../../gateway/src/ledger/ledger-error-type';
import { LANE_WAITERS_MAX, RunLanes } from '../../gateway/src/ledger/run-lanes';
import { problemFromLedgerError } from '../../gateway/src/ledger-error';

/** A submission the test finishes by hand, logging when it starts. */
function gate(log: string[], name: string) {
  let finish!: (ok: boolean) => void;
  const done = new Promise<boolean>((resolve) => {
    finish = resolve;
  });
  const fn = async () => {
    log.push(`start ${name}`);
    if (!(await done)) throw new Error(`${name} failed`);
    log.push(`end ${name}`);
    return name;
  };
  return { fn, finish };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

t.test('one key: submissions run one at a time, in arrival order', async (t) => {
  const lanes = new RunLanes();
  const log: string[] = [];
  const gates = ['a', 'b', 'c'].map((n) => gate(log, n));
  const results = gates.map((g) => lanes.run(['irun:1.2:d0'], g.fn));
  await settle();
  t.same(log, ['start a'], 'only the first runs');
  gates[1]!.finish(true); // finishing a later one early changes nothing: it has not started
  gates[0]!.finish(true);
  await settle();
  t.same(log, ['start a', 'end a', 'start b', 'end b', 'start c'], 'then b, which was already done, then c');
  gates[2]!.finish(true);
  t.same(await Promise.all(results), ['a', 'b', 'c'], "each gets its own submission's result");
  t.equal(lanes.size, 0, 'an idle lane is forgotten');
});

t.test('different keys run side by side; no keys run at once', async (t) => {
  const lanes = new RunLanes();
  const log: string[] = [];
  const a = gate(log, 'a');
  const b = gate(log, 'b');
  const c = gate(log, 'c');
  const results = [lanes.run(['irun:1.2:d0'], a.fn), lanes.run(['irun:1.2:d1'], b.fn), lanes.run([], c.fn)];
  await settle();
  t.same([...log].sort(), ['start a', 'start b', 'start c'], 'all three started before any finished');
  for (const g of [c, b, a]) g.finish(true);
  t.same(await Promise.all(results), ['a', 'b', 'c']);
  t.equal(lanes.size, 0);
});

t.test('several keys each: taken in one step, so no two submissions wait for each other', async (t) => {
  const lanes = new RunLanes();
  const log: string[] = [];
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => gate(log, n)) as [
    ReturnType<typeof gate>,
    ReturnType<typeof gate>,
    ReturnType<typeof gate>,
    ReturnType<typeof gate>,
  ];
  const results = [
    lanes.run(['x', 'y'], a.fn),
    // The keys in the other order, and named twice: a lock-per-key-in-given-order would deadlock with a and c.
    lanes.run(['y', 'x', 'y'], b.fn),
    lanes.run(['z', 'y'], c.fn),
    lanes.run(['z'], d.fn),
  ];
  await settle();
  t.same(log, ['start a'], 'a holds x and y; b and c wait on y; d waits on z behind c, which arrived first');
  a.finish(true);
  await settle();
  t.same(log.slice(1), ['end a', 'start b'], 'b is next on x and y');
  b.finish(true);
  await settle();
  t.same(log.slice(3), ['end b', 'start c']);
  c.finish(true);
  await settle();
  t.same(log.slice(5), ['end c', 'start d']);
  d.finish(true);
  t.same(await Promise.all(results), ['a', 'b', 'c', 'd'], 'all four done');
  t.equal(lanes.size, 0, 'no lane left behind');
});

t.test(`waiter number ${LANE_WAITERS_MAX + 1} of a lane is refused at once with LEDGER_CONFLICT`, async (t) => {
  const lanes = new RunLanes();
  const log: string[] = [];
  const running = gate(log, 'running');
  const first = lanes.run(['k'], running.fn);
  const waiting = Array.from({ length: LANE_WAITERS_MAX }, (_, i) => lanes.run(['k'], async () => i));
  let ran = false;
  const refused = await lanes
    .run(['other', 'k'], async () => {
      ran = true;
    })
    .then(
      () => undefined,
      (err: unknown) => err,
    );
  t.ok(refused instanceof LedgerError, 'a LedgerError, as the adapter throws for a read conflict');
  t.match(refused, { code: 'LEDGER_CONFLICT', kind: 'conflict', retryable: true });
  const problem = problemFromLedgerError(refused as LedgerError);
  t.equal(problem.statusCode, 503, 'answered 503');
  t.match(problem, { code: 'LEDGER_CONFLICT', headers: { 'retry-after': '2' } }, 'with Retry-After, like a conflict');
  t.notOk(ran, 'the refused submission never ran');
  t.equal(lanes.size, 1, 'and joined no lane (not even its other key)');
  running.finish(true);
  t.same(await Promise.all(waiting), [...Array(LANE_WAITERS_MAX).keys()], 'the waiters all ran, in order');
  t.equal(await first, 'running');
  t.equal(lanes.size, 0);
});

t.test('a submission that fails leaves its lanes to the next one', async (t) => {
  const lanes = new RunLanes();
  const log: string[] = [];
  const a = gate(log, 'a');
  const b = gate(log, 'b');
  const failed = lanes.run(['k', 'm'], a.fn);
  const next = lanes.run(['m'], b.fn);
  const throwsAtOnce = lanes.run(['k'], () => {
    throw new Error('synchronous');
  });
  a.finish(false);
  await t.rejects(failed, /a failed/, "the failure is the submission's own");
  await t.rejects(throwsAtOnce, /synchronous/, 'a submission throwing before its promise frees its lane too');
  b.finish(true);
  t.equal(await next, 'b', 'the next one ran');
  t.equal(lanes.size, 0);
});

t.test('the steps that take lanes, and their keys (the ledger model rule)', async (t) => {
  const sgtin = (serial: string) => `urn:epc:id:sgtin:6901234.000101.${serial}`;
  t.ok(createsIntoRuns('goods:Enter') && createsIntoRuns('goods:Process') && createsIntoRuns('goods:Associate'));
  t.notOk(createsIntoRuns('goods:Ship') || createsIntoRuns('query:GetItem') || createsIntoRuns('Enter'));
  t.same(
    runKeysCreatedBy('goods:Enter', {
      items: [sgtin('1203'), sgtin('1299'), sgtin('1300'), sgtin('1203'), 'not an sgtin', sgtin('AB7')],
      traceCodes: { [sgtin('1203')]: '1234567890123456', [sgtin('9999')]: '9999999999999999', other: 'x' },
    }),
    ['irun:6901234.000101:cAB', 'irun:6901234.000101:d12', 'irun:6901234.000101:d13', 'tcrun:12345678901234'],
    "an entry: its items' runs and the runs of the codes it gives them, sorted, each once",
  );
  t.same(
    runKeysCreatedBy('goods:Process', { inputs: [sgtin('100')], outputs: [sgtin('501')] }),
    ['irun:6901234.000101:d5'],
    'processing: its outputs only (its inputs exist already)',
  );
  t.same(
    runKeysCreatedBy('goods:Associate', { pairs: [{ sgtin: sgtin('1'), code: '0000000000000101' }, { code: 7 }] }),
    ['tcrun:00000000000001'],
    "an association: its codes' runs",
  );
  t.same(runKeysCreatedBy('goods:Ship', { items: [sgtin('1')] }), [], 'a move creates nothing');
  t.same(runKeysCreatedBy('goods:Enter', { items: 'x' }), [], 'a malformed request names no run');
  const many = Array.from({ length: 5_000 }, (_, i) => sgtin(String(i * 100)));
  t.equal(runKeysCreatedBy('goods:Enter', { items: many }).length, 1_000, 'bounded by the items a transaction takes');
});
