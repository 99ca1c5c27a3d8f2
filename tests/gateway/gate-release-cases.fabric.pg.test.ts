// Proves gate release of cases over HTTP (issue 18 Must 3, 卡口核放 with cases): a pallet of two cases exits whole from
// an EPCIS departing event naming its SSCC (one goods:Exit), a release list naming one of its cases passes the gate
// once and a second pass is 409 GATE_ALREADY_RELEASED; the items inside read EXITED in the projection; a case flagged
// by risk screening and a case with an item customs held after the exit are 409 GATE_BLOCKED naming the case and why;
// a case with a held item does not exit at all (ITEM_HELD naming the item).
// How: the gateway app (fastify.inject) on a real PostgreSQL and its queue, real ledger clients to a dev peer process,
// the capture job and the projection follower running as in the server.
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { entryEvent, HN, packingEvent } from '../../testkit/src/epcis';
import { ENTERPRISES, product, sscc } from '../../testkit/src/trace';
import { bearer } from './helpers/app';
import { captureAndSettle, startCaptureStack } from './helpers/capture-stack';
import { waitFor } from './helpers/wait';

const { importer } = ENTERPRISES;
const SHIRTS = product(641);
const PERFUME = product(642);
const S = Array.from({ length: 13 }, (_, i) => SHIRTS.sgtin(`G${i}`));
const P = Array.from({ length: 3 }, (_, i) => PERFUME.sgtin(`G${i}`));
const [PALLET, CA, CB, CH, CR, CX] = [sscc(700), sscc(701), sscc(702), sscc(703), sscc(704), sscc(705)];
const PORT = 'HAIKOU_XINHAIGANG';

let app: FastifyInstance;
let keys: { customs: string; importer: string };

const captured = (events: Record<string, unknown>[]) => captureAndSettle(app, keys.importer, events);

const post = (url: string, key: string, payload: Record<string, unknown>) =>
  app.inject({ method: 'POST', url, headers: bearer(key), payload });
const gate = (releaseListNo: string, items: string[]) =>
  post(`/v1/exits/${releaseListNo}/gate-release`, keys.customs, { gate: 'HKX-GATE-7', items });
const exitOf = (releaseListNo: string, container: string) =>
  post('/v1/exits', keys.importer, {
    releaseListNo,
    port: PORT,
    containers: [{ id: container, exitValueFen: 90_000 }],
  });

t.before(async () => {
  const stack = await startCaptureStack(t);
  app = stack.app;
  keys = { customs: stack.customsKey, importer: '' };
  keys.importer = await stack.newKey(importer.id, 'Importer', 'enterprise', importer.mspId);
});

