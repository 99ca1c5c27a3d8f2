// Proves a container move accepted is committed exactly once when the gateway dies mid-run (issue 16 Targets): the
// gateway (the real `server.js` with BullMQ on Redis, PostgreSQL, the dev peer) is killed with SIGKILL while it
// submits pallet shipments (ObjectEvents naming SSCCs), restarted, and killed again while it submits their receipts.
// Every capture ends committed; on the chain each pallet was packed, shipped and received once and is at the receiver;
// in the projection each pallet has exactly those three moves and its state, an item inside it reads as at the
// receiver with its pallet's moves in its history once each, both books hold what the pallets carried, and the live
// projection's containers equal a projection rebuilt from block 0.
// How: child processes for the dev peer (a 500 ms block timeout, so that moves are still in flight at the kill) and
// the gateway; HTTP to the gateway's port; the chain read through the official client as customs.
import t, { type Test } from 'tap';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createPool } from '../../gateway/src/adapters/pg';
import { readConnectionProfile } from '../../gateway/src/ledger/ledger-settings';
import { openProjectionLedgerClient } from '../../gateway/src/projection/ledger-source';
import { rebuildProjection } from '../../gateway/src/projection/rebuild';
import { startDevnetProcess, type DevnetProcess } from '../../testkit/src/devnet';
import { entryEvent, epcisDocument, packingEvent, receivingEvent, shippingEvent } from '../../testkit/src/epcis';
import { redisManaged, redisUrl } from '../../testkit/src/services';
import { ENTERPRISES, gln, product, registerDevnetEnterprises, TraceClient, sscc } from '../../testkit/src/trace';
import { createMigratedDatabase } from './helpers/database';
import { CUSTOMS_KEY, newGatewayProcess, type GatewayProcess } from './helpers/gateway-process';
import { waitFor } from './helpers/wait';

const { operator, importer } = ENTERPRISES;
const GOODS = product(402);
const PALLETS = 30;
const CASES_PER_PALLET = 2;
const ITEMS_PER_CASE = 8;
const ITEMS = PALLETS * CASES_PER_PALLET * ITEMS_PER_CASE;
const pallets = Array.from({ length: PALLETS }, (_, p) => sscc(2_000 + p));
const casesOf = (p: number) =>
  Array.from({ length: CASES_PER_PALLET }, (_, c) => sscc(3_000 + p * CASES_PER_PALLET + c));
const itemsOf = (p: number, c: number) =>
  Array.from({ length: ITEMS_PER_CASE }, (_, i) => GOODS.sgtin(`cc${p}-${c}-${i}`));
const allItems = pallets.flatMap((_, p) => casesOf(p).flatMap((_, c) => itemsOf(p, c)));

const skip = !redisManaged() ? 'Redis must be provisioned by scripts/services.sh (npm test)' : false;

/** Posts the documents, then SIGKILLs the gateway once `atLeast` more chunks committed, and starts it again. */
async function killMidRun(
  t: Test,
  gateway: GatewayProcess,
  key: string,
  docs: Record<string, unknown>[],
  what: string,
): Promise<void> {
  const before = await gateway.committedChunks();
  const locations = await gateway.postAll(key, docs);
  const atKill = await waitFor(
    `some ${what} committed`,
    async () => {
      const n = (await gateway.committedChunks()) - before;
      return n >= 3 ? n : undefined;
    },
    600,
    20,
  );
  await gateway.kill9();
  t.ok(atKill < docs.length, `${what}: killed with ${atKill} of ${docs.length} committed`);
  await gateway.start();
  await gateway.allCommitted(key, locations, `${what} after kill -9`);
}

