// Proves risk screening and inspection results decide what customs and an enterprise see (issue 18 Must 1-2): with no
// risk rules an exit is as before (no screening); a rule over regime / HS code / value added / credit class / item
// history fires with the items that made it fire, the score is the sum of weights, the action the most severe of the
// fired actions and thresholds; a HOLD action holds the exited items; a malformed rule set is refused naming the field;
// a result is refused for an exit not selected (NOT_SELECTED_FOR_INSPECTION) and recorded once for a selected one; a
// discrepancy holds the named items and counts against them and the enterprise, which a later rule reads.
// How: pure calls on hand-built requests and ledger state (no peer); the decisions are what the contracts commit.
import t from 'tap';
import { ErrorCode, decodeInspectionResultRequest, type InspectionResultRequest } from '@hainan/ledger-model';
import type { Tx } from '../../../chaincode/src/domain/decision';
import { decideExit, type ExitState } from '../../../chaincode/src/domain/goods';
import { decideInspectionResult } from '../../../chaincode/src/domain/inspection-result';
import { riskRulesAt, screenExit, validateRiskRuleSet, type RiskRuleSet } from '../../../chaincode/src/domain/risk';
import { ruleSetAt } from '../../../chaincode/src/domain/rules';
import type { EnterpriseRecord, ExitRecord, ItemRecord, SeedRecord } from '../../../chaincode/src/domain/records';
import { seedCommitment, isSelected } from '../../../chaincode/src/domain/inspection';
import { KeyType } from '../../../chaincode/src/ledger/keys';
import { product } from '../../../testkit/src/trace';
import { throwsCode } from './helpers/throws-code';

const GOODS = product(42);
const SHOP = '91460000MA5T000001';
const WAREHOUSE = '6901234000012';
const AT = '2025-12-10T02:00:00.000Z';
const TX: Tx = { id: 'a'.repeat(64), iso: AT, ms: Date.parse(AT) };
const TX2: Tx = { id: 'c'.repeat(64), iso: '2025-12-10T03:00:00.000Z', ms: Date.parse('2025-12-10T03:00:00.000Z') };
const RULES = ruleSetAt([], AT);

function item(serial: number, changes: Partial<ItemRecord> = {}): ItemRecord {
  return {
    sgtin: GOODS.sgtin(serial),
    product: { gtin: GOODS.gtin, hsCode: '330300', category: 'COSMETICS' },
    regime: 'ZERO_TARIFF',
    valueFen: 40_000,
    importedMaterialsFen: 40_000,
    status: 'IN_STOCK',
    holder: SHOP,
    location: WAREHOUSE,
    entry: { declarationNo: 'D-1', enteredAt: '2025-12-01T00:00:00.000Z', enteredBy: SHOP },
    lastEventTime: '2025-12-01T00:00:00.000Z',
    lastTxId: 'b'.repeat(64),
    ...changes,
  };
}
const enterprise: EnterpriseRecord = {
  id: SHOP,
  name: 'Shop',
  mspId: 'ShopMSP',
  roles: ['importer', 'processor'],
  registeredAt: AT,
  credit: { class: 'WHITELIST', history: [] },
};
const exitReq = (count = 2) => ({
  eventTime: { iso: AT, ms: TX.ms },
  releaseListNo: 'RL-1',
  port: 'HAIKOU_PORT',
  batch: false,
  lines: Array.from({ length: count }, (_, i) => ({ id: GOODS.sgtin(i + 1), exitValueFen: 60_000 })),
  eventId: undefined,
});
const state = (items: ItemRecord[], riskRuleSets?: RiskRuleSet[], ent = enterprise): ExitState => ({
  enterprise: ent,
  rules: RULES,
  undeclaredMonths: [],
  items,
  seeds: [],
  ...(riskRuleSets ? { riskRuleSets } : {}),
});

