// Proves the projection's cases and pallets (issue 15 Must 3, issue 16 Must 1) on synthetic LedgerEvents: an item
// packed in a case put on a pallet reads as the pallet's holder, location and status after the pallet moves (no item
// row written by the moves), its history lists the case's and pallet's moves in chain order with its own, the
// receiver may read it, and its own state returns when it is unpacked. The same events projected one per batch and all
// as one batch (an unpack closing a membership opened in the same batch) leave the same rows, and a replay changes
// nothing. How: projectEvents + the PostgreSQL repository on a real, migrated database.
import t from 'tap';
import { createPool, newProjectionRepository, type DbPool } from '../../gateway/src/adapters/pg';
import { ALL_ITEMS, ProjectionReadCache } from '../../gateway/src/cache/read-cache';
import { projectEvents, type LedgerItem } from '../../gateway/src/projection/ledger-event';
import { CASE, container, containerEvent, itemAt, PALLET, sgtinOf, TRANSIT } from './helpers/container-events';
import { createMigratedDatabase, type Teardown } from './helpers/database';

const S = sgtinOf(1);
const item = (n: number, fields: Partial<LedgerItem> = {}) => itemAt(1, n, fields);
const event = containerEvent;
const EVENTS = [
  event(1, 'ENTRY', [item(1)]),
  event(2, 'PACK', [item(2, { container: CASE })], [container(CASE)]),
  event(3, 'PACK', [], [container(CASE, { parent: PALLET }), container(PALLET)]),
  event(4, 'CONTAINER_SHIPMENT', [], [container(PALLET, { status: 'IN_TRANSIT', transit: TRANSIT })]),
  event(5, 'CONTAINER_RECEIPT', [], [container(PALLET, { holder: 'B', location: 'L2' })]),
];
const UNPACKED = [
  event(6, 'UNPACK', [], [container(CASE, { holder: 'B', location: 'L2' }), container(PALLET, { holder: 'B' })]),
  event(7, 'UNPACK', [item(7, { holder: 'B', location: 'L2' })], [container(CASE, { holder: 'B', location: 'L2' })]),
];

async function database(t: Teardown): Promise<DbPool> {
  const pool = createPool({ connectionString: await createMigratedDatabase(t) });
  t.teardown(() => pool.end());
  return pool;
}

async function snapshot(db: DbPool): Promise<string> {
  const tables = ['container_state', 'container_members', 'container_events', 'items', 'item_events'];
  const rows = await Promise.all(
    tables.map(async (table) => (await db.query(`SELECT * FROM ${table} ORDER BY 1, 2, 3`)).rows),
  );
  return JSON.stringify(rows);
}

t.test('a pallet move reads through to the item inside, without an item row', async (t) => {
  const db = await database(t);
  const repo = newProjectionRepository(db);
  for (const e of EVENTS) await repo.applyBatch(projectEvents([e]));
  const moved = projectEvents([EVENTS[3]!]);
  t.same(
    [moved.items.length, moved.containerEvents?.length],
    [0, 1],
    'a pallet move is one container row, no item row',
  );

  const inside = await repo.findItem(S);
  t.same(
    [inside?.holder, inside?.location, inside?.status, inside?.lastTxId],
    ['B', 'L2', 'IN_STOCK', 'tx5'],
    "the item is where the pallet is, and its state's version is the pallet's last move",
  );
  t.same(
    (await repo.history(S, 100)).map((h) => [h.type, h.item.holder, h.item.status]),
    [
      ['ENTRY', 'A', 'IN_STOCK'],
      ['PACK', 'A', 'IN_STOCK'],
      ['PACK', 'A', 'IN_STOCK'],
      ['CONTAINER_SHIPMENT', 'A', 'IN_TRANSIT'],
      ['CONTAINER_RECEIPT', 'B', 'IN_STOCK'],
    ],
    'the history has the case put on the pallet and the pallet moves, in chain order',
  );
  t.ok(await repo.isParty(S, 'B'), 'the receiver of the pallet reads the item');
  t.notOk(await repo.isParty(S, 'C'), 'another enterprise does not');

  for (const e of UNPACKED) await repo.applyBatch(projectEvents([e]));
  const out = await repo.findItem(S);
  t.same([out?.holder, out?.location, out?.lastTxId], ['B', 'L2', 'tx7'], 'unpacked: its own row again');
  t.same(
    (await repo.history(S, 100)).map((h) => h.type).slice(-2),
    ['UNPACK', 'UNPACK'],
    'the case taken off the pallet, then the item out of the case',
  );
  const data = await db.query(`SELECT count(*)::int AS n FROM container_members WHERE to_tx_id IS NULL`);
  t.equal(data.rows[0]?.n, 0, 'every membership closed');

  const once = await snapshot(db);
  await repo.applyBatch(projectEvents([...EVENTS, ...UNPACKED]));
  t.equal(await snapshot(db), once, 'a replay changes nothing');

  const other = await database(t);
  await newProjectionRepository(other).applyBatch(projectEvents([...EVENTS, ...UNPACKED]));
  t.equal(await snapshot(other), once, 'one batch leaves the rows that one event per batch leaves (a rebuild)');
});

t.test('a batch with container rows drops every cached item (the items inside are not named)', async (t) => {
  const cache = new ProjectionReadCache({ admission: 'every-read' });
  cache.noteRead(S);
  t.ok(cache.set(S, 'item', { holder: 'A' }, 16, cache.epoch()), 'cached');
  cache.invalidate(['urn:epc:id:sgtin:6901234.056789.9']);
  t.same(cache.get(S, 'item'), { holder: 'A' }, 'an invalidation naming other items keeps it');
  cache.invalidate([ALL_ITEMS]);
  t.equal(cache.get(S, 'item'), undefined, 'ALL_ITEMS drops it');
});
