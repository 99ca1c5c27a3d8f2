// Proves onboarding's refusals and failures each have a stable problem code and leave nothing half-done: unknown MSP, duplicate enterprise, a CSR with an RSA key, the CA unreachable (503 + Retry-After, no row; the same request succeeds once it is back, without duplicates), a registrar without the right to register; a CSR enrollment stores only the certificate (LEDGER_IDENTITY_EXTERNAL when the gateway is asked to sign), an expired or revoked identity is a 403 with its code, and the renewal round reenrolls due identities that then still sign.
// How: a dev peer process with its Fabric CA, reached through a TCP relay the test stops and restarts; real PostgreSQL; the gateway app via fastify.inject.
import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createPrivateKey, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { newCaDirectory } from '../../gateway/src/identity/ca-directory';
import { newKeyAndCsr } from '../../gateway/src/identity/enrollment-csr';
import { FabricCaClient, newPemSigningIdentity } from '../../gateway/src/identity/fabric-ca-client';
import { newIdentityStore } from '../../gateway/src/identity/identity-store';
import { newIdentityOnboarding } from '../../gateway/src/identity/onboarding';
import { newIdentityRenewal } from '../../gateway/src/identity/renewal';
import { readFabricCaAttributes } from '../../gateway/src/ledger/fabric-ca-attributes';
import { gln, product } from '../../testkit/src/trace';
import { bearer } from './helpers/app';
import { startOnboardingStack, startTcpRelay, usccFor, type OnboardingStack } from './helpers/onboarding';

interface Ping {
  callerId: string;
  attributes: { role: string | null; enterpriseId: string | null };
}

let stack: OnboardingStack;
let relay: Awaited<ReturnType<typeof startTcpRelay>>;

/** The profile's CAs, reached through the relay (or another registrar). */
const relayCas = () =>
  (stack.settings.certificateAuthorities ?? []).map((ca) => ({
    ...ca,
    url: ca.url.replace(/:\d+$/, `:${relay.port}`),
  }));

t.before(async () => {
  stack = await startOnboardingStack(t);
  const ca = new URL((stack.settings.certificateAuthorities ?? [])[0]?.url ?? '');
  relay = await startTcpRelay(t, { host: ca.hostname, port: Number(ca.port) });
  // Every CA of the dev peer is one server (multi-CA mode): one relay serves them all.
  stack.setOnboarding(newIdentityOnboarding({ cas: newCaDirectory(relayCas()), vault: stack.vault }));
});

const register = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  stack.app.inject({
    method: 'POST',
    url: '/v1/enterprises',
    headers: { ...bearer(stack.customsKey), ...headers },
    payload: body,
  });
const rows = async (id: string) => {
  const enterprises = await stack.db.query('SELECT 1 FROM enterprises WHERE id = $1', [id]);
  const identities = await stack.db.query('SELECT 1 FROM enterprise_identities WHERE enterprise_id = $1', [id]);
  return { enterprises: enterprises.rowCount, identities: identities.rowCount };
};

t.test('unknown MSP, duplicate enterprise, RSA CSR: each its code, nothing stored', async (t) => {
  const unknown = await register({ id: usccFor(1), name: 'Nobody', roles: ['enterprise'], mspId: 'NobodyMSP' });
  t.equal(unknown.statusCode, 422);
  t.equal(unknown.json().code, 'UNKNOWN_MSP');
  t.same(await rows(usccFor(1)), { enterprises: 0, identities: 0 });

  const first = await register({ id: usccFor(2), name: 'Twice', roles: ['enterprise'], mspId: 'EnterpriseMSP' });
  t.equal(first.statusCode, 201, first.body);
  t.equal(first.json().identity.kind, 'managed');
  const again = await register({ id: usccFor(2), name: 'Twice', roles: ['enterprise'], mspId: 'EnterpriseMSP' });
  t.equal(again.statusCode, 409);
  t.equal(again.json().code, 'ALREADY_EXISTS');
  t.same(await rows(usccFor(2)), { enterprises: 1, identities: 1 });

  // A CSR with an RSA key, CN = the enterprise id: refused before the CA is asked.
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const rsa = (await webcrypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )) as webcrypto.CryptoKeyPair;
  const rsaCsr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [usccFor(3)] }],
    keys: rsa as unknown as Parameters<typeof x509.Pkcs10CertificateRequestGenerator.create>[0]['keys'],
    signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  });
  const refused = await register({
    id: usccFor(3),
    name: 'RSA',
    roles: ['enterprise'],
    mspId: 'EnterpriseMSP',
    csr: rsaCsr.toString('pem'),
  });
  t.equal(refused.statusCode, 422);
  t.equal(refused.json().code, 'CSR_REJECTED');
  t.match(refused.json().detail, /ECDSA P-256/);
  t.same(await rows(usccFor(3)), { enterprises: 0, identities: 0 });
});

