// Proves the contents of a container as the projection lists them (GET /v1/containers/{id}, issue 15 Must 3): the items
// inside a pallet, directly or through its cases, each with the case it is in, in SGTIN order, in keyset pages that
// neither skip nor repeat; an item unpacked leaves the list; an enterprise sees the items it may read (the receiver of
// the pallet all of them, another enterprise none).
// How: synthetic LedgerEvents through projectEvents + the PostgreSQL repository on a real, migrated database.
import t from 'tap';
import { createPool, newProjectionRepository } from '../../gateway/src/adapters/pg';
import { projectEvents, type LedgerEventPayload, type LedgerItem } from '../../gateway/src/projection/ledger-event';
import { createMigratedDatabase } from './helpers/database';

const S = (n: number) => `urn:epc:id:sgtin:6901234.056789.${n}`;
const CASE = 'urn:epc:id:sscc:6901234.0000000001';
const PALLET = 'urn:epc:id:sscc:6901234.0000000002';
const time = (n: number) => `2026-01-01T00:00:${String(n).padStart(2, '0')}Z`;

const item = (serial: number, n: number, fields: Partial<LedgerItem> = {}): LedgerItem => ({
  sgtin: S(serial),
  product: { gtin: '06901234567892' },
  regime: 'ZERO_TARIFF',
  status: 'IN_STOCK',
  holder: 'A',
  location: 'L1',
  lastEventTime: time(n),
  lastTxId: `tx${n}`,
  ...fields,
});
const container = (id: string, fields: Record<string, unknown> = {}) => ({
  id,
  status: 'IN_STOCK',
  holder: 'A',
  location: 'L1',
  ...fields,
});

function event(n: number, type: string, items: LedgerItem[], containers?: unknown[]) {
  const payload: LedgerEventPayload = {
    txId: `tx${n}`,
    type,
    eventTime: time(n),
    recordTime: time(n),
    actor: { mspId: 'AMSP', enterpriseId: 'A' },
    items,
    movements: [],
    ...(containers === undefined ? {} : { records: { containers } }),
  };
  return {
    position: { blockNumber: BigInt(n), txSeq: 0, transactionId: `tx${n}`, payload: new Uint8Array([n]) },
    payload,
  };
}

const TRANSIT = { shipmentId: 'SH', to: 'B', toLocation: 'L2', from: 'A', fromLocation: 'L1' };
const EVENTS = [
  event(1, 'ENTRY', [item(1, 1), item(2, 1), item(3, 1)]),
  event(2, 'PACK', [item(2, 2, { container: CASE }), item(1, 2, { container: CASE })], [container(CASE)]),
  event(3, 'PACK', [item(3, 3, { container: PALLET })], [container(PALLET)]),
  event(4, 'PACK', [], [container(CASE, { parent: PALLET }), container(PALLET)]),
  event(5, 'CONTAINER_SHIPMENT', [], [container(PALLET, { status: 'IN_TRANSIT', transit: TRANSIT })]),
  event(6, 'CONTAINER_RECEIPT', [], [container(PALLET, { holder: 'B', location: 'L2' })]),
];

t.test('the items inside a pallet, through its cases, page by page, as each caller may read them', async (t) => {
  const db = createPool({ connectionString: await createMigratedDatabase(t) });
  t.teardown(() => db.end());
  const repo = newProjectionRepository(db);
  for (const e of EVENTS) await repo.applyBatch(projectEvents([e]));
  const list = async (id: string, page: { after?: string; limit: number; visibleTo?: string }) =>
    (await repo.containerContents(id, page)).map((r) => [r.sgtin, r.container]);

  t.same(
    await list(PALLET, { limit: 10 }),
    [
      [S(1), CASE],
      [S(2), CASE],
      [S(3), PALLET],
    ],
    'every item inside, each with the container it is directly in, in SGTIN order',
  );
  t.same(await list(CASE, { limit: 10 }), [
    [S(1), CASE],
    [S(2), CASE],
  ]);
  const first = await list(PALLET, { limit: 2 });
  const second = await list(PALLET, { after: String(first[1]?.[0]), limit: 2 });
  t.same(
    [...first, ...second].map((r) => r[0]),
    [S(1), S(2), S(3)],
    'pages neither skip nor repeat',
  );
  t.same(await list(PALLET, { limit: 10, visibleTo: 'B' }), await list(PALLET, { limit: 10 }), 'the receiver: all');
  t.same(await list(PALLET, { limit: 10, visibleTo: 'C' }), [], 'another enterprise: none');
  t.same(await list(S(1), { limit: 10 }), [], 'an item holds nothing');

  await repo.applyBatch(
    projectEvents([
      event(
        7,
        'UNPACK',
        [item(1, 7, { holder: 'B', location: 'L2' })],
        [container(CASE, { holder: 'B', location: 'L2' })],
      ),
    ]),
  );
  t.same(
    (await list(PALLET, { limit: 10 })).map((r) => r[0]),
    [S(2), S(3)],
    'an item unpacked from the case is no longer inside the pallet',
  );
});