t.test('a release list naming a case passes the gate once; blocked cases are named', async (t) => {
  const entered = await captured([
    entryEvent({ items: S, declarationNo: 'GC-D-1', location: 1, hsCode: '620520', category: 'CLOTHING' }),
    entryEvent({ items: P, declarationNo: 'GC-D-2', location: 1 }),
  ]);
  t.equal(entered.outcome, 'committed', JSON.stringify(entered.errors));
  const packed = await captured([
    packingEvent(CA, S.slice(0, 4)),
    packingEvent(CB, S.slice(4, 8)),
    packingEvent(PALLET, [CA, CB]),
    packingEvent(CH, S.slice(8, 10)),
    packingEvent(CX, S.slice(10, 13)),
    packingEvent(CR, P),
  ]);
  t.equal(packed.outcome, 'committed', JSON.stringify(packed.errors));
  const rules = await post('/v1/risk-rules', keys.customs, {
    effectiveFrom: '2025-01-01T00:00:00+08:00',
    rules: [{ id: 'PERFUME-HS', when: { hsCodePrefixes: ['3303'] }, weight: 60, action: 'IMAGE_REVIEW' }],
  });
  t.equal(rules.statusCode < 300, true, rules.body);

  // The pallet leaves whole: an EPCIS departing event naming its SSCC is one goods:Exit.
  const exited = await captured([
    {
      type: 'ObjectEvent',
      eventTime: new Date().toISOString(),
      eventTimeZoneOffset: '+08:00',
      epcList: [PALLET],
      action: 'OBSERVE',
      bizStep: 'departing',
      readPoint: { id: `urn:hn:port:${PORT}` },
      bizTransactionList: [{ type: `${HN}btt/release_list`, bizTransaction: 'urn:hn:release:RL-PAL' }],
      'hn:exitValueFen': 480_000,
    },
  ]);
  t.equal(exited.outcome, 'committed', JSON.stringify(exited.errors));
  t.same(
    exited.transactions.map((x) => x.fn),
    ['goods:Exit'],
    'one exit transaction for the pallet',
  );

  const passed = await gate('RL-PAL', [CA]);
  t.equal(passed.statusCode, 201, passed.body);
  t.match(passed.json(), { gateRelease: { gate: 'HKX-GATE-7' } }, 'a case on the pallet passes, gate recorded');
  const again = await gate('RL-PAL', [CB]);
  t.equal(again.statusCode, 409);
  t.equal(again.json().code, 'GATE_ALREADY_RELEASED', 'nothing leaves twice');

  await waitFor('the projection to show the items inside as exited', async () => {
    const res = await app.inject({
      method: 'GET',
      url: `/v1/items/${encodeURIComponent(S[0]!)}`,
      headers: bearer(keys.customs),
    });
    return res.statusCode === 200 && (res.json() as { status?: string }).status === 'EXITED' ? true : undefined;
  });
  t.pass('an item in a case on the exited pallet reads EXITED');
  const history = await waitFor('the gate release in the item history', async () => {
    const res = await app.inject({
      method: 'GET',
      url: `/v1/items/${encodeURIComponent(S[0]!)}/history`,
      headers: bearer(keys.customs),
    });
    const types = ((res.json() as { events?: { type: string }[] }).events ?? []).map((e) => e.type);
    return types.includes('GATE_RELEASE') ? types : undefined;
  });
  t.same(
    history,
    ['ENTRY', 'PACK', 'PACK', 'EXIT', 'GATE_RELEASE'],
    "the item's history: entry, its case packed, the case onto the pallet, the pallet's exit and gate release",
  );

  // A case flagged by risk screening is blocked at the gate, named with the reason.
  const flagged = await exitOf('RL-CR', CR);
  t.equal(flagged.statusCode, 201, flagged.body);
  t.match(flagged.json(), { exit: { screening: { action: 'IMAGE_REVIEW' } } });
  const blocked = await gate('RL-CR', [CR]);
  t.equal(blocked.statusCode, 409);
  t.equal(blocked.json().code, 'GATE_BLOCKED');
  t.match(blocked.json().detail, `${CR}: not cleared, risk screening asked for IMAGE_REVIEW`, 'names the case');

  // A case with an item customs held after the exit is blocked, naming the case and the held item.
  t.equal((await exitOf('RL-CH', CH)).statusCode, 201, 'clean case exit');
  const hold = await post('/v1/holds', keys.customs, { items: [S[8]], reason: 'x-ray anomaly' });
  t.equal(hold.statusCode, 201, hold.body);
  const held = await gate('RL-CH', [CH]);
  t.equal(held.statusCode, 409);
  t.equal(held.json().code, 'GATE_BLOCKED');
  t.match(held.json().detail, `${CH}: customs holds 1 inside (${S[8]})`, 'names the case and the held item');

  // A case with a held item does not exit at all.
  const holdX = await post('/v1/holds', keys.customs, { items: [S[10]], reason: 'tip-off' });
  t.equal(holdX.statusCode, 201, holdX.body);
  const refused = await exitOf('RL-CX', CX);
  t.equal(refused.json().code, 'ITEM_HELD', refused.body);
  t.match(refused.json().detail, S[10]!, 'naming the held item');
});
