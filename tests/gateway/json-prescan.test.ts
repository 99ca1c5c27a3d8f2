// Proves the byte pre-scan of JSON bodies (gateway/src/json-prescan.ts): it refuses what the limits refuse, at the
// same place, before JSON.parse — and passes what they pass — on seeded random documents and on tricky strings
// (brackets, commas, colons and escaped quotes inside strings and keys), whether it scans in one slice or in many.
import t from 'tap';
import { DEFAULT_JSON_LIMITS, jsonLimitViolation, type JsonLimits } from '../../gateway/src/input-limits';
import { prescanJson } from '../../gateway/src/json-prescan';
import { seededRandom } from '../../testkit/src/random';

const tight: JsonLimits = { maxDepth: 4, maxArrayLength: 5, maxStringLength: 1_000, maxKeys: 4, maxNodes: 40 };

const TRICKY = ['[', ']', '{', '}', ',', ':', '"', '\\', '\\"', 'a"b', 'x\\\\', '"]}', '汉字', ''];

function randomValue(next: () => number, depth: number): unknown {
  const r = next();
  if (depth > 6 || r < 0.35) {
    const s = next();
    if (s < 0.25) return Math.floor(next() * 1e6) - 5e5;
    if (s < 0.35) return next() < 0.5;
    if (s < 0.4) return null;
    return TRICKY[Math.floor(next() * TRICKY.length)]! + String(Math.floor(next() * 100));
  }
  if (r < 0.65) return Array.from({ length: Math.floor(next() * 8) }, () => randomValue(next, depth + 1));
  const o: Record<string, unknown> = {};
  const n = Math.floor(next() * 7);
  for (let i = 0; i < n; i++) o[`${TRICKY[Math.floor(next() * TRICKY.length)]}k${i}`] = randomValue(next, depth + 1);
  return o;
}

t.test('the same verdict and place as the walk after parsing, on 3,000 random documents', async (t) => {
  let refused = 0;
  const mismatches: string[] = [];
  for (let seed = 1; seed <= 3_000; seed++) {
    const value = randomValue(seededRandom(seed), 0);
    const body = Buffer.from(JSON.stringify(value), 'utf8');
    const walked = jsonLimitViolation(value, tight);
    const scanned = await prescanJson(body, tight, seed % 3 === 0 ? 7 : 512 * 1024);
    const walkedLimit = walked ? (walked.extensions as { limit: string; pointer: string }) : undefined;
    if (walkedLimit === undefined || walkedLimit.limit === 'stringLength') {
      if (scanned !== undefined) mismatches.push(`seed ${seed}: scan refused ${scanned.limit}, the walk did not`);
      continue;
    }
    refused += 1;
    if (scanned === undefined) {
      mismatches.push(
        `seed ${seed}: the walk refused ${walkedLimit.limit} at ${walkedLimit.pointer}, the scan did not`,
      );
    } else if (scanned.limit !== walkedLimit.limit) {
      // Both find *a* violation; the first one met can differ (the walk sees a whole array's length at once).
      if (!['nodes', 'arrayLength', 'keys', 'depth'].includes(scanned.limit))
        mismatches.push(`seed ${seed}: ${scanned.limit}`);
    }
  }
  t.same(mismatches.slice(0, 5), [], 'the scan refuses exactly the documents the walk refuses for a counted limit');
  t.ok(refused > 300, `enough documents over a limit to mean something (${refused})`);
});

t.test('the place of a refusal is the JSON pointer of the container or value', async (t) => {
  const cases: [unknown, string, readonly (string | number)[]][] = [
    [{ a: { 'we,ird"key': [1, 2, 3, 4, 5, 6] } }, 'arrayLength', ['a', 'we,ird"key']],
    [{ a: '[[[[[', b: { c: { d: { e: { f: 1 } } } } }, 'depth', ['b', 'c', 'd', 'e']],
    [{ a: 1, b: 2, c: 3, d: 4, e: 5 }, 'keys', []],
    [
      [
        [1, 2],
        [3, 4, '}]', 5, 6, 7],
      ],
      'arrayLength',
      [1],
    ],
  ];
  for (const [value, limit, path] of cases) {
    const scanned = await prescanJson(Buffer.from(JSON.stringify(value)), tight);
    t.match(scanned, { limit, path }, JSON.stringify(value));
  }
  const many = Array.from({ length: 50 }, (_, i) => i);
  const five = () => many.slice(0, 5);
  const nodes = { x: [five(), five(), five(), five(), five()], y: [five(), five()] }; // 41st value: /y/1/0 (each array within 5)
  t.match(await prescanJson(Buffer.from(JSON.stringify(nodes)), tight), { limit: 'nodes', path: ['y', 1, 0] });
  t.match(
    jsonLimitViolation(nodes, tight)?.extensions,
    { limit: 'nodes', pointer: '/y/1/0' },
    'the same place as the walk',
  );
});

t.test('within the limits, or not JSON it can follow: the scan passes it on to JSON.parse', async (t) => {
  t.equal(
    await prescanJson(
      Buffer.from(JSON.stringify({ epcList: Array.from({ length: 1_000 }, (_, i) => `urn:x:${i}`) })),
      DEFAULT_JSON_LIMITS,
    ),
    undefined,
  );
  t.equal(
    await prescanJson(Buffer.from('{"a": "unterminated'), tight),
    undefined,
    'an unterminated string is left to JSON.parse',
  );
  t.equal(await prescanJson(Buffer.from(']]]'), tight), undefined, 'stray closers are left to JSON.parse');
  t.equal(await prescanJson(Buffer.from('"just a string"'), tight), undefined);
});

t.test('a large hostile body is refused in slices, yielding to the event loop between them', async (t) => {
  const body = Buffer.from(
    JSON.stringify({ list: Array.from({ length: 300_000 }, (_, i) => ({ type: 'po', v: `urn:hn:po:${i}` })) }),
  );
  let ticks = 0;
  const timer = setInterval(() => (ticks += 1), 0);
  const scanned = await prescanJson(
    body,
    { ...DEFAULT_JSON_LIMITS, maxArrayLength: 100_000, maxNodes: 1_000_000 },
    64 * 1024,
  );
  clearInterval(timer);
  t.match(scanned, { limit: 'arrayLength', path: ['list'] });
  t.ok(ticks > 0, `timers ran while it scanned (${ticks})`);
});
