// Proves one call, one response (一呼一应, issue 18 Must 5) as pure rules: working time is Mon-Fri 09:00-17:00 Shanghai
// (a request filed Friday 16:00 with two working hours is due Monday 10:00); a filing records its time, its due time and
// what was asked, and refuses another enterprise's or unheld items; answers follow OPEN → ACCEPTED → DONE / OPEN → REFUSED
// / OPEN → DONE with stable codes for an unknown request, a second accept and a closed request; a late first answer is
// marked late; the rule set's answer time is optional and bounded.
// How: the ledger model's decoders and working-hours function and the chaincode's pure decisions on literal records.
import t from 'tap';
import {
  addWorkingMinutes,
  decodeAnswerRequest,
  decodeFileRequest,
  ErrorCode,
  parseInstant,
  toShanghaiIso,
  WORKING_MINUTES_MAX,
  type TxClock,
} from '@hainan/ledger-model';
import type { Tx } from '../../../chaincode/src/domain/decision';
import type { ItemRecord } from '../../../chaincode/src/domain/records';
import {
  answerWorkingMinutesOf,
  decideAnswer,
  decideFiling,
  type CustomsRequestRecord,
} from '../../../chaincode/src/domain/requests';
import { DEFAULT_RULE_SETS, validateRuleSet } from '../../../chaincode/src/domain/rules';
import { gln } from '../../../testkit/src/trace';
import { throwsCode } from './helpers/throws-code';

const ENT = '91460000MA5T000001';
const OTHER = '91460000MA5T000002';
const GLN = gln(1);
const sh = (local: string) => toShanghaiIso(parseInstant(`${local}+08:00`));
const due = (local: string, minutes: number) =>
  toShanghaiIso(addWorkingMinutes(parseInstant(`${local}+08:00`), minutes));
const txAt = (local: string, id = `tx-${local}`): Tx & TxClock => {
  const ms = parseInstant(`${local}+08:00`);
  return { id, ms, iso: new Date(ms).toISOString() };
};

t.test('working time: Monday to Friday, 09:00 to 17:00 Asia/Shanghai', async (t) => {
  // 2026-03-06 is a Friday.
  t.equal(due('2026-03-06T16:00:00', 120), sh('2026-03-09T10:00:00'), 'Friday 16:00 + 2 h → Monday 10:00');
  t.equal(due('2026-03-07T11:00:00', 120), sh('2026-03-09T11:00:00'), 'Saturday → Monday 11:00');
  t.equal(due('2026-03-09T07:30:00', 120), sh('2026-03-09T11:00:00'), 'before opening: counts from 09:00');
  t.equal(due('2026-03-09T15:00:00', 120), sh('2026-03-09T17:00:00'), 'ending exactly at closing');
  t.equal(due('2026-03-09T15:00:01', 120), sh('2026-03-10T09:00:01'), 'a second over runs into the next morning');
  t.equal(due('2026-03-11T16:30:00', 120), sh('2026-03-12T10:30:00'), 'Wednesday 16:30 → Thursday 10:30');
  t.equal(due('2026-03-09T09:00:00', 480), sh('2026-03-09T17:00:00'), 'one working day');
  t.equal(due('2026-03-09T18:00:00', 1), sh('2026-03-10T09:01:00'), 'after closing: the next morning');
  t.equal(
    due('2026-03-06T18:00:00', WORKING_MINUTES_MAX),
    sh('2026-04-03T17:00:00'),
    '20 working days from a Friday evening: four weeks later, Friday 17:00',
  );
  t.equal(
    due('2026-01-01T08:00:00', 60),
    sh('2026-01-01T10:00:00'),
    'New Year (a Thursday): holidays are not modelled',
  );
  t.throws(() => addWorkingMinutes(0, 0), 'zero minutes is a programming error');
  t.throws(() => addWorkingMinutes(0, WORKING_MINUTES_MAX + 1), 'beyond 20 working days');
  t.throws(() => addWorkingMinutes(0.5, 10), 'a fractional instant');
});

const booking = {
  kind: 'INSPECTION_BOOKING',
  place: GLN,
  window: { from: '2026-03-10T09:00:00+08:00', to: '2026-03-10T12:00:00+08:00' },
};

