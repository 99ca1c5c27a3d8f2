// Proves every duty-free, exit and credit rule is enforced on the chain at its boundary, judged by the rules in force
// at the event time: pickup thresholds, age, per-purchase limits, quota split and reset, value added, consolidation,
// key-attention removal, the 30-day departure rule with its 3-year ban, mail after departure, auditable inspection.
// How: the traceability chaincode on a dev peer, driven through the official client with event times on each boundary.
import t from 'tap';
import { createHash } from 'node:crypto';
import { startDevnetProcess, DevnetProcess } from '../../testkit/src/devnet';
import { DEFAULT_RULE_SETS } from '../../chaincode/src/domain/rules';
import { ENTERPRISES, gln, personCode, product, registerDevnetEnterprises, TraceClient } from '../../testkit/src/trace';

const { operator, importer, processor } = ENTERPRISES;
const SHOP = gln(10);
const WAREHOUSE = gln(11);
const FACTORY = gln(12);
const DAY = 86_400_000;
let dn: DevnetProcess;
let c: TraceClient;
let serial = 0;
let saleNo = 0;

async function enter(
  n: number,
  o: {
    as?: string;
    location?: string;
    itemRef: number;
    category: string;
    volumeMl?: number;
    unitValueFen?: number;
    regime?: string;
    eventTime?: string;
  },
): Promise<string[]> {
  const p = product(o.itemRef);
  const items = Array.from({ length: n }, () => p.sgtin(`R${++serial}`));
  await c.submit(o.as ?? operator.identity, 'goods:Enter', {
    declarationNo: `D-${serial}`,
    location: o.location ?? SHOP,
    regime: o.regime ?? 'ZERO_TARIFF',
    product: { gtin: p.gtin, hsCode: '330300', category: o.category, ...(o.volumeMl ? { volumeMl: o.volumeMl } : {}) },
    unitValueFen: o.unitValueFen ?? 10_000,
    items,
    ...(o.eventTime ? { eventTime: o.eventTime } : {}),
  });
  return items;
}

function sell(
  items: string[],
  o: {
    person?: string;
    unitPriceFen?: number;
    eventTime?: string;
    pickupMode?: string;
    birthDate?: string;
    departure?: unknown;
    extra?: Record<string, unknown>;
  },
) {
  const eventTime = o.eventTime ?? new Date().toISOString();
  return c.submit<{ decision: { dutyFreeFen: number; taxableFen: number; quotaYear: number } }>(
    operator.identity,
    'sale:Sell',
    {
      saleId: `SALE-${++saleNo}`,
      personCode: o.person ?? personCode(`p${saleNo}`),
      location: SHOP,
      pickupMode: o.pickupMode ?? 'DEPARTURE_PICKUP',
      eventTime,
      departure:
        o.departure === undefined
          ? { mode: 'FLIGHT', ticketRef: 'HU7181', departureTime: new Date(Date.parse(eventTime) + DAY).toISOString() }
          : o.departure,
      lines: items.map((id) => ({ id, unitPriceFen: o.unitPriceFen ?? 10_000 })),
      ...(o.extra ?? {}),
    },
    { buyer: { birthDate: o.birthDate ?? '1990-01-01' } },
  );
}

t.before(async () => {
  dn = await startDevnetProcess();
  c = new TraceClient(dn);
  await registerDevnetEnterprises(c);
});
t.teardown(async () => {
  c?.close();
  await dn?.stop();
});

