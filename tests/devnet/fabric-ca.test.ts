// Proves the dev peer's CA speaks fabric-ca-server 1.5's REST protocol: cainfo, bootstrap enroll, register with ecert attributes, enroll with a CSR (the certificate chains to the org's channel MSP root, carries the attributes and is accepted by the peer), reenroll, revoke + gencrl, Fabric CA's error codes, statuses and envelope, and a registry that survives a restart.
// How: a real dev peer process (startDevnetProcess) and raw HTTPS requests; tokens signed as fabric-ca's util.CreateToken does; the official fabric-gateway client submits with the enrolled identity.
import t from 'tap';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { connect, hash, signers } from '@hyperledger/fabric-gateway';
import { DevnetProcess, newGrpcClient, probeChaincodeArgs, startDevnetProcess } from '../../testkit/src/devnet';
import { createCaToken, newPemSigningIdentity, CaSigningIdentity } from '../../gateway/src/identity/fabric-ca-client';
import { newKeyAndCsr } from '../../gateway/src/identity/enrollment-csr';
import { readFabricCaAttributes } from '../../gateway/src/ledger/fabric-ca-attributes';

interface CaAnswer {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
  body: { success: boolean; result: any; errors: { code: number; message: string }[]; messages: unknown[] };
}

let dn: DevnetProcess;
let ca: { url: string; caName: string; tlsCa: Buffer; secret: string };
let enterpriseRoot: X509Certificate;

function loadCa(profile: DevnetProcess['profile']) {
  const entry = profile.certificateAuthorities?.['ca.enterprise.devnet'];
  if (!entry) throw new Error('connection.json has no ca.enterprise.devnet');
  return {
    url: entry.url,
    caName: entry.caName,
    tlsCa: readFileSync(entry.tlsCACerts!.path),
    secret: entry.registrar[0]!.enrollSecret,
  };
}

t.before(async () => {
  dn = await startDevnetProcess({ args: probeChaincodeArgs() });
  ca = loadCa(dn.profile);
  enterpriseRoot = new X509Certificate(readFileSync(join(dn.dataDir, 'crypto', 'EnterpriseMSP', 'ca', 'cert.pem')));
});
t.teardown(() => dn?.stop());

/** One request to the dev CA; `auth` is the Authorization header, or a signing identity for a token. */
async function call(
  method: string,
  path: string,
  body: object | string | undefined,
  auth?: string | CaSigningIdentity,
): Promise<CaAnswer> {
  const bytes = Buffer.from(body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body));
  const url = new URL(path, ca.url);
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (typeof auth === 'string') headers.Authorization = auth;
  else if (auth) headers.Authorization = await createCaToken(auth, method, url.pathname + url.search, bytes);
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, ca: ca.tlsCa, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, text, headers: res.headers, body: text ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', reject);
    req.end(bytes);
  });
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/** Enrolls `id` with a fresh key; returns the signing identity and the certificate. */
async function enroll(
  id: string,
  secret: string,
  extra: object = {},
): Promise<{ identity: CaSigningIdentity; cert: X509Certificate; keyPem: string; answer: CaAnswer }> {
  const { privateKeyPem, csrPem } = await newKeyAndCsr(id);
  const answer = await call(
    'POST',
    '/api/v1/enroll',
    { caname: ca.caName, certificate_request: csrPem, ...extra },
    basic(id, secret),
  );
  if (answer.status !== 201) throw new Error(`enroll ${id}: ${answer.text}`);
  const certPem = Buffer.from(answer.body.result.Cert, 'base64').toString('utf8');
  return {
    identity: newPemSigningIdentity(certPem, privateKeyPem),
    cert: new X509Certificate(certPem),
    keyPem: privateKeyPem,
    answer,
  };
}

const serialOf = (cert: X509Certificate) => cert.serialNumber.toLowerCase().replace(/^0+/, '');
let admin: CaSigningIdentity;
const enterpriseId = '91460000MA5TQW0001';
const userId = `importer-${Date.now()}`;
let userSecret = '';
let user: { identity: CaSigningIdentity; cert: X509Certificate; keyPem: string };
let reenrolled: X509Certificate;

