// Proves a capture accepted is a capture committed exactly once, whatever happens to the gateway process and its
// servers: the gateway (the real `server.js` with BullMQ on Redis, PostgreSQL, the dev peer) is killed with SIGKILL
// while it submits a bulk capture, then restarted; later Redis is restarted, and PostgreSQL is restarted, each while
// captures are in flight. Every capture ends committed, every item has exactly one entry, one shipment and one
// receipt on the chain, and the live projection equals a projection rebuilt from block 0.
// How: child processes for the dev peer and the gateway; HTTP to the gateway's port; scripts/services.sh restarts.
// (The ledger outage — the dev peer killed for 40 s — is tests/gateway/capture-outage.fabric.pg.redis.test.ts.)
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { startDevnetProcess, type DevnetProcess } from '../../testkit/src/devnet';
import { entryEvent, epcisDocument, receivingEvent, shippingEvent } from '../../testkit/src/epcis';
import { postgresManaged, redisManaged, redisUrl, restartPostgres, restartRedis } from '../../testkit/src/services';
import { ENTERPRISES, product, registerDevnetEnterprises, TraceClient } from '../../testkit/src/trace';
import { createMigratedDatabase } from './helpers/database';
import { checkChainAndProjection, newGatewayProcess } from './helpers/gateway-process';
import { waitFor } from './helpers/wait';

const { operator, importer } = ENTERPRISES;
const SPIRITS = product(401);
const DOCUMENTS = 12;
const ITEMS_PER_EVENT = 250;

const skip =
  !postgresManaged() || !redisManaged()
    ? 'PostgreSQL and Redis must be provisioned by scripts/services.sh (npm test) to be restarted'
    : false;

t.test('kill -9 of the gateway, Redis and PostgreSQL restarts: every capture committed once', { skip }, async (t) => {
  const started = Date.now();
  const mark = (what: string) => t.comment(`${what} at ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const dn: DevnetProcess = await startDevnetProcess();
  t.teardown(() => dn.stop());
  const chain = new TraceClient(dn);
  t.teardown(() => chain.close());
  await registerDevnetEnterprises(chain);
  const databaseUrl = await createMigratedDatabase(t);
  const connectionProfile = join(dn.dataDir, 'connection.json');
  // Queues of their own in the shared Redis, so that no other process's jobs (or workers) are in the way.
  const gateway = await newGatewayProcess(t, {
    databaseUrl,
    redisUrl: redisUrl(),
    queuePrefix: `crash-${randomUUID().slice(0, 8)}`,
    connectionProfile,
  });
  await gateway.start();
  const importerKey = await gateway.newKey(importer.id, 'enterprise', importer.mspId);
  const operatorKey = await gateway.newKey(operator.id, 'operator', operator.mspId);
  const itemsOf = (doc: number, event: number) =>
    Array.from({ length: ITEMS_PER_EVENT }, (_, i) => SPIRITS.sgtin(`k${doc}-${event}-${i}`));

  // 1. Entries: SIGKILL once some chunks have committed and others have not.
  const entries = await gateway.postAll(
    importerKey,
    Array.from({ length: DOCUMENTS }, (_, d) =>
      epcisDocument([
        entryEvent({ items: itemsOf(d, 0), declarationNo: `CR-${d}-0`, location: 1 }),
        entryEvent({ items: itemsOf(d, 1), declarationNo: `CR-${d}-1`, location: 1 }),
      ]),
    ),
  );
  const atKill = await waitFor(
    'some chunks committed',
    async () => ((await gateway.committedChunks()) >= 3 ? gateway.committedChunks() : undefined),
    600,
    20,
  );
  await gateway.kill9();
  t.ok(atKill < DOCUMENTS * 2, `killed with ${atKill} of ${DOCUMENTS * 2} chunks committed`);
  await gateway.start();
  await gateway.allCommitted(importerKey, entries, 'entries after kill -9');

  mark('entries done');
  // 2. Shipments: Redis restarted while they are in flight.
  const shipments = gateway.postAll(
    importerKey,
    Array.from({ length: DOCUMENTS }, (_, d) =>
      epcisDocument([
        shippingEvent({
          items: [...itemsOf(d, 0), ...itemsOf(d, 1)],
          shipmentId: `CR-S-${d}`,
          toEnterprise: operator.id,
          toLocation: 2,
        }),
      ]),
    ),
  );
  await restartRedis();
  await gateway.allCommitted(importerKey, await shipments, 'shipments across a Redis restart');

  mark('shipments done');
  // 3. Receipts: PostgreSQL restarted while they are in flight.
  const receipts = gateway.postAll(
    operatorKey,
    Array.from({ length: DOCUMENTS }, (_, d) =>
      epcisDocument([
        receivingEvent({ items: [...itemsOf(d, 0), ...itemsOf(d, 1)], shipmentId: `CR-S-${d}`, location: 2 }),
      ]),
    ),
  );
  await restartPostgres();
  await gateway.allCommitted(operatorKey, await receipts, 'receipts across a PostgreSQL restart');

  mark('receipts done');
  await checkChainAndProjection(t, {
    chain,
    databaseUrl,
    connectionProfile,
    sample: [itemsOf(0, 0)[0]!, itemsOf(DOCUMENTS - 1, 1)[ITEMS_PER_EVENT - 1]!, itemsOf(5, 1)[17]!],
    statuses: ['IN_STOCK', 'IN_TRANSIT', 'IN_STOCK'],
    sgtinLike: 'urn:epc:id:sgtin:6901234.000401.%',
    itemCount: DOCUMENTS * 2 * ITEMS_PER_EVENT,
    types: ['ENTRY', 'SHIPMENT', 'RECEIPT'],
  });

  mark('compared');
  // A graceful stop drains the queue and closes Fabric, Redis and PostgreSQL in order: it ends by itself.
  await gateway.stop();
  mark('gateway stopped');
});
