// Proves issue 16 Must 2 for first-line entry: a 1,000-item entry learns that its items are new with one read per run
// of serials and no read of any item key, writes no item key (their first states go into their runs), and still refuses an item already on the ledger (entered
// or created by processing) with ALREADY_EXISTS and an item named twice with INVALID_ARGUMENT, as before the index;
// a ledger that held items before the index falls back to point reads until customs:IndexItemRuns backfilled it.
// How: the real goods and customs contracts called on an in-memory world state that counts the messages a transaction
// sends the peer (GetState by key type, PutState, range reads) and commits a transaction's writes only when it succeeds.
import t, { type Test } from 'tap';
import { ChaincodeError, ErrorCode } from '@hainan/ledger-model';
import { CustomsContract } from '../../chaincode/src/contracts/customs-contract';
import { GoodsContract } from '../../chaincode/src/contracts/goods-contract';
import { ITEM_RUN_BACKFILL_MAX, runOf, type ItemRunIndexState } from '../../chaincode/src/ledger/item-runs';
import { KeyType } from '../../chaincode/src/ledger/keys';
import type { TraceContext } from '../../chaincode/src/ledger/trace-context';
import { ENTERPRISES, entryRequest, gln, product } from '../../testkit/src/trace';
import { CountingLedger } from './helpers/counting-ledger';

const goods = new GoodsContract();
const customs = new CustomsContract();
const P = product(900);
const OUT = product(901);
const L1 = gln(900);
type Caller = { mspId: string; enterpriseId: string };
const importer: Caller = { mspId: ENTERPRISES.importer.mspId, enterpriseId: ENTERPRISES.importer.id };
const processor: Caller = { mspId: ENTERPRISES.processor.mspId, enterpriseId: ENTERPRISES.processor.id };
const customsCaller = { mspId: 'CustomsMSP', enterpriseId: null, role: 'customs' };
const range = (from: number, n: number) => Array.from({ length: n }, (_, k) => from + k);

/** A ledger with the dev network's enterprises registered; the run index completed unless `indexed` is false. */
async function newLedger(indexed = true): Promise<CountingLedger> {
  const ledger = new CountingLedger().seedEnterprises();
  if (indexed) await backfill(ledger);
  return ledger;
}

async function backfill(ledger: CountingLedger): Promise<ItemRunIndexState> {
  const { result } = await ledger.run(customsCaller, (ctx) => customs.IndexItemRuns(ctx, '{}'));
  return JSON.parse(result) as ItemRunIndexState;
}

function enterRequest(serials: readonly (number | string)[], declarationNo = 'D-1'): string {
  return JSON.stringify(entryRequest(P, L1, serials, declarationNo));
}

const enter = (ledger: CountingLedger, serials: readonly (number | string)[], caller = importer) =>
  ledger.run(caller, (ctx: TraceContext) => goods.Enter(ctx, enterRequest(serials)));

/** The stable code a transaction was refused with (fails the test when it was not refused). */
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

t.test('a 1,000-item entry reads and writes one key per run of serials and no item key', async (t) => {
  const ledger = await newLedger();
  const { messages } = await enter(ledger, range(1_000, 1_000));
  t.equal(messages.reads[KeyType.item] ?? 0, 0, 'no item key is read');
  t.equal(messages.reads[KeyType.itemRun], 10, 'serials 1000..1999 make 10 runs of 100: one read each');
  t.equal(messages.ranges, 0, 'no range read either');
  t.equal(messages.writes, 10 + 3, 'each run once (with its items first states), the movement and the event (2 keys)');
  const reads = Object.values(messages.reads).reduce((a, b) => a + b, 0);
  t.ok(
    reads <= 10 + 5,
    `${reads} reads in all: the runs, the index marker, the enterprise, its suspension, the period`,
  );
  t.equal(ledger.itemCount(), 1_000);

  const before = await newLedger(false);
  const { messages: old } = await enter(before, range(1_000, 1_000));
  t.equal(old.reads[KeyType.item], 1_000, 'a ledger not yet backfilled reads every item, as entry always did');
});

t.test('an item already on the ledger or named twice is refused with the code it always had', async (t) => {
  for (const indexed of [true, false]) {
    const mode = indexed ? 'run index' : 'point reads';
    const ledger = await newLedger(indexed);
    await enter(ledger, range(1_000, 150));
    const again = await refusal(t, enter(ledger, [2_000, 1_149]));
    t.equal(again, ErrorCode.ALREADY_EXISTS, `${mode}: an item entered before is refused`);
    t.equal(await refusal(t, enter(ledger, [2_000, 2_000])), ErrorCode.INVALID_ARGUMENT, `${mode}: twice in a batch`);
    t.equal(ledger.itemCount(), 150, `${mode}: nothing of a refused entry is written`);
    const fresh = await enter(ledger, [1_150, 2_000]);
    t.equal(fresh.messages.reads[KeyType.item] ?? 0, indexed ? 0 : 2, `${mode}: neighbours of entered items enter`);
  }
});