t.test('cainfo answers in fabric-ca-server envelope with the org MSP root as chain', async (t) => {
  const a = await call('GET', `/api/v1/cainfo?ca=${ca.caName}`, undefined);
  t.equal(a.status, 200);
  t.match(
    a.text,
    /^\{"result":\{"CAName":"ca-enterprise","CAChain":"[^"]+","IssuerPublicKey":"","IssuerRevocationPublicKey":"","Version":"[^"]+"\}\n,"errors":\[\],"messages":\[\],"success":true\}$/,
  );
  const chain = new X509Certificate(Buffer.from(a.body.result.CAChain, 'base64'));
  t.equal(chain.fingerprint256, enterpriseRoot.fingerprint256, 'the CA is the channel MSP root of EnterpriseMSP');
  const byBody = await call('POST', '/cainfo', { caname: 'ca-customs' });
  t.equal(byBody.body.result.CAName, 'ca-customs', 'caname in the body selects the CA, at the root path too');
  const unknown = await call('POST', '/api/v1/cainfo', { caname: 'ca-nowhere' });
  t.equal(unknown.status, 404);
  t.same(unknown.body.errors, [{ code: 19, message: "CA 'ca-nowhere' does not exist" }]);
  const wrongMethod = await call('GET', '/api/v1/register', undefined);
  t.equal(wrongMethod.status, 405);
  t.same(wrongMethod.body.errors, [{ code: 1, message: 'Method GET is not allowed' }]);
});

t.test('the bootstrap admin enrolls with basic auth and a CSR', async (t) => {
  const e = await enroll('admin', ca.secret);
  admin = e.identity;
  t.equal(e.answer.body.result.ServerInfo.CAName, 'ca-enterprise');
  t.ok(e.cert.checkIssued(enterpriseRoot) && e.cert.verify(enterpriseRoot.publicKey), 'issued by the MSP root');
  t.match(e.cert.subject, /OU=client\nCN=admin/);
  t.same(readFabricCaAttributes(e.cert.toString()), {
    'hf.Affiliation': '',
    'hf.EnrollmentID': 'admin',
    'hf.Type': 'client',
  });
});

t.test('register an enterprise identity with role and enterpriseId as ecert attributes', async (t) => {
  const a = await call(
    'POST',
    '/api/v1/register',
    {
      id: userId,
      type: 'client',
      affiliation: '',
      attrs: [
        { name: 'role', value: 'enterprise', ecert: true },
        { name: 'enterpriseId', value: enterpriseId, ecert: true },
      ],
      caname: ca.caName,
    },
    admin,
  );
  t.equal(a.status, 201, a.text);
  t.equal(a.headers.location, `/api/v1/identities/${userId}`);
  t.match(a.body.result.secret, /^[A-Za-z]{12}$/, 'a generated 12-letter secret, as fabric-ca makes');
  userSecret = a.body.result.secret;
});

t.test('enroll with a CSR: the certificate chains to the MSP root and carries the attributes', async (t) => {
  user = await enroll(userId, userSecret);
  t.ok(user.cert.checkIssued(enterpriseRoot) && user.cert.verify(enterpriseRoot.publicKey));
  t.match(user.cert.subject, new RegExp(`OU=client\\nCN=${userId}$`));
  t.equal(
    user.cert.validFrom,
    enterpriseRoot.validFrom,
    'NotBefore is the CA certificate NotBefore, as fabric-ca 1.5 sets it',
  );
  t.same(readFabricCaAttributes(user.cert.toString()), {
    enterpriseId,
    'hf.Affiliation': '',
    'hf.EnrollmentID': userId,
    'hf.Type': 'client',
    role: 'enterprise',
  });
  const only = await enroll(userId, userSecret, { attr_reqs: [{ name: 'role' }] });
  t.same(readFabricCaAttributes(only.cert.toString()), { role: 'enterprise' }, 'attr_reqs picks attributes');
  const missing = await call(
    'POST',
    '/api/v1/enroll',
    { certificate_request: (await newKeyAndCsr(userId)).csrPem, attr_reqs: [{ name: 'nope' }], caname: ca.caName },
    basic(userId, userSecret),
  );
  t.equal(missing.status, 500);
  t.same(missing.body.errors, [
    { code: 0, message: 'Failed to find requested attributes: The following required attributes are missing: [nope]' },
  ]);
  const otherCn = await call(
    'POST',
    '/api/v1/enroll',
    { certificate_request: (await newKeyAndCsr('someone-else')).csrPem, caname: ca.caName },
    basic(userId, userSecret),
  );
  t.equal(otherCn.status, 403);
  t.same(otherCn.body.errors, [{ code: 77, message: 'The CSR subject common name must equal the enrollment ID' }]);
});

t.test('the enrolled identity submits through the official client and the peer accepts it', async (t) => {
  const client = newGrpcClient(dn.profile);
  const gw = connect({
    client,
    identity: { mspId: 'EnterpriseMSP', credentials: Buffer.from(user.cert.toString()) },
    signer: signers.newPrivateKeySigner(createPrivateKey(user.keyPem)),
    hash: hash.sha256,
  });
  t.teardown(() => (gw.close(), client.close()));
  const contract = gw.getNetwork(dn.profile.channel).getContract('probe');
  const seen = JSON.parse(Buffer.from(await contract.submitTransaction('Identity')).toString());
  t.equal(seen.mspId, 'EnterpriseMSP');
  t.same(seen.attributes, { role: 'enterprise', enterpriseId, 'hf.EnrollmentID': userId });
  t.match(seen.id, new RegExp(`^x509::.*CN=${userId}::.*CN=ca\\.enterprise\\.devnet$`));
  await contract.submitTransaction('Put', `ca-${userId}`, 'ok');
  t.equal(Buffer.from(await contract.evaluateTransaction('Get', `ca-${userId}`)).toString(), 'ok');
});

