// Proves that a ledger outage strands nothing the gateway accepted (issue 12, "Accepted means committed"): bulk
// captures are in flight when the dev peer is killed with SIGKILL and kept down for 40 s — far longer than the
// queue's attempts would last. The captures wait (their status says what for, none is parked), resume by themselves
// when the peer is back, across a PostgreSQL restart and a SIGKILL of the gateway, and every one ends committed,
// each item exactly once on the chain and in the projection (equal to a rebuild from block 0).
// Kill points: the peer dies (1) after some chunks of the entries committed, (2) right after the shipments were
// accepted, before any committed; the gateway dies (1) just after the peer came back, (2) while captures wait for it.
import t, { type Test } from 'tap';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { startDevnetProcess, type DevnetProcess } from '../../testkit/src/devnet';
import { entryEvent, epcisDocument, shippingEvent } from '../../testkit/src/epcis';
import { postgresManaged, redisManaged, redisUrl, restartPostgres } from '../../testkit/src/services';
import { ENTERPRISES, product, registerDevnetEnterprises, TraceClient } from '../../testkit/src/trace';
import { createMigratedDatabase } from './helpers/database';
import { checkChainAndProjection, freePort, newGatewayProcess, type GatewayProcess } from './helpers/gateway-process';
import { waitFor } from './helpers/wait';

const { operator, importer } = ENTERPRISES;
const WINE = product(402);
const DOCUMENTS = 8;
const ITEMS_PER_EVENT = 250;
/** How long the peer stays down: longer than the queue's 5 attempts with backoff (1 + 2 + 4 + 8 s) last. */
const OUTAGE_MS = 40_000;

const skip =
  !postgresManaged() || !redisManaged()
    ? 'PostgreSQL and Redis must be provisioned by scripts/services.sh (npm test) to be restarted'
    : false;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until at least one capture says it waits for the ledger; none may be parked meanwhile. */
async function someWaiting(
  t: Test,
  gateway: GatewayProcess,
  key: string,
  locations: readonly string[],
  what: string,
): Promise<void> {
  const waiting = await waitFor(
    `${what}: a capture waiting for the ledger`,
    async () => {
      const statuses = await Promise.all(locations.map((l) => gateway.call('GET', l, key)));
      const parked = statuses.find((s) => s.json?.state === 'parked');
      if (parked) throw new Error(`a capture was parked during the outage: ${parked.json.parkReason}`);
      return statuses.find((s) => s.json?.waiting !== undefined)?.json;
    },
    200,
    100,
  );
  t.match(
    waiting.waiting,
    { reason: /LEDGER_|ledger/, waits: Number },
    `${what}: the status says what the capture waits for`,
  );
  t.not(waiting.state, 'parked');
}