t.test(
  'CA unreachable: 503 with Retry-After and no row; after it is back the same request succeeds once',
  async (t) => {
    const id = usccFor(4);
    const body = { id, name: 'Outage', roles: ['enterprise'], mspId: 'EnterpriseMSP' };
    await relay.stop();
    const down = await register(body, { 'idempotency-key': 'outage-1' });
    t.equal(down.statusCode, 503, down.body);
    t.equal(down.json().code, 'CA_UNAVAILABLE');
    t.ok(Number(down.headers['retry-after']) > 0, 'Retry-After');
    t.same(await rows(id), { enterprises: 0, identities: 0 }, 'nothing half-registered');
    await relay.start();
    const up = await register(body, { 'idempotency-key': 'outage-1' });
    t.equal(up.statusCode, 201, up.body);
    const replay = await register(body, { 'idempotency-key': 'outage-1' });
    t.equal(replay.statusCode, 201, 'the same key replays the answer');
    t.same(await rows(id), { enterprises: 1, identities: 1 }, 'one enterprise, one identity');

    // The CA registered the identity, then the database lost the attempt (simulated: rows removed): a retry finds
    // the CA identity "already registered" and enrolls it again with the same derived secret.
    await stack.db.query('DELETE FROM enterprise_identities WHERE enterprise_id = $1', [id]);
    await stack.db.query('DELETE FROM enterprises WHERE id = $1', [id]);
    const retried = await register(body);
    t.equal(retried.statusCode, 201, retried.body);
    t.same(await rows(id), { enterprises: 1, identities: 1 });
  },
);

t.test(
  'a registrar without the right to register these attributes: CA_REGISTRAR_NOT_AUTHORIZED, nothing stored',
  async (t) => {
    const ca = (stack.settings.certificateAuthorities ?? []).find((c) => c.mspId === 'EnterpriseMSP');
    if (!ca) throw new Error('no EnterpriseMSP CA');
    const client = new FabricCaClient({
      url: ca.url,
      caName: ca.caName,
      tlsCaCertPem: readFileSync(ca.tlsCaCertPath as string),
    });
    const bootstrap = await newKeyAndCsr(ca.registrar.enrollId);
    const admin = newPemSigningIdentity(
      (
        await client.enroll({
          enrollmentId: ca.registrar.enrollId,
          secret: ca.registrar.enrollSecret,
          csrPem: bootstrap.csrPem,
        })
      ).certPem,
      bootstrap.privateKeyPem,
    );
    // May register clients, but no attributes (no hf.Registrar.Attributes).
    const { secret } = await client.register(admin, {
      enrollmentId: 'weak-registrar',
      attrs: [{ name: 'hf.Registrar.Roles', value: 'client' }],
    });
    const weak = relayCas().map((c) =>
      c.mspId === 'EnterpriseMSP' ? { ...c, registrar: { enrollId: 'weak-registrar', enrollSecret: secret } } : c,
    );
    stack.setOnboarding(newIdentityOnboarding({ cas: newCaDirectory(weak), vault: stack.vault }));
    const id = usccFor(5);
    const res = await register({ id, name: 'Weak', roles: ['enterprise'], mspId: 'EnterpriseMSP' });
    t.equal(res.statusCode, 502, res.body);
    t.equal(res.json().code, 'CA_REGISTRAR_NOT_AUTHORIZED');
    t.same(await rows(id), { enterprises: 0, identities: 0 });
    // Fixed (the full registrar back): the same request succeeds.
    stack.setOnboarding(newIdentityOnboarding({ cas: newCaDirectory(relayCas()), vault: stack.vault }));
    t.equal((await register({ id, name: 'Weak', roles: ['enterprise'], mspId: 'EnterpriseMSP' })).statusCode, 201);
  },
);

t.test(
  'bring your own key: only the certificate is stored; the gateway refuses to sign with LEDGER_IDENTITY_EXTERNAL',
  async (t) => {
    const id = usccFor(6);
    const own = await newKeyAndCsr(id);
    const res = await register({ id, name: 'Own key', roles: ['enterprise'], mspId: 'EnterpriseMSP', csr: own.csrPem });
    t.equal(res.statusCode, 201, res.body);
    const identity = res.json().identity as { kind: string; certificate: string };
    t.equal(identity.kind, 'external');
    t.ok(
      new X509Certificate(identity.certificate).checkPrivateKey(createPrivateKey(own.privateKeyPem)),
      "the certificate is for the enterprise's key",
    );
    t.same(readFabricCaAttributes(identity.certificate).enterpriseId, id);
    const row = await stack.db.query<{ kind: string; key_ciphertext: Buffer | null }>(
      'SELECT kind, key_ciphertext FROM enterprise_identities WHERE enterprise_id = $1',
      [id],
    );
    t.same(row.rows[0], { kind: 'external', key_ciphertext: null }, 'no key stored');
    const err = await stack.ledgers
      .forCaller({ mspId: 'EnterpriseMSP', enterpriseId: id }, 'system')
      .evaluate('Ping')
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    t.match(err, { code: 'LEDGER_IDENTITY_EXTERNAL', statusCode: 403 });
  },
);

