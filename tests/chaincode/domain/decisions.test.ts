// Proves the goods, sale and supervision decisions decide what a user sees: a held item cannot be sold (ITEM_HELD), an
// item of another enterprise cannot leave (NOT_HOLDER), an exit takes its items off the book with the value added and
// batch marker recorded, an entry refuses a traceability code another item carries, a receipt elsewhere than the
// shipment's destination is WRONG_RECEIPT, and an exit through an unknown port is refused before any item is looked at.
// How: pure calls on hand-built requests and ledger state (no peer, no store); the decisions are what the contracts commit.
import t from 'tap';
import { ErrorCode, newNotFound } from '@hainan/ledger-model';
import type { Tx } from '../../../chaincode/src/domain/decision';
import {
  decideEntry,
  decideExit,
  decideReceipt,
  decideShipment,
  type ExitState,
} from '../../../chaincode/src/domain/goods';
import {
  decideSale,
  decideDeparture,
  BUYER_COLLECTION,
  type SaleRequest,
  type SaleState,
} from '../../../chaincode/src/domain/sale';
import { decideSupervision } from '../../../chaincode/src/domain/supervision';
import { ruleSetAt } from '../../../chaincode/src/domain/rules';
import type { EnterpriseRecord, ItemRecord } from '../../../chaincode/src/domain/records';
import { KeyType } from '../../../chaincode/src/ledger/keys';
import { personCode, product } from '../../../testkit/src/trace';
import { throwsCode } from './helpers/throws-code';

const GOODS = product(42);
const SHOP = '91460000MA5T000001';
const OTHER = '91460000MA5T000002';
const WAREHOUSE = '6901234000012';
const COUNTER = '6901234000029';
const AT = '2025-12-10T02:00:00.000Z';
const TX: Tx = { id: 'a'.repeat(64), iso: AT, ms: Date.parse(AT) };
const RULES = ruleSetAt([], AT);
const PERSON = personCode('buyer-1');

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

const saleRequest = (count: number): SaleRequest => ({
  saleId: 'S-1',
  eventTime: AT,
  personCode: PERSON,
  location: COUNTER,
  pickupMode: 'DEPARTURE_PICKUP',
  departure: { mode: 'FLIGHT', ticketRef: 'HU7181', departureTimeIso: '2025-12-12T10:30:00+08:00' },
  lines: Array.from({ length: count }, (_, i) => ({ id: GOODS.sgtin(i + 1), unitPriceFen: 58_000 })),
});
const saleState = (items: ItemRecord[]): SaleState => ({
  operator: SHOP,
  rules: RULES,
  items,
  person: undefined,
  quotaUsedFen: 0,
});
const BUYER = { details: { birthDate: '1990-05-20', name: 'x' }, birthDate: '1990-05-20' };

t.test(
  "a sale: a held item is refused with ITEM_HELD, another holder's with NOT_HOLDER; a valid one sells and books",
  async (t) => {
    const held = item(2, { hold: { reason: 'inspection', heldAt: AT, by: 'customs' } });
    const msg = throwsCode(
      t,
      () => decideSale(saleRequest(2), {}, BUYER, saleState([item(1), held]), TX),
      ErrorCode.ITEM_HELD,
    );
    t.match(msg, /sale of .* refused: held by customs/, 'the refusal names the step and the hold');
    throwsCode(
      t,
      () => decideSale(saleRequest(1), {}, BUYER, saleState([item(1, { holder: OTHER })]), TX),
      ErrorCode.NOT_HOLDER,
    );

    const d = decideSale(saleRequest(2), {}, BUYER, saleState([item(1), item(2)]), TX);
    t.same(
      d.items!.map((i) => [i.status, i.sale?.saleId, i.lastTxId]),
      [
        ['SOLD', 'S-1', TX.id],
        ['SOLD', 'S-1', TX.id],
      ],
    );
    t.same(
      d.movements,
      [{ enterprise: SHOP, gtin: GOODS.gtin, regime: 'ZERO_TARIFF', location: WAREHOUSE, qty: -2 }],
      "two items leave the shop's book",
    );
    t.same(
      d.writes!.map((w) => w.type),
      [KeyType.quota, KeyType.sale],
      'quota usage and the sale (no departure obligation for a departure pickup)',
    );
    t.equal(d.record.totalFen, 116_000);
    t.same(
      d.privateWrites,
      [
        {
          collection: BUYER_COLLECTION,
          key: 'S-1',
          text: JSON.stringify({ personCode: PERSON, birthDate: '1990-05-20', name: 'x' }),
        },
      ],
      'buyer details only in the private collection',
    );
    t.equal(d.epcis![0]!.bizStep, 'retail_selling');
    t.notMatch(JSON.stringify({ ...d, privateWrites: undefined }), /1990-05-20/, 'the birth date is nowhere else');
  },
);

