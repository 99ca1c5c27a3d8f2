// Proves the gateway's layering holds (issue 14 Must 3): no domain, use-case, route or error module imports an adapter,
// and the capture failure rules do not load one even through other modules.
// How: reads every .ts file under gateway/src and resolves its relative import specifiers against the file.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import t from 'tap';

const SRC = resolve(__dirname, '../../gateway/src');
const ADAPTERS = join(SRC, 'adapters');

/** Folders and files (relative to gateway/src) that must not import from adapters/ directly. */
const GUARDED = ['domain', 'services', 'routes', 'errors.ts', 'ledger-error.ts', 'capture/failure.ts'];

/** Modules that must not reach adapters/ even transitively (through any chain of relative imports). */
const GUARDED_TRANSITIVELY = ['capture/failure.ts', 'ledger-error.ts', 'errors.ts'];

/** Files per walk at most: gateway/src holds a few hundred; a runaway walk fails loudly instead of hanging. */
const MAX_FILES = 5_000;

function tsFiles(path: string, into: string[] = []): string[] {
  if (statSync(path).isFile()) {
    if (path.endsWith('.ts')) into.push(path);
    return into;
  }
  for (const name of readdirSync(path)) {
    tsFiles(join(path, name), into);
    if (into.length > MAX_FILES) throw new Error(`more than ${MAX_FILES} files under ${path}`);
  }
  return into;
}

/** Every module specifier a file names: static and type imports, re-exports, dynamic import() and require(). */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1]!);
  return found;
}

/** The absolute path a relative specifier names (without extension resolution); undefined for a package. */
function target(file: string, specifier: string): string | undefined {
  return specifier.startsWith('.') ? resolve(dirname(file), specifier) : undefined;
}

function isAdapter(path: string): boolean {
  return path === ADAPTERS || path.startsWith(ADAPTERS + sep);
}

/** The .ts file a relative import resolves to, as TypeScript would find it. */
function resolveTs(path: string): string | undefined {
  for (const candidate of [path, `${path}.ts`, join(path, 'index.ts')]) {
    if (candidate.endsWith('.ts') && existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

function adapterImports(file: string): string[] {
  return specifiers(readFileSync(file, 'utf8')).filter((s) => {
    const path = target(file, s);
    return path !== undefined && isAdapter(path);
  });
}

t.test('the guarded modules exist (a rename must update this test)', async (t) => {
  for (const entry of GUARDED) t.ok(existsSync(join(SRC, entry)), `gateway/src/${entry}`);
});

t.test('no domain, service, route or error module imports an adapter', async (t) => {
  const offences: string[] = [];
  for (const entry of GUARDED) {
    for (const file of tsFiles(join(SRC, entry))) {
      for (const s of adapterImports(file)) offences.push(`${relative(SRC, file)} imports '${s}'`);
    }
  }
  t.same(offences, [], 'imports reaching gateway/src/adapters');
});

t.test('the failure and error modules do not load an adapter through other modules', async (t) => {
  for (const entry of GUARDED_TRANSITIVELY) {
    const start = join(SRC, entry);
    const seen = new Map<string, string | undefined>([[start, undefined]]); // file -> the file that imported it
    const queue = [start];
    let reached: string | undefined;
    while (queue.length > 0 && reached === undefined) {
      const file = queue.shift()!;
      for (const s of specifiers(readFileSync(file, 'utf8'))) {
        const path = target(file, s);
        if (path === undefined) continue;
        const next = resolveTs(path);
        if (next === undefined || seen.has(next)) continue;
        seen.set(next, file);
        if (isAdapter(next)) {
          reached = next;
          break;
        }
        queue.push(next);
      }
      if (seen.size > MAX_FILES) throw new Error(`more than ${MAX_FILES} modules reached from ${entry}`);
    }
    const chain: string[] = [];
    for (let at = reached; at !== undefined; at = seen.get(at)) chain.unshift(relative(SRC, at));
    t.same(chain, [], `gateway/src/${entry} reaches no adapter (chain shown when it does)`);
  }
});

t.test('the guard sees an adapter import when there is one', async (t) => {
  const file = join(SRC, 'capture/failure.ts');
  t.same(specifiers(`import { LedgerError } from '../adapters/fabric/errors';\nexport type { X } from "./x";`), [
    '../adapters/fabric/errors',
    './x',
  ]);
  t.ok(isAdapter(target(file, '../adapters/fabric/errors')!), 'a relative path into adapters/ is an adapter import');
  t.notOk(isAdapter(target(file, '../ledger/ledger-error-type')!), 'the port module is not');
  t.equal(target(file, '@hyperledger/fabric-gateway'), undefined, 'packages are not followed');
});