t.test(
  'buy-now-pick-up: unit price 19,999.99 allowed, 20,000.00 refused; guarantee pick-up at 49,999.99 vs 50,000.00',
  async (t) => {
    const [a, b] = await enter(2, { itemRef: 201, category: 'CLOTHING' });
    await sell([a!], { pickupMode: 'BUY_NOW_PICKUP', unitPriceFen: 1_999_999 });
    const over = await TraceClient.refused(sell([b!], { pickupMode: 'BUY_NOW_PICKUP', unitPriceFen: 2_000_000 }));
    t.equal(over.code, 'PICKUP_MODE_NOT_ALLOWED');
    const [w1, w2, w3] = await enter(3, { itemRef: 202, category: 'WATCH' });
    const under = await TraceClient.refused(
      sell([w1!], {
        pickupMode: 'GUARANTEE_PICKUP',
        unitPriceFen: 4_999_999,
        extra: { importTaxFen: 100_000, guaranteeFen: 100_000 },
      }),
    );
    t.equal(under.code, 'PICKUP_MODE_NOT_ALLOWED');
    const noGuarantee = await TraceClient.refused(
      sell([w2!], { pickupMode: 'GUARANTEE_PICKUP', unitPriceFen: 5_000_000, extra: { importTaxFen: 100_000 } }),
    );
    t.equal(noGuarantee.code, 'GUARANTEE_REQUIRED');
    const ok = await sell([w3!], {
      pickupMode: 'GUARANTEE_PICKUP',
      unitPriceFen: 5_000_000,
      extra: { importTaxFen: 100_000, guaranteeFen: 100_000 },
    });
    t.ok(ok.decision);
  },
);

t.test(
  'buyer age: 17 years old may buy on 2025-10-31, not on 2025-11-01; a ticket off the island is required',
  async (t) => {
    const [a, b, c2] = await enter(3, { itemRef: 203, category: 'FOOD', eventTime: '2025-10-01T10:00:00+08:00' });
    await sell([a!], { birthDate: '2008-06-01', eventTime: '2025-10-31T12:00:00+08:00' });
    const young = await TraceClient.refused(
      sell([b!], { birthDate: '2008-06-01', eventTime: '2025-11-01T12:00:00+08:00' }),
    );
    t.equal(young.code, 'BUYER_TOO_YOUNG');
    const noTicket = await TraceClient.refused(sell([c2!], { departure: null }));
    t.equal(noTicket.code, 'NO_DEPARTURE_TICKET');
  },
);

t.test(
  'per purchase: 30 cosmetics allowed, the 31st refused; 1,500 ml of alcohol allowed, 1,550 ml refused; 5 phones refused',
  async (t) => {
    const cosmetics = await enter(61, { itemRef: 204, category: 'COSMETICS', unitValueFen: 100 });
    await sell(cosmetics.slice(0, 30), { unitPriceFen: 100 });
    const thirtyOne = await TraceClient.refused(sell(cosmetics.slice(30, 61), { unitPriceFen: 100 }));
    t.equal(thirtyOne.code, 'PURCHASE_LIMIT_EXCEEDED');
    const wine = await enter(3, { itemRef: 205, category: 'ALCOHOL', volumeMl: 750 });
    const spirits = await enter(1, { itemRef: 206, category: 'ALCOHOL', volumeMl: 50 });
    const over = await TraceClient.refused(sell([wine[0]!, wine[1]!, spirits[0]!], {}));
    t.equal(over.code, 'PURCHASE_LIMIT_EXCEEDED', '1,550 ml');
    await sell([wine[0]!, wine[1]!], {});
    const phones = await enter(5, { itemRef: 207, category: 'MOBILE_PHONE' });
    t.equal((await TraceClient.refused(sell(phones, {}))).code, 'PURCHASE_LIMIT_EXCEEDED');
    await sell(phones.slice(0, 4), {});
  },
);

