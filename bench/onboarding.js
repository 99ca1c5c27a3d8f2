#!/usr/bin/env node
/*
 * Onboarding (issue 13): enterprises onboarded per second through the API, and the gateway's resident memory with
 * 100,000 registered / 100 active identities.
 *
 * - A dev peer process with its Fabric CA (devnet/dist/cli.js, like testkit's startDevnetProcess) and a scratch
 *   database on DATABASE_URL (created, migrated and dropped here).
 * - The gateway in its OWN CHILD PROCESS (`node --expose-gc`): the real app (gateway/dist/app.js) wired as server.ts
 *   wires it: identity services over the dev peer's connection profile (CA per MSP, bootstrap registrar), a random
 *   key-encryption key, ledger clients with the stored-identity source and the LRU (--max-active, default 1,000), the
 *   PostgreSQL job queue, log level warn. RSS is read in the child after two `global.gc()` calls.
 * - Onboarding rate: --api (default 200) enterprises of EnterpriseMSP registered with POST /v1/enterprises,
 *   --concurrency (default 16) in flight; each is a CA register + enroll (P-256 key made by the gateway, sealed with
 *   AES-256-GCM) + the customs RegisterEnterprise transaction committed on the dev peer + two rows.
 * - Memory: --registered (default 100,000) identities in all. Registering 100,000 through the CA would take hours
 *   here, so all but the --api ones are INSERTED DIRECTLY into `enterprises` and `enterprise_identities`, each with
 *   its own sealed copy of one pre-made P-256 key and one pre-made certificate (never used: those enterprises stay
 *   inactive, which is the point of the figure). Then --active (default 100) of the API-registered enterprises each
 *   get an API key and enter goods (POST /v1/entries), which loads and connects their identities; RSS is printed
 *   before any identity is loaded, after the registrations, and after the active ones ran.
 *
 *   npm run build && source tmp/services/env && node bench/onboarding.js [--api 200] [--registered 100000] [--active 100]
 */
'use strict';
const { fork, spawn } = require('node:child_process');
const { randomBytes, randomUUID } = require('node:crypto');
const { mkdtempSync, readFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { parseArgs } = require('node:util');

if (require.main === module) {
  if (process.argv[2] === '--serve')
    serve().catch((err) => {
      console.error(err);
      process.exit(1);
    });
  else
    main().catch((err) => {
      console.error(err);
      process.exit(1);
    });
}

/** Child: the gateway app as server.ts wires it, answering 'stats' with RSS after GC. */
async function serve() {
  const fastify = require('fastify');
  const pino = require('pino');
  const app = require('../gateway/dist/app.js');
  const pg = require('../gateway/dist/adapters/pg/index.js');
  const { newPgQueue } = require('../gateway/dist/adapters/queue/pg-queue.js');
  const { apiKeyDigest } = require('../gateway/dist/domain/api-key.js');
  const { newIdentityServices } = require('../gateway/dist/identity/identity-services.js');
  const { newLedgerClients } = require('../gateway/dist/ledger/ledger-clients.js');
  const { readConnectionProfile } = require('../gateway/dist/ledger/ledger-settings.js');
  const { newRegisterEnterpriseOnLedger } = require('../gateway/dist/ledger/register-enterprise.js');
  const { databaseUrl, profilePath, kek, customsKey, maxActive } = JSON.parse(process.env.BENCH_GATEWAY);
  const { settings, problems } = readConnectionProfile(profilePath);
  if (!settings) throw new Error(problems.join('; '));
  const db = pg.createPool({ connectionString: databaseUrl });
  await pg.newApiKeysRepository(db).upsertBootstrap(apiKeyDigest(customsKey));
  const identities = newIdentityServices({
    db,
    profileCas: settings.certificateAuthorities ?? [],
    config: { certificateAuthorities: [], renewBeforeDays: 30, renewalIntervalMs: 3_600_000, renewalsPerRound: 50 },
    keyEncryptionKeys: [Buffer.from(kek, 'hex')],
  });
  const ledgers = newLedgerClients({
    settings,
    customsMspId: 'CustomsMSP',
    stored: identities.stored,
    maxActiveIdentities: maxActive,
  });
  const jobQueue = newPgQueue({ pool: db });
  const instance = fastify({ ...app.FASTIFY_OPTIONS, loggerInstance: pino({ level: 'warn' }) });
  await instance.register(app.default, {
    db,
    jobQueue,
    ledgers,
    ports: {
      registerEnterpriseOnLedger: newRegisterEnterpriseOnLedger(ledgers),
      identityOnboarding: identities.onboarding,
    },
    personCodeSecret: 'bench-person-code-secret-0123456789',
    readinessChecks: [],
    readinessTimeoutMs: 1_000,
    customsMspId: 'CustomsMSP',
    rateLimitMax: 1_000_000,
    rateLimitWindowMs: 60_000,
  });
  const address = await instance.listen({ port: 0, host: '127.0.0.1' });
  process.send({ address });
  process.on('message', async (m) => {
    if (m === 'stats') {
      global.gc();
      await new Promise((r) => setImmediate(r));
      global.gc();
      const mem = process.memoryUsage();
      process.send({ rss: mem.rss, heapUsed: mem.heapUsed, active: ledgers.activeIdentities() });
    }
    if (m === 'stop') {
      await instance.close();
      await jobQueue.close();
      ledgers.close();
      await db.end();
      process.exit(0);
    }
  });
}

function ask(child, message) {
  return new Promise((resolve) => {
    child.once('message', resolve);
    child.send(message);
  });
}

async function startDevnet() {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-onboarding-'));
  const child = spawn(
    process.execPath,
    [join(__dirname, '..', 'devnet', 'dist', 'cli.js'), '--data', dataDir, '--port', '0'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const profilePath = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /DEVNET READY (\{.*\})/.exec(out);
      if (m) resolve(JSON.parse(m[1]).connectionProfile);
    });
    child.once('exit', (code) => reject(new Error(`devnet exited with ${code}`)));
  });
  return { child, profilePath };
}

