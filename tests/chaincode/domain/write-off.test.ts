// Proves the write-off match and decision (issue 18 Must 4, 底账核销): a month of entries, exits and a consolidated
// declaration whose documents all match is written off whole under one hash that does not depend on input order but
// changes with any matched movement; each kind of mismatch (no document, unknown release list, lines differing from
// the movements, no gate release, an undeclared batch exit, a document without movements) is listed with the
// transactions behind it and left out of the hash; on-island movements are counted out of scope; an open period is
// refused with PERIOD_NOT_CLOSED, a second write-off with ALREADY_WRITTEN_OFF, and one asked for a matched set the
// ledger no longer matches with WRITE_OFF_CHANGED.
// How: @hainan/ledger-model's pure matchWriteOff and chaincode/src/domain/write-off.ts over hand-built inputs.
import t, { type Test } from 'tap';
import {
  ChaincodeError,
  ErrorCode,
  matchWriteOff,
  WRITE_OFF_EVENTS_PER_EXCEPTION_MAX,
  type WriteOffInput,
  type WriteOffMovement,
  type WriteOffRecord,
  type WriteOffReleaseList,
} from '@hainan/ledger-model';
import { decideWriteOff, requireWriteOffAllowed } from '../../../chaincode/src/domain/write-off';
import type { PeriodRecord } from '../../../chaincode/src/domain/records';

const ENT = '91460000MA5T000001';
const PERIOD = '2026-03';
const PERFUME = '80614141123458';
const CREAM = '80614141223456';
const L1 = '6901234000013';
const TX = { id: 'tx-woff', iso: '2026-04-02T02:00:00.000Z', ms: Date.parse('2026-04-02T02:00:00.000Z') };

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

const mv = (txId: string, eventType: string, day: number, gtin: string, qty: number, regime = 'ZERO_TARIFF') =>
  ({
    txId,
    eventType,
    eventTime: `2026-03-${String(day).padStart(2, '0')}T02:00:00.000Z`,
    gtin,
    regime,
    location: L1,
    qty,
  }) satisfies WriteOffMovement;

function exit(
  no: string,
  txId: string,
  day: number,
  lines: [string, number][],
  over: Partial<WriteOffReleaseList> = {},
) {
  return {
    releaseListNo: no,
    enterprise: ENT,
    txId,
    exitedAt: `2026-03-${String(day).padStart(2, '0')}T02:00:00.000Z`,
    batch: false,
    lines: lines.flatMap(([gtin, n]) => Array.from({ length: n }, () => ({ gtin, regime: 'ZERO_TARIFF' }))),
    gateRelease: { txId: `gate-${no}`, releasedAt: '2026-03-28T02:00:00.000Z' },
    ...over,
  } satisfies WriteOffReleaseList;
}

/** A clean month: two entries, a plain exit, a declared batch exit, a shipment (out of scope). */
function cleanMonth(): WriteOffInput {
  return {
    enterprise: ENT,
    period: PERIOD,
    movements: [
      mv('tx-e1', 'ENTRY', 2, PERFUME, 10),
      mv('tx-e2', 'ENTRY', 3, CREAM, 5),
      mv('tx-x1', 'EXIT', 10, PERFUME, -3),
      mv('tx-x2', 'EXIT', 12, PERFUME, -2),
      mv('tx-x2', 'EXIT', 12, CREAM, -1),
      mv('tx-s1', 'SHIPMENT', 15, PERFUME, -1),
    ],
    documentOf: { 'tx-e1': 'D-1', 'tx-e2': 'D-2', 'tx-x1': 'RL-1', 'tx-x2': 'RL-2' },
    releaseLists: {
      'RL-1': exit('RL-1', 'tx-x1', 10, [[PERFUME, 3]]),
      'RL-2': exit(
        'RL-2',
        'tx-x2',
        12,
        [
          [PERFUME, 2],
          [CREAM, 1],
        ],
        { batch: true, declarationNo: 'CD-1' },
      ),
    },
    batchReleaseLists: ['RL-2'],
    declarations: {
      'CD-1': {
        declarationNo: 'CD-1',
        enterprise: ENT,
        period: PERIOD,
        releaseLists: ['RL-2'],
        declaredAt: '2026-04-20T02:00:00.000Z',
        txId: 'tx-d1',
      },
    },
  };
}

