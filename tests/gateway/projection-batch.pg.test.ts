// Proves that projecting many ledger events as one batch (one multi-row statement per table) leaves exactly the rows
// that projecting them one at a time leaves, when one item is changed by several transactions of the same batch: the
// item row is the last transaction's, its history lists every transaction in chain order, and replaying the batch
// (whole, in small statements, or an older part of it) changes nothing.
// How: synthetic LedgerEvents through the projection follower (fake event stream, real PostgreSQL, checkpoint in the
// same transaction), into one database as a single batch and into another one event per batch; table snapshots compared.
import t from 'tap';
import {
  createPool,
  newCheckpointRepository,
  newProjectionRepository,
  withTransaction,
  type DbPool,
  type Queryable,
} from '../../gateway/src/adapters/pg';
import type { LedgerChaincodeEvent, LedgerEventStream } from '../../gateway/src/adapters/fabric';
import { newProjectionFollower } from '../../gateway/src/projection/follower';
import {
  LEDGER_EVENT_NAME,
  decodeLedgerEvent,
  projectEvents,
  type LedgerEventPayload,
  type LedgerItem,
  type PositionedEvent,
} from '../../gateway/src/projection/ledger-event';
import { createMigratedDatabase, type Teardown } from './helpers/database';

const GTIN = '06901234567892';
const sgtin = (serial: string) => `urn:epc:id:sgtin:6901234.056789.${serial}`;
const S1 = sgtin('1');
const S2 = sgtin('2');
const S3 = sgtin('3');

function item(serial: string, txId: string, eventTime: string, fields: Partial<LedgerItem>): LedgerItem {
  return {
    sgtin: sgtin(serial),
    product: { gtin: GTIN },
    regime: 'BONDED',
    status: 'IN_STOCK',
    holder: 'E1',
    location: 'L1',
    lastEventTime: eventTime,
    lastTxId: txId,
    ...fields,
  };
}

function payload(txId: string, type: string, eventTime: string, items: LedgerItem[], to: string): LedgerEventPayload {
  return {
    txId,
    type,
    eventTime,
    recordTime: eventTime,
    actor: { mspId: 'Org1MSP', enterpriseId: 'E1' },
    items,
    movements: [
      {
        enterprise: to,
        gtin: GTIN,
        regime: 'BONDED',
        location: 'L1',
        qty: items.length,
        txId,
        eventType: type,
        eventTime,
        period: '2026-12',
      },
    ],
    epcis: [
      {
        eventID: `ni:///sha-256;${txId}?ver=CBV2.0`,
        eventTime,
        bizStep: type.toLowerCase(),
        epcList: items.map((i) => i.sgtin),
      },
    ],
  };
}

/** Three transactions over two blocks; S1 is in all three, S2 in two. */
const EVENTS: LedgerChaincodeEvent[] = [
  {
    blockNumber: 10n,
    txId: 'tx-a',
    payload: payload(
      'tx-a',
      'ENTRY',
      '2026-12-01T01:00:00Z',
      [
        item('1', 'tx-a', '2026-12-01T01:00:00Z', {}),
        item('2', 'tx-a', '2026-12-01T01:00:00Z', {}),
        item('3', 'tx-a', '2026-12-01T01:00:00Z', { traceCode: 'T3' }),
      ],
      'E1',
    ),
  },
  {
    blockNumber: 10n,
    txId: 'tx-b',
    payload: payload(
      'tx-b',
      'SHIPMENT',
      '2026-12-01T02:00:00Z',
      [
        item('1', 'tx-b', '2026-12-01T02:00:00Z', { status: 'IN_TRANSIT', transit: { to: 'E2' } }),
        item('2', 'tx-b', '2026-12-01T02:00:00Z', {
          status: 'IN_TRANSIT',
          transit: { to: 'E2' },
          hold: { reason: 'x' },
        }),
      ],
      'E1',
    ),
  },
  {
    blockNumber: 11n,
    txId: 'tx-c',
    payload: payload(
      'tx-c',
      'RECEIPT',
      '2026-12-01T03:00:00Z',
      [item('1', 'tx-c', '2026-12-01T03:00:00Z', { holder: 'E2', location: 'L2' })],
      'E2',
    ),
  },
].map(({ blockNumber, txId, payload }) => ({
  blockNumber,
  transactionId: txId,
  chaincodeName: 'traceability',
  eventName: LEDGER_EVENT_NAME,
  payload: new TextEncoder().encode(JSON.stringify(payload)),
}));

/** The events as the follower positions them (tx_seq counts the block's events). */
const POSITIONED: PositionedEvent[] = EVENTS.map((e, i) => ({
  blockNumber: e.blockNumber,
  txSeq: EVENTS.slice(0, i).filter((p) => p.blockNumber === e.blockNumber).length,
  transactionId: e.transactionId,
  payload: e.payload,
}));

