// Proves the gate release decision (issue 18 Must 3, 卡口核放): a cleared exit passes once with gate and time recorded
// and an EPCIS departing event; a second pass is refused naming when and where; a risk-flagged or randomly selected
// exit is refused naming each item until a conforming result is recorded; held, foreign and unlisted items are named;
// the refusal names at most 50 blockers and counts the rest; a bad request is refused by the decoder. (An unknown
// release list is the contract's RELEASE_LIST_UNKNOWN: see tests/gateway/gate-release.fabric.pg.test.ts.)
// How: the pure decision over hand-built exit and item records; no ledger.
import t, { type Test } from 'tap';
import { ChaincodeError, decodeGateReleaseRequest, ErrorCode, type GateReleaseRequest } from '@hainan/ledger-model';
import { decideGateRelease, GATE_BLOCKERS_NAMED_MAX } from '../../../chaincode/src/domain/gate';
import type { InspectionResult } from '../../../chaincode/src/domain/inspection-result';
import type { ExitRecord, ItemRecord, SeedRecord } from '../../../chaincode/src/domain/records';

function throwsCode(t: Test, fn: () => unknown, code: ErrorCode, message?: RegExp): void {
  try {
    fn();
    t.fail(`expected ${code}`);
  } catch (error) {
    t.ok(error instanceof ChaincodeError, `${code}: a ChaincodeError`);
    t.equal((error as ChaincodeError).code, code);
    if (message) t.match((error as Error).message, message);
  }
}

const ENT = '91460000MA5T000001';
const OTHER = '91460000MA5T000002';
const TX = { id: 'tx-gate', iso: '2026-03-01T02:00:00.000Z', ms: Date.parse('2026-03-01T02:00:00.000Z') };
const sgtin = (i: number) => `urn:epc:id:sgtin:0614141.812345.${i}`;

function item(i: number, over: Partial<ItemRecord> = {}): ItemRecord {
  return {
    sgtin: sgtin(i),
    product: { gtin: '80614141123458', hsCode: '330300', category: 'COSMETICS' } as ItemRecord['product'],
    regime: 'ZERO_TARIFF',
    valueFen: 40_000,
    importedMaterialsFen: 40_000,
    status: 'EXITED',
    holder: ENT,
    location: 'urn:epc:id:sgln:0614141.00001.0',
    entry: { declarationNo: 'D-1', enteredAt: '2026-01-01T00:00:00.000Z', enteredBy: ENT },
    lastEventTime: '2026-02-01T00:00:00.000Z',
    lastTxId: 'tx-exit',
    ...over,
  };
}

function exitOf(n: number, over: Partial<ExitRecord> = {}): ExitRecord {
  return {
    releaseListNo: 'RL-1',
    enterprise: ENT,
    port: 'HAIKOU_XINHAIGANG',
    batch: false,
    period: '2026-02',
    items: Array.from({ length: n }, (_, i) => ({
      sgtin: sgtin(i + 1),
      exitValueFen: 60_000,
      tariffExempt: true,
      regime: 'ZERO_TARIFF' as const,
    })),
    creditClass: 'WHITELIST',
    inspection: { rateBp: 0 },
    screening: { rulesEffectiveFrom: '2025-01-01T00:00:00+08:00', score: 0, fired: [], action: 'NONE' },
    exitedAt: '2026-02-01T00:00:00.000Z',
    txId: 'tx-exit',
    ...over,
  };
}

function req(over: Partial<GateReleaseRequest> = {}): GateReleaseRequest {
  return {
    releaseListNo: 'RL-1',
    gate: 'HKX-GATE-3',
    items: undefined,
    eventTime: { iso: TX.iso, ms: TX.ms },
    eventId: undefined,
    ...over,
  };
}

