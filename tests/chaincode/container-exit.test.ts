// Proves the second-line exit of whole cases and pallets and their gate release (issue 18 Must 3): a pallet exits
// writing the same number of world-state keys with 10 or 1,000 items inside, its book goes down by its contents per
// product line, the items inside read EXITED and cannot exit again alone, nor can the pallet or a case on it; a
// container with held contents, another enterprise's, or one in transit is refused; risk screening reads the
// container's own facts (HS code, contents' hold history) and a HOLD action holds the container; at the gate a
// release list naming a case passes once, a case not cleared or held is named in the refusal; the period write-off
// matches the pallet's release list against its movement.
// How: the pure decisions, committed by ledger/commit.ts into an in-memory world state that counts every putState;
// items are loaded with the chaincode's own loader (ledger/posting.ts) from that state.
import t from 'tap';
import {
  decodeExitRequest,
  decodeInspectionResultRequest,
  ErrorCode,
  matchWriteOff,
  type ExitRequest,
  type GateReleaseRequest,
} from '@hainan/ledger-model';
import {
  decideContainerShipment,
  decidePack,
  decideUnpack,
  effectiveItem,
  type ContainerRecord,
} from '../../chaincode/src/domain/containers';
import { decideGateRelease } from '../../chaincode/src/domain/gate';
import { decideInspectionResult } from '../../chaincode/src/domain/inspection-result';
import { decideExit, type ExitState } from '../../chaincode/src/domain/goods';
import { decideSupervision } from '../../chaincode/src/domain/supervision';
import { validateRiskRuleSet, type RiskRuleSet } from '../../chaincode/src/domain/risk';
import { ruleSetAt } from '../../chaincode/src/domain/rules';
import type { EnterpriseRecord, ExitRecord, ItemRecord } from '../../chaincode/src/domain/records';
import { KeyType } from '../../chaincode/src/ledger/keys';
import { loadItemsDeferred } from '../../chaincode/src/ledger/posting';
import { toReleaseList } from '../../chaincode/src/ledger/write-off-inputs';
import { throwsCode } from './domain/helpers/throws-code';
import {
  A,
  AT,
  B,
  CountingState,
  GOODS,
  item,
  L1,
  L2,
  nextTx,
  packCase,
  packReq,
  sscc,
  time,
} from './helpers/container-world';

const RULES = ruleSetAt([], AT);
const ENT: EnterpriseRecord = {
  id: A,
  name: 'A',
  mspId: 'Org1MSP',
  roles: ['importer'],
  registeredAt: AT,
  credit: { class: 'WHITELIST', history: [] },
};
const ENT_STATE: ExitState = { enterprise: ENT, rules: RULES, undeclaredMonths: [], items: [], seeds: [] };
const exitReq = (no: string, containers: string[], items: string[] = []): ExitRequest => ({
  eventTime: time,
  releaseListNo: no,
  port: 'HAIKOU_PORT',
  batch: false,
  lines: items.map((id) => ({ id, exitValueFen: 60_000 })),
  containers: containers.map((id) => ({ id, exitValueFen: 600_000 })),
  eventId: undefined,
});
const load = (world: CountingState, id: string) => world.get<ContainerRecord>(KeyType.container, [id]);

async function exitState(
  world: CountingState,
  req: ExitRequest,
  riskRuleSets?: RiskRuleSet[],
  items: ItemRecord[] = [],
): Promise<ExitState> {
  const containers = await Promise.all((req.containers ?? []).map((c) => load(world, c.id)));
  return { enterprise: ENT, rules: RULES, undeclaredMonths: [], items, seeds: [], containers, riskRuleSets };
}

/** Cases of `perCase` items (serials from `first`) on a pallet, packed by A at L1. */
async function pallet(world: CountingState, id: string, cases: string[], first: number, perCase: number) {
  for (const [k, c] of cases.entries())
    await world.commit(packCase(c, first + k * perCase, perCase).decision, nextTx());
  const loaded = await Promise.all(cases.map((c) => load(world, c)));
  await world.commit(
    decidePack(packReq(id, [], cases), A, { parent: undefined, items: [], containers: loaded }, nextTx()),
    nextTx(),
  );
}

const SCREEN = validateRiskRuleSet({
  effectiveFrom: '2025-12-01T00:00:00+08:00',
  rules: [
    { id: 'COSMETICS-HS', when: { hsCodePrefixes: ['3303'] }, weight: 30, action: 'IMAGE_REVIEW' },
    { id: 'HELD-BEFORE', when: { itemHoldsAtLeast: 1 }, weight: 100, action: 'HOLD' },
  ],
  thresholds: [],
});