t.test('a hold, then a sale of that item is refused; a seizure takes the held item off the book', async (t) => {
  const req = { kind: 'HOLD' as const, reason: 'inspection', by: 'customs', eventTime: AT, eventId: undefined };
  const [heldItem] = decideSupervision(req, [item(1)], TX).items!;
  t.same(decideSupervision(req, [item(1)], TX).movements, [], 'a hold keeps the item on the book');
  throwsCode(t, () => decideSale(saleRequest(1), {}, BUYER, saleState([heldItem!]), TX), ErrorCode.ITEM_HELD);
  const seized = decideSupervision({ ...req, kind: 'SEIZURE' }, [heldItem!], TX);
  t.equal(seized.items![0]!.status, 'SEIZED');
  t.same(seized.movements, [
    { enterprise: SHOP, gtin: GOODS.gtin, regime: 'ZERO_TARIFF', location: WAREHOUSE, qty: -1 },
  ]);
  throwsCode(
    t,
    () => decideSupervision({ ...req, kind: 'RELEASE' }, [item(1)], TX),
    ErrorCode.INVALID_ARGUMENT,
    'releasing an item not held',
  );
});

const exitReq = (port: string, batch: boolean, count = 2) => ({
  eventTime: { iso: AT, ms: TX.ms },
  releaseListNo: 'RL-1',
  port,
  batch,
  lines: Array.from({ length: count }, (_, i) => ({ id: GOODS.sgtin(i + 1), exitValueFen: 60_000 })),
  eventId: undefined,
});
const enterprise: EnterpriseRecord = {
  id: SHOP,
  name: 'Shop',
  mspId: 'ShopMSP',
  roles: ['importer', 'processor'],
  registeredAt: AT,
  credit: { class: 'AEO_ADVANCED', history: [] },
};
const exitState = (items: ExitState['items']): ExitState => ({
  enterprise,
  rules: RULES,
  undeclaredMonths: [],
  items,
  seeds: [],
});

t.test(
  'an exit: items leave the book, processed items carry their value added, a batch exit leaves a marker',
  async (t) => {
    const processed = item(2, { regime: 'PROCESSED', importedMaterialsFen: 30_000, location: WAREHOUSE });
    const d = decideExit(exitReq('HAIKOU_PORT', true), exitState([item(1), processed]), TX);
    t.same(
      d.items!.map((i) => i.status),
      ['EXITED', 'EXITED'],
    );
    t.same(
      d.movements,
      [
        { enterprise: SHOP, gtin: GOODS.gtin, regime: 'PROCESSED', location: WAREHOUSE, qty: -1 },
        { enterprise: SHOP, gtin: GOODS.gtin, regime: 'ZERO_TARIFF', location: WAREHOUSE, qty: -1 },
      ],
      'one movement per book line, in line order',
    );
    t.same(
      d.record.items.map((l) => [l.regime, l.tariffExempt, l.valueAddedBp]),
      [
        ['ZERO_TARIFF', false, undefined],
        ['PROCESSED', true, 10_000],
      ],
    );
    t.same(
      d.writes!.map((w) => [w.type, ...w.attrs]),
      [
        [KeyType.exit, 'RL-1'],
        [KeyType.batchExit, SHOP, '2025-12', 'RL-1'],
      ],
    );
    t.equal(d.record.period, '2025-12', 'the Shanghai month of the exit');
    t.same(
      decideExit(exitReq('HAIKOU_PORT', false), exitState([item(1), item(2)]), TX).writes!.map((w) => w.type),
      [KeyType.exit],
      'no marker for a single exit',
    );
  },
);

t.test(
  'an exit is refused: unknown port before a missing item, a duty-paid item, an item of another holder',
  async (t) => {
    const missing = newNotFound(`item ${GOODS.sgtin(2)} has no first-line entry on the ledger`);
    throwsCode(
      t,
      () => decideExit(exitReq('NOWHERE_PORT', false), exitState([item(1), missing]), TX),
      ErrorCode.UNKNOWN_PORT,
    );
    const msg = throwsCode(
      t,
      () => decideExit(exitReq('HAIKOU_PORT', false), exitState([item(1), missing]), TX),
      ErrorCode.NOT_FOUND,
    );
    t.match(msg, /has no first-line entry/);
    throwsCode(
      t,
      () => decideExit(exitReq('HAIKOU_PORT', false, 1), exitState([item(1, { regime: 'DUTY_PAID' })]), TX),
      ErrorCode.INVALID_ARGUMENT,
      'duty-paid',
    );
    throwsCode(
      t,
      () => decideExit(exitReq('HAIKOU_PORT', false, 1), exitState([item(1, { holder: OTHER })]), TX),
      ErrorCode.NOT_HOLDER,
    );
    throwsCode(
      t,
      () => decideExit(exitReq('HAIKOU_PORT', false, 2), exitState([item(1), item(1)]), TX),
      ErrorCode.INVALID_ARGUMENT,
      'an item twice',
    );
  },
);

