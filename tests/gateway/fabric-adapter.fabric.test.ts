// Proves the gateway's Fabric adapter (node:crypto signer, TLS, deadlines, error mapping, bounded MVCC retry) works
// end to end against the dev peer running the project's own chaincode and the probe chaincode.
// How: open LedgerClients with the dev network's identities and drive real transactions through the official client.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { openLedgerClient, LedgerError } from '../../gateway/src/adapters/fabric';
import { PROJECT_CHAINCODE } from '../../devnet/src/project-chaincode';
import { DevnetProcess, PROBE_CHAINCODE_DIR, startDevnetProcess } from '../../testkit/src/devnet';
import { ENTERPRISES, gln, product, registerDevnetEnterprises, TraceClient } from '../../testkit/src/trace';

let dn: DevnetProcess;
t.before(async () => {
  const cc = PROJECT_CHAINCODE as { name: string; modulePath: string };
  dn = await startDevnetProcess({
    args: [
      '--chaincode',
      `${cc.name}=${cc.modulePath}`,
      '--chaincode',
      `probe=${PROBE_CHAINCODE_DIR}`,
      '--collection',
      `${cc.name}:buyerDetails`,
    ],
  });
});
t.teardown(() => dn?.stop());

function clientFor(identity: string, chaincodeName: string, contractName?: string, retry = true) {
  const files = dn.profile.identities[identity]!;
  return openLedgerClient({
    endpoint: dn.profile.peerEndpoint,
    tlsCaCertPem: readFileSync(dn.profile.tlsCACertPath!),
    hostAlias: dn.profile.peerHostAlias,
    channelName: dn.profile.channel,
    chaincodeName,
    ...(contractName ? { contractName } : {}),
    identity: { mspId: files.mspId, certPem: readFileSync(files.certPath) },
    keyPem: readFileSync(files.keyPath),
    ...(retry ? {} : { submitRetry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } }),
  });
}

t.test('the chaincode sees the caller the adapter signs for', async (t) => {
  const system = clientFor('operator1', 'traceability', 'system');
  t.teardown(() => system.close());
  const ping = await system.evaluate<{ callerMspId: string; attributes: { role: string; enterpriseId: string } }>(
    'Ping',
  );
  t.equal(ping?.callerMspId, 'OperatorMSP');
  t.equal(ping?.attributes.role, 'operator');
  t.equal(ping?.attributes.enterpriseId, '91460000MA5TDF000D');
});

t.test('entry, read and history of an item; a duplicate maps to the chaincode error code', async (t) => {
  const customs = new TraceClient(dn);
  t.teardown(() => customs.close());
  await registerDevnetEnterprises(customs);
  const goods = clientFor('enterprise1', 'traceability', 'goods');
  const query = clientFor('enterprise1', 'traceability', 'query');
  t.teardown(() => (goods.close(), query.close()));
  const p = product(42);
  const sgtin = p.sgtin('6789');
  const request = JSON.stringify({
    declarationNo: 'D-ADAPTER',
    location: gln(1),
    regime: 'BONDED',
    product: { gtin: p.gtin, hsCode: '330300', category: 'COSMETICS' },
    unitValueFen: 12_345,
    items: [sgtin],
  });
  await goods.submit('Enter', [request]);
  const item = await query.evaluate<{ sgtin: string; holder: string }>('GetItem', [JSON.stringify({ id: sgtin })]);
  t.equal(item?.sgtin, sgtin);
  t.equal(item?.holder, ENTERPRISES.importer.id);
  const history = await query.evaluate<{ history: { txId: string }[] }>('GetItemHistory', [
    JSON.stringify({ id: sgtin }),
  ]);
  t.equal(history?.history.length, 1);
  t.match(history?.history[0]?.txId, /^[0-9a-f]{64}$/);
  const dup = (await goods.submit('Enter', [request]).catch((e: unknown) => e)) as LedgerError;
  t.ok(dup instanceof LedgerError);
  t.equal(dup.code, 'ALREADY_EXISTS', 'the stable code the chaincode put at the start of its message');
  t.equal(dup.retryable, false);
});

t.test('MVCC conflicts are retried with backoff until every increment lands', async (t) => {
  const probe = clientFor('customs-admin', 'probe');
  t.teardown(() => probe.close());
  await probe.submit('Put', ['adapter-counter', '0']);
  await Promise.all(Array.from({ length: 4 }, () => probe.submit('Incr', ['adapter-counter'])));
  t.equal(
    await probe.evaluate<number>('Get', ['adapter-counter']),
    4,
    'all four increments committed despite conflicts',
  );

  const noRetry = clientFor('customs-admin', 'probe', undefined, false);
  t.teardown(() => noRetry.close());
  const results = await Promise.allSettled([
    noRetry.submit('Incr', ['adapter-counter']),
    noRetry.submit('Incr', ['adapter-counter']),
  ]);
  const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  t.equal(rejected.length, 1, 'without retry, one of two conflicting increments fails');
  t.equal(rejected[0]?.reason.retryable, true, 'and the failure is marked retryable');
});