const items = (n: number) => Array.from({ length: n }, (_, i) => item(i + 1));
const result = (
  verdict: 'CONFORMING' | 'DISCREPANCY',
  kind: InspectionResult['consequence']['kind'],
  named: string[] = [],
): InspectionResult => ({
  method: 'IMAGE_REVIEW',
  officer: 'HK-0042',
  inspectedAt: '2026-02-02T00:00:00.000Z',
  verdict,
  discrepancies: verdict === 'DISCREPANCY' ? [{ kind: 'QUANTITY', items: named }] : [],
  evidence: { sha256: 'ab'.repeat(32), uri: 's3://scans/RL-1.dcm' },
  consequence: { kind, items: named },
  selectedBy: 'RISK',
  recordedBy: 'customs',
  txId: 'tx-inspect',
});

t.test(
  'a clean exit passes once: gate, time and officer on the exit, a departing event, every item stamped',
  async (t) => {
    const exit = exitOf(2);
    const d = decideGateRelease(req(), { exit, items: items(2), seed: undefined }, 'customs-officer', TX);
    t.same(d.record, { gate: 'HKX-GATE-3', releasedAt: TX.iso, releasedBy: 'customs-officer', txId: TX.id });
    t.equal(d.type, 'GATE_RELEASE');
    t.same(
      d.writes?.map((w) => w.attrs),
      [['RL-1']],
      'one write: the exit record',
    );
    const released = d.writes?.[0]?.value as ExitRecord;
    t.same(released.gateRelease, d.record, 'the exit record carries the release');
    t.same(
      d.items?.map((i) => [i.sgtin, i.status, i.lastTxId]),
      [
        [sgtin(1), 'EXITED', TX.id],
        [sgtin(2), 'EXITED', TX.id],
      ],
    );
    t.notOk(d.movements, 'no book movement: the exit already wrote the goods off');
    t.match(d.epcis?.[0], {
      type: 'ObjectEvent',
      action: 'OBSERVE',
      bizStep: 'departing',
      epcList: [sgtin(1), sgtin(2)],
      'hn:gate': 'HKX-GATE-3',
      'hn:releaseListNo': 'RL-1',
    });

    throwsCode(
      t,
      () =>
        decideGateRelease(
          req({ gate: 'HKX-GATE-4' }),
          { exit: released, items: d.items ?? [], seed: undefined },
          'customs-officer',
          { ...TX, id: 'tx-2' },
        ),
      ErrorCode.GATE_ALREADY_RELEASED,
      /already passed gate HKX-GATE-3 at 2026-03-01T02:00:00.000Z \(transaction tx-gate\)/,
    );
  },
);

t.test('a risk-flagged exit is refused naming each item until a conforming result is recorded', async (t) => {
  const screening = {
    rulesEffectiveFrom: '2025-01-01T00:00:00+08:00',
    score: 60,
    fired: [
      { ruleId: 'PERFUME-HS', weight: 60, action: 'IMAGE_REVIEW' as const, itemCount: 2, items: [sgtin(1), sgtin(2)] },
    ],
    action: 'IMAGE_REVIEW' as const,
  };
  const flagged = exitOf(2, { screening });
  throwsCode(
    t,
    () => decideGateRelease(req(), { exit: flagged, items: items(2), seed: undefined }, 'c', TX),
    ErrorCode.GATE_BLOCKED,
    new RegExp(
      `\\(2 blocking\\): ${sgtin(1).replace(/\./g, '\\.')}: not cleared, risk screening asked for IMAGE_REVIEW.*; ${sgtin(2).replace(/\./g, '\\.')}: not cleared`,
    ),
  );
  const discrepant = { ...flagged, inspectionResult: result('DISCREPANCY', 'HOLD', [sgtin(2)]) };
  throwsCode(
    t,
    () =>
      decideGateRelease(
        req(),
        {
          exit: discrepant,
          items: [item(1), item(2, { hold: { reason: 'inspection of RL-1: DISCREPANCY', heldAt: TX.iso, by: 'c' } })],
          seed: undefined,
        },
        'c',
        TX,
      ),
    ErrorCode.GATE_BLOCKED,
    /inspection result DISCREPANCY with consequence HOLD/,
  );
  const conforming = { ...flagged, inspectionResult: result('CONFORMING', 'RELEASE') };
  t.equal(
    decideGateRelease(req(), { exit: conforming, items: items(2), seed: undefined }, 'c', TX).record.gate,
    'HKX-GATE-3',
    'released after a conforming result',
  );
  // A discrepancy whose consequence released the goods (e.g. a corrected value) clears the exit too; its held items still block.
  const releasedAfterDiscrepancy = { ...flagged, inspectionResult: result('DISCREPANCY', 'RELEASE') };
  t.ok(decideGateRelease(req(), { exit: releasedAfterDiscrepancy, items: items(2), seed: undefined }, 'c', TX).record);
});