t.test('items created by processing are on the runs: entering one is refused, and so is making it again', async (t) => {
  const ledger = await newLedger();
  await enter(ledger, [1, 2], processor);
  const processing = (id: string, input: string, outputs: string[]) =>
    ledger.run(processor, (ctx) =>
      goods.Process(
        ctx,
        JSON.stringify({
          processingId: id,
          location: L1,
          inputs: [input],
          outputs,
          outputProduct: { gtin: OUT.gtin, hsCode: '330300', category: 'COSMETICS' },
          outputUnitValueFen: 20_000,
        }),
      ),
    );
  const made = await processing('P-1', P.sgtin(1), [OUT.sgtin(7), OUT.sgtin(8)]);
  t.equal(made.messages.reads[KeyType.item], 1, 'processing reads its input; its outputs are checked on their run');
  t.ok(ledger.has(KeyType.itemRun, [runOf(OUT.sgtin(7)).cls, runOf(OUT.sgtin(7)).run]), 'the outputs run is written');
  const entered = ledger.run(importer, (ctx) =>
    goods.Enter(
      ctx,
      JSON.stringify({
        declarationNo: 'D-2',
        location: L1,
        regime: 'ZERO_TARIFF',
        product: { gtin: OUT.gtin, hsCode: '330300', category: 'COSMETICS' },
        unitValueFen: 10_000,
        items: [OUT.sgtin(9), OUT.sgtin(8)],
      }),
    ),
  );
  t.equal(await refusal(t, entered), ErrorCode.ALREADY_EXISTS, 'an entry of a processing output is refused');
  t.equal(
    await refusal(t, processing('P-2', P.sgtin(2), [OUT.sgtin(7)])),
    ErrorCode.ALREADY_EXISTS,
    'so is making it again',
  );
});

t.test('a run key lists at most 100 serials: neighbouring numbers share one, other serials split by character', (t) => {
  t.same(runOf(P.sgtin(1_234)), { cls: '6901234.000900', run: 'd12', serial: '1234' });
  t.equal(runOf(P.sgtin(1_299)).run, 'd12', '1200..1299 share a run');
  t.equal(runOf(P.sgtin(1_300)).run, 'd13');
  t.equal(runOf(P.sgtin('AB7')).run, 'cAB', 'a serial not ending in two digits drops one character (<= 94 per run)');
  t.equal(runOf(P.sgtin('7')).run, 'c', 'a one-character serial');
  t.not(runOf(P.sgtin('A12')).run, runOf(P.sgtin('A1')).run, 'the two kinds of run never share a key');
  t.end();
});

t.test(
  'a ledger with items from before the index is backfilled in bounded chunks, then entry reads runs',
  async (t) => {
    const ledger = await newLedger(false);
    const old = range(10_000, 2_500);
    for (const s of old) ledger.seed(KeyType.item, [P.sgtin(s)], { sgtin: P.sgtin(s), status: 'IN_STOCK' });
    // An entry before the backfill: point reads, and its items join their runs at once.
    const early = await enter(ledger, range(20_000, 100));
    t.equal(early.messages.reads[KeyType.item], 100);
    t.equal(await refusal(t, enter(ledger, [30_000, 10_007])), ErrorCode.ALREADY_EXISTS, 'an old item is refused');
    const chunks: ItemRunIndexState[] = [];
    for (let i = 0; i < 10; i++) {
      const state = await backfill(ledger);
      chunks.push(state);
      if (state.complete) break;
    }
    t.same(
      chunks.map((c) => [c.complete, c.indexed]),
      [
        [false, ITEM_RUN_BACKFILL_MAX],
        [false, 2 * ITEM_RUN_BACKFILL_MAX],
        [true, 2_500],
      ],
      'chunks of 1,000 items; the one that reaches the last item key marks the index complete',
    );
    t.equal(await refusal(t, enter(ledger, [30_000, 10_007])), ErrorCode.ALREADY_EXISTS, 'an old item, by its run');
    t.equal(await refusal(t, enter(ledger, [30_000, 20_050])), ErrorCode.ALREADY_EXISTS, 'an item entered before');
    const after = await enter(ledger, range(30_000, 100));
    t.equal(after.messages.reads[KeyType.item] ?? 0, 0, 'after the backfill an entry reads no item key');
    t.equal((await backfill(ledger)).indexed, 2_500, 'a complete index stays as it is');
    // The early entry's items are in their runs, first states and all: they have no item key to index.
    t.equal(chunks.at(-1)!.after, P.sgtin(12_499), 'the cursor is the last item key');
  },
);

t.test(
  'registering an enterprise completes the index of a ledger with no items, and only of such a ledger',
  async (t) => {
    const register = (ledger: CountingLedger, id: string) =>
      ledger.run(customsCaller, (ctx) =>
        customs.RegisterEnterprise(ctx, JSON.stringify({ id, name: 'X', mspId: 'EnterpriseMSP', roles: ['importer'] })),
      );
    const marker = (ledger: CountingLedger) =>
      ledger.run(customsCaller, (ctx) => ctx.store.get<ItemRunIndexState>(KeyType.itemRunIndex, []));
    const fresh = await newLedger(false);
    await register(fresh, '91460000MA5T00001X');
    t.equal((await marker(fresh)).result?.complete, true, 'a new network checks entries run by run from the first');
    const { messages } = await enter(fresh, range(1_000, 100));
    t.equal(messages.reads[KeyType.item] ?? 0, 0);

    const old = await newLedger(false);
    old.seed(KeyType.item, [P.sgtin(1)], { sgtin: P.sgtin(1), status: 'IN_STOCK' });
    await register(old, '91460000MA5T00001X');
    t.equal((await marker(old)).result, undefined, 'a ledger with items from before the index waits for its backfill');
    t.equal(await refusal(t, enter(old, [1, 2])), ErrorCode.ALREADY_EXISTS);
  },
);
