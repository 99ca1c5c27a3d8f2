// Proves issue 16 Must 2 for entries with traceability codes: a 1,000-item entry with codes reads one key per run of
// 100 codes (and no `tcode` key), writes each item once plus one key per item run and per code run; a code already
// claimed (by an item on the ledger, or twice in one batch) is refused with ALREADY_EXISTS as before, with and without
// the index; an item is still found by its code; a ledger that held codes before the index looks codes up (and writes
// them) with `tcode` keys until customs:IndexTraceCodeRuns backfilled it, in bounded chunks.
// How: the real goods and customs contracts (and the item loader of every step) on an in-memory world state that
// counts the messages a transaction sends the peer (GetState by key type, PutState, range reads) and commits a
// transaction's writes only when it succeeds.
import t, { type Test } from 'tap';
import { ChaincodeError, ErrorCode, traceCodeRunOf } from '@hainan/ledger-model';
import { CustomsContract } from '../../chaincode/src/contracts/customs-contract';
import { GoodsContract } from '../../chaincode/src/contracts/goods-contract';
import { KeyType } from '../../chaincode/src/ledger/keys';
import { findItem, resolveSgtin } from '../../chaincode/src/ledger/posting';
import type { TraceCodeRunIndexState } from '../../chaincode/src/ledger/trace-code-runs';
import { ENTERPRISES, gln, product } from '../../testkit/src/trace';
import { CountingLedger } from './helpers/counting-ledger';

const goods = new GoodsContract();
const customs = new CustomsContract();
const P = product(920);
const L1 = gln(920);
const importer = { mspId: ENTERPRISES.importer.mspId, enterpriseId: ENTERPRISES.importer.id };
const customsCaller = { mspId: 'CustomsMSP', enterpriseId: null, role: 'customs' };
const range = (from: number, n: number) => Array.from({ length: n }, (_, k) => from + k);
/** The code of serial `s`: consecutive serials carry consecutive codes (one roll of labels). */
const code = (s: number) => String(4_600_000_000_000_000 + s);

/** A ledger with the dev network's enterprises registered; both run indexes complete unless `indexed` is false. */
async function newLedger(indexed = true): Promise<CountingLedger> {
  const ledger = new CountingLedger().seedEnterprises();
  if (indexed) {
    await ledger.run(customsCaller, (ctx) => customs.IndexItemRuns(ctx, '{}'));
    await backfill(ledger);
  }
  return ledger;
}

async function backfill(ledger: CountingLedger): Promise<TraceCodeRunIndexState> {
  const { result } = await ledger.run(customsCaller, (ctx) => customs.IndexTraceCodeRuns(ctx, '{}'));
  return JSON.parse(result) as TraceCodeRunIndexState;
}

/** An entry of serials, each with the code `codeOf(serial)` (none where it gives undefined). */
const enter = (ledger: CountingLedger, serials: readonly number[], codeOf: (s: number) => string | undefined = code) =>
  ledger.run(importer, (ctx) =>
    goods.Enter(
      ctx,
      JSON.stringify({
        declarationNo: 'D-1',
        location: L1,
        regime: 'ZERO_TARIFF',
        product: { gtin: P.gtin, hsCode: '330300', category: 'COSMETICS' },
        unitValueFen: 10_000,
        items: serials.map((s) => P.sgtin(s)),
        traceCodes: Object.fromEntries(serials.flatMap((s) => (codeOf(s) ? [[P.sgtin(s), codeOf(s)]] : []))),
      }),
    ),
  );

/** The item a code names, as every transaction that takes an item id loads it (query:GetItem resolves it alike). */
const byCode = async (ledger: CountingLedger, c: string) =>
  (await ledger.run(customsCaller, (ctx) => findItem(ctx, c))).result;

async function refusal(t: Test, p: Promise<unknown>): Promise<string> {
  try {
    await p;
    t.fail('expected a refusal');
    return '';
  } catch (err) {
    t.ok(err instanceof ChaincodeError, 'a ChaincodeError');
    return (err as ChaincodeError).code;
  }
}

t.test('a 1,000-item entry with codes reads one key per run of codes and writes each run once', async (t) => {
  const ledger = await newLedger();
  const { messages } = await enter(ledger, range(1_000, 1_000));
  t.equal(messages.reads[KeyType.traceCode] ?? 0, 0, 'no per-code read');
  t.equal(messages.reads[KeyType.traceCodeRun], 10, 'codes ...1000..1999 make 10 runs of 100: one read each');
  t.equal(messages.reads[KeyType.item] ?? 0, 0, 'no item key is read');
  t.equal(messages.ranges, 0);
  // Each item's first state, code and all, is kept in its item run (item-runs.ts): no item key is written.
  t.equal(messages.writes, 10 + 10 + 3, 'each item run, each code run, movement and event');
  const reads = Object.values(messages.reads).reduce((a, b) => a + b, 0);
  t.ok(reads <= 10 + 10 + 6, `${reads} reads in all: the runs, the two markers, enterprise, suspension, period`);
  t.ok(!ledger.has(KeyType.traceCode, [code(1_000)]), 'no legacy code key once the index is complete');
  t.same(traceCodeRunOf(code(1_234)), { run: code(1_234).slice(0, 14), digits: '34' }, 'the ledger-model rule');
  t.match(await byCode(ledger, code(1_234)), { sgtin: P.sgtin(1_234), traceCode: code(1_234) }, 'found by its code');
});

