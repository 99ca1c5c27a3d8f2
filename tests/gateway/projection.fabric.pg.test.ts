// Proves the projection equals the ledger (items, histories, transactions), resumes after a crash between batches with no gap and no duplicate, follows live, and rebuilds from block 0 identically.
// How: entry, association, shipment, receipt, sale and hold via TraceClient on a dev peer process; followers writing to a real PostgreSQL, compared with query:GetItemHistory.
import t, { type Test } from 'tap';
import { join } from 'node:path';
import { createPool, newCheckpointRepository, type DbPool } from '../../gateway/src/adapters/pg';
import { openProjectionLedgerClient } from '../../gateway/src/projection/ledger-source';
import { newProjectionFollower, PROJECTION_NAME, type OpenLedgerEvents } from '../../gateway/src/projection/follower';
import { rebuildProjection } from '../../gateway/src/projection/rebuild';
import { readConnectionProfile } from '../../gateway/src/ledger/ledger-settings';
import { startDevnetProcess, type DevnetProcess } from '../../testkit/src/devnet';
import { ENTERPRISES, gln, personCode, product, registerDevnetEnterprises, TraceClient } from '../../testkit/src/trace';
import { createMigratedDatabase } from './helpers/database';
import { waitFor } from './helpers/wait';

const { operator, importer } = ENTERPRISES;
const L1 = gln(1);
const L2 = gln(2);
const PERFUME = product(101);
const WATCH = product(202);

let dn: DevnetProcess;
let chain: TraceClient;
let openEvents: OpenLedgerEvents;
/** Transactions submitted that emit a LedgerEvent. */
let submitted = 0;
const items: string[] = [];

async function submit(
  identity: string,
  fn: string,
  request: unknown,
  transient?: Record<string, unknown>,
): Promise<void> {
  await chain.submit(identity, fn, request, transient);
  submitted++;
}

/** A run of the trade: entries, an association, a shipment and its receipt, a sale, a customs hold. */
async function tradeRun(tag: string): Promise<void> {
  const perfumes = Array.from({ length: 6 }, (_, i) => PERFUME.sgtin(`${tag}P${i}`));
  const watches = Array.from({ length: 3 }, (_, i) => WATCH.sgtin(`${tag}W${i}`));
  items.push(...perfumes, ...watches);
  await submit(importer.identity, 'goods:Enter', {
    declarationNo: `D-${tag}-1`,
    location: L1,
    regime: 'ZERO_TARIFF',
    product: { gtin: PERFUME.gtin, hsCode: '330300', category: 'COSMETICS' },
    unitValueFen: 10_000,
    items: perfumes,
  });
  await submit(importer.identity, 'goods:Enter', {
    declarationNo: `D-${tag}-2`,
    location: L1,
    regime: 'BONDED',
    product: { gtin: WATCH.gtin, hsCode: '910211', category: 'WATCH' },
    unitValueFen: 200_000,
    items: watches,
  });
  await submit(importer.identity, 'goods:Associate', {
    pairs: [{ sgtin: perfumes[0], code: `46${tag.padStart(2, '0')}000000000017`.slice(0, 16) }],
  });
  await submit(importer.identity, 'goods:Ship', {
    shipmentId: `S-${tag}`,
    toEnterprise: operator.id,
    toLocation: L2,
    items: perfumes.slice(0, 4),
  });
  await submit(operator.identity, 'goods:Receive', {
    shipmentId: `S-${tag}`,
    location: L2,
    items: perfumes.slice(0, 4),
  });
  await submit(
    operator.identity,
    'sale:Sell',
    {
      saleId: `SALE-${tag}`,
      personCode: personCode(`buyer-${tag}`),
      location: L2,
      pickupMode: 'DEPARTURE_PICKUP',
      departure: {
        mode: 'FLIGHT',
        ticketRef: 'HU7181',
        departureTime: new Date(Date.now() + 86_400_000).toISOString(),
      },
      lines: [{ id: perfumes[0], unitPriceFen: 50_000 }],
    },
    { buyer: { birthDate: '1990-01-01' } },
  );
  await submit('customs-admin', 'customs:Hold', { items: [watches[0]], reason: 'document check' });
}

