// Proves EPCIS query subscriptions tell a subscriber of each new matching event exactly once, across a gateway killed
// with SIGKILL and started again: a webhook subscription (a refused first POST retried, GS1-Signature verifiable,
// the delivery bookmark persisted) and a WebSocket subscription resumed with its last nextPageToken; each sees only
// the events its owner may see; unsafe destinations and scheduled subscriptions are refused.
// How: the real gateway (`server.js`) as a child process on a dev peer, PostgreSQL and Redis (helpers/gateway-process.ts);
// a local HTTP receiver records webhook POSTs; a `ws` client holds the stream; chain transactions submitted directly
// to the dev peer, some while the gateway is down.
import t from 'tap';
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startDevnetProcess, type DevnetProcess } from '../../testkit/src/devnet';
import { redisUrl } from '../../testkit/src/services';
import { ENTERPRISES, gln, product, registerDevnetEnterprises, TraceClient } from '../../testkit/src/trace';
import { createMigratedDatabase } from './helpers/database';
import { CUSTOMS_KEY, newGatewayProcess, type GatewayProcess } from './helpers/gateway-process';
import { waitFor } from './helpers/wait';

const { operator, importer, processor } = ENTERPRISES;
const L1 = gln(1);
const L2 = gln(2);
const TEA = product(401);
const [A, B, C, D] = [1, 2, 3, 4].map((serial) => TEA.sgtin(serial)) as [string, string, string, string];
const SECRET = 'subscriber-secret-0123456789';

type Doc = Record<string, any>;