t.test('a pallet exits writing a constant number of keys; the book goes down by its contents', async (t) => {
  const written: number[] = [];
  for (const perCase of [5, 500]) {
    const world = new CountingState();
    const P = sscc(900);
    await pallet(world, P, [sscc(901), sscc(902)], 1, perCase);
    const req = exitReq(`RL-${perCase}`, [P]);
    const tx = nextTx();
    const d = decideExit(req, await exitState(world, req), tx);
    const { writes, movements } = await world.commit(d, tx);
    written.push(writes);
    t.same(
      movements.map((m) => [m.enterprise, m.gtin, m.location, m.qty]),
      [[A, GOODS.gtin, L1, -2 * perCase]],
      `one movement per product line: ${2 * perCase} items off A's book at L1`,
    );
    t.same(
      d.record.containers?.map((c) => [c.id, c.exitValueFen, c.lines.map((l) => [l.gtin, l.regime, l.qty])]),
      [[P, 600_000, [[GOODS.gtin, 'ZERO_TARIFF', 2 * perCase]]]],
      'the exit declares the pallet per product line',
    );
    t.same(d.record.items, [], 'no item line: the items are not read one by one');
    const after = await load(world, P);
    t.equal(after?.status, 'EXITED', 'the pallet is EXITED');
    t.equal(after?.exit?.releaseListNo, `RL-${perCase}`, 'with its release list');
  }
  t.same(written, [5, 5], 'a pallet of 10 and of 1,000 items: exit, pallet, movement, event and its reference');
});

t.test('what is inside reads EXITED and cannot leave again; nor can the pallet or a case on it', async (t) => {
  const world = new CountingState();
  const P = sscc(910);
  const C1 = sscc(911);
  await pallet(world, P, [C1, sscc(912)], 1, 3);
  const req = exitReq('RL-A', [P]);
  const tx = nextTx();
  await world.commit(decideExit(req, await exitState(world, req), tx), tx);
  const p = (await load(world, P))!;
  const c1 = (await load(world, C1))!;
  const inside = (await world.get<ItemRecord>(KeyType.item, [GOODS.sgtin(1)]))!;
  t.equal(effectiveItem(inside, [c1, p]).status, 'EXITED', 'an item in a case on the pallet reads EXITED');

  const ctx = world.ctx(nextTx(), A);
  const loaded = await loadItemsDeferred(ctx, [GOODS.sgtin(1)]);
  const alone = exitReq('RL-B', [], [GOODS.sgtin(1)]);
  throwsCode(
    t,
    () => decideExit(alone, { ...ENT_STATE, items: loaded }, nextTx()),
    ErrorCode.ITEM_IN_CONTAINER,
    'item alone',
  );
  const again = exitReq('RL-C', [P]);
  const m = throwsCode(
    t,
    () => decideExit(again, { ...ENT_STATE, containers: [p] }, nextTx()),
    ErrorCode.INVALID_TRANSITION,
    'the pallet again',
  );
  t.match(m, /already left with release list RL-A/, 'naming the release list it left with');
  throwsCode(
    t,
    () => decideExit(exitReq('RL-D', [C1]), { ...ENT_STATE, containers: [c1] }, nextTx()),
    ErrorCode.ITEM_IN_CONTAINER,
    'a case on the exited pallet',
  );
  throwsCode(
    t,
    () => decideUnpack(packReq(P, [], [C1]), A, { parent: p, items: [], containers: [c1] }, nextTx()),
    ErrorCode.INVALID_TRANSITION,
    'unpacking the exited pallet',
  );
});

