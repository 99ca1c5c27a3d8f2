// Proves the duty-free sale rules refuse exactly what the policy forbids (age, ticket, ban, per-purchase limits, pick-up modes) and split the price at the annual quota without refusing.
// How: one valid sale built per test with the default rules in force at its time, varied one value across each boundary (one fen, one piece, one ml, one ms).
import t from 'tap';
import { ErrorCode } from '@hainan/ledger-model';
import { ruleSetAt } from '../../../chaincode/src/domain/rules';
import {
  checkSale,
  departureOverdue,
  purchaseBanUntil,
  type ProductCategory,
  type SaleCheckInput,
  type SaleLine,
} from '../../../chaincode/src/domain/sale-rules';
import { throwsCode } from './helpers/throws-code';

let serial = 0;
function line(category: ProductCategory, unitPriceFen: number, volumeMl?: number): SaleLine {
  serial += 1;
  const sgtin = `urn:epc:id:sgtin:0614141.812345.${serial}`;
  return volumeMl === undefined ? { sgtin, category, unitPriceFen } : { sgtin, category, unitPriceFen, volumeMl };
}

function lines(count: number, category: ProductCategory, unitPriceFen: number): SaleLine[] {
  return Array.from({ length: count }, () => line(category, unitPriceFen));
}

const SALE_TIME = '2025-12-10T10:00:00+08:00';

/** A sale that passes every check; tests change one thing. */
function sale(overrides: Partial<SaleCheckInput> = {}): SaleCheckInput {
  const eventTimeIso = overrides.eventTimeIso ?? SALE_TIME;
  return {
    rules: ruleSetAt([], eventTimeIso),
    eventTimeIso,
    buyerBirthDate: '1990-05-20',
    departure: { mode: 'FLIGHT', ticketRef: 'HU7181-PNR8K2', departureTimeIso: '2025-12-12T18:30:00+08:00' },
    pickupMode: 'DEPARTURE_PICKUP',
    lines: [line('COSMETICS', 58_000)],
    quotaUsedFen: 0,
    ...overrides,
  };
}

t.test(
  'minimum age: 17 may buy on 2025-10-31 (min 16) but not on 2025-11-01 (min 18); the 18th birthday counts',
  async (t) => {
    const departure = { mode: 'TRAIN' as const, ticketRef: 'D7301', departureTimeIso: '2025-11-05T09:00:00+08:00' };
    const seventeen = '2008-06-01';
    t.ok(checkSale(sale({ eventTimeIso: '2025-10-31T23:59:59+08:00', buyerBirthDate: seventeen, departure })));
    const message = throwsCode(
      t,
      () => checkSale(sale({ eventTimeIso: '2025-11-01T00:00:00+08:00', buyerBirthDate: seventeen, departure })),
      ErrorCode.BUYER_TOO_YOUNG,
    );
    t.match(message, /buyer is 17; the minimum age .* is 18/);
    t.notMatch(message, /2008/, 'the birth date stays out of the message');
    t.ok(
      checkSale(sale({ eventTimeIso: '2025-11-01T00:00:00+08:00', buyerBirthDate: '2007-11-01', departure })),
      '18 today',
    );
    throwsCode(
      t,
      () => checkSale(sale({ eventTimeIso: '2025-11-01T00:00:00+08:00', buyerBirthDate: '2007-11-02', departure })),
      ErrorCode.BUYER_TOO_YOUNG,
      '18 tomorrow',
    );
    throwsCode(
      t,
      () => checkSale(sale({ eventTimeIso: '2025-10-31T12:00:00+08:00', buyerBirthDate: '2009-11-01', departure })),
      ErrorCode.BUYER_TOO_YOUNG,
      '15 under the old rule',
    );
  },
);

t.test('per purchase: 30 cosmetics pieces allowed, the 31st refused', async (t) => {
  const ok = checkSale(sale({ lines: lines(30, 'COSMETICS', 10_000) }));
  t.equal(ok.totalFen, 300_000);
  const message = throwsCode(
    t,
    () => checkSale(sale({ lines: lines(31, 'COSMETICS', 10_000) })),
    ErrorCode.PURCHASE_LIMIT_EXCEEDED,
  );
  t.match(message, /31 cosmetics pieces .* at most 30/);
});

