// Proves the profile command (`npm run profile`, gateway/src/profile-cli.ts) turns organisations' MSP folders into a connection profile the gateway reads: the right certificate and the key that belongs to it (a keystore with stale keys included), paths relative to the profile; and that it refuses, with a sentence, a profile without the customs identity the gateway cannot start without, or a folder whose key is missing.
// How: the dev peer's crypto material laid out as Fabric MSP folders (signcerts/, keystore/<ski>_sk) in a temporary folder, the command run as a child process, its output read back with the gateway's own readConnectionProfile.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateCryptoMaterial } from '../../devnet/src/crypto-material';
import { readConnectionProfile } from '../../gateway/src/ledger/ledger-settings';

const CLI = join(__dirname, '..', '..', 'gateway', 'src', 'profile-cli.ts');

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [...process.execArgv, CLI, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

t.test('MSP folders in, a profile the gateway reads out', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'profile-cli-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const crypto = await loadOrCreateCryptoMaterial(join(root, 'devnet'));
  /** An MSP folder as fabric-ca-client writes it; `staleKeyOf` adds another identity's key first in keystore/. */
  const mspFolder = (name: string, staleKeyOf?: string): string => {
    const files = crypto.identities[name]!;
    const dir = join(root, 'orgs', name, 'msp');
    mkdirSync(join(dir, 'signcerts'), { recursive: true });
    mkdirSync(join(dir, 'keystore'), { recursive: true });
    copyFileSync(files.certPath, join(dir, 'signcerts', 'cert.pem'));
    if (staleKeyOf) copyFileSync(crypto.identities[staleKeyOf]!.keyPath, join(dir, 'keystore', '0a_sk'));
    copyFileSync(files.keyPath, join(dir, 'keystore', 'ff_sk'));
    return dir;
  };
  const out = join(root, 'gateway', 'connection.json');
  mkdirSync(join(root, 'gateway'));
  const written = run([
    '--peer-endpoint',
    'peer0.customs.example.com:7051',
    '--peer-host-alias',
    'peer0.customs.example.com',
    '--tls-ca',
    crypto.tls.caCertPath,
    '--channel',
    'traceability',
    '--chaincode',
    'traceability',
    '--identity',
    `customs=CustomsMSP:${mspFolder('customs-admin', 'operator1')}`,
    '--identity',
    `operator=OperatorMSP:${mspFolder('operator1')}`,
    '--identity',
    `enterprise=EnterpriseMSP:${mspFolder('enterprise1', 'enterprise2')}`,
    '--out',
    out,
  ]);
  t.equal(written.status, 0, written.stderr);
  t.match(written.stderr, /wrote .*connection\.json \(3 identities/);

  const json = JSON.parse(readFileSync(out, 'utf8')) as {
    identities: Record<string, { certPath: string; keyPath: string }>;
  };
  t.match(
    json.identities.customs!.certPath,
    /^\.\.\/orgs\/customs-admin\/msp\/signcerts\/cert\.pem$/,
    "paths relative to the profile's folder",
  );
  const { settings, problems } = readConnectionProfile(out);
  t.same(problems, [], 'the gateway reads it');
  t.same(
    settings?.identities.map((i) => [i.name, i.mspId]),
    [
      ['customs', 'CustomsMSP'],
      ['operator', 'OperatorMSP'],
      ['enterprise', 'EnterpriseMSP'],
    ],
  );
  t.equal(settings?.endpoint, 'peer0.customs.example.com:7051');
  t.equal(settings?.hostAlias, 'peer0.customs.example.com');
  for (const [identity, source] of [
    ['customs', 'customs-admin'],
    ['enterprise', 'enterprise1'],
  ] as const) {
    const files = settings!.identities.find((i) => i.name === identity)!;
    t.equal(
      readFileSync(files.keyPath, 'utf8'),
      readFileSync(crypto.identities[source]!.keyPath, 'utf8'),
      `${identity}: the certificate's own key, not the stale one`,
    );
  }

  const toStdout = run([
    '--peer-endpoint',
    'localhost:7051',
    '--channel',
    'c',
    '--chaincode',
    'cc',
    '--identity',
    `customs=CustomsMSP:${mspFolder('customs-officer')}`,
  ]);
  t.equal(toStdout.status, 0, toStdout.stderr);
  t.match(
    JSON.parse(toStdout.stdout),
    { identities: { customs: { mspId: 'CustomsMSP', certPath: /^\// } } },
    'stdout, absolute paths',
  );

  const noCustoms = run([
    '--peer-endpoint',
    'localhost:7051',
    '--channel',
    'c',
    '--chaincode',
    'cc',
    '--identity',
    `operator=OperatorMSP:${mspFolder('operator1')}`,
  ]);
  t.equal(noCustoms.status, 2);
  t.match(noCustoms.stderr, /no identity of CustomsMSP/, 'the identity the gateway cannot start without is asked for');

  const keyless = join(root, 'orgs', 'keyless', 'msp');
  mkdirSync(join(keyless, 'signcerts'), { recursive: true });
  mkdirSync(join(keyless, 'keystore'), { recursive: true });
  copyFileSync(crypto.identities.enterprise2!.certPath, join(keyless, 'signcerts', 'cert.pem'));
  copyFileSync(crypto.identities.enterprise1!.keyPath, join(keyless, 'keystore', 'other_sk'));
  const mismatched = run([
    '--peer-endpoint',
    'localhost:7051',
    '--channel',
    'c',
    '--chaincode',
    'cc',
    '--identity',
    `customs=CustomsMSP:${mspFolder('customs-officer')}`,
    '--identity',
    `e2=EnterpriseMSP:${keyless}`,
  ]);
  t.equal(mismatched.status, 1);
  t.match(mismatched.stderr, /identity e2 .*keystore\/ holds no private key of the certificate/);
  t.notMatch(mismatched.stderr, /\n\s+at /, 'a sentence, no stack trace');
});