t.test('refused: held contents (named), another holder, in transit, not on the ledger', async (t) => {
  const world = new CountingState();
  const P = sscc(920);
  await pallet(world, P, [sscc(921)], 1, 3);
  const held = (await world.get<ItemRecord>(KeyType.item, [GOODS.sgtin(2)]))!;
  const around = new Map([
    [sscc(921), (await load(world, sscc(921)))!],
    [P, (await load(world, P))!],
  ]);
  const hold = decideSupervision(
    { kind: 'HOLD', reason: 'check', by: 'customs', eventTime: AT, eventId: undefined },
    [held],
    nextTx(),
    [],
    around,
  );
  await world.commit(hold, nextTx());
  const p = (await load(world, P))!;
  const m = throwsCode(
    t,
    () => decideExit(exitReq('RL-H', [P]), { ...ENT_STATE, containers: [p] }, nextTx()),
    ErrorCode.ITEM_HELD,
    'held contents',
  );
  t.match(m, GOODS.sgtin(2), 'naming the held item');
  throwsCode(
    t,
    () =>
      decideExit(exitReq('RL-X', [P]), { ...ENT_STATE, containers: [{ ...p, held: undefined, holder: B }] }, nextTx()),
    ErrorCode.NOT_HOLDER,
    'another enterprise holds it',
  );
  const free = { ...p, held: undefined } as ContainerRecord;
  const shipped = decideContainerShipment(
    { eventTime: time, shipmentId: 'SH-1', toEnterprise: B, toLocation: L2, containers: [P], eventId: undefined },
    A,
    B,
    [free],
    nextTx(),
  );
  const moving = (shipped.records!.containers as ContainerRecord[])[0]!;
  throwsCode(
    t,
    () => decideExit(exitReq('RL-T', [P]), { ...ENT_STATE, containers: [moving] }, nextTx()),
    ErrorCode.INVALID_TRANSITION,
    'in transit, not at the port',
  );
  throwsCode(
    t,
    () => decideExit(exitReq('RL-N', [sscc(999)]), { ...ENT_STATE, containers: [undefined] }, nextTx()),
    ErrorCode.NOT_FOUND,
    'not on the ledger',
  );
});

t.test('risk screening reads the container: its HS code, its contents hold history; HOLD holds it', async (t) => {
  const world = new CountingState();
  const P = sscc(930);
  await pallet(world, P, [sscc(931)], 1, 3);
  const req = exitReq('RL-R', [P]);
  const d = decideExit(req, await exitState(world, req, [SCREEN]), nextTx());
  t.same(
    d.record.screening?.fired.map((f) => [f.ruleId, f.items]),
    [['COSMETICS-HS', [P]]],
    'the HS code rule fires naming the pallet',
  );
  t.equal(d.record.screening?.action, 'IMAGE_REVIEW');

  // An item held (and released) before it was packed: the case keeps the history, the screening holds the case.
  const world2 = new CountingState();
  const C = sscc(941);
  const items = [item(50, { holds: 1 }), item(51)];
  await world2.commit(
    decidePack(
      packReq(
        C,
        items.map((i) => i.sgtin),
      ),
      A,
      { parent: undefined, items, containers: [] },
      nextTx(),
    ),
    nextTx(),
  );
  const req2 = exitReq('RL-R2', [C]);
  const d2 = decideExit(req2, await exitState(world2, req2, [SCREEN]), nextTx());
  t.equal(d2.record.screening?.action, 'HOLD', 'the contents history fires the hold rule');
  const c = (d2.records!.containers as ContainerRecord[])[0]!;
  t.equal(c.status, 'EXITED');
  t.match(c.hold?.reason, /HELD-BEFORE/, 'the exited case is held by the screening');

  // A conforming inspection releases the case: one container key written, the items inside untouched.
  const result = decodeInspectionResultRequest(
    {
      releaseListNo: 'RL-R2',
      method: 'IMAGE_REVIEW',
      officer: 'HK-0042',
      evidence: { sha256: 'cd'.repeat(32), uri: 's3://h986/RL-R2.dcm' },
      verdict: 'CONFORMING',
      consequence: { kind: 'RELEASE' },
    },
    time,
  );
  const inspected = decideInspectionResult(
    result,
    { exit: d2.record, items: [], enterprise: ENT, seed: undefined, containers: [c] },
    'customs',
    nextTx(),
  );
  const lifted = (inspected.records!.containers as ContainerRecord[])[0]!;
  t.notOk(lifted.hold, 'the case is released');
  t.same(
    inspected.writes!.map((w) => w.type),
    [KeyType.exit, KeyType.container],
    'the exit and the case: no item key',
  );
});