const SET = validateRiskRuleSet({
  effectiveFrom: '2025-12-01T00:00:00+08:00',
  rules: [
    {
      id: 'LOW-VA',
      description: 'processed goods just under the value-added line',
      when: { regimes: ['PROCESSED'], valueAddedBpBelow: 3500 },
      weight: 40,
      action: 'DOCUMENT_CHECK',
    },
    { id: 'COSMETICS-HS', when: { hsCodePrefixes: ['3303', '3304'] }, weight: 30, action: 'IMAGE_REVIEW' },
    { id: 'KEY-ATTENTION', when: { creditClasses: ['KEY_ATTENTION'] }, weight: 50, action: 'PHYSICAL_INSPECTION' },
    { id: 'HELD-BEFORE', when: { itemHoldsAtLeast: 1 }, weight: 20, action: 'IMAGE_REVIEW' },
    {
      id: 'REPEAT',
      when: { enterpriseDiscrepanciesAtLeast: 2, itemDiscrepanciesAtLeast: 1 },
      weight: 100,
      action: 'HOLD',
    },
  ],
  thresholds: [{ minScore: 100, action: 'PHYSICAL_INSPECTION' }],
});

t.test('no risk rules in force: the exit is recorded as before, without a screening', async (t) => {
  const d = decideExit(exitReq(), state([item(1), item(2)]), TX);
  t.notOk('screening' in d.record, 'no screening field');
  t.notOk('hn:riskAction' in d.epcis![0]!, 'no risk fields in the EPCIS event');
  const before = decideExit(
    exitReq(),
    state([item(1), item(2)], [{ ...SET, effectiveFrom: '2026-01-01T00:00:00Z' }]),
    TX,
  );
  t.notOk('screening' in before.record, 'a set effective later does not screen an earlier exit');
});

t.test('screening: fired rules name their items, score sums the weights, action is the most severe', async (t) => {
  const processed = item(2, {
    regime: 'PROCESSED',
    importedMaterialsFen: 45_000,
    product: { gtin: GOODS.gtin, hsCode: '851712', category: 'ELECTRONICS' },
  });
  const d = decideExit(exitReq(), state([item(1), processed], [SET]), TX);
  t.same(d.record.screening, {
    rulesEffectiveFrom: '2025-12-01T00:00:00+08:00',
    score: 70,
    fired: [
      { ruleId: 'LOW-VA', weight: 40, action: 'DOCUMENT_CHECK', itemCount: 1, items: [GOODS.sgtin(2)] },
      { ruleId: 'COSMETICS-HS', weight: 30, action: 'IMAGE_REVIEW', itemCount: 1, items: [GOODS.sgtin(1)] },
    ],
    action: 'IMAGE_REVIEW',
  });
  t.equal(
    d.record.screening!.fired[0]!.items.length,
    1,
    'value added 33.33% < 35.00% fires; the cosmetics item does not (no value added)',
  );
  t.same(
    d.record.inspection,
    { rateBp: RULES.inspectionRateBp.WHITELIST },
    'the random selection keeps the class rate',
  );
  t.match(d.epcis![0], {
    'hn:riskAction': 'IMAGE_REVIEW',
    'hn:riskScore': 70,
    'hn:riskRules': ['LOW-VA', 'COSMETICS-HS'],
  });
  t.same(
    d.items!.map((i) => 'hold' in i),
    [false, false],
    'only HOLD holds',
  );

  const keyAttention: EnterpriseRecord = {
    ...enterprise,
    credit: { class: 'KEY_ATTENTION', reason: 'OTHER', listedAtIso: AT, history: [] },
  };
  const k = decideExit(exitReq(), state([item(1, { holds: 1 }), item(2)], [SET], keyAttention), TX);
  t.same(
    k.record.screening!.fired.map((f) => [f.ruleId, f.itemCount]),
    [
      ['COSMETICS-HS', 2],
      ['KEY-ATTENTION', 2],
      ['HELD-BEFORE', 1],
    ],
  );
  t.equal(k.record.screening!.score, 100);
  t.equal(
    k.record.screening!.action,
    'PHYSICAL_INSPECTION',
    'fired at most PHYSICAL_INSPECTION, and the threshold 100 asks for it too',
  );
  t.equal(
    k.record.inspection.rateBp,
    RULES.inspectionRateBp.KEY_ATTENTION,
    'a key-attention enterprise still gets its rate',
  );
});