t.test('per purchase: 4 mobile phones allowed, 5 refused', async (t) => {
  t.ok(checkSale(sale({ lines: lines(4, 'MOBILE_PHONE', 899_900) })));
  const message = throwsCode(
    t,
    () => checkSale(sale({ lines: lines(5, 'MOBILE_PHONE', 899_900) })),
    ErrorCode.PURCHASE_LIMIT_EXCEEDED,
  );
  t.match(message, /5 mobile phones/);
});

t.test('per purchase: 1,500 ml of alcohol allowed, 1,550 ml refused', async (t) => {
  t.ok(checkSale(sale({ lines: [line('ALCOHOL', 150_000, 750), line('ALCOHOL', 150_000, 750)] })));
  const message = throwsCode(
    t,
    () => checkSale(sale({ lines: [line('ALCOHOL', 150_000, 750), line('ALCOHOL', 150_000, 800)] })),
    ErrorCode.PURCHASE_LIMIT_EXCEEDED,
  );
  t.match(message, /1550 ml of alcohol .* at most 1500 ml/);
  throwsCode(
    t,
    () => checkSale(sale({ lines: [line('ALCOHOL', 150_000)] })),
    ErrorCode.INVALID_ARGUMENT,
    'alcohol without a volume',
  );
});

t.test(
  'the annual quota splits the price and never refuses: 95,000 used + 8,000 bought = 5,000 duty-free, 3,000 taxable',
  async (t) => {
    const decision = checkSale(sale({ quotaUsedFen: 9_500_000, lines: [line('WATCH', 800_000)] }));
    t.same(decision, {
      totalFen: 800_000,
      dutyFreeFen: 500_000,
      taxableFen: 300_000,
      quotaYear: 2025,
      quotaRemainingAfterFen: 0,
    });
    const exhausted = checkSale(sale({ quotaUsedFen: 10_000_000, lines: [line('WATCH', 800_000)] }));
    t.equal(exhausted.dutyFreeFen, 0);
    t.equal(exhausted.taxableFen, 800_000);
    const overUsed = checkSale(sale({ quotaUsedFen: 12_000_000, lines: [line('WATCH', 800_000)] }));
    t.equal(overUsed.dutyFreeFen, 0, 'usage above a lowered quota leaves nothing');
    t.equal(overUsed.quotaRemainingAfterFen, 0);
    const fresh = checkSale(sale({ quotaUsedFen: 0, lines: [line('WATCH', 800_000)] }));
    t.equal(fresh.quotaRemainingAfterFen, 9_200_000);
  },
);

t.test('the quota year turns at 00:00 on 1 January, Asia/Shanghai', async (t) => {
  const departure = { mode: 'SHIP' as const, ticketRef: 'XHG-0102-88', departureTimeIso: '2026-01-02T08:00:00+08:00' };
  t.equal(checkSale(sale({ eventTimeIso: '2025-12-31T23:59:59+08:00', departure })).quotaYear, 2025);
  t.equal(checkSale(sale({ eventTimeIso: '2026-01-01T00:00:00+08:00', departure })).quotaYear, 2026);
  t.equal(
    checkSale(sale({ eventTimeIso: '2025-12-31T16:00:00Z', departure })).quotaYear,
    2026,
    'a UTC time that is already 2026 in Hainan',
  );
});

t.test('buy-now-pick-up: unit price 19,999.99 CNY allowed, 20,000.00 refused; listed categories only', async (t) => {
  const ok = checkSale(sale({ pickupMode: 'BUY_NOW_PICKUP', lines: [line('COSMETICS', 1_999_999)] }));
  t.equal(ok.mustDepartByIso, '2026-01-09T23:59:59.999+08:00', 'end of the 30th day after the purchase day');
  const message = throwsCode(
    t,
    () =>
      checkSale(
        sale({ pickupMode: 'BUY_NOW_PICKUP', lines: [line('COSMETICS', 1_000), line('COSMETICS', 2_000_000)] }),
      ),
    ErrorCode.PICKUP_MODE_NOT_ALLOWED,
  );
  t.match(message, /below 20000\.00 CNY.*costs 20000\.00 CNY/);
  throwsCode(
    t,
    () => checkSale(sale({ pickupMode: 'BUY_NOW_PICKUP', lines: [line('MOBILE_PHONE', 500_000)] })),
    ErrorCode.PICKUP_MODE_NOT_ALLOWED,
    'phones are not listed',
  );
});