t.test(
  'the dev peer down for 40 s, PostgreSQL restarted, the gateway killed: every capture committed once',
  { skip, timeout: 600_000 },
  async (t) => {
    const started = Date.now();
    const mark = (what: string) => t.comment(`${what} at ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // The peer listens on a fixed port so that it comes back where the gateway's connection profile points.
    const peerArgs = ['--port', String(await freePort())];
    let dn: DevnetProcess = await startDevnetProcess({ args: peerArgs });
    const dataDir = dn.dataDir;
    t.teardown(() => dn.stop());
    const restartPeer = async () => {
      dn = await startDevnetProcess({ dataDir, args: peerArgs });
    };
    const setup = new TraceClient(dn);
    await registerDevnetEnterprises(setup);
    setup.close();
    const databaseUrl = await createMigratedDatabase(t);
    const connectionProfile = join(dataDir, 'connection.json');
    const gateway = await newGatewayProcess(t, {
      databaseUrl,
      redisUrl: redisUrl(),
      queuePrefix: `outage-${randomUUID().slice(0, 8)}`,
      connectionProfile,
    });
    await gateway.start();
    const importerKey = await gateway.newKey(importer.id, 'enterprise', importer.mspId);
    await gateway.newKey(operator.id, 'operator', operator.mspId);
    const itemsOf = (doc: number, event: number) =>
      Array.from({ length: ITEMS_PER_EVENT }, (_, i) => WINE.sgtin(`o${doc}-${event}-${i}`));

    // 1. Entries: the peer dies once some chunks committed; 40 s later it is back, then PostgreSQL restarts, then the
    //    gateway is killed once more chunks committed.
    const entries = await gateway.postAll(
      importerKey,
      Array.from({ length: DOCUMENTS }, (_, d) =>
        epcisDocument([
          entryEvent({ items: itemsOf(d, 0), declarationNo: `OU-${d}-0`, location: 1 }),
          entryEvent({ items: itemsOf(d, 1), declarationNo: `OU-${d}-1`, location: 1 }),
        ]),
      ),
    );
    const atKill = await waitFor(
      'some chunks committed',
      async () => ((await gateway.committedChunks()) >= 3 ? gateway.committedChunks() : undefined),
      600,
      20,
    );
    await dn.kill9();
    const peerDown = Date.now();
    mark(`peer killed with ${atKill} of ${DOCUMENTS * 2} chunks committed`);
    await someWaiting(t, gateway, importerKey, entries, 'entries');
    const duringOutage = await gateway.committedChunks(); // a submission answered just before the kill may land after it
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - peerDown)));
    t.equal(await gateway.committedChunks(), duringOutage, 'nothing committed while the peer was down');
    await restartPeer();
    mark('peer back');
    await restartPostgres();
    mark('PostgreSQL restarted');
    await waitFor('more chunks committed', async () => (await gateway.committedChunks()) > duringOutage, 600, 50);
    await gateway.kill9();
    mark(`gateway killed with ${await gateway.committedChunks()} chunks committed`);
    await gateway.start();
    await gateway.allCommitted(importerKey, entries, 'entries across the outage, a PostgreSQL restart and kill -9');
    mark('entries done');

    // 2. Shipments: the peer dies right after they are accepted; the gateway is killed while they wait, and restarts
    //    while the peer is still down (the restart's resume sweep finds them; they keep waiting, none parked).
    const shipments = await gateway.postAll(
      importerKey,
      Array.from({ length: DOCUMENTS }, (_, d) =>
        epcisDocument([
          shippingEvent({
            items: [...itemsOf(d, 0), ...itemsOf(d, 1)],
            shipmentId: `OU-S-${d}`,
            toEnterprise: operator.id,
            toLocation: 2,
          }),
        ]),
      ),
    );
    await dn.kill9();
    const secondDown = Date.now();
    const before = await gateway.committedChunks();
    mark(`peer killed with ${before - DOCUMENTS * 2} shipment chunks committed`);
    await someWaiting(t, gateway, importerKey, shipments, 'shipments');
    await gateway.kill9();
    await gateway.start();
    mark('gateway restarted while the peer is down');
    await someWaiting(t, gateway, importerKey, shipments, 'shipments after the gateway restart');
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - secondDown)));
    await restartPeer();
    mark('peer back');
    await gateway.allCommitted(importerKey, shipments, 'shipments across the outage and kill -9');
    mark('shipments done');

    const chain = new TraceClient(dn);
    t.teardown(() => chain.close());
    await checkChainAndProjection(t, {
      chain,
      databaseUrl,
      connectionProfile,
      sample: [itemsOf(0, 0)[0]!, itemsOf(DOCUMENTS - 1, 1)[ITEMS_PER_EVENT - 1]!, itemsOf(3, 1)[99]!],
      statuses: ['IN_STOCK', 'IN_TRANSIT'],
      sgtinLike: 'urn:epc:id:sgtin:6901234.000402.%',
      itemCount: DOCUMENTS * 2 * ITEMS_PER_EVENT,
      types: ['ENTRY', 'SHIPMENT'],
    });
    mark('compared');
    await gateway.stop();
  },
);