t.test(
  'expired and revoked identities are 403 with their code; the renewal round reenrolls due identities',
  async (t) => {
    const id = usccFor(7);
    t.equal((await register({ id, name: 'Renewed', roles: ['enterprise'], mspId: 'EnterpriseMSP' })).statusCode, 201);
    const caller = { mspId: 'EnterpriseMSP', enterpriseId: id };
    const ping = () => stack.ledgers.forCaller(caller, 'system').evaluate<Ping>('Ping');
    t.equal((await ping())?.attributes.enterpriseId, id, 'signs as itself');
    const before = await newIdentityStore(stack.db).findByEnterprise(id);

    // Expired (the row says so: the certificate ran out while no renewal could reach the CA).
    await stack.db.query(
      `UPDATE enterprise_identities SET not_after = now() - interval '1 minute' WHERE enterprise_id = $1`,
      [id],
    );
    stack.ledgers.evict?.(caller);
    t.match(
      await ping().then(
        () => undefined,
        (e: unknown) => e,
      ),
      { code: 'LEDGER_IDENTITY_EXPIRED', statusCode: 403 },
    );
    const key = await stack.app.inject({
      method: 'POST',
      url: `/v1/enterprises/${id}/keys`,
      headers: bearer(stack.customsKey),
      payload: { role: 'enterprise', label: 't' },
    });
    const entry = await stack.app.inject({
      method: 'POST',
      url: '/v1/entries',
      headers: bearer(key.json().key as string),
      payload: {
        declarationNo: 'D-EXP',
        location: gln(1),
        regime: 'ZERO_TARIFF',
        product: { gtin: product(101).gtin, hsCode: '330300', category: 'COSMETICS' },
        unitValueFen: 100,
        items: [product(101).sgtin(9001)],
      },
    });
    t.equal(entry.statusCode, 403, 'an HTTP step answers the code, not a 500');
    t.equal(entry.json().code, 'LEDGER_IDENTITY_EXPIRED');

    // Renewal: due within 30 days (it expired per the row) → reenrolled with a new key and a new certificate.
    const renewal = newIdentityRenewal({
      store: newIdentityStore(stack.db),
      vault: stack.vault,
      onboarding: newIdentityOnboarding({ cas: newCaDirectory(relayCas()), vault: stack.vault }),
      ledgers: stack.ledgers,
      maxPerRound: 10,
    });
    const round = await renewal.runOnce();
    t.match(round, { renewed: 1, failed: 0 });
    const after = await newIdentityStore(stack.db).findByEnterprise(id);
    t.not(after?.certSerial, before?.certSerial, 'a new certificate');
    t.not(after?.sealedKey?.ciphertext.toString('hex'), before?.sealedKey?.ciphertext.toString('hex'), 'a new key');
    t.ok((after?.notAfter.getTime() ?? 0) > Date.now() + 300 * 86_400_000, 'valid for about a year');
    t.equal(after?.version, 2);
    t.equal((await ping())?.attributes.enterpriseId, id, 'signs again, with the renewed certificate');
    t.match(await renewal.runOnce(), { renewed: 0 }, 'nothing else due');

    // Revoked (the suspension flow marks it): 403 LEDGER_IDENTITY_REVOKED.
    await newIdentityStore(stack.db).markRevoked(id, new Date());
    stack.ledgers.evict?.(caller);
    t.match(
      await ping().then(
        () => undefined,
        (e: unknown) => e,
      ),
      { code: 'LEDGER_IDENTITY_REVOKED', statusCode: 403 },
    );
  },
);

t.test(
  'revocation for a suspension: the CA revokes the certificate, the store marks it, the gateway stops signing; again is safe',
  async (t) => {
    const id = usccFor(8);
    t.equal((await register({ id, name: 'Suspended', roles: ['enterprise'], mspId: 'EnterpriseMSP' })).statusCode, 201);
    const caller = { mspId: 'EnterpriseMSP', enterpriseId: id };
    t.equal((await stack.ledgers.forCaller(caller, 'system').evaluate<Ping>('Ping'))?.attributes.enterpriseId, id);
    const revoke = stack.identities.revoker(stack.ledgers);
    if (!revoke) throw new Error('no revoker');
    t.equal(await revoke(id), 'done');
    t.equal(await revoke(id), 'done', 'idempotent');
    t.equal(await revoke(usccFor(9)), 'none', 'an enterprise without an issued identity');
    t.ok((await newIdentityStore(stack.db).findByEnterprise(id))?.revokedAt, 'marked revoked');
    t.match(
      await stack.ledgers
        .forCaller(caller, 'system')
        .evaluate('Ping')
        .then(
          () => undefined,
          (e: unknown) => e,
        ),
      { code: 'LEDGER_IDENTITY_REVOKED', statusCode: 403 },
    );
  },
);
