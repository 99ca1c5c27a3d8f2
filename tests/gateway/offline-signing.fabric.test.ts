// Proves bring-your-own-key signing through the official client (issue 13 Must 4), on the dev peer: an enterprise
// whose key the gateway never holds enrolls with its own CSR at its organisation's CA; the gateway prepares a
// proposal for its certificate, the enterprise signs the digest with `hainan-sign`'s library, the gateway endorses,
// the enterprise signs the transaction digest, the gateway submits and reads the commit status with its own
// identity. The chaincode sees the enterprise's own certificate as the creator, and its entry is on the chain.
// A signature made over anything else is caught before it is sent (ledger/signing-sessions.ts), and the peer refuses a
// proposal signed with another key.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectGateway, newGrpcConnection } from '../../gateway/src/adapters/fabric';
import { LedgerError } from '../../gateway/src/adapters/fabric/errors';
import { newOfflineSigning } from '../../gateway/src/adapters/fabric/offline-signing';
import { newKeyAndCsr } from '../../gateway/src/identity/enrollment-csr';
import { FabricCaClient, newPemSigningIdentity } from '../../gateway/src/identity/fabric-ca-client';
import { verifyDigestSignature } from '../../packages/signer/src/index';
import { readConnectionProfile } from '../../gateway/src/ledger/ledger-settings';
import { signDigest } from '../../packages/signer/src/index';
import { startDevnetProcess } from '../../testkit/src/devnet';
import { ENTERPRISES, gln, product, registerDevnetEnterprises, TraceClient } from '../../testkit/src/trace';

const { importer } = ENTERPRISES;
const TEA = product(701);

t.test('an enterprise signs its own transactions; the gateway never holds its key', async (t) => {
  const dn = await startDevnetProcess();
  t.teardown(() => dn.stop());
  const chain = new TraceClient(dn);
  t.teardown(() => chain.close());
  await registerDevnetEnterprises(chain);

  // The enterprise: its own key and CSR; the CA signs its certificate with the attributes the chaincode reads.
  const entry = dn.profile.certificateAuthorities!['ca.enterprise.devnet']!;
  const ca = new FabricCaClient({
    url: entry.url,
    caName: entry.caName,
    tlsCaCertPem: readFileSync(entry.tlsCACerts!.path),
  });
  const bootstrap = await newKeyAndCsr('admin');
  const admin = newPemSigningIdentity(
    (await ca.enroll({ enrollmentId: 'admin', secret: entry.registrar[0]!.enrollSecret, csrPem: bootstrap.csrPem }))
      .certPem,
    bootstrap.privateKeyPem,
  );
  const enrollmentId = `byok-${Date.now()}`;
  const { secret } = await ca.register(admin, {
    enrollmentId,
    attrs: [
      { name: 'role', value: 'enterprise', ecert: true },
      { name: 'enterpriseId', value: importer.id, ecert: true },
    ],
  });
  const own = await newKeyAndCsr(enrollmentId); // stays with the enterprise
  const { certPem } = await ca.enroll({ enrollmentId, secret, csrPem: own.csrPem });
  const identity = { mspId: importer.mspId, certPem };
  const sign = (digest: Uint8Array) => signDigest(own.privateKeyPem, digest);

  // The gateway: the shared connection, and its customs identity for commit statuses.
  const { settings } = readConnectionProfile(join(dn.dataDir, 'connection.json'));
  const client = newGrpcConnection({
    endpoint: settings!.endpoint,
    ...(settings!.tlsCaCertPath ? { tlsCaCertPem: readFileSync(settings!.tlsCaCertPath) } : {}),
    ...(settings!.hostAlias ? { hostAlias: settings!.hostAlias } : {}),
  });
  t.teardown(() => client.close());
  const customs = settings!.identities.find((i) => i.mspId === 'CustomsMSP')!;
  const statusIdentity = { mspId: customs.mspId, certPem: readFileSync(customs.certPath) };
  const statusGateway = connectGateway({ client, identity: statusIdentity, keyPem: readFileSync(customs.keyPath) });
  const offline = newOfflineSigning({
    client,
    channelName: settings!.channel,
    chaincodeName: settings!.chaincode,
    statusGateway,
    statusIdentity,
  });

  // 1. Who does the chaincode see? Ping, submitted through the flow.
  const ping = offline.prepare(identity, 'system', 'Ping', []);
  t.equal(ping.digest.length, 32, 'a SHA-256 digest to sign');
  const pingSignature = sign(ping.digest);
  t.ok(
    verifyDigestSignature(certPem, ping.digest, pingSignature),
    "the enterprise's signature verifies against its certificate",
  );
  const pingTx = await offline.endorse(identity, ping.bytes, pingSignature);
  const seen = JSON.parse(Buffer.from(pingTx.result).toString()) as {
    callerMspId: string;
    callerId: string;
    attributes: { enterpriseId: string };
  };
  t.equal(seen.callerMspId, importer.mspId);
  t.match(seen.callerId, new RegExp(`CN=${enrollmentId}`), "the creator is the enterprise's own certificate");
  t.equal(seen.attributes.enterpriseId, importer.id);
  const pingCommit = await offline.submit(identity, pingTx.bytes, sign(pingTx.digest));
  t.match(pingCommit, { transactionId: ping.transactionId, successful: true, code: 0 });

  // 2. An entry, declared and signed by the enterprise.
  const items = [TEA.sgtin('b1'), TEA.sgtin('b2')];
  const request = {
    declarationNo: `BYOK-${Date.now()}`,
    location: gln(1),
    regime: 'ZERO_TARIFF',
    product: { gtin: TEA.gtin, hsCode: '090210', category: 'FOOD' },
    unitValueFen: 8_800,
    items,
  };
  const proposal = offline.prepare(identity, 'goods', 'Enter', [JSON.stringify(request)]);
  const endorsed = await offline.endorse(identity, proposal.bytes, sign(proposal.digest));
  const committed = await offline.submit(identity, endorsed.bytes, sign(endorsed.digest));
  t.ok(committed.successful, `committed in block ${committed.blockNumber}`);
  const { history } = await chain.evaluate<{ history: { txId: string; item: { status: string; holder: string } }[] }>(
    'customs-admin',
    'query:GetItemHistory',
    { id: items[0]! },
  );
  t.same(
    history.map((h) => [h.txId, h.item.status, h.item.holder]),
    [[committed.transactionId, 'IN_STOCK', importer.id]],
    'the entry is on the chain, held by the enterprise',
  );

  // 3. Wrong signatures: over another digest (caught by the gateway before sending), and by another key (the peer).
  const next = offline.prepare(identity, 'system', 'Ping', []);
  const overOther = sign(ping.digest);
  t.notOk(verifyDigestSignature(certPem, next.digest, overOther), 'a signature of another digest does not verify');
  const stranger = await newKeyAndCsr('stranger');
  const byStranger = signDigest(stranger.privateKeyPem, next.digest);
  t.notOk(verifyDigestSignature(certPem, next.digest, byStranger), 'nor one made with another key');
  const refused = await offline.endorse(identity, next.bytes, byStranger).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(refused instanceof LedgerError, 'the peer refuses it too');
  t.equal((refused as LedgerError).code, 'IDENTITY_REFUSED');
  const nextTx = await offline.endorse(identity, next.bytes, sign(next.digest));
  t.notOk(
    verifyDigestSignature(certPem, nextTx.digest, signDigest(stranger.privateKeyPem, nextTx.digest)),
    'a transaction signed by another key is caught',
  );
});