t.test(
  'annual quota: 95,000 used + 8,000 bought gives 5,000 duty-free and 3,000 taxable; resets at 00:00 1 January Shanghai',
  async (t) => {
    const person = personCode('quota-traveller');
    const watches = await enter(5, { itemRef: 208, category: 'WATCH', eventTime: '2025-12-01T10:00:00+08:00' });
    const first = await sell(watches.slice(0, 1), {
      person,
      unitPriceFen: 9_500_000,
      eventTime: '2025-12-20T10:00:00+08:00',
    });
    t.same([first.decision.dutyFreeFen, first.decision.taxableFen], [9_500_000, 0]);
    const second = await sell(watches.slice(1, 2), {
      person,
      unitPriceFen: 800_000,
      eventTime: '2025-12-31T23:59:59+08:00',
    });
    t.same(
      [second.decision.dutyFreeFen, second.decision.taxableFen, second.decision.quotaYear],
      [500_000, 300_000, 2025],
      'the part above the quota is taxable, not refused',
    );
    const third = await sell(watches.slice(2, 3), {
      person,
      unitPriceFen: 800_000,
      eventTime: '2026-01-01T00:00:00+08:00',
    });
    t.same(
      [third.decision.dutyFreeFen, third.decision.taxableFen, third.decision.quotaYear],
      [800_000, 0, 2026],
      'a new year, a new quota',
    );
    const q2025 = await c.evaluate<{ usedFen: number; remainingFen: number }>('customs-admin', 'query:GetPersonQuota', {
      personCode: person,
      year: 2025,
    });
    t.same([q2025.usedFen, q2025.remainingFen], [10_000_000, 0]);
  },
);

t.test(
  'value added: 30.00% exits tariff-free and 29.99% does not, with and without the upstream cumulative code',
  async (t) => {
    const raw = await enter(3, {
      as: importer.identity,
      location: WAREHOUSE,
      itemRef: 300,
      category: 'OTHER',
      unitValueFen: 10_000,
    });
    await c.submit(importer.identity, 'goods:Ship', {
      shipmentId: 'SH-VA',
      toEnterprise: processor.id,
      toLocation: FACTORY,
      items: raw,
    });
    await c.submit(processor.identity, 'goods:Receive', { shipmentId: 'SH-VA', location: FACTORY, items: raw });
    const mid = product(301);
    const fin = product(302);
    // Stage 1: each raw input (imported materials 100.00 CNY) becomes an intermediate worth 110.00 CNY.
    const stage1 = await c.submit<{ processing: { valueAddedBp: number } }>(processor.identity, 'goods:Process', {
      processingId: 'P-STAGE1',
      location: FACTORY,
      inputs: raw,
      outputs: [mid.sgtin('m1'), mid.sgtin('m2'), mid.sgtin('m3')],
      outputProduct: { gtin: mid.gtin, hsCode: '392690', category: 'OTHER' },
      outputUnitValueFen: 11_000,
    });
    t.equal(stage1.processing.valueAddedBp, 1000, 'stage 1 adds 10.00%');
    // Stage 2 with the cumulative code: imported materials stay 100.00 CNY per item.
    await c.submit(processor.identity, 'goods:Process', {
      processingId: 'P-STAGE2-CUM',
      location: FACTORY,
      inputs: [mid.sgtin('m1'), mid.sgtin('m2')],
      outputs: [fin.sgtin('f1'), fin.sgtin('f2')],
      outputProduct: { gtin: fin.gtin, hsCode: '392690', category: 'OTHER' },
      outputUnitValueFen: 12_000,
      cumulativeCode: 'P-STAGE1',
    });
    // Stage 2 without it: the intermediate counts at its full 110.00 CNY.
    await c.submit(processor.identity, 'goods:Process', {
      processingId: 'P-STAGE2-NOCUM',
      location: FACTORY,
      inputs: [mid.sgtin('m3')],
      outputs: [fin.sgtin('f3')],
      outputProduct: { gtin: fin.gtin, hsCode: '392690', category: 'OTHER' },
      outputUnitValueFen: 12_000,
    });
    const exit = (id: string, exitValueFen: number, no: string) =>
      c.submit<{ exit: { items: { tariffExempt: boolean; valueAddedBp: number }[] } }>(
        processor.identity,
        'goods:Exit',
        { releaseListNo: no, port: 'HAIKOU_MEILAN_AIRPORT', items: [{ id, exitValueFen }] },
      );
    const at30 = await exit(fin.sgtin('f1'), 13_000, 'R-VA-1');
    t.same(
      [at30.exit.items[0]!.tariffExempt, at30.exit.items[0]!.valueAddedBp],
      [true, 3000],
      '30.00% with the cumulative code: tariff-exempt',
    );
    const at2999 = await exit(fin.sgtin('f2'), 12_999, 'R-VA-2');
    t.same(
      [at2999.exit.items[0]!.tariffExempt, at2999.exit.items[0]!.valueAddedBp],
      [false, 2999],
      '29.99%: not exempt',
    );
    const noCum = await exit(fin.sgtin('f3'), 13_000, 'R-VA-3');
    t.equal(
      noCum.exit.items[0]!.tariffExempt,
      false,
      'without the cumulative code the same exit value adds only 18.18%',
    );
    const badPort = await TraceClient.refused(
      c.submit(importer.identity, 'goods:Exit', {
        releaseListNo: 'R-port',
        port: 'SHANGHAI_PORT',
        items: [{ id: raw[0], exitValueFen: 1 }],
      }),
    );
    t.equal(badPort.code, 'UNKNOWN_PORT');
  },
);