t.test('a code already claimed is refused with the code it always had, with and without the index', async (t) => {
  for (const indexed of [true, false]) {
    const mode = indexed ? 'code runs' : 'tcode keys';
    const ledger = await newLedger(indexed);
    await enter(ledger, range(1_000, 150));
    t.match(await byCode(ledger, code(1_149)), { sgtin: P.sgtin(1_149) }, `${mode}: found by its code`);
    const taken = await refusal(
      t,
      enter(ledger, [5_000], () => code(1_100)),
    );
    t.equal(taken, ErrorCode.ALREADY_EXISTS, `${mode}: a code another item carries is refused`);
    const twice = await refusal(
      t,
      enter(ledger, [5_000, 5_001], () => code(9_999)),
    );
    t.equal(twice, ErrorCode.ALREADY_EXISTS, `${mode}: one code for two items of one entry is refused`);
    t.equal(ledger.itemCount(), 150, `${mode}: nothing of a refused entry is written`);
    const associate = (sgtin: string, c: string) =>
      ledger.run(importer, (ctx) => goods.Associate(ctx, JSON.stringify({ pairs: [{ sgtin, code: c }] })));
    await enter(ledger, [6_000, 6_001], () => undefined);
    await associate(P.sgtin(6_000), code(6_000));
    t.match(await byCode(ledger, code(6_000)), { sgtin: P.sgtin(6_000) }, `${mode}: an associated code is found`);
    t.equal(
      await refusal(t, associate(P.sgtin(6_001), code(1_001))),
      ErrorCode.ALREADY_EXISTS,
      `${mode}: associating an entered code with another item is refused`,
    );
    t.equal(
      await refusal(
        t,
        enter(ledger, [7_000], () => code(6_000)),
      ),
      ErrorCode.ALREADY_EXISTS,
      `${mode}: entering with an associated code is refused`,
    );
    const neighbours = await enter(ledger, [1_150, 1_151]);
    t.equal(neighbours.messages.reads[KeyType.traceCode] ?? 0, indexed ? 0 : 2, `${mode}: free neighbours enter`);
  }
});

t.test(
  'a ledger with codes from before the index is backfilled in bounded chunks, then codes are read by run',
  async (t) => {
    const ledger = await newLedger(false);
    await ledger.run(customsCaller, (ctx) => customs.IndexItemRuns(ctx, '{}'));
    for (const s of range(10_000, 1_500)) ledger.seed(KeyType.traceCode, [code(s)], P.sgtin(s));
    const early = await enter(ledger, range(20_000, 100));
    t.equal(early.messages.reads[KeyType.traceCode], 100, 'before the backfill: one read per code, as always');
    t.ok(ledger.has(KeyType.traceCode, [code(20_000)]), 'and the legacy key is written, for the fallback reads');
    t.ok(ledger.has(KeyType.traceCodeRun, [code(20_000).slice(0, 14)]), 'as well as the run');
    t.equal(
      await refusal(
        t,
        enter(ledger, [30_000], () => code(10_007)),
      ),
      ErrorCode.ALREADY_EXISTS,
      'an old code',
    );
    const chunks: TraceCodeRunIndexState[] = [];
    for (let i = 0; i < 10; i++) {
      const state = await backfill(ledger);
      chunks.push(state);
      if (state.complete) break;
    }
    t.same(
      chunks.map((c) => [c.complete, c.indexed]),
      [
        [false, 1_000],
        [true, 1_600],
      ],
      'chunks of 1,000 codes; the one that reaches the last code marks the index complete',
    );
    t.equal(
      await refusal(
        t,
        enter(ledger, [30_000], () => code(10_007)),
      ),
      ErrorCode.ALREADY_EXISTS,
      'old, by run',
    );
    t.equal(
      await refusal(
        t,
        enter(ledger, [30_000], () => code(20_050)),
      ),
      ErrorCode.ALREADY_EXISTS,
      'new, by run',
    );
    const after = await enter(ledger, range(30_000, 100));
    t.equal(after.messages.reads[KeyType.traceCode] ?? 0, 0, 'after the backfill no code key is read');
    t.notOk(ledger.has(KeyType.traceCode, [code(30_000)]), 'nor written');
    const old = await ledger.run(customsCaller, (ctx) => resolveSgtin(ctx, code(10_007)));
    t.equal(old.result, P.sgtin(10_007), 'an old code resolves through its run');
    t.equal(old.messages.reads[KeyType.traceCode] ?? 0, 0, 'not through its code key');
    t.equal((await backfill(ledger)).indexed, 1_600, 'a complete index stays as it is');
  },
);

t.test('registering an enterprise completes the code index of a ledger without codes, and only of one', async (t) => {
  const register = (ledger: CountingLedger) =>
    ledger.run(customsCaller, (ctx) =>
      customs.RegisterEnterprise(
        ctx,
        JSON.stringify({ id: '91460000MA5T00001X', name: 'X', mspId: 'EnterpriseMSP', roles: ['importer'] }),
      ),
    );
  const marker = (ledger: CountingLedger) =>
    ledger.run(customsCaller, (ctx) => ctx.store.get<TraceCodeRunIndexState>(KeyType.traceCodeRunIndex, []));
  const fresh = await newLedger(false);
  await register(fresh);
  t.equal((await marker(fresh)).result?.complete, true);
  const old = await newLedger(false);
  old.seed(KeyType.traceCode, [code(1)], P.sgtin(1));
  await register(old);
  t.equal((await marker(old)).result, undefined, 'a ledger with codes waits for its backfill');
  t.equal(
    await refusal(
      t,
      enter(old, [2], () => code(1)),
    ),
    ErrorCode.ALREADY_EXISTS,
  );
});
