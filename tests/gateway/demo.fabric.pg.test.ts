// Proves `npm run demo` can target a gateway that is already running (--url, --key) and fails loudly (issue 17 Must 4):
// against a healthy gateway it runs the whole story twice in a row (new serials and references each run, the
// enterprises already there the second time) and exits 0; against a gateway whose channel lacks EnterpriseMSP, the
// importer's capture parks and the demo exits 1 naming the reason (the channel does not know MSP EnterpriseMSP),
// never reporting "pending" and going on; bad arguments exit 2 with the usage.
// How: dev peer child processes, the real gateway process (gateway/dist/server.js, PostgreSQL queue), scripts/demo.js
// as a child process.
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startDevnetProcess } from '../../testkit/src/devnet';
import { createMigratedDatabase } from './helpers/database';
import { CUSTOMS_KEY, newGatewayProcess } from './helpers/gateway-process';

const DEMO = join(__dirname, '..', '..', 'scripts', 'demo.js');

/** Run the demo to its end (bounded); its exit code and output. */
async function runDemo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [DEMO, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

async function startStack(t: Test, peerArgs: string[]) {
  const dn = await startDevnetProcess({ args: peerArgs });
  t.teardown(() => dn.stop());
  const databaseUrl = await createMigratedDatabase(t);
  // REDIS_URL empty: the PostgreSQL queue, as the embedded default uses.
  const gateway = await newGatewayProcess(t, {
    databaseUrl,
    redisUrl: '',
    queuePrefix: 'demo',
    connectionProfile: join(dn.dataDir, 'connection.json'),
  });
  await gateway.start();
  t.teardown(() => gateway.stop());
  return gateway;
}

t.test('the demo against a running gateway: exit 0, twice in a row', { timeout: 420_000 }, async (t) => {
  const gateway = await startStack(t, []);
  for (const round of [1, 2]) {
    const demo = await runDemo(['--url', gateway.base, '--key', CUSTOMS_KEY]);
    t.equal(
      demo.code,
      0,
      `round ${round} exits 0:\n${demo.stdout}\n${demo.stderr}\n${demo.code === 0 ? '' : gateway.logTail()}`,
    );
    t.match(demo.stdout, `Using the gateway at ${gateway.base}`, 'it used the given gateway');
    t.match(demo.stdout, /capture \/v1\/capture\/\S+: committed, 6 items/, `round ${round}: the capture committed`);
    t.match(demo.stdout, /Now: PICKED_UP/, `round ${round}: the story went to its end`);
    t.notMatch(demo.stdout, /Starting the gateway/, 'it started no gateway of its own');
  }
});

t.test('the demo fails loudly when the capture parks: exit 1 with the reason', { timeout: 300_000 }, async (t) => {
  const gateway = await startStack(t, ['--omit-org', 'EnterpriseMSP']);
  const demo = await runDemo(['--url', gateway.base, '--key', CUSTOMS_KEY]);
  t.equal(demo.code, 1, `exit 1:\n${demo.stdout}\n${demo.stderr}`);
  t.match(
    demo.stderr,
    /^demo failed: capture \/v1\/capture\/\S+ parked: IDENTITY_REFUSED: the channel mychannel does not know MSP EnterpriseMSP \(identity [^)]+\): add it to Application\.Organizations/m,
  );
  t.notMatch(demo.stdout, /pending/, 'no "pending" reported');
  t.notMatch(demo.stdout, /Island circulation/, 'it stopped at the capture');
});

t.test('--url without --key, or a bad URL, exits 2 with the usage', async (t) => {
  const noKey = await runDemo(['--url', 'http://127.0.0.1:1']);
  t.equal(noKey.code, 2);
  t.match(noKey.stderr, /--url and --key go together[\s\S]*usage: npm run demo/);
  const badUrl = await runDemo(['--url', 'localhost:8080', '--key', 'k']);
  t.equal(badUrl.code, 2);
  t.match(badUrl.stderr, /--url must be an http\(s\) URL/);
});