t.test(
  'batch exit: a December + January consolidation is refused; an overdue declaration suspends batch exit',
  async (t) => {
    const goods = await enter(4, {
      as: importer.identity,
      location: WAREHOUSE,
      itemRef: 400,
      category: 'OTHER',
      eventTime: '2025-12-01T09:00:00+08:00',
    });
    const batchExit = (id: string, no: string, eventTime?: string) =>
      c.submit(importer.identity, 'goods:Exit', {
        releaseListNo: no,
        port: 'YANGPU_PORT',
        batch: true,
        items: [{ id, exitValueFen: 10_000 }],
        ...(eventTime ? { eventTime } : {}),
      });
    await batchExit(goods[0]!, 'R-DEC', '2025-12-15T10:00:00+08:00');
    await batchExit(goods[1]!, 'R-JAN', '2026-01-10T10:00:00+08:00');
    const spans = await TraceClient.refused(
      c.submit(importer.identity, 'goods:Declare', {
        declarationNo: 'CD-1',
        period: '2025-12',
        releaseLists: ['R-DEC', 'R-JAN'],
      }),
    );
    t.equal(spans.code, 'DECLARATION_SPANS_YEARS');
    const suspended = await TraceClient.refused(batchExit(goods[2]!, 'R-LATE'));
    t.equal(suspended.code, 'BATCH_EXIT_SUSPENDED', 'December was due by 25 January and is still undeclared');
    await c.submit(importer.identity, 'goods:Declare', {
      declarationNo: 'CD-DEC',
      period: '2025-12',
      releaseLists: ['R-DEC'],
    });
    await c.submit(importer.identity, 'goods:Declare', {
      declarationNo: 'CD-JAN',
      period: '2026-01',
      releaseLists: ['R-JAN'],
    });
    await batchExit(goods[2]!, 'R-AFTER');
    const twice = await TraceClient.refused(
      c.submit(importer.identity, 'goods:Declare', {
        declarationNo: 'CD-X',
        period: '2025-12',
        releaseLists: ['R-DEC'],
      }),
    );
    t.equal(twice.code, 'ALREADY_EXISTS');
  },
);