t.test('a month whose documents all match is written off whole under one hash', async (t) => {
  const r = matchWriteOff(cleanMonth());
  t.same(r.unmatched, []);
  t.same(
    r.matched.map((m) => [m.type, m.no, m.txIds]),
    [
      ['CONSOLIDATED_DECLARATION', 'CD-1', ['tx-d1', 'tx-x2']],
      ['IMPORT_DECLARATION', 'D-1', ['tx-e1']],
      ['IMPORT_DECLARATION', 'D-2', ['tx-e2']],
      ['RELEASE_LIST', 'RL-1', ['tx-x1']],
      ['RELEASE_LIST', 'RL-2', ['tx-x2']],
    ],
  );
  t.same(
    r.matched.find((m) => m.no === 'RL-2')!.lines,
    [
      { gtin: PERFUME, regime: 'ZERO_TARIFF', location: L1, qty: -2 },
      { gtin: CREAM, regime: 'ZERO_TARIFF', location: L1, qty: -1 },
    ].sort((a, b) => (a.gtin < b.gtin ? -1 : 1)),
  );
  t.same(r.counts, {
    matchedDocuments: 5,
    matchedMovements: 5,
    unmatchedDocuments: 0,
    unmatchedMovements: 0,
    outOfScopeMovements: 1,
  });
  t.match(r.matchedHash, /^[0-9a-f]{64}$/);
});

t.test('the hash depends on the matched set only, never on the order the ledger was read in', async (t) => {
  const base = matchWriteOff(cleanMonth());
  const shuffled = cleanMonth();
  const reordered: WriteOffInput = {
    ...shuffled,
    movements: [...shuffled.movements].reverse(),
    batchReleaseLists: [...shuffled.batchReleaseLists].reverse(),
  };
  t.equal(matchWriteOff(reordered).matchedHash, base.matchedHash, 'same hash whatever the order');
  const changed = cleanMonth();
  const moreEntered: WriteOffInput = {
    ...changed,
    movements: changed.movements.map((m) => (m.txId === 'tx-e1' ? { ...m, qty: 11 } : m)),
  };
  t.not(matchWriteOff(moreEntered).matchedHash, base.matchedHash, 'a matched movement changes the hash');
  const otherPeriod: WriteOffInput = { ...cleanMonth(), period: '2026-02' };
  t.not(matchWriteOff(otherPeriod).matchedHash, base.matchedHash, 'the period is part of the hash');
});

t.test('each mismatch is listed with the transactions behind it and left out of the hash', async (t) => {
  const input = cleanMonth();
  const planted: WriteOffInput = {
    ...input,
    movements: [
      ...input.movements,
      mv('tx-x3', 'EXIT', 20, PERFUME, -1), // RL-3: never passed a gate
      mv('tx-x4', 'EXIT', 21, PERFUME, -1), // RL-4: batch, no consolidated declaration
      mv('tx-x5', 'EXIT', 22, PERFUME, -2), // RL-5: lists 1 item, booked out 2
      mv('tx-x6', 'EXIT', 23, CREAM, -1), // names a release list no exit carries
      mv('tx-e3', 'ENTRY', 24, CREAM, 1), // its event carries no document
    ],
    documentOf: { ...input.documentOf, 'tx-x3': 'RL-3', 'tx-x4': 'RL-4', 'tx-x5': 'RL-5', 'tx-x6': 'RL-6' },
    releaseLists: {
      ...input.releaseLists,
      'RL-3': exit('RL-3', 'tx-x3', 20, [[PERFUME, 1]], { gateRelease: undefined }),
      'RL-4': exit('RL-4', 'tx-x4', 21, [[PERFUME, 1]], { batch: true }),
      'RL-5': exit('RL-5', 'tx-x5', 22, [[PERFUME, 1]]),
      'RL-7': exit('RL-7', 'tx-x7', 25, [[PERFUME, 1]], { batch: true }), // a batch marker, no movements
    },
    batchReleaseLists: ['RL-2', 'RL-4', 'RL-7'],
  };
  const r = matchWriteOff(planted);
  t.same(
    r.unmatched.map((u) => [u.type, u.no, u.reason, u.events.map((e) => e.txId)]),
    [
      ['IMPORT_DECLARATION', null, 'NO_DOCUMENT', ['tx-e3']],
      ['RELEASE_LIST', 'RL-3', 'NOT_RELEASED_AT_GATE', ['tx-x3']],
      ['RELEASE_LIST', 'RL-4', 'NOT_DECLARED', ['tx-x4']],
      ['RELEASE_LIST', 'RL-5', 'QUANTITY_MISMATCH', ['tx-x5']],
      ['RELEASE_LIST', 'RL-6', 'RELEASE_LIST_UNKNOWN', ['tx-x6']],
      ['RELEASE_LIST', 'RL-7', 'NO_MOVEMENTS', ['tx-x7']],
    ],
  );
  t.match(r.unmatched[1]!.detail, /RL-3 booked its goods out at .* but never passed a second-line gate/);
  t.match(r.unmatched[2]!.detail, /batch release list RL-4 is in no consolidated declaration/);
  t.match(r.unmatched[3]!.detail, /RL-5 lists 1 items; its transaction booked out 2/);
  t.same(r.unmatched[1]!.events[0], { txId: 'tx-x3', eventType: 'EXIT', eventTime: '2026-03-20T02:00:00.000Z' });
  t.equal(r.matchedHash, matchWriteOff(cleanMonth()).matchedHash, 'the matched set and its hash are unchanged');
  t.same(r.counts, {
    matchedDocuments: 5,
    matchedMovements: 5,
    unmatchedDocuments: 6,
    unmatchedMovements: 5,
    outOfScopeMovements: 1,
  });
});

