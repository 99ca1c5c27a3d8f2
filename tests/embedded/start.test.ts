// Proves `npm start` (the embedded default: dev peer + embedded PostgreSQL + gateway) starts and stops cleanly as a user sees it: a start that fails (port in use) exits non-zero with one line and no stack trace and leaves no PostgreSQL behind; SIGTERM, and Ctrl-C (SIGINT to the whole process group, as a terminal sends it), stop it with exit 0, no warning and no PostgreSQL left.
// How: embedded/dist/start.js as a child process on one data folder (needs `npm run build`), a loopback port held by this test, /proc for the PostgreSQL processes of that folder.
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../gateway/helpers/wait';

const START = join(__dirname, '..', '..', 'embedded', 'dist', 'start.js');

/** Pino levels 40 (warn) and above. */
const WARN_LEVEL = 40;

interface Run {
  readonly child: ChildProcess;
  readonly out: { stdout: string; stderr: string };
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(dataDir: string, port: number): Run {
  // Only what a user sets: no DATABASE_URL, REDIS_URL or Fabric settings, so everything is embedded.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATA_DIR: dataDir,
    PORT: String(port),
    DEVNET_PORT: '0',
  };
  // detached: its own process group, so the test can signal the group the way a terminal's Ctrl-C does.
  const child = spawn(process.execPath, [START], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const out = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk: Buffer) => (out.stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out.stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, out, exited };
}

/** PostgreSQL server processes whose data folder is under `dir`. */
function postgresOf(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args[0]?.endsWith('postgres') && args.some((arg) => arg.startsWith(dir))) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** Log lines at warn level or above (pino JSON on stdout). */
function warnings(stdout: string): string[] {
  return stdout.split('\n').filter((line) => {
    if (!line.startsWith('{')) return false;
    try {
      return (JSON.parse(line) as { level?: number }).level! >= WARN_LEVEL;
    } catch {
      return false;
    }
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function hold(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const root = mkdtempSync(join(tmpdir(), 'embedded-start-'));
chmodSync(root, 0o755); // the postgres user runs the server when tests run as root
const dataDir = join(root, 'data');
t.teardown(() => {
  for (const pid of postgresOf(root)) process.kill(pid, 'SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

t.test('a start that fails (port in use) stops what it started and says so in one line', async (t) => {
  const port = await freePort();
  const taken = await hold(port);
  t.teardown(() => new Promise<void>((resolve) => taken.close(() => resolve())));
  const run = start(dataDir, port);
  t.teardown(() => {
    if (run.child.exitCode === null && run.child.signalCode === null) process.kill(-run.child.pid!, 'SIGKILL');
  });
  const { code } = await run.exited;
  t.not(code, 0, 'exits non-zero');
  const lines = run.out.stderr.trimEnd().split('\n');
  t.equal(lines.length, 1, `one line on stderr: ${run.out.stderr}`);
  t.match(lines[0], /^gateway: failed to start: .*EADDRINUSE/, 'it names the cause');
  t.notMatch(run.out.stderr + run.out.stdout, /\n\s+at /, 'no stack trace');
  t.match(run.out.stdout, /embedded PostgreSQL running/, 'PostgreSQL had been started');
  t.same(postgresOf(root), [], 'no PostgreSQL left running');
});

for (const how of ['SIGTERM', 'Ctrl-C'] as const) {
  t.test(`${how} stops the gateway, the dev peer and PostgreSQL without a warning`, async (t) => {
    const run = start(dataDir, await freePort());
    t.teardown(() => {
      if (run.child.exitCode === null && run.child.signalCode === null) process.kill(-run.child.pid!, 'SIGKILL');
    });
    await waitFor(
      'the gateway to be ready',
      () => run.out.stdout.includes('GATEWAY READY') || run.child.exitCode !== null,
      1_200,
    );
    t.match(run.out.stdout, /GATEWAY READY/, run.out.stderr);
    t.equal(postgresOf(root).length > 0, true, 'PostgreSQL runs');
    if (how === 'SIGTERM') {
      process.kill(run.child.pid!, 'SIGTERM');
    } else {
      process.kill(-run.child.pid!, 'SIGINT'); // the whole foreground group, as a terminal does
    }
    const { code, signal } = await run.exited;
    t.same({ code, signal }, { code: 0, signal: null }, 'a clean exit');
    t.equal(run.out.stderr, '', 'nothing on stderr');
    t.same(warnings(run.out.stdout), [], 'no warning logged');
    t.match(run.out.stdout, /"msg":"stopped"/, 'the shutdown ran to its end');
    t.same(postgresOf(root), [], 'PostgreSQL stopped');
  });
}