t.test(
  'credit: key attention ends by itself 3 years after listing for smuggling, and bars batch exit while it lasts',
  async (t) => {
    const now = Date.now();
    await c.submit('customs-admin', 'customs:ClassifyEnterprise', {
      id: processor.id,
      class: 'KEY_ATTENTION',
      reason: 'SMUGGLING_PENALTY',
      eventTime: new Date(now - 3 * 365.25 * DAY - 2 * DAY).toISOString(),
    });
    const expired = await c.evaluate<{ effectiveClass: string }>('customs-admin', 'query:GetEnterprise', {
      id: processor.id,
    });
    t.equal(expired.effectiveClass, 'WHITELIST', 'removed automatically after 3 years with no recurrence');
    await c.submit('customs-admin', 'customs:ClassifyEnterprise', {
      id: processor.id,
      class: 'KEY_ATTENTION',
      reason: 'SMUGGLING_PENALTY',
      eventTime: new Date(now - 3 * 365.25 * DAY + 2 * DAY).toISOString(),
    });
    const listed = await c.evaluate<{ effectiveClass: string }>('customs-admin', 'query:GetEnterprise', {
      id: processor.id,
    });
    t.equal(listed.effectiveClass, 'KEY_ATTENTION', 'a recurrence restarts the clock');
    const [x] = await enter(1, { as: processor.identity, location: FACTORY, itemRef: 500, category: 'OTHER' });
    const barred = await TraceClient.refused(
      c.submit(processor.identity, 'goods:Exit', {
        releaseListNo: 'R-KA',
        port: 'HAIKOU_PORT',
        batch: true,
        items: [{ id: x, exitValueFen: 1 }],
      }),
    );
    t.equal(barred.code, 'BATCH_EXIT_NOT_ALLOWED');
    const denied = await TraceClient.refused(
      c.submit(processor.identity, 'customs:ClassifyEnterprise', { id: processor.id, class: 'WHITELIST' }),
    );
    t.equal(denied.code, 'ACCESS_DENIED');
    await c.submit('customs-admin', 'customs:ClassifyEnterprise', {
      id: processor.id,
      class: 'KEY_ATTENTION',
      reason: 'REGULATOR_LOWEST_RATING',
    });
    await c.submit('customs-admin', 'customs:RecordRegulatorRating', { id: processor.id, lowest: false });
    const improved = await c.evaluate<{ effectiveClass: string }>('customs-admin', 'query:GetEnterprise', {
      id: processor.id,
    });
    t.equal(improved.effectiveClass, 'WHITELIST', 'removed when the regulator rating improves');
  },
);

t.test(
  'departure rules: mail only after a confirmed departure; no departure within 30 days bars purchases for 3 years',
  async (t) => {
    const mailPerson = personCode('mail-traveller');
    const [m] = await enter(1, { itemRef: 600, category: 'CLOTHING' });
    await sell([m!], { person: mailPerson, pickupMode: 'MAIL', extra: { mailAddressOffIsland: true } });
    const early = await TraceClient.refused(
      c.submit(operator.identity, 'sale:Mail', { reference: 'EMS-1', items: [m] }),
    );
    t.equal(early.code, 'DEPARTURE_NOT_CONFIRMED');
    await c.submit('customs-admin', 'sale:ConfirmDeparture', {
      personCode: mailPerson,
      departedAt: new Date().toISOString(),
      port: 'HAIKOU_MEILAN_AIRPORT',
    });
    await c.submit(operator.identity, 'sale:Mail', { reference: 'EMS-1', items: [m] });
    const mailed = await c.evaluate<{ status: string }>(operator.identity, 'query:GetItem', { id: m });
    t.equal(mailed.status, 'MAILED');

    const stayer = personCode('stayer');
    const [a, b] = await enter(2, {
      itemRef: 601,
      category: 'CLOTHING',
      eventTime: new Date(Date.now() - 45 * DAY).toISOString(),
    });
    const saleTime = new Date(Date.now() - 40 * DAY).toISOString();
    await sell([a!], { person: stayer, pickupMode: 'BUY_NOW_PICKUP', eventTime: saleTime });
    const barred = await TraceClient.refused(sell([b!], { person: stayer }));
    t.equal(barred.code, 'PERSON_BARRED', 'the 30-day window passed with no departure');
    const quota = await c.evaluate<{ bannedUntil?: string }>('customs-admin', 'query:GetPersonQuota', {
      personCode: stayer,
    });
    const years = (Date.parse(quota.bannedUntil!) - Date.parse(saleTime)) / (365.25 * DAY);
    t.ok(years > 3 && years < 3.2, `barred for 3 years after the window (until ${quota.bannedUntil})`);
  },
);