t.test(
  'guarantee pick-up: unit price 49,999.99 CNY refused, 50,000.00 allowed with a guarantee covering the import tax',
  async (t) => {
    const guarantee = { pickupMode: 'GUARANTEE_PICKUP' as const, importTaxFen: 1_500_000 };
    throwsCode(
      t,
      () => checkSale(sale({ ...guarantee, guaranteeFen: 1_500_000, lines: [line('JEWELLERY', 4_999_999)] })),
      ErrorCode.PICKUP_MODE_NOT_ALLOWED,
    );
    const ok = checkSale(sale({ ...guarantee, guaranteeFen: 1_500_000, lines: [line('JEWELLERY', 5_000_000)] }));
    t.equal(ok.mustDepartByIso, '2026-01-09T23:59:59.999+08:00');
    t.equal(ok.dutyFreeFen, 5_000_000);
    const short = throwsCode(
      t,
      () => checkSale(sale({ ...guarantee, guaranteeFen: 1_499_999, lines: [line('JEWELLERY', 5_000_000)] })),
      ErrorCode.GUARANTEE_REQUIRED,
    );
    t.match(short, /guarantee 14999\.99 CNY is less than the import tax 15000\.00 CNY/);
    throwsCode(
      t,
      () => checkSale(sale({ ...guarantee, lines: [line('JEWELLERY', 5_000_000)] })),
      ErrorCode.GUARANTEE_REQUIRED,
      'no guarantee',
    );
    throwsCode(
      t,
      () => checkSale(sale({ pickupMode: 'GUARANTEE_PICKUP', guaranteeFen: 1, lines: [line('JEWELLERY', 5_000_000)] })),
      ErrorCode.INVALID_ARGUMENT,
      'no import tax to compare with',
    );
  },
);

t.test('departure pick-up and mail carry no departure deadline; mail needs an off-island address', async (t) => {
  t.equal(checkSale(sale()).mustDepartByIso, undefined);
  t.equal(checkSale(sale({ pickupMode: 'MAIL', mailAddressOffIsland: true })).mustDepartByIso, undefined);
  const message = throwsCode(t, () => checkSale(sale({ pickupMode: 'MAIL' })), ErrorCode.PICKUP_MODE_NOT_ALLOWED);
  t.match(message, /off the island/);
  throwsCode(
    t,
    () => checkSale(sale({ pickupMode: 'MAIL', mailAddressOffIsland: false })),
    ErrorCode.PICKUP_MODE_NOT_ALLOWED,
  );
  throwsCode(t, () => checkSale(sale({ pickupMode: 'COURIER' as never })), ErrorCode.INVALID_ARGUMENT);
});

t.test('a ticket off the island is required, and it must depart at or after the sale', async (t) => {
  throwsCode(t, () => checkSale(sale({ departure: undefined })), ErrorCode.NO_DEPARTURE_TICKET, 'no ticket');
  throwsCode(
    t,
    () =>
      checkSale(
        sale({ departure: { mode: 'FLIGHT', ticketRef: '  ', departureTimeIso: '2025-12-12T18:30:00+08:00' } }),
      ),
    ErrorCode.NO_DEPARTURE_TICKET,
    'blank ticket',
  );
  const past = throwsCode(
    t,
    () =>
      checkSale(
        sale({ departure: { mode: 'FLIGHT', ticketRef: 'HU7181', departureTimeIso: '2025-12-10T09:59:59+08:00' } }),
      ),
    ErrorCode.NO_DEPARTURE_TICKET,
    'departed before the sale',
  );
  t.match(past, /HU7181 departs at 2025-12-10T09:59:59\+08:00/);
  t.ok(
    checkSale(sale({ departure: { mode: 'FLIGHT', ticketRef: 'HU7181', departureTimeIso: SALE_TIME } })),
    'departing at the sale instant',
  );
  throwsCode(
    t,
    () =>
      checkSale(
        sale({ departure: { mode: 'BUS' as never, ticketRef: 'X1', departureTimeIso: '2025-12-12T18:30:00+08:00' } }),
      ),
    ErrorCode.INVALID_ARGUMENT,
  );
});

t.test('a banned person is refused until the ban ends, and may buy from that instant', async (t) => {
  const message = throwsCode(
    t,
    () => checkSale(sale({ personBannedUntilIso: '2025-12-10T10:00:00.001+08:00' })),
    ErrorCode.PERSON_BARRED,
  );
  t.match(message, /until 2025-12-10T10:00:00\.001\+08:00/);
  t.ok(checkSale(sale({ personBannedUntilIso: SALE_TIME })), 'the ban ends at the sale instant');
  t.ok(checkSale(sale({ personBannedUntilIso: '2024-01-01T00:00:00+08:00' })), 'an old ban');
});

