// Proves the configuration fails fast listing every bad variable at once, applies defaults, and reads a connection profile.
// How: loadConfig() on literal environments and a connection.json written to a temporary folder.
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../gateway/src/config';

t.test('an empty environment means the embedded default', async (t) => {
  const config = loadConfig({}, '/srv/gw');
  t.match(config, {
    port: 8080,
    host: '127.0.0.1',
    databaseUrl: undefined,
    redisUrl: undefined,
    ledger: { kind: 'embedded' },
    customsMspId: 'CustomsMSP',
    dataDir: '/srv/gw/data',
    rateLimitMax: 600,
    rateLimitWindowMs: 60_000,
  });
});

t.test('every bad variable is reported in one error', async (t) => {
  const err = (() => {
    try {
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://db/x',
        REDIS_URL: 'not a url',
        BOOTSTRAP_CUSTOMS_KEY: 'short',
        LOG_LEVEL: 'loud',
        RATE_LIMIT_MAX: '0',
        FABRIC_PEER_ENDPOINT: 'peer0:7051',
      });
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  t.ok(err instanceof ConfigError);
  const problems = (err as ConfigError).problems.join('\n');
  for (const name of [
    'PORT',
    'DATABASE_URL',
    'REDIS_URL',
    'BOOTSTRAP_CUSTOMS_KEY',
    'LOG_LEVEL',
    'RATE_LIMIT_MAX',
    'FABRIC_CHANNEL',
    'FABRIC_MSP_ID',
    'FABRIC_CERT_PATH',
  ]) {
    t.match(problems, name, `${name} is named`);
  }
  t.match((err as Error).message, /^invalid configuration:\n {2}- /, 'one line per problem');
});

t.test('an external database requires PERSON_CODE_SECRET', async (t) => {
  t.throws(() => loadConfig({ DATABASE_URL: 'postgres://db/x' }), /PERSON_CODE_SECRET: required/);
  const config = loadConfig({
    DATABASE_URL: 'postgres://db/x',
    PERSON_CODE_SECRET: 's'.repeat(32),
    REDIS_URL: 'redis://r:6379',
  });
  t.equal(config.databaseUrl, 'postgres://db/x');
  t.equal(config.redisUrl, 'redis://r:6379');
});

t.test('a connection profile gives the ledger settings, relative paths resolved against it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-config-'));
  for (const file of ['ca.pem', 'admin-cert.pem', 'admin-key.pem']) writeFileSync(join(dir, file), 'x');
  writeFileSync(
    join(dir, 'connection.json'),
    JSON.stringify({
      peerEndpoint: '127.0.0.1:7051',
      peerHostAlias: 'peer0.customs.devnet',
      tlsCACertPath: 'ca.pem',
      channel: 'mychannel',
      chaincode: 'traceability',
      peerMspId: 'CustomsMSP',
      identities: { 'customs-admin': { mspId: 'CustomsMSP', certPath: 'admin-cert.pem', keyPath: 'admin-key.pem' } },
    }),
  );
  const config = loadConfig({ FABRIC_CONNECTION_PROFILE: join(dir, 'connection.json') });
  t.match(config.ledger, {
    kind: 'settings',
    settings: {
      endpoint: '127.0.0.1:7051',
      hostAlias: 'peer0.customs.devnet',
      tlsCaCertPath: join(dir, 'ca.pem'),
      channel: 'mychannel',
      chaincode: 'traceability',
      identities: [{ name: 'customs-admin', mspId: 'CustomsMSP', certPath: join(dir, 'admin-cert.pem') }],
    },
  });
  t.throws(
    () => loadConfig({ FABRIC_CONNECTION_PROFILE: join(dir, 'missing.json') }),
    /FABRIC_CONNECTION_PROFILE: file .* does not exist/,
  );
  t.throws(
    () => loadConfig({ FABRIC_CONNECTION_PROFILE: join(dir, 'connection.json'), FABRIC_CHANNEL: 'x' }),
    /either it or the FABRIC_\* variables/,
  );
});