t.test('gate: a release list naming a case passes once; a case not cleared or held is named', async (t) => {
  const world = new CountingState();
  const P = sscc(950);
  const C1 = sscc(951);
  await pallet(world, P, [C1, sscc(952)], 1, 3);
  const req = exitReq('RL-G', [P]);
  const tx = nextTx();
  const { movements } = await world.commit(decideExit(req, await exitState(world, req), tx), tx);
  const exit = (await world.get<ExitRecord>(KeyType.exit, ['RL-G']))!;
  const p = (await load(world, P))!;
  const gate = (items?: string[]): GateReleaseRequest => ({
    releaseListNo: 'RL-G',
    gate: 'HKP-GATE-1',
    items,
    eventTime: time,
    eventId: undefined,
  });
  const tops = new Map([[C1, P]]);
  const unknown = throwsCode(
    t,
    () =>
      decideGateRelease(
        gate([C1, sscc(960)]),
        { exit, items: [], seed: undefined, containers: [p], tops },
        'c',
        nextTx(),
      ),
    ErrorCode.GATE_BLOCKED,
    'a case not on the list',
  );
  t.match(unknown, `${sscc(960)}: not on release list RL-G`);
  const heldP = { ...p, hold: { reason: 'tip-off', heldAt: AT, by: 'c' } };
  const held = throwsCode(
    t,
    () => decideGateRelease(gate([C1]), { exit, items: [], seed: undefined, containers: [heldP], tops }, 'c', nextTx()),
    ErrorCode.GATE_BLOCKED,
    'the pallet held after the exit',
  );
  t.match(held, `${C1}: held (tip-off)`, 'naming the case and why');
  const flagged = {
    ...exit,
    screening: { rulesEffectiveFrom: AT, score: 30, fired: [], action: 'IMAGE_REVIEW' as const },
  };
  const unscreened = throwsCode(
    t,
    () =>
      decideGateRelease(
        gate([C1]),
        { exit: flagged, items: [], seed: undefined, containers: [p], tops },
        'c',
        nextTx(),
      ),
    ErrorCode.GATE_BLOCKED,
    'screening asked for an image review',
  );
  t.match(unscreened, `${C1}: not cleared, risk screening asked for IMAGE_REVIEW`);

  const tx2 = nextTx();
  const d = decideGateRelease(gate([C1]), { exit, items: [], seed: undefined, containers: [p], tops }, 'c', tx2);
  const { writes } = await world.commit(d, tx2);
  t.equal(writes, 4, 'the exit, the pallet, the event and its reference: no item key');
  t.same(d.epcis![0]!.epcList, [P], 'the departing event names the pallet');
  const released = (await world.get<ExitRecord>(KeyType.exit, ['RL-G']))!;
  t.equal(released.gateRelease?.gate, 'HKP-GATE-1', 'gate and time recorded');
  throwsCode(
    t,
    () => decideGateRelease(gate(), { exit: released, items: [], seed: undefined, containers: [p] }, 'c', nextTx()),
    ErrorCode.GATE_ALREADY_RELEASED,
    'a second pass',
  );

  // The write-off (底账核销) matches the pallet's exit: its release list declares what its movement booked out.
  const writeOff = matchWriteOff({
    enterprise: A,
    period: movements[0]!.period,
    movements,
    documentOf: { [tx.id]: 'RL-G' },
    releaseLists: { 'RL-G': toReleaseList(released) },
    batchReleaseLists: [],
    declarations: {},
  });
  t.same(writeOff.unmatched, [], 'nothing unmatched');
  t.same(
    writeOff.matched.map((m) => [m.no, m.lines.map((l) => l.qty)]),
    [['RL-G', [-6]]],
    'the release list is written off with the 6 items of the pallet',
  );
});

t.test('the exit request takes cases in items (an epcList as it is) or in containers', async (t) => {
  const clock = { iso: AT, ms: Date.parse(AT) };
  const r = decodeExitRequest(
    {
      releaseListNo: 'RL-1',
      port: 'HAIKOU_PORT',
      items: [
        { id: GOODS.sgtin(1), exitValueFen: 100 },
        { id: sscc(1), exitValueFen: 200 },
      ],
      containers: [{ id: sscc(2), exitValueFen: 300 }],
    },
    clock,
  );
  t.same(r.lines, [{ id: GOODS.sgtin(1), exitValueFen: 100 }]);
  t.same(r.containers, [
    { id: sscc(1), exitValueFen: 200 },
    { id: sscc(2), exitValueFen: 300 },
  ]);
  throwsCode(
    t,
    () =>
      decodeExitRequest(
        { releaseListNo: 'RL-1', port: 'P', containers: [{ id: GOODS.sgtin(1), exitValueFen: 1 }] },
        clock,
      ),
    ErrorCode.INVALID_ARGUMENT,
    'an item in containers',
  );
  throwsCode(
    t,
    () =>
      decodeExitRequest(
        {
          releaseListNo: 'RL-1',
          port: 'P',
          items: [{ id: sscc(1), exitValueFen: 1 }],
          containers: [{ id: sscc(1), exitValueFen: 1 }],
        },
        clock,
      ),
    ErrorCode.INVALID_ARGUMENT,
    'a case named twice',
  );
});