t.test('reenroll with the token of the current certificate', async (t) => {
  const { csrPem } = await newKeyAndCsr(userId);
  const a = await call('POST', '/api/v1/reenroll', { certificate_request: csrPem, caname: ca.caName }, user.identity);
  t.equal(a.status, 201, a.text);
  reenrolled = new X509Certificate(Buffer.from(a.body.result.Cert, 'base64'));
  t.not(serialOf(reenrolled), serialOf(user.cert));
  t.same(readFabricCaAttributes(reenrolled.toString()).enterpriseId, enterpriseId);
});

t.test('a second register of the same id is refused with code 74', async (t) => {
  const a = await call(
    'POST',
    '/api/v1/register',
    { id: userId, type: 'client', affiliation: '', caname: ca.caName },
    admin,
  );
  t.equal(a.status, 409);
  t.equal(
    a.text,
    `{"result":"","errors":[{"code":74,"message":"Identity '${userId}' is already registered"}\n],"messages":[],"success":false}`,
  );
});

let registrar: CaSigningIdentity;
const registrarId = `onboarding-${Date.now()}`;

t.test('a registrar without permission gets 403 code 71', async (t) => {
  const reg = await call(
    'POST',
    '/api/v1/register',
    {
      id: registrarId,
      type: 'client',
      affiliation: '',
      caname: ca.caName,
      attrs: [
        { name: 'hf.Registrar.Roles', value: 'client' },
        { name: 'hf.Registrar.Attributes', value: 'role,enterpriseId' },
      ],
    },
    admin,
  );
  t.equal(reg.status, 201, reg.text);
  registrar = (await enroll(registrarId, reg.body.result.secret)).identity;
  const allowed = await call(
    'POST',
    '/api/v1/register',
    {
      id: `${registrarId}-e1`,
      type: 'client',
      affiliation: '',
      caname: ca.caName,
      attrs: [{ name: 'role', value: 'enterprise', ecert: true }],
    },
    registrar,
  );
  t.equal(allowed.status, 201, 'a client with an allowed attribute');
  const refused = [
    { id: `${registrarId}-a`, type: 'admin', affiliation: '' },
    { id: `${registrarId}-b`, type: 'client', affiliation: '', attrs: [{ name: 'hf.Revoker', value: 'true' }] },
    { id: `${registrarId}-c`, type: 'client', affiliation: '', attrs: [{ name: 'other', value: 'x' }] },
  ];
  for (const body of refused) {
    const a = await call('POST', '/api/v1/register', { ...body, caname: ca.caName }, registrar);
    t.equal(a.status, 403, body.id);
    t.same(a.body.errors, [{ code: 71, message: 'Authorization failure' }]);
  }
  const crl = await call('POST', '/api/v1/gencrl', { caname: ca.caName }, registrar);
  t.equal(crl.status, 403, 'no hf.GenCRL');
  t.same(crl.body.errors, [{ code: 71, message: 'Authorization failure' }]);
  const revoke = await call('POST', '/api/v1/revoke', { id: userId, caname: ca.caName }, registrar);
  t.same([revoke.status, revoke.body.errors], [403, [{ code: 71, message: 'Authorization failure' }]], 'no hf.Revoker');
});

t.test('authentication failures are 401 code 20', async (t) => {
  const failure =
    '{"result":"","errors":[{"code":20,"message":"Authentication failure"}\n],"messages":[],"success":false}';
  const body = { id: 'x1', type: 'client', affiliation: '', caname: ca.caName };
  const badSig: CaSigningIdentity = { certPem: admin.certPem, sign: (m) => user.identity.sign(m) };
  const a = await call('POST', '/api/v1/register', body, badSig);
  t.equal(a.status, 401);
  t.equal(a.text, failure, 'bad token signature');
  const token = await createCaToken(admin, 'POST', '/api/v1/register', Buffer.from(JSON.stringify(body)));
  const tampered = await call('POST', '/api/v1/register', { ...body, id: 'x2' }, token);
  t.equal(tampered.text, failure, 'the token covers the body');
  const otherUri = await call('POST', '/api/v1/register?x=1', body, token);
  t.equal(otherUri.text, failure, 'the token covers the URI');
  const wrongSecret = await call(
    'POST',
    '/api/v1/enroll',
    { certificate_request: (await newKeyAndCsr(userId)).csrPem, caname: ca.caName },
    basic(userId, 'wrong'),
  );
  t.equal(wrongSecret.status, 401);
  t.equal(wrongSecret.text, failure, 'wrong enroll secret');
  const unknownUser = await call(
    'POST',
    '/api/v1/enroll',
    { certificate_request: (await newKeyAndCsr('ghost')).csrPem, caname: ca.caName },
    basic('ghost', 'x'),
  );
  t.equal(unknownUser.text, failure, 'unknown enrollment id');
  const noAuth = await call('POST', '/api/v1/register', body, undefined);
  t.same([noAuth.status, noAuth.body.errors], [401, [{ code: 2, message: 'No authorization header' }]]);
  const empty = await call('POST', '/api/v1/register', '', admin);
  t.same([empty.status, empty.body.errors], [400, [{ code: 4, message: 'Empty request body' }]]);
});