t.test('an entry books new items and claims their codes; a taken code or an entered item is refused', async (t) => {
  const req = {
    eventTime: { iso: AT, ms: TX.ms },
    declarationNo: 'D-9',
    location: WAREHOUSE,
    regime: 'BONDED' as const,
    product: { gtin: GOODS.gtin, hsCode: '330300', category: 'COSMETICS' as const },
    unitValueFen: 10_000,
    items: [GOODS.sgtin(1), GOODS.sgtin(2)],
    traceCodes: { [GOODS.sgtin(1)]: '1234567890123456' },
    eventId: undefined,
  };
  const d = decideEntry(req, SHOP, [undefined, undefined], new Map(), TX);
  t.same(d.movements, [{ enterprise: SHOP, gtin: GOODS.gtin, regime: 'BONDED', location: WAREHOUSE, qty: 2 }]);
  t.same(d.codes, [{ code: '1234567890123456', sgtin: GOODS.sgtin(1) }], 'the claim, written by the commit');
  t.equal(d.items![0]!.traceCode, '1234567890123456');
  t.notOk('traceCode' in d.items![1]!, 'no code, no field');
  const taken = throwsCode(
    t,
    () => decideEntry(req, SHOP, [undefined, undefined], new Map([['1234567890123456', GOODS.sgtin(9)]]), TX),
    ErrorCode.ALREADY_EXISTS,
  );
  t.match(taken, /already associated with .*\.9$/);
  const twice = { ...req, traceCodes: { [GOODS.sgtin(1)]: '1234567890123456', [GOODS.sgtin(2)]: '1234567890123456' } };
  throwsCode(
    t,
    () => decideEntry(twice, SHOP, [undefined, undefined], new Map(), TX),
    ErrorCode.ALREADY_EXISTS,
    'one code for two items of one entry',
  );
  throwsCode(
    t,
    () => decideEntry(req, SHOP, [undefined, item(2)], new Map(), TX),
    ErrorCode.ALREADY_EXISTS,
    'an entered item',
  );
});

t.test(
  'a shipment moves items into transit; a receipt elsewhere is WRONG_RECEIPT; the right one books them',
  async (t) => {
    const ship = {
      eventTime: { iso: AT, ms: TX.ms },
      shipmentId: 'SH-1',
      toEnterprise: OTHER,
      toLocation: COUNTER,
      items: [GOODS.sgtin(1)],
      eventId: undefined,
    };
    const shipped = decideShipment(ship, SHOP, OTHER, [item(1)], TX);
    t.same(shipped.movements, [
      { enterprise: SHOP, gtin: GOODS.gtin, regime: 'ZERO_TARIFF', location: WAREHOUSE, qty: -1 },
    ]);
    throwsCode(
      t,
      () => decideShipment({ ...ship, toLocation: WAREHOUSE }, SHOP, SHOP, [item(1)], TX),
      ErrorCode.INVALID_ARGUMENT,
      'a shipment to where it is',
    );
    const recv = {
      eventTime: { iso: AT, ms: TX.ms },
      shipmentId: 'SH-1',
      location: WAREHOUSE,
      items: [GOODS.sgtin(1)],
      eventId: undefined,
    };
    throwsCode(t, () => decideReceipt(recv, OTHER, shipped.items!, TX), ErrorCode.WRONG_RECEIPT);
    const received = decideReceipt({ ...recv, location: COUNTER }, OTHER, shipped.items!, TX);
    t.same(
      received.items!.map((i) => [i.status, i.holder, i.location, 'transit' in i]),
      [['IN_STOCK', OTHER, COUNTER, false]],
    );
    t.same(received.movements, [
      { enterprise: OTHER, gtin: GOODS.gtin, regime: 'ZERO_TARIFF', location: COUNTER, qty: 1 },
    ]);
  },
);

t.test('a departure is appended to the person, who starts empty', async (t) => {
  const d = decideDeparture(undefined, PERSON, AT, 'HAIKOU_MEILAN_AIRPORT', undefined);
  t.same(d.record, {
    personCode: PERSON,
    departureObligations: [],
    departures: [{ departedAt: AT, port: 'HAIKOU_MEILAN_AIRPORT' }],
  });
  t.same(d.writes, [{ type: KeyType.person, attrs: [PERSON], value: d.record }]);
  t.same(d.records, { person: d.record }, 'the ledger event names the person record');
});