t.test('a HOLD action holds every item of the exit, with the rules in the reason', async (t) => {
  const repeat: EnterpriseRecord = { ...enterprise, inspectionDiscrepancies: 2 };
  const d = decideExit(exitReq(), state([item(1, { discrepancies: 1 }), item(2)], [SET], repeat), TX);
  t.equal(d.record.screening!.action, 'HOLD');
  t.same(
    d.items!.map((i) => [i.status, i.hold?.reason, i.holds]),
    [
      ['EXITED', 'risk screening: COSMETICS-HS, REPEAT', 1],
      ['EXITED', 'risk screening: COSMETICS-HS, REPEAT', 1],
    ],
  );
  t.same(
    d.movements!.map((m) => m.qty),
    [-2],
    'held or not, exited items leave the book',
  );
});

t.test('screening is a pure function of the rule set and the facts', async (t) => {
  const facts = {
    creditClass: 'WHITELIST' as const,
    enterpriseDiscrepancies: 0,
    items: [
      {
        sgtin: GOODS.sgtin(1),
        regime: 'ZERO_TARIFF' as const,
        hsCode: '330300',
        exitValueFen: 1,
        holds: 0,
        discrepancies: 0,
      },
    ],
  };
  t.equal(
    JSON.stringify(screenExit(SET, facts)),
    JSON.stringify(screenExit(validateRiskRuleSet(JSON.parse(JSON.stringify(SET))), facts)),
  );
  t.equal(
    riskRulesAt([SET, { ...SET, effectiveFrom: '2025-12-05T00:00:00Z', rules: [] }], AT)!.rules.length,
    0,
    'the latest set in force wins',
  );
  t.equal(riskRulesAt([SET], '2025-11-01T00:00:00Z'), undefined);
});

t.test('a malformed risk rule set is refused naming the field', async (t) => {
  const base = { effectiveFrom: AT, rules: [{ id: 'R', when: {}, weight: 1, action: 'NONE' }] };
  t.match(
    throwsCode(
      t,
      () =>
        validateRiskRuleSet({ ...base, rules: [{ id: 'R', when: { regime: ['BONDED'] }, weight: 1, action: 'NONE' }] }),
      ErrorCode.INVALID_ARGUMENT,
    ),
    /unknown field "regime"/,
  );
  t.match(
    throwsCode(
      t,
      () => validateRiskRuleSet({ ...base, rules: [{ id: 'R', when: {}, weight: 1001, action: 'NONE' }] }),
      ErrorCode.INVALID_ARGUMENT,
    ),
    /weight/,
  );
  t.match(
    throwsCode(
      t,
      () => validateRiskRuleSet({ ...base, rules: [{ id: 'R', when: {}, weight: 1, action: 'X_RAY' }] }),
      ErrorCode.INVALID_ARGUMENT,
    ),
    /action/,
  );
  t.match(
    throwsCode(
      t,
      () => validateRiskRuleSet({ ...base, rules: [base.rules[0], base.rules[0]] }),
      ErrorCode.INVALID_ARGUMENT,
    ),
    /appears twice/,
  );
  t.match(
    throwsCode(
      t,
      () =>
        validateRiskRuleSet({
          ...base,
          rules: [{ id: 'R', when: { hsCodePrefixes: ['33A'] }, weight: 1, action: 'NONE' }],
        }),
      ErrorCode.INVALID_ARGUMENT,
    ),
    /hsCodePrefixes/,
  );
  t.match(
    throwsCode(
      t,
      () =>
        validateRiskRuleSet({
          ...base,
          rules: [{ id: 'R', when: { regimes: ['DUTY_PAID'] }, weight: 1, action: 'NONE' }],
        }),
      ErrorCode.INVALID_ARGUMENT,
    ),
    /regimes/,
  );
});

const EVIDENCE = { sha256: 'e'.repeat(64), uri: 's3://h986-scans/HAIKOU_PORT/RL-1.dcm' };
function resultReq(fields: Record<string, unknown>): InspectionResultRequest {
  return decodeInspectionResultRequest(
    { releaseListNo: 'RL-1', method: 'IMAGE_REVIEW', officer: 'HK-0042', evidence: EVIDENCE, ...fields },
    { ms: TX2.ms, iso: TX2.iso },
  );
}
function exited(
  riskRuleSets: RiskRuleSet[] | undefined,
  ent = enterprise,
  items = [item(1), item(2)],
): { exit: ExitRecord; items: ItemRecord[] } {
  const d = decideExit(exitReq(), state(items, riskRuleSets, ent), TX);
  return { exit: d.record, items: [...d.items!] };
}

