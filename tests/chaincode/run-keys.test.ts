// Proves the ledger model's rule of which runs a step creates into (runKeysCreatedBy, which the gateway's submission
// lanes and capture waves follow) is the chaincode's: the item-run (`irun`) and code-run (`tcrun`) keys that goods
// transactions write are exactly the keys the rule names for their requests, for an entry with traceability codes,
// a processing, an association and a shipment (which creates nothing).
// How: the real goods and customs contracts on the in-memory world state (helpers/counting-ledger.ts); the run keys
// whose bytes a transaction changed, compared with the rule's keys for the same request.
import t from 'tap';
import { runKeysCreatedBy } from '@hainan/ledger-model';
import { CustomsContract } from '../../chaincode/src/contracts/customs-contract';
import { GoodsContract } from '../../chaincode/src/contracts/goods-contract';
import { KeyType } from '../../chaincode/src/ledger/keys';
import type { TraceContext } from '../../chaincode/src/ledger/trace-context';
import { ENTERPRISES, entryRequest, gln, product } from '../../testkit/src/trace';
import { CountingLedger } from './helpers/counting-ledger';

const goods = new GoodsContract();
const customs = new CustomsContract();
const P = product(930);
const OUT = product(931);
const L1 = gln(930);
const processor = { mspId: ENTERPRISES.processor.mspId, enterpriseId: ENTERPRISES.processor.id };
const customsCaller = { mspId: 'CustomsMSP', enterpriseId: null, role: 'customs' };
const code = (n: number) => String(4_600_000_000_000_000 + n);

async function newLedger(): Promise<CountingLedger> {
  const ledger = new CountingLedger().seedEnterprises();
  await ledger.run(customsCaller, (ctx) => customs.IndexItemRuns(ctx, '{}'));
  await ledger.run(customsCaller, (ctx) => customs.IndexTraceCodeRuns(ctx, '{}'));
  return ledger;
}

/** The lane keys of the run keys (`irun`, `tcrun`) that `step`'s transaction wrote, sorted. */
async function runKeysWritten(
  ledger: CountingLedger,
  step: 'goods:Enter' | 'goods:Process' | 'goods:Associate' | 'goods:Ship',
  request: Record<string, unknown>,
): Promise<string[]> {
  const before = new Map(ledger.state);
  const fn = step.slice('goods:'.length) as 'Enter' | 'Process' | 'Associate' | 'Ship';
  await ledger.run(processor, (ctx: TraceContext) => goods[fn](ctx, JSON.stringify(request)));
  const written: string[] = [];
  for (const [key, value] of ledger.state) {
    if (Buffer.from(before.get(key) ?? []).equals(Buffer.from(value))) continue;
    const [, type, ...attrs] = key.split('\u0000');
    if (type === KeyType.itemRun) written.push(`irun:${attrs[0]}:${attrs[1]}`);
    if (type === KeyType.traceCodeRun) written.push(`tcrun:${attrs[0]}`);
  }
  return written.sort();
}

t.test('the run keys goods transactions write are the ones the ledger model names', async (t) => {
  const ledger = await newLedger();
  const entry = {
    // Three runs of serials (d1, d2, cA), two runs of codes; one item without a code.
    ...entryRequest(P, L1, [150, 199, 200, 'A7', 300]),
    traceCodes: { [P.sgtin(150)]: code(199), [P.sgtin(199)]: code(200), [P.sgtin(200)]: code(201) },
  };
  const entered = await runKeysWritten(ledger, 'goods:Enter', entry);
  t.equal(entered.length, 6, 'an entry writes 4 item runs and 2 code runs');
  t.same(entered, runKeysCreatedBy('goods:Enter', entry), 'an entry: the same keys');

  const processing = {
    processingId: 'P-1',
    location: L1,
    inputs: [P.sgtin(150)],
    outputs: [OUT.sgtin(10), OUT.sgtin(11), OUT.sgtin(5_000)],
    outputProduct: { gtin: OUT.gtin, hsCode: '330300', category: 'COSMETICS' },
    outputUnitValueFen: 20_000,
  };
  const processed = await runKeysWritten(ledger, 'goods:Process', processing);
  t.equal(processed.length, 2, "a processing writes its outputs' runs, not its input's");
  t.same(processed, runKeysCreatedBy('goods:Process', processing), 'a processing: the same keys');

  const association = { pairs: [{ sgtin: P.sgtin(300), code: code(1_000) }] };
  const associated = await runKeysWritten(ledger, 'goods:Associate', association);
  t.equal(associated.length, 1, "an association writes its code's run");
  t.same(associated, runKeysCreatedBy('goods:Associate', association), 'an association: the same keys');

  const shipment = { shipmentId: 'S-1', toEnterprise: ENTERPRISES.importer.id, toLocation: L1, items: [P.sgtin(300)] };
  t.same(await runKeysWritten(ledger, 'goods:Ship', shipment), [], 'a shipment writes no run');
  t.same(runKeysCreatedBy('goods:Ship', shipment), [], 'and the rule names none');
});