t.test(
  'inspection selection: committed seed, deterministic draw per exit, verifiable by anyone after the reveal',
  async (t) => {
    const seed = createHash('sha256').update('customs secret seed for the window').digest('hex');
    const commitment = createHash('sha256').update(Buffer.from(seed, 'hex')).digest('hex');
    const from = Date.now() + 1500;
    const to = from + 2500;
    await c.submit('customs-admin', 'customs:CommitInspectionSeed', {
      seedId: 'SEED-1',
      commitment,
      validFrom: new Date(from).toISOString(),
      validTo: new Date(to).toISOString(),
    });
    const [x] = await enter(1, { as: importer.identity, location: WAREHOUSE, itemRef: 700, category: 'OTHER' });
    await new Promise((r) => setTimeout(r, Math.max(0, from - Date.now() + 200)));
    const exit = await c.submit<{ exit: { txId: string; inspection: { seedId: string; rateBp: number } } }>(
      importer.identity,
      'goods:Exit',
      { releaseListNo: 'R-INS', port: 'SANYA_PORT', items: [{ id: x, exitValueFen: 1 }] },
    );
    t.equal(exit.exit.inspection.seedId, 'SEED-1');
    const pending = await c.evaluate<{ status: string }>(importer.identity, 'query:GetInspection', {
      releaseListNo: 'R-INS',
    });
    t.equal(pending.status, 'PENDING_REVEAL', 'the enterprise cannot learn the selection before the reveal');
    const early = await TraceClient.refused(
      c.submit('customs-admin', 'customs:RevealInspectionSeed', { seedId: 'SEED-1', seed }),
    );
    t.equal(early.code, 'INVALID_ARGUMENT', 'no reveal before the window ends');
    await new Promise((r) => setTimeout(r, Math.max(0, to - Date.now() + 200)));
    const wrong = await TraceClient.refused(
      c.submit('customs-admin', 'customs:RevealInspectionSeed', { seedId: 'SEED-1', seed: 'ab'.repeat(32) }),
    );
    t.equal(wrong.code, 'INVALID_ARGUMENT', 'a seed that does not match the commitment is refused');
    await c.submit('customs-admin', 'customs:RevealInspectionSeed', { seedId: 'SEED-1', seed });
    const verdict = await c.evaluate<{ status: string; draw: number; selected: boolean; rateBp: number }>(
      importer.identity,
      'query:GetInspection',
      { releaseListNo: 'R-INS' },
    );
    t.equal(verdict.status, 'VERIFIABLE');
    const digest = createHash('sha256')
      .update(Buffer.concat([Buffer.from(seed, 'hex'), Buffer.from(exit.exit.txId)]))
      .digest();
    const draw = digest.readUInt32BE(0) % 10_000;
    t.equal(verdict.draw, draw, 'an auditor recomputes the same draw from the seed and the transaction id');
    t.equal(verdict.selected, draw < verdict.rateBp);
  },
);

t.test(
  'a rule set sent with a submission id (Idempotency-Key) is stored once; its retry is told it is done',
  async (t) => {
    // Far in the future, so the events of the other tests are still judged by the rules they expect.
    const request = {
      ...DEFAULT_RULE_SETS[DEFAULT_RULE_SETS.length - 1]!,
      effectiveFrom: '2099-01-01T00:00:00+08:00',
      submissionId: 'rules-idem-1',
    };
    const stored = await c.submit<Record<string, unknown>>('customs-admin', 'customs:SetRules', request);
    t.equal(stored.effectiveFrom, '2099-01-01T00:00:00+08:00');
    t.notOk('submissionId' in stored, 'the submission id is not part of the stored rule set');
    const retry = await TraceClient.refused(c.submit('customs-admin', 'customs:SetRules', request));
    t.equal(retry.code, 'DUPLICATE_SUBMISSION');
  },
);