t.test('an inspection result for an exit not selected is refused with NOT_SELECTED_FOR_INSPECTION', async (t) => {
  const conforming = resultReq({ verdict: 'CONFORMING', consequence: { kind: 'RELEASE' } });
  const plain = exited(undefined);
  t.match(
    throwsCode(
      t,
      () => decideInspectionResult(conforming, { ...plain, enterprise, seed: undefined }, 'customs', TX2),
      ErrorCode.NOT_SELECTED_FOR_INSPECTION,
    ),
    /no risk rules screened it and no inspection seed covered it/,
  );
  const none = exited([{ ...SET, rules: [] }]);
  t.equal(none.exit.screening!.action, 'NONE');
  throwsCode(
    t,
    () => decideInspectionResult(conforming, { ...none, enterprise, seed: undefined }, 'customs', TX2),
    ErrorCode.NOT_SELECTED_FOR_INSPECTION,
  );
  // Random selection: checkable once the seed is revealed. Find a seed that selects this exit at a 100% rate.
  const seedHex = '0123456789abcdef'.repeat(2);
  const seed: SeedRecord = {
    seedId: 'S1',
    commitment: seedCommitment(seedHex),
    validFrom: AT,
    validTo: AT,
    committedAt: AT,
  };
  const drawn = { exit: { ...plain.exit, inspection: { rateBp: 10_000, seedId: 'S1' } }, items: plain.items };
  t.match(
    throwsCode(
      t,
      () => decideInspectionResult(conforming, { ...drawn, enterprise, seed }, 'customs', TX2),
      ErrorCode.NOT_SELECTED_FOR_INSPECTION,
    ),
    /not revealed yet/,
  );
  t.ok(isSelected(seedHex, TX.id, 10_000));
  const ok = decideInspectionResult(
    conforming,
    { ...drawn, enterprise, seed: { ...seed, seed: seedHex } },
    'customs',
    TX2,
  );
  t.equal(ok.record.selectedBy, 'RANDOM');
});

t.test('a conforming result releases a screening hold; a second result is refused', async (t) => {
  const repeat: EnterpriseRecord = { ...enterprise, inspectionDiscrepancies: 2 };
  const held = exited([SET], repeat, [item(1, { discrepancies: 1 }), item(2)]);
  t.ok(held.items.every((i) => i.hold));
  const d = decideInspectionResult(
    resultReq({ verdict: 'CONFORMING', consequence: { kind: 'RELEASE' } }),
    { ...held, enterprise: repeat, seed: undefined },
    'customs-officer',
    TX2,
  );
  t.same(
    d.items!.map((i) => [i.status, 'hold' in i]),
    [
      ['EXITED', false],
      ['EXITED', false],
    ],
  );
  t.match(d.record, {
    method: 'IMAGE_REVIEW',
    officer: 'HK-0042',
    verdict: 'CONFORMING',
    selectedBy: 'RISK',
    evidence: EVIDENCE,
    inspectedAt: TX2.iso,
    txId: TX2.id,
  });
  t.same(
    d.writes!.map((w) => w.type),
    [KeyType.exit],
    'a conforming result does not touch the enterprise',
  );
  t.same(d.movements ?? [], []);
  const again = { exit: d.records!.exit as ExitRecord, items: [...d.items!] };
  throwsCode(
    t,
    () =>
      decideInspectionResult(
        resultReq({ verdict: 'CONFORMING', consequence: { kind: 'RELEASE' } }),
        { ...again, enterprise: repeat, seed: undefined },
        'customs',
        TX2,
      ),
    ErrorCode.ALREADY_EXISTS,
  );
});

