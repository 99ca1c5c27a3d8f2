// Proves the gateway's Fabric CA client works against fabric-ca-server's protocol: cainfo, register, enroll with the gateway's key or with a CSR whose key it never sees, reenroll, revoke + CRL, and that each failure has its stable code with Fabric CA's code kept (unreachable and silent CAs are retryable, bodies are bounded).
// How: the dev CA of a real dev peer process; a closed port, a silent TCP server and an oversized HTTP answer for the network failures.
import t from 'tap';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, AddressInfo } from 'node:net';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { DevnetProcess, startDevnetProcess } from '../../testkit/src/devnet';
import { FabricCaClient, newPemSigningIdentity, CaSigningIdentity } from '../../gateway/src/identity/fabric-ca-client';
import { FabricCaError } from '../../gateway/src/identity/fabric-ca-errors';
import { newKeyAndCsr } from '../../gateway/src/identity/enrollment-csr';
import { readFabricCaAttributes } from '../../gateway/src/ledger/fabric-ca-attributes';

let dn: DevnetProcess;
let client: FabricCaClient;
let entry: NonNullable<DevnetProcess['profile']['certificateAuthorities']>[string];

t.before(async () => {
  dn = await startDevnetProcess();
  entry = dn.profile.certificateAuthorities!['ca.operator.devnet']!;
  client = new FabricCaClient({
    url: entry.url,
    caName: entry.caName,
    tlsCaCertPem: readFileSync(entry.tlsCACerts!.path),
  });
});
t.teardown(() => dn?.stop());

async function caError(p: Promise<unknown>): Promise<FabricCaError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof FabricCaError)) throw new Error(`expected a FabricCaError, got ${String(err)}`);
  return err;
}

let admin: CaSigningIdentity;
const id = `operator-${Date.now()}`;

t.test('cainfo, bootstrap enroll, register, enroll with a key the client never holds, reenroll', async (t) => {
  const info = await client.cainfo();
  t.equal(info.caName, 'ca-operator');
  const root = new X509Certificate(info.caChainPem);
  const bootstrap = await newKeyAndCsr('admin');
  const adminEnrollment = await client.enroll({
    enrollmentId: 'admin',
    secret: entry.registrar[0]!.enrollSecret,
    csrPem: bootstrap.csrPem,
  });
  admin = newPemSigningIdentity(adminEnrollment.certPem, bootstrap.privateKeyPem);
  const { secret } = await client.register(admin, {
    enrollmentId: id,
    attrs: [
      { name: 'role', value: 'operator', ecert: true },
      { name: 'enterpriseId', value: '91460000MA5TDF0001', ecert: true },
    ],
  });
  // The enterprise makes its own key and CSR; only the CSR reaches the client.
  const own = await newKeyAndCsr(id);
  const enrollment = await client.enroll({ enrollmentId: id, secret, csrPem: own.csrPem });
  const cert = new X509Certificate(enrollment.certPem);
  t.ok(cert.checkIssued(root) && cert.verify(root.publicKey), 'issued by the org root');
  t.equal(enrollment.caName, 'ca-operator');
  t.same(readFabricCaAttributes(enrollment.certPem), {
    enterpriseId: '91460000MA5TDF0001',
    'hf.Affiliation': '',
    'hf.EnrollmentID': id,
    'hf.Type': 'client',
    role: 'operator',
  });
  const next = await newKeyAndCsr(id);
  const renewed = await client.reenroll(newPemSigningIdentity(enrollment.certPem, own.privateKeyPem), {
    enrollmentId: id,
    csrPem: next.csrPem,
  });
  t.not(new X509Certificate(renewed.certPem).serialNumber, cert.serialNumber);
  const revocation = await client.revoke(admin, { enrollmentId: id }, { reason: 'superseded', genCrl: true });
  t.equal(revocation.revoked.length, 2);
  t.match(revocation.crlPem ?? '', /^-----BEGIN X509 CRL-----/);
  const { crlPem } = await client.genCrl(admin);
  const crl = new x509.X509Crl(crlPem.replace(/X509 CRL/g, 'CRL'));
  t.same(
    crl.entries.map((e) => e.serialNumber.toLowerCase().replace(/^0+/, '')).sort(),
    revocation.revoked.map((r) => r.serial).sort(),
  );
});