t.test('decoding a request: the fields of its kind, a window that is not over', async (t) => {
  const tx = txAt('2026-03-06T16:00:00');
  t.same(decodeFileRequest({ ...booking, requestId: 'R-1' }, tx), {
    requestId: 'R-1',
    kind: 'INSPECTION_BOOKING',
    place: GLN,
    window: { from: '2026-03-10T09:00:00.000+08:00', to: '2026-03-10T12:00:00.000+08:00' },
  });
  throwsCode(t, () => decodeFileRequest({ ...booking, items: ['4600000000000017'] }, tx), ErrorCode.INVALID_ARGUMENT);
  throwsCode(t, () => decodeFileRequest({ kind: 'INSPECTION_BOOKING', place: GLN }, tx), ErrorCode.INVALID_ARGUMENT);
  const over = { from: '2026-03-01T09:00:00+08:00', to: '2026-03-01T12:00:00+08:00' };
  t.match(
    throwsCode(t, () => decodeFileRequest({ ...booking, window: over }, tx), ErrorCode.INVALID_ARGUMENT),
    /ended/,
  );
  const long = { from: '2026-03-10T09:00:00+08:00', to: '2026-03-18T09:00:00+08:00' };
  throwsCode(t, () => decodeFileRequest({ ...booking, window: long }, tx), ErrorCode.INVALID_ARGUMENT, '8 days');
  const back = { from: '2026-03-10T12:00:00+08:00', to: '2026-03-10T09:00:00+08:00' };
  throwsCode(t, () => decodeFileRequest({ ...booking, window: back }, tx), ErrorCode.INVALID_ARGUMENT, 'to < from');
  throwsCode(
    t,
    () => decodeFileRequest({ ...booking, place: `${GLN.slice(0, 12)}${(Number(GLN[12]) + 1) % 10}` }, tx),
    ErrorCode.INVALID_ARGUMENT,
  );
  throwsCode(t, () => decodeFileRequest({ kind: 'RECORD_CORRECTION', ref: 'D-1' }, tx), ErrorCode.INVALID_ARGUMENT);
  throwsCode(t, () => decodeFileRequest({ kind: 'PARDON', reason: 'x' }, tx), ErrorCode.INVALID_ARGUMENT);
  t.same(decodeFileRequest({ kind: 'REINSTATEMENT', reason: 'rectified' }, tx), {
    requestId: undefined,
    kind: 'REINSTATEMENT',
    reason: 'rectified',
  });
  throwsCode(t, () => decodeAnswerRequest({ requestId: 'R-1', answer: 'REFUSE' }, tx), ErrorCode.INVALID_ARGUMENT);
  const slot = { from: '2026-03-10T10:00:00+08:00', to: '2026-03-10T11:00:00+08:00' };
  throwsCode(t, () => decodeAnswerRequest({ requestId: 'R-1', answer: 'DONE', slot }, tx), ErrorCode.INVALID_ARGUMENT);
});

function item(i: number, over: Partial<ItemRecord> = {}): ItemRecord {
  return {
    sgtin: `urn:epc:id:sgtin:0614141.812345.${i}`,
    product: { gtin: '80614141123458', hsCode: '330300', category: 'COSMETICS' } as ItemRecord['product'],
    regime: 'ZERO_TARIFF',
    valueFen: 40_000,
    importedMaterialsFen: 40_000,
    status: 'IN_STOCK',
    holder: ENT,
    location: GLN,
    hold: { reason: 'inspection', heldAt: '2026-03-01T00:00:00.000Z', by: 'customs' },
    entry: { declarationNo: 'D-1', enteredAt: '2026-01-01T00:00:00.000Z', enteredBy: ENT },
    lastEventTime: '2026-03-01T00:00:00.000Z',
    lastTxId: 'tx-hold',
    ...over,
  };
}

const filingCtx = { enterprise: ENT, by: 'x509::enterprise', items: [] as ItemRecord[], answerWorkingMinutes: 120 };

function filed(local = '2026-03-06T16:00:00'): CustomsRequestRecord {
  const tx = txAt(local, 'tx-file');
  return decideFiling(decodeFileRequest({ ...booking, requestId: 'R-1' }, tx), filingCtx, tx).records!
    .request as CustomsRequestRecord;
}

t.test('a filing records when it was filed, when its answer is due and what was asked', async (t) => {
  const tx = txAt('2026-03-06T16:00:00', 'tx-file');
  const d = decideFiling(decodeFileRequest(booking, tx), filingCtx, tx);
  t.equal(d.type, 'REQUEST_FILED');
  t.equal(d.eventTime, tx.iso);
  const record = d.records!.request as CustomsRequestRecord;
  t.match(record, {
    requestId: 'tx-file',
    enterprise: ENT,
    kind: 'INSPECTION_BOOKING',
    status: 'OPEN',
    filedAt: '2026-03-06T08:00:00.000Z',
    dueAt: '2026-03-09T10:00:00.000+08:00',
    answerWorkingMinutes: 120,
    detail: { place: GLN, window: { from: '2026-03-10T09:00:00.000+08:00' } },
    answers: [],
  });
  t.same(d.writes, [{ type: 'req', attrs: ['tx-file'], value: record }], 'one write, under the request id');
  const quick = decideFiling(decodeFileRequest(booking, tx), { ...filingCtx, answerWorkingMinutes: 30 }, tx);
  t.equal((quick.records!.request as CustomsRequestRecord).dueAt, '2026-03-06T16:30:00.000+08:00');
  t.equal(answerWorkingMinutesOf({}), 120, 'two working hours when the rules name none');
  t.equal(answerWorkingMinutesOf({ requestAnswerWorkingMinutes: 60 }), 60);
});