/** A stream that delivers the events at once, then waits until closed. */
function fakeStream(events: readonly LedgerChaincodeEvent[]): LedgerEventStream {
  let close!: () => void;
  const closed = new Promise<void>((resolve) => (close = resolve));
  return {
    close: () => close(),
    async *[Symbol.asyncIterator]() {
      yield* events;
      await closed;
    },
  };
}

/** Project the events with a follower; resolves with the number of batches (transactions) it wrote. */
async function follow(pool: DbPool, batchMaxEvents: number): Promise<number> {
  let batches = 0;
  const follower = newProjectionFollower({
    pool,
    openEvents: async () => fakeStream(EVENTS),
    batchMaxEvents,
    beforeCommit: async () => void batches++,
  });
  follower.start();
  try {
    await follower.waitUntilIdle(200, 10_000);
  } finally {
    await follower.stop();
  }
  return batches;
}

/** The projection's tables, and the checkpoint without its write time. */
const TABLES = [
  'items',
  'item_events',
  'ledger_transactions',
  'epcis_events',
  'account_movements',
  'item_parties',
  '(SELECT name, block_number, tx_id FROM projection_checkpoint)',
];

/** Every projection row, as text, per table. */
async function snapshot(pool: DbPool): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of TABLES) {
    const { rows } = await pool.query<{ r: string }>(`SELECT row_to_json(x)::text AS r FROM ${table} x ORDER BY 1`);
    out[table] = rows.map((row) => row.r);
  }
  return out;
}

async function migratedPool(t: Teardown): Promise<DbPool> {
  const pool = createPool({ connectionString: await createMigratedDatabase(t) });
  t.teardown(() => pool.end());
  return pool;
}

t.test(
  'one batch with an item in several of its transactions projects what one event at a time does; replays change nothing',
  async (t) => {
    const batched = await migratedPool(t);
    const single = await migratedPool(t);
    t.equal(await follow(batched, 200), 1, 'the three transactions were written as one batch');
    t.equal(await follow(single, 1), 3, 'the reference wrote one transaction per batch');

    const repo = newProjectionRepository(batched);
    const s1 = await repo.findItem(S1);
    t.match(
      s1,
      { lastTxId: 'tx-c', lastBlock: 11n, holder: 'E2', location: 'L2', status: 'IN_STOCK', held: false },
      'S1 is as the last transaction left it',
    );
    t.match(await repo.findItem(S2), { lastTxId: 'tx-b', status: 'IN_TRANSIT', held: true }, 'S2 as tx-b left it');
    t.match(await repo.findItem(S3), { lastTxId: 'tx-a', traceCode: 'T3' }, 'S3 as tx-a left it');
    const history = await repo.history(S1, 10);
    t.same(
      history.map((h) => [h.txId, h.blockNumber, h.txSeq, h.type]),
      [
        ['tx-a', 10n, 0, 'ENTRY'],
        ['tx-b', 10n, 1, 'SHIPMENT'],
        ['tx-c', 11n, 0, 'RECEIPT'],
      ],
      'S1 history: every transaction in chain order',
    );
    t.same(
      history.map((h) => (h.epcis[0] as { eventID: string }).eventID),
      ['tx-a', 'tx-b', 'tx-c'].map((tx) => `ni:///sha-256;${tx}?ver=CBV2.0`),
      "each entry with its transaction's EPCIS event",
    );
    t.ok(await repo.isParty(S1, 'E2'), 'S1 party E2 (sent it, then held it)');
    t.match(
      await newCheckpointRepository(batched).get('ledger'),
      { blockNumber: 11n, transactionId: 'tx-c' },
      'checkpoint at the last event',
    );

    const before = await snapshot(batched);
    t.same(before, await snapshot(single), 'every table equals the one-event-per-batch projection');

    // Replays: the whole batch again, in one-row statements, and an older part of it (tx-a alone) last.
    const all = projectEvents(POSITIONED.map((position) => ({ position, payload: decodeLedgerEvent(position) })));
    const first = projectEvents(
      POSITIONED.slice(0, 1).map((position) => ({ position, payload: decodeLedgerEvent(position) })),
    );
    await withTransaction(batched, (tx) => newProjectionRepository(tx).applyBatch(all));
    await withTransaction(batched, (tx) => newProjectionRepository(tx, { maxRowsPerStatement: 1 }).applyBatch(all));
    await withTransaction(batched, (tx) => newProjectionRepository(tx, { maxRowsPerStatement: 2 }).applyBatch(first));
    t.same(
      await snapshot(batched),
      before,
      'replaying the batch (whole, row by row, or an older part) changes nothing',
    );
  },
);