t.test('revoke lists the certificates; gencrl returns a CRL signed by the org CA listing them', async (t) => {
  const a = await call('POST', '/api/v1/revoke', { id: userId, reason: 'keyCompromise', caname: ca.caName }, admin);
  t.equal(a.status, 200, a.text);
  const serials = (a.body.result.RevokedCerts as { Serial: string; AKI: string }[]).map((c) => c.Serial).sort();
  t.ok(
    serials.includes(serialOf(user.cert)) && serials.includes(serialOf(reenrolled)),
    'both certificates of the identity',
  );
  t.equal(serials.length, 3, 'every certificate ever issued to it');
  const again = await call(
    'POST',
    '/api/v1/revoke',
    { serial: serialOf(user.cert), aki: a.body.result.RevokedCerts[0].AKI, caname: ca.caName },
    admin,
  );
  t.same([again.status, again.body.errors[0]!.code], [404, 66]);
  const ghost = await call('POST', '/api/v1/revoke', { id: 'ghost', caname: ca.caName }, admin);
  t.same([ghost.status, ghost.body.errors[0]!.code], [404, 10]);
  const g = await call('POST', '/api/v1/gencrl', { caname: ca.caName }, admin);
  t.equal(g.status, 200, g.text);
  const pem = Buffer.from(g.body.result.CRL, 'base64').toString('utf8');
  t.match(pem, /^-----BEGIN X509 CRL-----\n/);
  const crl = new x509.X509Crl(pem.replace(/X509 CRL/g, 'CRL'));
  t.ok(
    await crl.verify({ publicKey: await new x509.X509Certificate(enterpriseRoot.raw).publicKey.export() }),
    'signed by the org CA',
  );
  const listed = crl.entries.map((e) => e.serialNumber.toLowerCase().replace(/^0+/, ''));
  for (const s of serials) t.ok(listed.includes(s), `CRL lists ${s}`);
  const revokedToken = await call(
    'POST',
    '/api/v1/reenroll',
    { certificate_request: (await newKeyAndCsr(userId)).csrPem, caname: ca.caName },
    user.identity,
  );
  t.same(
    [revokedToken.status, revokedToken.body.errors],
    [401, [{ code: 20, message: 'Authentication failure' }]],
    'a revoked certificate no longer authenticates',
  );
  const reEnroll = await call(
    'POST',
    '/api/v1/enroll',
    { certificate_request: (await newKeyAndCsr(userId)).csrPem, caname: ca.caName },
    basic(userId, userSecret),
  );
  t.equal(reEnroll.status, 401, 'a revoked identity cannot enroll again');
});

t.test('identities, certificates and revocations survive a restart', async (t) => {
  await dn.stop();
  dn = await startDevnetProcess({ dataDir: dn.dataDir, args: probeChaincodeArgs() });
  ca = loadCa(dn.profile);
  const reg = await call(
    'POST',
    '/api/v1/register',
    { id: `${registrarId}-after`, type: 'client', affiliation: '', caname: ca.caName },
    registrar,
  );
  t.equal(reg.status, 201, 'the registrar certificate issued before the restart still authenticates');
  const dup = await call(
    'POST',
    '/api/v1/register',
    { id: userId, type: 'client', affiliation: '', caname: ca.caName },
    admin,
  );
  t.equal(dup.body.errors[0]?.code, 74, 'registered identities are kept');
  const g = await call('POST', '/api/v1/gencrl', { caname: ca.caName }, admin);
  const crl = new x509.X509Crl(
    Buffer.from(g.body.result.CRL, 'base64')
      .toString('utf8')
      .replace(/X509 CRL/g, 'CRL'),
  );
  t.ok(
    crl.entries.some((e) => e.serialNumber.toLowerCase().replace(/^0+/, '') === serialOf(user.cert)),
    'revocations are kept',
  );
});