t.test(
  'kill -9 of the gateway during pallet shipments and receipts: every move committed once',
  { skip },
  async (t) => {
    const dn: DevnetProcess = await startDevnetProcess({ args: ['--batch-timeout-ms', '500'] });
    t.teardown(() => dn.stop());
    const chain = new TraceClient(dn);
    t.teardown(() => chain.close());
    await registerDevnetEnterprises(chain);
    const databaseUrl = await createMigratedDatabase(t);
    const connectionProfile = join(dn.dataDir, 'connection.json');
    const gateway = await newGatewayProcess(t, {
      databaseUrl,
      redisUrl: redisUrl(),
      queuePrefix: `crash-cont-${randomUUID().slice(0, 8)}`,
      connectionProfile,
    });
    await gateway.start();
    const importerKey = await gateway.newKey(importer.id, 'enterprise', importer.mspId);
    const operatorKey = await gateway.newKey(operator.id, 'operator', operator.mspId);

    // Entry and packing (not under test): 30 pallets of 2 cases of 8 items.
    const prepared = await gateway.postAll(importerKey, [
      epcisDocument([entryEvent({ items: allItems, declarationNo: 'CC-D-1', location: 1 })]),
    ]);
    await gateway.allCommitted(importerKey, prepared, 'entry');
    const packCases = pallets.flatMap((_, p) => casesOf(p).map((c, i) => packingEvent(c, itemsOf(p, i))));
    const packed = await gateway.postAll(importerKey, [
      epcisDocument(packCases.slice(0, 30)),
      epcisDocument(packCases.slice(30)),
    ]);
    await gateway.allCommitted(importerKey, packed, 'packing the cases');
    // Captures run in parallel: the pallets are packed once their cases are.
    const palletised = await gateway.postAll(importerKey, [
      epcisDocument(pallets.map((pallet, p) => packingEvent(pallet, casesOf(p)))),
    ]);
    await gateway.allCommitted(importerKey, palletised, 'packing the pallets');

    // 1. Shipments, one pallet per capture: SIGKILL while they are submitted.
    await killMidRun(
      t,
      gateway,
      importerKey,
      pallets.map((pallet, p) =>
        epcisDocument([
          shippingEvent({ items: [pallet], shipmentId: `CC-S-${p}`, toEnterprise: operator.id, toLocation: 2 }),
        ]),
      ),
      'pallet shipments',
    );
    // 2. Receipts by the operator: SIGKILL again.
    await killMidRun(
      t,
      gateway,
      operatorKey,
      pallets.map((pallet, p) =>
        epcisDocument([receivingEvent({ items: [pallet], shipmentId: `CC-S-${p}`, location: 2 })]),
      ),
      'pallet receipts',
    );

    // The chain: each pallet packed, shipped and received once, at the receiver.
    for (const p of [0, PALLETS - 1]) {
      const got = await chain.evaluate<{
        container: { holder: string; location: string; status: string };
        history: { events: { bizStep: string }[] }[];
      }>('customs-admin', 'query:GetContainer', { id: pallets[p] });
      t.same(
        [got.container.holder, got.container.location, got.container.status],
        [operator.id, gln(2), 'IN_STOCK'],
        `pallet ${p} is at the receiver on the chain`,
      );
      t.same(
        got.history.map((h) => h.events[0]?.bizStep),
        ['packing', 'shipping', 'receiving'],
        `pallet ${p}: packed, shipped, received, each once on the chain`,
      );
    }

    // The projection: container state and moves, an item's overlay and history, the books.
    const live = createPool({ connectionString: databaseUrl });
    t.teardown(() => live.end());
    type Move = { container_id: string; type: string };
    const movesSql = `SELECT container_id, tx_id, type FROM container_events WHERE container_id = ANY($1) ORDER BY container_id, block_number, tx_seq`;
    // A pallet's own moves are its shipment and receipt; its cases' is being put on it (the projection's rows).
    const containers = [...pallets, ...pallets.flatMap((_, p) => casesOf(p))];
    const expectedMoves = PALLETS * 2 + PALLETS * CASES_PER_PALLET;
    const liveMoves = await waitFor(
      'the projection to record every move',
      async () => {
        const { rows } = await live.query<Move & { tx_id: string }>(movesSql, [containers]);
        return rows.length >= expectedMoves ? rows : undefined;
      },
      600,
      100,
    );
    const movesOf = new Map<string, string[]>();
    for (const r of liveMoves) movesOf.set(r.container_id, [...(movesOf.get(r.container_id) ?? []), r.type]);
    const wrong = containers.filter(
      (c) => (movesOf.get(c) ?? []).join() !== (pallets.includes(c) ? 'CONTAINER_SHIPMENT,CONTAINER_RECEIPT' : 'PACK'),
    );
    t.same(
      wrong.map((c) => [c, movesOf.get(c)]),
      [],
      'each pallet shipped and received once, each case put on its pallet once, in the projection',
    );
    t.equal(liveMoves.length, expectedMoves, 'no gap, no duplicate');
    const states = await live.query<{ holder: string; location: string; status: string; n: string }>(
      `SELECT holder, location, status, count(*) AS n FROM container_state WHERE container_id = ANY($1) GROUP BY 1, 2, 3`,
      [pallets],
    );
    t.same(
      states.rows.map((r) => [r.holder, r.location, r.status, Number(r.n)]),
      [[operator.id, gln(2), 'IN_STOCK', PALLETS]],
      'every pallet at the receiver in the projection',
    );
    const inside = itemsOf(PALLETS - 1, CASES_PER_PALLET - 1)[ITEMS_PER_CASE - 1]!;
    const item = await gateway.call('GET', `/v1/items/${encodeURIComponent(inside)}`, CUSTOMS_KEY);
    t.same(
      [item.status, item.json?.holder, item.json?.location, item.json?.status],
      [200, operator.id, gln(2), 'IN_STOCK'],
      'an item inside a pallet reads as at the receiver',
    );
    const history = await gateway.call('GET', `/v1/items/${encodeURIComponent(inside)}/history`, CUSTOMS_KEY);
    const steps = ((history.json?.events ?? history.json?.history ?? []) as { type: string }[]).map((e) => e.type);
    t.same(
      steps,
      ['ENTRY', 'PACK', 'PACK', 'CONTAINER_SHIPMENT', 'CONTAINER_RECEIPT'],
      "its history shows its case's and pallet's moves once each",
    );
    const book = async (id: string) => {
      const res = await gateway.call('GET', `/v1/enterprises/${id}/account`, CUSTOMS_KEY);
      return (res.json.balances as { quantity: number }[]).reduce((n, b) => n + b.quantity, 0);
    };
    t.equal(await book(operator.id), ITEMS, "the receiver's book holds every item the pallets carried");
    t.equal(await book(importer.id), 0, "the sender's book is empty");

    // The live projection's containers equal a projection rebuilt from block 0.
    const rebuiltUrl = await createMigratedDatabase(t);
    const rebuilt = createPool({ connectionString: rebuiltUrl });
    t.teardown(() => rebuilt.end());
    const { settings } = readConnectionProfile(connectionProfile);
    const source = openProjectionLedgerClient(settings!, 'CustomsMSP');
    t.teardown(() => source.close());
    const warnings: string[] = [];
    await rebuildProjection({
      pool: rebuilt,
      openEvents: (from, checkpoint) => source.chaincodeEvents(from, checkpoint),
      idleMs: 5_000,
      log: { info: () => undefined, warn: (o: unknown, m?: string) => void warnings.push(`${m ?? ''} ${String(o)}`) },
    });
    t.same(warnings, [], 'the rebuild ran without a failed batch');
    const lines = (rows: Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r));
    t.same(
      lines((await rebuilt.query(movesSql, [containers])).rows),
      lines(liveMoves),
      'the same container moves in the rebuild',
    );
    const stateSql = `SELECT container_id, holder, location, status, parent, last_tx_id FROM container_state ORDER BY container_id`;
    t.same(
      lines((await rebuilt.query(stateSql)).rows),
      lines((await live.query(stateSql)).rows),
      'the same container states in the rebuild',
    );
    await gateway.stop();
  },
);