t.test('a batch naming one item several times, in any order and across statements, keeps its latest row', async (t) => {
  const pool = await migratedPool(t);
  const perEvent = POSITIONED.map((position) => projectEvents([{ position, payload: decodeLedgerEvent(position) }]));
  // Items of tx-c, tx-a, tx-b in that order: S1 three times, S2 twice, out of chain order.
  const batch = {
    transactions: perEvent.flatMap((b) => b.transactions),
    items: [2, 0, 1].flatMap((i) => perEvent[i]!.items),
    itemEvents: perEvent.flatMap((b) => b.itemEvents),
    epcisEvents: perEvent.flatMap((b) => b.epcisEvents),
    movements: perEvent.flatMap((b) => b.movements),
    parties: perEvent.flatMap((b) => b.parties),
  };
  // Item rows are written once per sgtin (the latest): 6 item rows in the batch, 3 written.
  const rows =
    Object.values(batch).reduce((n, table) => n + table.length, 0) -
    batch.items.length +
    new Set(batch.items.map((i) => i.sgtin)).size;
  for (const [maxRowsPerStatement, expected] of [
    [5_000, 6],
    [1, rows],
  ] as const) {
    let statements = 0;
    await withTransaction(pool, (tx) => {
      // A view of the transaction's client that counts statements (still a pg Client, as the repository expects).
      const counting = Object.create(tx) as Queryable;
      counting.query = ((...args: Parameters<Queryable['query']>) => {
        statements++;
        return tx.query(...args);
      }) as Queryable['query'];
      return newProjectionRepository(counting, { maxRowsPerStatement }).applyBatch(batch);
    });
    t.equal(
      statements,
      expected,
      `${expected} statements for ${rows} rows in six tables at ${maxRowsPerStatement} rows per statement`,
    );
  }
  for (const maxRowsPerStatement of [5_000, 2, 1]) {
    await withTransaction(pool, (tx) => newProjectionRepository(tx, { maxRowsPerStatement }).applyBatch(batch));
    const repo = newProjectionRepository(pool);
    t.match(
      await repo.findItem(S1),
      { lastTxId: 'tx-c', holder: 'E2' },
      `S1: tx-c's row (${maxRowsPerStatement} rows per statement)`,
    );
    t.match(
      await repo.findItem(S2),
      { lastTxId: 'tx-b', held: true },
      `S2: tx-b's row (${maxRowsPerStatement} rows per statement)`,
    );
    t.equal((await repo.history(S1, 10)).length, 3, 'S1 history has three entries, not more');
  }
});

/** A payload as the chaincode puts it on the chain today (version 2): items equal apart from the SGTIN in one group. */
function grouped(p: LedgerEventPayload): LedgerEventPayload {
  const groups = new Map<string, { record: Omit<LedgerItem, 'sgtin'>; sgtins: string[] }>();
  for (const { sgtin: s, ...record } of p.items ?? []) {
    const key = JSON.stringify(record);
    const group = groups.get(key) ?? { record, sgtins: [] };
    group.sgtins.push(s);
    groups.set(key, group);
  }
  const { items: _items, ...rest } = p;
  return { ...rest, v: 2, itemGroups: [...groups.values()] };
}

t.test('grouped (version 2) payloads, alone or with version 1 in one batch, store the same item rows', async (t) => {
  const asV1 = await migratedPool(t);
  const mixed = await migratedPool(t);
  const decoded = POSITIONED.map((position) => ({ position, payload: decodeLedgerEvent(position) }));
  // tx-a (two items share a record, S3 has its own trace code) and tx-c grouped, tx-b as version 1.
  const mixedEvents = decoded.map((e, i) => (i === 1 ? e : { ...e, payload: grouped(e.payload) }));
  t.equal(mixedEvents[0]!.payload.itemGroups?.length, 2, 'tx-a: S1 and S2 in one group, S3 in its own');
  for (const maxRowsPerStatement of [5_000, 2]) {
    await withTransaction(asV1, (tx) =>
      newProjectionRepository(tx, { maxRowsPerStatement }).applyBatch(projectEvents(decoded)),
    );
    await withTransaction(mixed, (tx) =>
      newProjectionRepository(tx, { maxRowsPerStatement }).applyBatch(projectEvents(mixedEvents)),
    );
  }
  const perItem = async (pool: DbPool) => {
    const out: Record<string, string[]> = {};
    for (const table of ['items', 'item_events', 'item_parties']) {
      const { rows } = await pool.query<{ r: string }>(`SELECT row_to_json(x)::text AS r FROM ${table} x ORDER BY 1`);
      out[table] = rows.map((row) => row.r);
    }
    return out;
  };
  const expected = await perItem(asV1);
  t.equal(expected.items?.length, 3, 'three item rows');
  t.equal(expected.item_events?.length, 6, 'six history rows');
  t.same(await perItem(mixed), expected, 'items, item_events and item_parties equal the version 1 projection');
  const repo = newProjectionRepository(mixed);
  t.match(
    await repo.findItemWithHistory(S2, 10),
    {
      item: { record: { sgtin: S2, status: 'IN_TRANSIT', lastTxId: 'tx-b' } },
      history: [
        { txId: 'tx-a', item: { sgtin: S2, status: 'IN_STOCK' } },
        { txId: 'tx-b', item: { sgtin: S2 } },
      ],
    },
    'a grouped item reads back with its own SGTIN in its record and its history',
  );
});