async function mapBounded(items, concurrency, fn) {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) await fn(items[i], i);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

async function main() {
  const { values } = parseArgs({
    options: {
      api: { type: 'string', default: '200' },
      registered: { type: 'string', default: '100000' },
      active: { type: 'string', default: '100' },
      concurrency: { type: 'string', default: '16' },
      'max-active': { type: 'string', default: '1000' },
    },
  });
  const apiCount = Number(values.api);
  const registered = Number(values.registered);
  const activeCount = Math.min(Number(values.active), apiCount);
  const concurrency = Number(values.concurrency);
  if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL is not set (source tmp/services/env)');
  const { Client } = require('pg');
  const pg = require('../gateway/dist/adapters/pg/index.js');
  const { usccCheckCharacter } = require('../gateway/dist/domain/uscc.js');
  const { newKeyVault } = require('../gateway/dist/identity/key-vault.js');
  const { newKeyAndCsr } = require('../gateway/dist/identity/enrollment-csr.js');
  const uscc = (n) => {
    const body = `91460000MB${String(n).padStart(7, '0')}`;
    return body + usccCheckCharacter(body);
  };

  const admin = new Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  const dbName = `bench_onboarding_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(process.env.DATABASE_URL);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();
  await pg.migrate(databaseUrl);
  const devnet = await startDevnet();
  const kek = randomBytes(32);
  const customsKey = `hk_${randomBytes(24).toString('base64url')}`;
  const gateway = fork(__filename, ['--serve'], {
    execArgv: ['--expose-gc'],
    env: {
      ...process.env,
      BENCH_GATEWAY: JSON.stringify({
        databaseUrl,
        profilePath: devnet.profilePath,
        kek: kek.toString('hex'),
        customsKey,
        maxActive: Number(values['max-active']),
      }),
    },
  });
  const { address } = await new Promise((resolve, reject) => {
    gateway.once('message', resolve);
    gateway.once('exit', (c) => reject(new Error(`gateway exited ${c}`)));
  });
  const call = async (method, path, key, body) => {
    const res = await fetch(`${address}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text);
  };
  const mb = (bytes) => `${(bytes / 1048576).toFixed(1)} MB`;
  const report = (label, s) =>
    console.log(`${label.padEnd(58)} RSS ${mb(s.rss)}  heap ${mb(s.heapUsed)}  connected identities ${s.active}`);
  try {
    report('gateway started, no identity loaded', await ask(gateway, 'stats'));

    const apiIds = Array.from({ length: apiCount }, (_, i) => uscc(i));
    const t0 = process.hrtime.bigint();
    await mapBounded(apiIds, concurrency, (id) =>
      call('POST', '/v1/enterprises', customsKey, {
        id,
        name: `Bench ${id}`,
        roles: ['enterprise'],
        mspId: 'EnterpriseMSP',
      }),
    );
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(
      `onboarded ${apiCount} enterprises through POST /v1/enterprises in ${seconds.toFixed(1)} s: ${(apiCount / seconds).toFixed(1)} enterprises/s (${concurrency} in flight; CA register + enroll + RegisterEnterprise committed)`,
    );

    // The rest of the 100,000: inserted directly (see header), each with its own sealed copy of one pre-made key.
    const vault = newKeyVault([kek]);
    const premade = await newKeyAndCsr('premade');
    const certPem = readFileSync(
      JSON.parse(readFileSync(devnet.profilePath, 'utf8')).identities.enterprise1.certPath,
      'utf8',
    );
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    const BATCH = 1_000;
    const insertStarted = Date.now();
    for (let from = apiCount; from < registered; from += BATCH) {
      const n = Math.min(BATCH, registered - from);
      const ids = Array.from({ length: n }, (_, i) => uscc(from + i));
      const identityIds = ids.map(() => randomUUID());
      const sealed = identityIds.map((identityId) => vault.seal(Buffer.from(premade.privateKeyPem), identityId));
      await db.query(
        `INSERT INTO enterprises (id, name, roles, msp_id) SELECT id, 'Bulk ' || id, ARRAY['enterprise'], 'EnterpriseMSP' FROM unnest($1::text[]) AS id`,
        [ids],
      );
      await db.query(
        `INSERT INTO enterprise_identities (id, enterprise_id, msp_id, enrollment_id, ca_name, kind, cert_pem, cert_serial, not_after, key_id, key_ciphertext)
         SELECT u.iid, u.eid, 'EnterpriseMSP', u.eid, 'ca-enterprise', 'managed', $3, 'premade', now() + interval '365 days', $4, u.ct
         FROM unnest($1::uuid[], $2::text[], $5::bytea[]) AS u(iid, eid, ct)`,
        [identityIds, ids, certPem, vault.currentKeyId, sealed.map((s) => s.ciphertext)],
      );
    }
    await db.end();
    console.log(
      `inserted ${registered - apiCount} more identities directly in ${((Date.now() - insertStarted) / 1000).toFixed(1)} s (${registered} registered)`,
    );
    report(`${registered} registered, none active`, await ask(gateway, 'stats'));

    const keys = await Promise.all(
      apiIds
        .slice(0, activeCount)
        .map((id) => call('POST', `/v1/enterprises/${id}/keys`, customsKey, { role: 'enterprise', label: 'bench' })),
    );
    const checkDigit = (d) => {
      let sum = 0;
      for (let i = 0; i < d.length; i++) sum += (d.charCodeAt(d.length - 1 - i) - 48) * (i % 2 === 0 ? 3 : 1);
      return (10 - (sum % 10)) % 10;
    };
    const gtin = `0690123400404${checkDigit('0690123400404')}`;
    const location = `690123400001${checkDigit('690123400001')}`;
    await mapBounded(apiIds.slice(0, activeCount), concurrency, (_id, i) =>
      call('POST', '/v1/entries', keys[i].key, {
        declarationNo: `B-${i}`,
        location,
        regime: 'ZERO_TARIFF',
        product: { gtin, hsCode: '330300', category: 'COSMETICS' },
        unitValueFen: 100,
        items: [`urn:epc:id:sgtin:6901234.000404.${i + 1}`],
      }),
    );
    report(`${registered} registered, ${activeCount} active (each entered goods)`, await ask(gateway, 'stats'));
  } finally {
    await new Promise((resolve) => {
      gateway.once('exit', resolve);
      gateway.send('stop');
    });
    devnet.child.kill('SIGTERM');
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}