interface Delivery {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

let dn: DevnetProcess;
let chain: TraceClient;
let gw: GatewayProcess;

/** A webhook receiver: records every POST; answers 500 to the first `failFirst` ones. */
async function newReceiver(failFirst: number) {
  const deliveries: Delivery[] = [];
  let failures = failFirst;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = failures > 0 ? 500 : 200;
      failures--;
      deliveries.push({
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        status,
      });
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  const accepted = (path: string): Doc[] =>
    deliveries.filter((d) => d.path === path && d.status === 200).map((d) => JSON.parse(d.body) as Doc);
  return { deliveries, base: `http://127.0.0.1:${port}`, accepted };
}

const eventsOf = (doc: Doc): Doc[] => doc.epcisBody.queryResults.resultsBody.eventList;

/** A WebSocket subscription: every message as it came. */
function openStream(path: string, key: string) {
  const messages: Doc[] = [];
  const socket = new WebSocket(`${gw.base.replace('http', 'ws')}${path}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  socket.on('message', (data) => messages.push(JSON.parse(data.toString()) as Doc));
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    socket.once('error', reject);
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  return { messages, opened, closed, close: () => socket.close() };
}

t.before(async () => {
  dn = await startDevnetProcess();
  chain = new TraceClient(dn);
  await registerDevnetEnterprises(chain);
  await chain.submit(importer.identity, 'goods:Enter', {
    declarationNo: 'D-9',
    location: L1,
    regime: 'ZERO_TARIFF',
    product: { gtin: TEA.gtin, hsCode: '090210', category: 'FOOD' },
    unitValueFen: 5_000,
    items: [A, B, C, D],
  });
  gw = await newGatewayProcess(t, {
    databaseUrl: await createMigratedDatabase(t),
    redisUrl: redisUrl(),
    queuePrefix: `epcis-${randomUUID().slice(0, 8)}`,
    connectionProfile: join(dn.dataDir, 'connection.json'),
    env: { EPCIS_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' },
  });
  await gw.start();
});
t.teardown(async () => {
  await gw?.stop();
  chain?.close();
  await dn?.stop();
});

t.test('each new matching event reaches each subscriber exactly once across a gateway restart', async (t) => {
  const receiver = await newReceiver(1);
  const operatorKey = await gw.newKey(operator.id, 'operator', operator.mspId);
  const moves = { EQ_bizStep: ['shipping', 'receiving'] };
  t.equal((await gw.call('POST', '/v1/epcis/queries', CUSTOMS_KEY, { name: 'moves', query: moves })).status, 201);
  t.equal((await gw.call('POST', '/v1/epcis/queries', operatorKey, { name: 'mine', query: {} })).status, 201);

  for (const [body, why] of [
    [{ dest: 'http://10.1.2.3/hook', stream: true }, 'a private address'],
    [{ dest: 'http://localhost:9/hook', stream: true }, 'a loopback name'],
    [{ dest: 'ftp://127.0.0.1/hook', stream: true }, 'not http(s)'],
    [{ dest: `${receiver.base}/x`, schedule: { hour: '1' } }, 'a schedule'],
    [{ dest: `${receiver.base}/x` }, 'no stream: true'],
  ] as const) {
    const refused = await gw.call('POST', '/v1/epcis/queries/moves/subscriptions', CUSTOMS_KEY, body);
    t.equal(refused.status, 400, why);
    t.equal(refused.json.type, 'epcisException:SubscriptionControlsException', why);
  }
  const sub = await gw.call('POST', '/v1/epcis/queries/moves/subscriptions', CUSTOMS_KEY, {
    dest: `${receiver.base}/customs`,
    signatureToken: SECRET,
    stream: true,
  });
  t.equal(sub.status, 201, JSON.stringify(sub.json));
  t.notOk('signatureToken' in sub.json, 'the secret is never shown back');
  const subscriptionId = sub.json.subscriptionID as string;
  t.equal(sub.headers.get('location'), `/v1/epcis/queries/moves/subscriptions/${subscriptionId}`);
  const mine = await gw.call('POST', '/v1/epcis/queries/mine/subscriptions', operatorKey, {
    dest: `${receiver.base}/operator`,
    stream: true,
  });
  t.equal(mine.status, 201);
  t.equal((await gw.call('GET', `/v1/epcis/queries/moves/subscriptions/${subscriptionId}`, operatorKey)).status, 404);

  const refusedStream = openStream('/v1/epcis/queries/moves/events?minute=5', CUSTOMS_KEY);
  await t.rejects(
    refusedStream.opened,
    /upgrade refused: 400/,
    'a scheduled WebSocket subscription is refused before the upgrade',
  );
  const stream = openStream('/v1/epcis/queries/moves/events?stream=true', CUSTOMS_KEY);
  await stream.opened;

  // Before the restart: one shipment (the receiver refuses its first POST: retried).
  await chain.submit(importer.identity, 'goods:Ship', {
    shipmentId: 'S-1',
    toEnterprise: operator.id,
    toLocation: L2,
    items: [A, B],
  });
  const delivered = (path: string) => receiver.accepted(path).flatMap(eventsOf);
  await waitFor('the shipment delivered to the webhook', () => delivered('/customs').length === 1);
  await waitFor('the shipment sent on the stream', () => stream.messages.flatMap(eventsOf).length === 1);
  await waitFor('the shipment delivered to the operator', () => delivered('/operator').length === 1);
  t.equal(receiver.deliveries.filter((d) => d.path === '/customs')[0]?.status, 500, 'the first POST was refused');
  const ok = receiver.deliveries.find((d) => d.path === '/customs' && d.status === 200)!;
  t.equal(ok.headers['gs1-signature'], `sha256=${createHmac('sha256', SECRET).update(ok.body).digest('hex')}`);
  t.equal(ok.headers['gs1-epcis-version'], '2.0.0');
  t.equal(JSON.parse(ok.body).epcisBody.queryResults.subscriptionID, subscriptionId);
  t.ok(ok.headers['idempotency-key'], 'each batch names itself for a subscriber that deduplicates');
  const details = await gw.call('GET', `/v1/epcis/queries/moves/subscriptions/${subscriptionId}`, CUSTOMS_KEY);
  t.ok(details.json.lastNotifiedAt, 'the subscription shows its last notification');
  t.equal(details.json.active, true);
  const bookmark = stream.messages[stream.messages.length - 1]!.nextPageToken as string;
  t.ok(bookmark, 'each stream message carries its bookmark');

  // The gateway dies; the chain goes on.
  await gw.kill9();
  await stream.closed;
  await chain.submit(operator.identity, 'goods:Receive', { shipmentId: 'S-1', location: L2, items: [A, B] });
  await chain.submit(importer.identity, 'goods:Ship', {
    shipmentId: 'S-2',
    toEnterprise: operator.id,
    toLocation: L2,
    items: [C],
  });
  await gw.start();
  const resumed = openStream(
    `/v1/epcis/queries/moves/events?stream=true&nextPageToken=${encodeURIComponent(bookmark)}`,
    CUSTOMS_KEY,
  );
  await resumed.opened;
  // Another enterprise's goods: customs is told, the operator is not.
  await chain.submit(importer.identity, 'goods:Ship', {
    shipmentId: 'S-3',
    toEnterprise: processor.id,
    toLocation: L2,
    items: [D],
  });
  await chain.submit(operator.identity, 'goods:Receive', { shipmentId: 'S-2', location: L2, items: [C] });

  const steps = (events: Doc[]) => events.map((e) => `${e.bizStep} ${[...(e.epcList ?? [])].sort().join(',')}`);
  const expected = ['shipping', 'receiving', 'shipping', 'shipping', 'receiving'];
  await waitFor('every event delivered to the webhook', () => delivered('/customs').length >= 5);
  await waitFor('every event sent on the resumed stream', () => resumed.messages.flatMap(eventsOf).length >= 4);
  await waitFor('the operator told of its goods', () => delivered('/operator').length >= 4);
  // A moment more: a duplicate would arrive now.
  await new Promise((resolve) => setTimeout(resolve, 2_000));

  const customs = delivered('/customs');
  t.same(
    customs.map((e) => e.bizStep),
    expected,
    'the webhook: each matching event once, in chain order',
  );
  t.equal(new Set(customs.map((e) => e.eventID)).size, customs.length, 'no event twice');
  const streamed = [...stream.messages.flatMap(eventsOf), ...resumed.messages.flatMap(eventsOf)];
  t.same(steps(streamed), steps(customs), 'the stream, resumed with its bookmark: the same events, none twice');
  const ofOperator = delivered('/operator');
  t.same(
    steps(ofOperator),
    [`shipping ${A},${B}`, `receiving ${A},${B}`, `shipping ${C}`, `receiving ${C}`],
    "the operator's subscription: only its own goods' events",
  );
  resumed.close();
});