t.test(
  'a discrepancy holds the named items and counts against them and the enterprise; a later exit is screened on it',
  async (t) => {
    const screened = exited([SET]);
    t.equal(screened.exit.screening!.action, 'IMAGE_REVIEW');
    const req = resultReq({
      verdict: 'DISCREPANCY',
      method: 'PHYSICAL',
      discrepancies: [
        { kind: 'UNDECLARED_GOODS', items: [GOODS.sgtin(2)], note: 'a second carton behind the declared ones' },
      ],
      consequence: { kind: 'HOLD', items: [GOODS.sgtin(2)] },
    });
    const d = decideInspectionResult(req, { ...screened, enterprise, seed: undefined }, 'customs-officer', TX2);
    t.same(
      d.items!.map((i) => [i.sgtin, i.hold?.reason, i.holds, i.discrepancies, i.lastTxId]),
      [
        [GOODS.sgtin(1), undefined, undefined, undefined, TX2.id],
        [GOODS.sgtin(2), 'inspection of RL-1: DISCREPANCY', 1, 1, TX2.id],
      ],
      'only the named item is held and counted; both carry the inspection in their chain',
    );
    t.same(
      d.writes!.map((w) => w.type),
      [KeyType.exit, KeyType.enterprise],
    );
    const ent = d.records!.enterprise as EnterpriseRecord;
    t.equal(ent.inspectionDiscrepancies, 1);
    t.match(d.epcis![0], {
      bizStep: 'inspecting',
      'hn:verdict': 'DISCREPANCY',
      'hn:consequence': 'HOLD',
      'hn:evidenceSha256': EVIDENCE.sha256,
    });
    // The enterprise's next exit with an item that had a discrepancy, once it has two on record, is held by REPEAT.
    const later = decideExit(
      exitReq(1),
      state([item(1, { discrepancies: 1 })], [SET], { ...ent, inspectionDiscrepancies: 2 }),
      TX2,
    );
    t.equal(later.record.screening!.action, 'HOLD');

    const stranger = resultReq({
      verdict: 'DISCREPANCY',
      discrepancies: [{ kind: 'QUANTITY', items: [GOODS.sgtin(9)] }],
      consequence: { kind: 'HOLD', items: [GOODS.sgtin(9)] },
    });
    t.match(
      throwsCode(
        t,
        () => decideInspectionResult(stranger, { ...screened, enterprise, seed: undefined }, 'customs', TX2),
        ErrorCode.INVALID_ARGUMENT,
      ),
      /is not on release list RL-1/,
    );
    const seizure = decideInspectionResult(
      resultReq({
        verdict: 'DISCREPANCY',
        discrepancies: [{ kind: 'VALUE', items: [] }],
        consequence: { kind: 'SEIZURE', items: [GOODS.sgtin(1)] },
      }),
      { ...screened, enterprise, seed: undefined },
      'customs',
      TX2,
    );
    t.same(
      seizure.items!.map((i) => [i.sgtin, i.status]),
      [
        [GOODS.sgtin(1), 'SEIZED'],
        [GOODS.sgtin(2), 'EXITED'],
      ],
    );
  },
);

t.test('inspection result requests are decoded strictly', async (t) => {
  throwsCode(
    t,
    () => resultReq({ verdict: 'CONFORMING', discrepancies: [{ kind: 'VALUE' }], consequence: { kind: 'RELEASE' } }),
    ErrorCode.INVALID_ARGUMENT,
    'conforming with a discrepancy',
  );
  throwsCode(
    t,
    () => resultReq({ verdict: 'CONFORMING', consequence: { kind: 'HOLD', items: [GOODS.sgtin(1)] } }),
    ErrorCode.INVALID_ARGUMENT,
    'conforming that holds',
  );
  throwsCode(
    t,
    () => resultReq({ verdict: 'DISCREPANCY', consequence: { kind: 'RELEASE' } }),
    ErrorCode.INVALID_ARGUMENT,
    'discrepancy without one',
  );
  throwsCode(
    t,
    () => resultReq({ verdict: 'DISCREPANCY', discrepancies: [{ kind: 'QUANTITY' }], consequence: { kind: 'HOLD' } }),
    ErrorCode.INVALID_ARGUMENT,
    'a hold naming no item',
  );
  throwsCode(
    t,
    () =>
      resultReq({
        verdict: 'CONFORMING',
        consequence: { kind: 'RELEASE' },
        evidence: { sha256: 'x', uri: EVIDENCE.uri },
      }),
    ErrorCode.INVALID_ARGUMENT,
    'evidence hash',
  );
  throwsCode(
    t,
    () => resultReq({ verdict: 'CONFORMING', consequence: { kind: 'RELEASE' }, method: 'SNIFFER_DOG' }),
    ErrorCode.INVALID_ARGUMENT,
    'method',
  );
});