t.test('malformed sales are INVALID_ARGUMENT, naming the value', async (t) => {
  const twice = line('FOOD', 9_900);
  const cases: Array<[string, Partial<SaleCheckInput>, RegExp]> = [
    ['no lines', { lines: [] }, /lines must list/],
    ['same item twice', { lines: [twice, twice] }, /listed twice/],
    ['float price', { lines: [{ ...line('FOOD', 0), unitPriceFen: 99.5 }] }, /unitPriceFen .* got 99\.5/],
    ['negative price', { lines: [{ ...line('FOOD', 0), unitPriceFen: -1 }] }, /unitPriceFen/],
    [
      'not an SGTIN',
      { lines: [{ ...line('FOOD', 100), sgtin: '3074257BF7194E4000001A85' }] },
      /3074257BF7194E4000001A85/,
    ],
    ['unknown category', { lines: [{ ...line('FOOD', 100), category: 'CARS' as never }] }, /"CARS"/],
    ['bad quota usage', { quotaUsedFen: -5 }, /quotaUsedFen/],
    ['bad event time', { eventTimeIso: '2025-12-10 10:00' }, /"2025-12-10 10:00"/],
    ['bad birth date', { buyerBirthDate: '1990-02-30' }, /birth date/],
  ];
  for (const [label, overrides, detail] of cases) {
    const input = { ...sale(), ...overrides };
    t.match(
      throwsCode(t, () => checkSale(input), ErrorCode.INVALID_ARGUMENT, label),
      detail,
      label,
    );
  }
});

t.test('departureOverdue: true only once the window has passed with no departure inside it', async (t) => {
  const saleTime = '2025-11-01T10:00:00+08:00';
  const deadline = '2025-12-01T23:59:59.999+08:00';
  const justAfter = '2025-12-02T00:00:00+08:00';
  t.equal(departureOverdue(saleTime, deadline, undefined, deadline), false, 'the last instant is still in time');
  t.equal(departureOverdue(saleTime, deadline, undefined, justAfter), true);
  t.equal(
    departureOverdue(saleTime, deadline, '2025-11-20T08:00:00+08:00', justAfter),
    false,
    'left inside the window',
  );
  t.equal(departureOverdue(saleTime, deadline, deadline, justAfter), false, 'left at the last instant');
  t.equal(departureOverdue(saleTime, deadline, saleTime, justAfter), false, 'left at the sale instant');
  t.equal(departureOverdue(saleTime, deadline, justAfter, '2025-12-03T00:00:00+08:00'), true, 'left too late');
  t.equal(
    departureOverdue(saleTime, deadline, '2025-10-20T08:00:00+08:00', justAfter),
    true,
    'an earlier trip does not count',
  );
  throwsCode(t, () => departureOverdue(saleTime, 'next month', undefined, justAfter), ErrorCode.INVALID_ARGUMENT);
});

t.test('the deadline counts 30 days after the purchase day, and the purchase ban lasts 3 calendar years', async (t) => {
  const lateNight = checkSale(
    sale({
      eventTimeIso: '2025-11-01T23:59:00+08:00',
      pickupMode: 'BUY_NOW_PICKUP',
      departure: { mode: 'FLIGHT', ticketRef: 'CZ6712', departureTimeIso: '2025-11-02T07:00:00+08:00' },
    }),
  );
  t.equal(lateNight.mustDepartByIso, '2025-12-01T23:59:59.999+08:00');
  const utcSpelling = checkSale(
    sale({
      eventTimeIso: '2025-10-31T16:00:00Z',
      pickupMode: 'BUY_NOW_PICKUP',
      departure: { mode: 'FLIGHT', ticketRef: 'CZ6712', departureTimeIso: '2025-11-02T07:00:00+08:00' },
    }),
  );
  t.equal(utcSpelling.mustDepartByIso, '2025-12-01T23:59:59.999+08:00', 'the purchase day is the Shanghai day');
  const rules = ruleSetAt([], '2025-12-02T00:00:00+08:00');
  t.equal(purchaseBanUntil(rules, '2025-12-02T00:00:00+08:00'), '2028-12-02T00:00:00.000+08:00');
  t.equal(purchaseBanUntil(rules, '2028-02-29T09:00:00+08:00'), '2031-02-28T09:00:00.000+08:00');
  t.equal(purchaseBanUntil(rules, '2025-12-01T16:00:00Z'), '2028-12-02T00:00:00.000+08:00');
});
