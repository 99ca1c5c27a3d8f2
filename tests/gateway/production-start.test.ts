// Proves the production gateway (gateway/dist/server.js, the container image's command) starts no servers of its own: without a database or Fabric settings it exits at once with one line naming what to set (and `npm start` for the embedded default), not a stack trace, and leaves no data folder behind.
// How: the built server.js as a child process with an empty environment but PATH, in a temporary working folder (needs `npm run build`).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SERVER = join(__dirname, '..', '..', 'gateway', 'dist', 'server.js');

t.test('no DATABASE_URL, no Fabric settings: one line, exit 1, nothing started', async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'gw-production-'));
  t.teardown(() => rmSync(cwd, { recursive: true, force: true }));
  const result = spawnSync(process.execPath, [SERVER], {
    cwd,
    env: { PATH: process.env.PATH },
    encoding: 'utf8',
    timeout: 30_000,
  });
  t.equal(result.status, 1);
  t.equal(
    result.stderr,
    'gateway: failed to start: DATABASE_URL and FABRIC_CONNECTION_PROFILE must be set (the production gateway starts no servers; `npm start` runs the embedded default with a dev peer and its own PostgreSQL)\n',
  );
  t.notOk(existsSync(join(cwd, 'data')), 'no embedded PostgreSQL or dev peer data made');
});