t.test('a hold release names only held items of the enterprise', async (t) => {
  const tx = txAt('2026-03-06T10:00:00');
  const req = decodeFileRequest({ kind: 'HOLD_RELEASE', items: [item(1).sgtin, item(2).sgtin] }, tx);
  const ok = decideFiling(req, { ...filingCtx, items: [item(1), item(2)] }, tx);
  t.same((ok.records!.request as CustomsRequestRecord).detail, { items: [item(1).sgtin, item(2).sgtin] });
  throwsCode(
    t,
    () => decideFiling(req, { ...filingCtx, items: [item(1), item(2, { holder: OTHER })] }, tx),
    ErrorCode.NOT_HOLDER,
    "another enterprise's item",
  );
  const { hold: _h, ...unheld } = item(2);
  t.match(
    throwsCode(t, () => decideFiling(req, { ...filingCtx, items: [item(1), unheld] }, tx), ErrorCode.INVALID_ARGUMENT),
    /is not held/,
  );
});

t.test('answers: open → accepted → done, or refused; invalid transitions have stable codes', async (t) => {
  const open = filed();
  const answer = (prev: CustomsRequestRecord | undefined, f: Record<string, unknown>, local: string) => {
    const tx = txAt(local, `tx-${f.answer as string}`);
    return decideAnswer(prev, decodeAnswerRequest({ requestId: 'R-1', ...f }, tx), 'x509::officer', tx).records!
      .request as CustomsRequestRecord;
  };
  const slot = { from: '2026-03-10T10:00:00+08:00', to: '2026-03-10T11:00:00+08:00' };
  throwsCode(t, () => answer(undefined, { answer: 'ACCEPT', slot }, '2026-03-09T09:30:00'), ErrorCode.REQUEST_UNKNOWN);
  t.match(
    throwsCode(t, () => answer(open, { answer: 'ACCEPT' }, '2026-03-09T09:30:00'), ErrorCode.INVALID_ARGUMENT),
    /needs a slot/,
  );

  const accepted = answer(open, { answer: 'ACCEPT', slot }, '2026-03-09T09:30:00');
  t.match(accepted, {
    status: 'ACCEPTED',
    answeredAt: '2026-03-09T01:30:00.000Z',
    answeredLate: false,
    answers: [
      {
        answer: 'ACCEPT',
        at: '2026-03-09T01:30:00.000Z',
        by: 'x509::officer',
        txId: 'tx-ACCEPT',
        slot: { from: '2026-03-10T10:00:00.000+08:00', to: '2026-03-10T11:00:00.000+08:00', place: GLN },
      },
    ],
  });
  t.notOk('closedAt' in accepted, 'an accepted request is not closed');
  throwsCode(
    t,
    () => answer(accepted, { answer: 'ACCEPT', slot }, '2026-03-09T09:40:00'),
    ErrorCode.REQUEST_ALREADY_ANSWERED,
    'a second accept',
  );
  throwsCode(
    t,
    () => answer(accepted, { answer: 'REFUSE', reason: 'changed our mind' }, '2026-03-09T09:40:00'),
    ErrorCode.REQUEST_ALREADY_ANSWERED,
    'a refusal after an accept',
  );
  const done = answer(accepted, { answer: 'DONE', note: 'inspected, conforming' }, '2026-03-10T11:00:00');
  t.match(done, { status: 'DONE', answeredAt: accepted.answeredAt, closedAt: '2026-03-10T03:00:00.000Z' });
  t.equal(done.answers.length, 2);
  throwsCode(t, () => answer(done, { answer: 'DONE' }, '2026-03-10T12:00:00'), ErrorCode.REQUEST_CLOSED, 'done twice');

  const refused = answer(open, { answer: 'REFUSE', reason: 'no officer free' }, '2026-03-09T11:30:00');
  t.match(refused, { status: 'REFUSED', answeredLate: true, closedAt: refused.answeredAt });
  t.match(refused.answers[0], { answer: 'REFUSE', reason: 'no officer free' });
  throwsCode(
    t,
    () => answer(refused, { answer: 'ACCEPT', slot }, '2026-03-09T12:00:00'),
    ErrorCode.REQUEST_CLOSED,
    'accept after refuse',
  );
  const doneAtOnce = answer(open, { answer: 'DONE' }, '2026-03-09T09:00:00');
  t.match(doneAtOnce, { status: 'DONE', answeredLate: false }, 'done at once, in time (due 10:00)');
});

t.test("the rule set's answer time is optional and bounded", async (t) => {
  const base = { ...DEFAULT_RULE_SETS[1]! } as Record<string, unknown>;
  t.notOk('requestAnswerWorkingMinutes' in validateRuleSet(base), 'absent stays absent (the default applies)');
  t.equal(validateRuleSet({ ...base, requestAnswerWorkingMinutes: 240 }).requestAnswerWorkingMinutes, 240);
  throwsCode(t, () => validateRuleSet({ ...base, requestAnswerWorkingMinutes: 0 }), ErrorCode.INVALID_ARGUMENT);
  throwsCode(
    t,
    () => validateRuleSet({ ...base, requestAnswerWorkingMinutes: WORKING_MINUTES_MAX + 1 }),
    ErrorCode.INVALID_ARGUMENT,
  );
});
