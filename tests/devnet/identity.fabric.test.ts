// Proves the dev peer checks identity like Fabric: a certificate from a self-made CA, an unknown MSP id, or a valid
// certificate with the wrong signing key is refused, with the texts and codes a real peer gives, for every request kind.
// How: forge identities with the dev CA code, connect the official client with them, and read the errors it raises.
import t from 'tap';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, EndorseError, hash, signers } from '@hyperledger/fabric-gateway';
import { createOrgCa, issueIdentity } from '../../devnet/src/crypto/dev-ca';
import { DevnetProcess, newGrpcClient, probeChaincodeArgs, startDevnetProcess } from '../../testkit/src/devnet';

let dn: DevnetProcess;
t.before(async () => {
  dn = await startDevnetProcess({ args: probeChaincodeArgs() });
});
t.teardown(() => dn?.stop());

function gatewayWith(mspId: string, certPem: string | Buffer, keyPem: string | Buffer) {
  const client = newGrpcClient(dn.profile);
  const gw = connect({
    client,
    identity: { mspId, credentials: Buffer.from(certPem) },
    signer: signers.newPrivateKeySigner(createPrivateKey(keyPem)),
    hash: hash.sha256,
  });
  return { gw, contract: gw.getNetwork(dn.profile.channel).getContract('probe'), close: () => (gw.close(), client.close()) };
}

t.test('a certificate from a self-made CA under a real MSP id is refused', async (t) => {
  const rogueCa = await createOrgCa('customs.devnet'); // same names as the real CA, different key
  const rogue = await issueIdentity(rogueCa, { commonName: 'Admin@customs.devnet', ou: 'admin', attrs: { role: 'customs' } });
  const { contract, gw, close } = gatewayWith('CustomsMSP', rogue.certPem, rogue.keyPem);
  t.teardown(close);
  const text = `error validating proposal: access denied: channel [${dn.profile.channel}] creator org unknown, creator is malformed`;
  const ev = await contract.evaluateTransaction('Get', 'x').catch((e) => e);
  t.equal(ev.code, 9);
  t.equal(ev.message, `9 FAILED_PRECONDITION: evaluate call to endorser returned error: ${text}`);
  const sub = await contract.submitTransaction('Put', 'rogue', '1').catch((e) => e);
  t.ok(sub instanceof EndorseError);
  t.equal(sub.code, 10);
  t.equal(sub.details[0].message, text);
  const events = await gw.getNetwork(dn.profile.channel).getChaincodeEvents('probe', { startBlock: 0n });
  const first = await events[Symbol.asyncIterator]().next().catch((e) => e);
  t.equal(first.code, 7, 'events refused with PERMISSION_DENIED');
  t.match(first.message, /Failed evaluating policy on signed data during check policy on channel \[mychannel\] with policy \[\/Channel\/Application\/Readers\]/);
});

t.test('a real certificate presented under an unknown MSP id is refused', async (t) => {
  const files = dn.profile.identities['customs-admin']!;
  const { contract, close } = gatewayWith('NoSuchMSP', readFileSync(files.certPath), readFileSync(files.keyPath));
  t.teardown(close);
  const ev = await contract.evaluateTransaction('Get', 'x').catch((e) => e);
  t.equal(ev.message, `9 FAILED_PRECONDITION: evaluate call to endorser returned error: error validating proposal: access denied: channel [${dn.profile.channel}] creator org unknown, creator is malformed`);
});

t.test('a valid certificate with the wrong signing key is refused everywhere', async (t) => {
  const files = dn.profile.identities['enterprise1']!;
  const wrongKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
  const { contract, gw, close } = gatewayWith('EnterpriseMSP', readFileSync(files.certPath), wrongKey);
  t.teardown(close);
  const text = `error validating proposal: access denied: channel [${dn.profile.channel}] creator org [EnterpriseMSP]`;
  const ev = await contract.evaluateTransaction('Get', 'x').catch((e) => e);
  t.equal(ev.message, `9 FAILED_PRECONDITION: evaluate call to endorser returned error: ${text}`);
  const sub = await contract.submitTransaction('Put', 'k', 'v').catch((e) => e);
  t.ok(sub instanceof EndorseError);
  t.equal(sub.details[0].message, text);
  const events = await gw.getNetwork(dn.profile.channel).getChaincodeEvents('probe');
  const first = await events[Symbol.asyncIterator]().next().catch((e) => e);
  t.equal(first.code, 7);
});

t.test('an envelope whose signature does not match its creator is refused at submit', async (t) => {
  const files = dn.profile.identities['enterprise1']!;
  const client = newGrpcClient(dn.profile);
  const good = connect({ client, identity: { mspId: 'EnterpriseMSP', credentials: readFileSync(files.certPath) }, signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(files.keyPath))), hash: hash.sha256 });
  t.teardown(() => (good.close(), client.close()));
  const tx = await good.getNetwork(dn.profile.channel).getContract('probe').newProposal('Put', { arguments: ['forged', '1'] }).endorse();
  const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  const forged = good.newSignedTransaction(tx.getBytes(), await signers.newPrivateKeySigner(other)(tx.getDigest()));
  const err = await forged.submit().catch((e) => e);
  t.equal(err.code, 10);
  t.match(err.details?.[0]?.message ?? '', /status=FORBIDDEN/);
});