t.test(
  'a consolidated declaration listing a release list without movements in the period is not written off',
  async (t) => {
    const input = cleanMonth();
    const r = matchWriteOff({
      ...input,
      declarations: { 'CD-1': { ...input.declarations['CD-1']!, releaseLists: ['RL-2', 'RL-9'] } },
    });
    t.same(
      r.unmatched.map((u) => [u.type, u.no, u.reason, u.events.map((e) => e.txId)]),
      [['CONSOLIDATED_DECLARATION', 'CD-1', 'NO_MOVEMENTS', ['tx-x2', 'tx-d1']]],
    );
    t.match(r.unmatched[0]!.detail, /without movements in 2026-03: RL-9/);
  },
);

t.test('the transactions behind one mismatch are bounded and counted', async (t) => {
  const n = WRITE_OFF_EVENTS_PER_EXCEPTION_MAX + 5;
  // n exit transactions naming one release list: no exit carries it from all of them.
  const txIds = Array.from({ length: n }, (_, i) => `tx-${String(i).padStart(3, '0')}`);
  const r = matchWriteOff({
    enterprise: ENT,
    period: PERIOD,
    movements: txIds.map((txId) => mv(txId, 'EXIT', 2, PERFUME, -1)),
    documentOf: Object.fromEntries(txIds.map((txId) => [txId, 'RL-9'])),
    releaseLists: {},
    batchReleaseLists: [],
    declarations: {},
  });
  t.equal(r.unmatched.length, 1);
  t.match(r.unmatched[0], { no: 'RL-9', reason: 'RELEASE_LIST_UNKNOWN', eventCount: n });
  t.equal(r.unmatched[0]!.events.length, WRITE_OFF_EVENTS_PER_EXCEPTION_MAX);
  t.equal(r.counts.unmatchedMovements, n);
});

t.test('only a closed period is written off, and only once', async (t) => {
  const closed: PeriodRecord = {
    enterprise: ENT,
    period: PERIOD,
    closedAt: '2026-04-01T02:00:00.000Z',
    closedBy: 'x509::enterprise1',
    snapshotHash: 'ab'.repeat(32),
    balances: [],
  };
  throwsCode(
    t,
    () => requireWriteOffAllowed(ENT, PERIOD, undefined, undefined),
    ErrorCode.PERIOD_NOT_CLOSED,
    /period 2026-03 of 91460000MA5T000001 is not closed/,
  );
  t.equal(requireWriteOffAllowed(ENT, PERIOD, closed, undefined), closed);
  const decision = decideWriteOff(closed, cleanMonth(), 'x509::customs', TX);
  t.equal(decision.type, 'WRITE_OFF');
  t.same(decision.writes, [{ type: 'woff', attrs: [ENT, PERIOD], value: decision.record }]);
  t.same(decision.records, { writeOff: decision.record });
  t.match(decision.record, {
    enterprise: ENT,
    period: PERIOD,
    periodSnapshotHash: closed.snapshotHash,
    writtenOffAt: TX.iso,
    writtenOffBy: 'x509::customs',
    txId: TX.id,
    matchedHash: matchWriteOff(cleanMonth()).matchedHash,
  });
  t.equal(
    decideWriteOff(closed, cleanMonth(), 'x509::customs', TX, decision.record.matchedHash).record.matchedHash,
    decision.record.matchedHash,
    'recorded when the matched set is the one expected',
  );
  throwsCode(
    t,
    () => decideWriteOff(closed, cleanMonth(), 'x509::customs', TX, '00'.repeat(32)),
    ErrorCode.WRITE_OFF_CHANGED,
    /now hashes to [0-9a-f]{64}, not 0{64}: its documents changed since; preview again/,
  );
  const earlier: WriteOffRecord = decision.record;
  throwsCode(
    t,
    () => requireWriteOffAllowed(ENT, PERIOD, closed, earlier),
    ErrorCode.ALREADY_WRITTEN_OFF,
    /written off at 2026-04-02T02:00:00.000Z \(transaction tx-woff\)/,
  );
});
