// Proves the container images can install from the root lockfile: every stage of deploy/*.Dockerfile that runs `npm ci` has first copied the manifest of every workspace the root package.json names (npm ci refuses a lockfile whose workspaces are missing), and the gateway image runs the production gateway, not the embedded default.
// How: the Dockerfiles read as text, stage by stage (FROM ... starts one), against the workspaces of the root package.json.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const WORKSPACES = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] })
  .workspaces;

/** The stages of a Dockerfile, each as its instruction lines (continuations joined). */
function stages(dockerfile: string): string[][] {
  const lines = readFileSync(join(ROOT, 'deploy', dockerfile), 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const result: string[][] = [];
  for (const line of lines) {
    if (/^FROM\s/i.test(line)) result.push([]);
    result.at(-1)?.push(line);
  }
  return result;
}

for (const dockerfile of ['chaincode.Dockerfile', 'gateway.Dockerfile']) {
  t.test(`${dockerfile}: every npm ci sees every workspace manifest`, async (t) => {
    const installing = stages(dockerfile).filter((stage) => stage.some((line) => /^RUN\s.*\bnpm ci\b/.test(line)));
    t.ok(installing.length > 0, 'it installs with npm ci');
    for (const stage of installing) {
      const ci = stage.findIndex((line) => /^RUN\s.*\bnpm ci\b/.test(line));
      const copied = new Set(
        stage
          .slice(0, ci)
          .filter((line) => /^COPY\s/.test(line) && !line.includes('--from='))
          .flatMap((line) => line.split(/\s+/).slice(1, -1)),
      );
      t.ok(copied.has('package-lock.json'), `${stage[0]}: the lockfile`);
      const missing = WORKSPACES.filter((workspace) => !copied.has(`${workspace}/package.json`));
      t.same(missing, [], `${stage[0]}: no workspace manifest missing before npm ci`);
    }
  });
}

t.test('the gateway image runs the production gateway on its production dependencies', async (t) => {
  const runtime = stages('gateway.Dockerfile').at(-1)!;
  t.ok(
    runtime.some((line) => /^RUN\s.*npm ci --workspace gateway --omit=dev/.test(line)),
    'npm ci --omit=dev for the gateway workspace',
  );
  t.ok(
    runtime.some((line) => line === 'CMD ["node", "gateway/dist/server.js"]'),
    'gateway/dist/server.js, not the embedded default',
  );
  t.ok(
    runtime.some((line) => line.startsWith('COPY db/migrations')),
    'with the migrations it applies at start',
  );
});