t.test('a randomly selected exit (seed revealed) needs a result too', async (t) => {
  const seed: SeedRecord = {
    seedId: 'S1',
    commitment: 'x',
    validFrom: '2026-01-01',
    validTo: '2026-12-31',
    committedAt: '2026-01-01',
    seed: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  };
  const selected = exitOf(1, { inspection: { seedId: 'S1', rateBp: 10_000 } });
  throwsCode(
    t,
    () => decideGateRelease(req(), { exit: selected, items: items(1), seed }, 'c', TX),
    ErrorCode.GATE_BLOCKED,
    /selected for inspection by the random draw/,
  );
  t.ok(
    decideGateRelease(req(), { exit: selected, items: items(1), seed: { ...seed, seed: undefined } }, 'c', TX).record,
    'an unrevealed draw cannot be checked on the chain and does not block',
  );
});

t.test('held, foreign and unlisted items are each named; the list is bounded', async (t) => {
  const exit = exitOf(3);
  const state = {
    exit,
    items: [
      item(1, { hold: { reason: 'customs hold', heldAt: TX.iso, by: 'c' } }),
      item(2, { holder: OTHER }),
      item(3, { status: 'SEIZED' }),
    ],
    seed: undefined,
  };
  throwsCode(
    t,
    () => decideGateRelease(req({ items: [sgtin(1), sgtin(2), sgtin(3), sgtin(9)] }), state, 'c', TX),
    ErrorCode.GATE_BLOCKED,
    /\(4 blocking\): .*\.9: not on release list RL-1; .*\.1: held \(customs hold\); .*\.2: held by another enterprise.*; .*\.3: is SEIZED, not EXITED$/,
  );
  // Presenting only the clean part of the list does not release the others as a side effect, but passes.
  const part = decideGateRelease(
    req({ items: [sgtin(1)] }),
    { exit, items: [item(1), item(2, { holder: OTHER }), item(3)], seed: undefined },
    'c',
    TX,
  );
  t.same(
    part.items?.map((i) => i.sgtin),
    [sgtin(1)],
  );

  const big = exitOf(120);
  const allHeld = Array.from({ length: 120 }, (_, i) =>
    item(i + 1, { hold: { reason: 'h', heldAt: TX.iso, by: 'c' } }),
  );
  try {
    decideGateRelease(req(), { exit: big, items: allHeld, seed: undefined }, 'c', TX);
    t.fail('expected GATE_BLOCKED');
  } catch (error) {
    const message = (error as Error).message;
    t.equal(message.match(/: held \(h\)/g)?.length, GATE_BLOCKERS_NAMED_MAX, 'the first 50 are named');
    t.match(message, /\(120 blocking\).*; and 70 more$/);
  }
});

t.test('the request decoder names a bad field', async (t) => {
  const clock = { iso: TX.iso, ms: TX.ms };
  t.match(decodeGateReleaseRequest({ releaseListNo: 'RL-1', gate: 'G1' }, clock), {
    releaseListNo: 'RL-1',
    gate: 'G1',
    items: undefined,
  });
  throwsCode(t, () => decodeGateReleaseRequest({ releaseListNo: 'RL-1' }, clock), ErrorCode.INVALID_ARGUMENT, /gate/);
  throwsCode(
    t,
    () => decodeGateReleaseRequest({ releaseListNo: 'RL-1', gate: 'G1', items: [sgtin(1), sgtin(1)] }, clock),
    ErrorCode.INVALID_ARGUMENT,
  );
  throwsCode(
    t,
    () => decodeGateReleaseRequest({ releaseListNo: 'RL-1', gate: 'G1', items: [] }, clock),
    ErrorCode.INVALID_ARGUMENT,
  );
});