async function countOf(db: DbPool, table: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`);
  return Number(rows[0]?.n);
}

/** Every projection table, in a stable order, as JSON text. */
async function snapshot(db: DbPool): Promise<Record<string, string>> {
  const orderBy: Record<string, string> = {
    items: 'sgtin',
    item_parties: 'sgtin, enterprise',
    item_events: 'sgtin, block_number, tx_seq',
    ledger_transactions: 'block_number, tx_seq',
    epcis_events: 'block_number, tx_seq, event_seq',
    account_movements: 'tx_id, enterprise, gtin, regime, location',
  };
  const out: Record<string, string> = {};
  for (const [table, order] of Object.entries(orderBy)) {
    const { rows } = await db.query(`SELECT * FROM ${table} ORDER BY ${order}`);
    out[table] = JSON.stringify(rows);
  }
  return out;
}

/** The projection equals the ledger for every item: current record, and history tx ids in chain order. */
async function assertEqualsLedger(t: Test, db: DbPool): Promise<void> {
  for (const sgtin of items) {
    const { item, history } = await chain.evaluate<{ item: Record<string, unknown>; history: { txId: string }[] }>(
      'customs-admin',
      'query:GetItemHistory',
      { id: sgtin },
    );
    const {
      rows: [row],
    } = await db.query<{ record: unknown; status: string; holder: string; location: string; held: boolean }>(
      `SELECT record, status, holder, location, held FROM items WHERE sgtin = $1`,
      [sgtin],
    );
    t.same(row?.record, item, `${sgtin}: current record`);
    t.same(
      [row?.status, row?.holder, row?.location, row?.held],
      [item.status, item.holder, item.location, item.hold !== undefined],
      `${sgtin}: columns`,
    );
    const { rows: events } = await db.query<{ tx_id: string }>(
      `SELECT tx_id FROM item_events WHERE sgtin = $1 ORDER BY block_number, tx_seq`,
      [sgtin],
    );
    t.same(
      events.map((e) => e.tx_id),
      history.map((h) => h.txId),
      `${sgtin}: history, no gap, no duplicate, same order`,
    );
  }
}

t.before(async () => {
  dn = await startDevnetProcess();
  chain = new TraceClient(dn);
  await registerDevnetEnterprises(chain);
  submitted += Object.keys(ENTERPRISES).length;
  const { settings } = readConnectionProfile(join(dn.dataDir, 'connection.json'));
  const client = openProjectionLedgerClient(settings!, 'CustomsMSP');
  t.teardown(() => client.close());
  openEvents = (from, checkpoint) => client.chaincodeEvents(from, checkpoint);
  await tradeRun('1');
});
t.teardown(async () => {
  chain?.close();
  await dn?.stop();
});

t.test('a crash between batches, then a restart: the projection equals the ledger, no gap, no duplicate', async (t) => {
  const db = createPool({ connectionString: await createMigratedDatabase(t) });
  t.teardown(() => db.end());

  // Follower A commits two batches of 2 events, then "crashes" while writing the third (its transaction rolls back).
  let batches = 0;
  const crashed = newProjectionFollower({
    pool: db,
    openEvents,
    batchMaxEvents: 2,
    flushIdleMs: 1_000,
    beforeCommit: async () => {
      if (++batches === 3) {
        void crashed.stop();
        throw new Error('simulated crash between batches');
      }
    },
  });
  crashed.start();
  await waitFor('the crash', () => batches >= 3);
  await crashed.stop();
  const afterCrash = crashed.status();
  t.equal(afterCrash.eventsApplied, 4, 'two batches committed before the crash');
  t.equal(await countOf(db, 'ledger_transactions'), 4, 'the crashed batch left nothing behind');
  const checkpoint = await newCheckpointRepository(db).get(PROJECTION_NAME);
  t.equal(checkpoint?.transactionId, afterCrash.lastTxId, 'the checkpoint is the last committed event');

  // Follower B resumes from the checkpoint.
  const resumed = newProjectionFollower({ pool: db, openEvents });
  resumed.start();
  t.teardown(() => resumed.stop());
  await waitFor('the projection to catch up', async () => (await countOf(db, 'ledger_transactions')) === submitted);
  t.equal(
    afterCrash.eventsApplied + resumed.status().eventsApplied,
    submitted,
    'every event applied exactly once across the crash',
  );
  await assertEqualsLedger(t, db);

  // Live: new transactions while B follows.
  await tradeRun('2');
  await waitFor('the live events', async () => (await countOf(db, 'ledger_transactions')) === submitted);
  await assertEqualsLedger(t, db);
  const {
    rows: [order],
  } = await db.query<{ bad: string }>(
    `SELECT count(*)::text AS bad FROM (SELECT block_number, tx_seq, count(*) FROM ledger_transactions GROUP BY 1, 2 HAVING count(*) > 1) d`,
  );
  t.equal(order?.bad, '0', '(block, tx_seq) is a total order of the transactions');
  const {
    rows: [mv],
  } = await db.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM account_movements WHERE enterprise = $1 AND location = $2`,
    [operator.id, L2],
  );
  t.ok(Number(mv?.n) > 0, 'movements projected');
  const {
    rows: [code],
  } = await db.query<{ sgtin: string }>(`SELECT sgtin FROM items WHERE trace_code IS NOT NULL ORDER BY sgtin LIMIT 1`);
  t.ok(code?.sgtin, 'association projected as trace_code');

  await t.test('rebuild from block 0 yields identical tables', async (t) => {
    await resumed.stop();
    const before = await snapshot(db);
    const result = await rebuildProjection({ pool: db, openEvents, idleMs: 1_500 });
    t.equal(result.eventsApplied, submitted, 'every event replayed');
    const after = await snapshot(db);
    for (const table of Object.keys(before)) t.equal(after[table], before[table], `${table} identical`);
  });

  await t.test('replaying already projected events changes nothing (upserts keyed by tx id)', async (t) => {
    const before = await snapshot(db);
    await db.query(`DELETE FROM projection_checkpoint WHERE name = $1`, [PROJECTION_NAME]);
    const replay = newProjectionFollower({ pool: db, openEvents });
    replay.start();
    await waitFor('the replay', () => replay.status().eventsApplied === submitted);
    await replay.stop();
    t.same(await snapshot(db), before, 'identical after a full replay over the existing rows');
  });
});