t.test('CA refusals map to stable codes keeping Fabric CA code numbers', async (t) => {
  const dup = await caError(client.register(admin, { enrollmentId: id }));
  t.same(
    [dup.code, dup.caCode, dup.details.httpStatus, dup.retryable],
    ['CA_IDENTITY_ALREADY_REGISTERED', 74, 409, false],
  );
  const csr = (await newKeyAndCsr('admin')).csrPem;
  const badSecret = await caError(client.enroll({ enrollmentId: 'admin', secret: 'wrong', csrPem: csr }));
  t.same([badSecret.code, badSecret.caCode, badSecret.details.httpStatus], ['CA_AUTHENTICATION_FAILED', 20, 401]);
  const limitedId = `${id}-registrar`;
  const limited = await client.register(admin, {
    enrollmentId: limitedId,
    attrs: [
      { name: 'hf.Registrar.Roles', value: 'client' },
      { name: 'hf.Registrar.Attributes', value: 'role' },
    ],
  });
  const key = await newKeyAndCsr(limitedId);
  const limitedIdentity = newPemSigningIdentity(
    (await client.enroll({ enrollmentId: limitedId, secret: limited.secret, csrPem: key.csrPem })).certPem,
    key.privateKeyPem,
  );
  const denied = await caError(client.register(limitedIdentity, { enrollmentId: `${id}-x`, type: 'admin' }));
  t.same([denied.code, denied.caCode, denied.details.httpStatus], ['CA_NOT_AUTHORIZED', 71, 403]);
  const unknown = await caError(client.revoke(admin, { enrollmentId: 'nobody-here' }));
  t.same([unknown.code, unknown.caCode, unknown.details.httpStatus], ['CA_IDENTITY_NOT_FOUND', 10, 404]);
  const otherCa = new FabricCaClient({
    url: entry.url,
    caName: 'ca-nowhere',
    tlsCaCertPem: readFileSync(entry.tlsCACerts!.path),
  });
  const noCa = await caError(otherCa.cainfo());
  t.same([noCa.code, noCa.caCode], ['CA_NAME_UNKNOWN', 19]);
});

t.test('a CSR the channel could not use is refused before any request', async (t) => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keys = {
    privateKey: await webcrypto.subtle.importKey(
      'pkcs8',
      rsa.privateKey.export({ type: 'pkcs8', format: 'der' }),
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      true,
      ['sign'],
    ),
    publicKey: await webcrypto.subtle.importKey(
      'spki',
      rsa.publicKey.export({ type: 'spki', format: 'der' }),
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      true,
      ['verify'],
    ),
  };
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=rsa-user',
    keys: keys as never,
    signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5' },
  });
  const err = await caError(client.enroll({ enrollmentId: 'rsa-user', secret: 'x', csrPem: csr.toString('pem') }));
  t.equal(err.code, 'CA_CSR_REJECTED');
  t.match(err.message, /ECDSA P-256/);
  const wrongCn = await caError(
    client.enroll({ enrollmentId: 'someone', secret: 'x', csrPem: (await newKeyAndCsr('other')).csrPem }),
  );
  t.equal(wrongCn.code, 'CA_CSR_REJECTED');
});

t.test('an unreachable or silent CA is retryable; an oversized answer is refused', async (t) => {
  const closed = createTcpServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const refused = await caError(new FabricCaClient({ url: `http://127.0.0.1:${closedPort}`, caName: 'x' }).cainfo());
  t.same([refused.code, refused.retryable], ['CA_UNAVAILABLE', true]);

  const held = new Set<import('node:net').Socket>();
  const silent = createTcpServer((socket) => (held.add(socket), socket.on('error', () => undefined)));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => new Promise<void>((r) => (held.forEach((s) => s.destroy()), silent.close(() => r()))));
  const started = Date.now();
  const timedOut = await caError(
    new FabricCaClient({
      url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      caName: 'x',
      timeoutMs: 300,
    }).cainfo(),
  );
  t.same([timedOut.code, timedOut.retryable], ['CA_UNAVAILABLE', true]);
  t.ok(Date.now() - started < 3_000, 'bounded by the deadline');

  const big = createHttpServer((_req, res) => res.end(Buffer.alloc(2 * 1024 * 1024, 0x20)));
  await new Promise<void>((r) => big.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => new Promise<void>((r) => (big.closeAllConnections(), big.close(() => r()))));
  const tooBig = await caError(
    new FabricCaClient({
      url: `http://127.0.0.1:${(big.address() as AddressInfo).port}`,
      caName: 'x',
      maxResponseBytes: 64 * 1024,
    }).cainfo(),
  );
  t.equal(tooBig.code, 'CA_INVALID_RESPONSE');

  const unavailable = createHttpServer((_req, res) => ((res.statusCode = 503), res.end('busy')));
  await new Promise<void>((r) => unavailable.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => new Promise<void>((r) => (unavailable.closeAllConnections(), unavailable.close(() => r()))));
  const busy = await caError(
    new FabricCaClient({
      url: `http://127.0.0.1:${(unavailable.address() as AddressInfo).port}`,
      caName: 'x',
    }).cainfo(),
  );
  t.same([busy.code, busy.retryable, busy.details.httpStatus], ['CA_UNAVAILABLE', true, 503]);
});
