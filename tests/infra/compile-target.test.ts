// Proves the tests run compiled for the project's real target (ES2022, tsconfig.tap.json), not an ES5 fallback in
// which loops over Sets and Maps silently run zero times and subclassed Errors lose their class.
// How: spread a Set, iterate Map entries, and check a subclassed Error — each fails under the ES5 fallback.
import t from 'tap';

class Probe extends Error {}

t.equal(
  [...new Set([1, 2, 3])].length,
  3,
  'spreading a Set keeps its members (run tests via `npm test` / `npm run test:only`)',
);
let seen = 0;
for (const [, v] of new Map([['a', 1]]).entries()) seen += v;
t.equal(seen, 1, 'for...of over Map entries runs');
t.ok(new Probe() instanceof Probe, 'subclassed errors keep their class');
t.equal(process.env.TS_NODE_PROJECT?.endsWith('tsconfig.tap.json'), true, 'ts-node compiles with tsconfig.tap.json');
