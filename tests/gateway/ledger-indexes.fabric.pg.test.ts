// Proves the run-index backfill routes an operator upgrading a live ledger calls (issue 16 Must 2): customs asks the
// chain to index the next chunk of item runs or traceability-code runs and gets the backfill state back; on a network
// whose first enterprise was registered on an empty ledger both indexes are complete already (no backfill needed),
// and entries made since are not counted as backfilled; a key that is not customs is refused before the chain.
// How: the gateway app (fastify.inject) on a real PostgreSQL, real ledger clients to a dev peer process.
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { entryEvent } from '../../testkit/src/epcis';
import { ENTERPRISES, product } from '../../testkit/src/trace';
import { bearer } from './helpers/app';
import { captureAndSettle, startCaptureStack } from './helpers/capture-stack';

const { importer } = ENTERPRISES;
const GOODS = product(361);

let app: FastifyInstance;
let keys: { customs: string; importer: string };

t.before(async () => {
  const stack = await startCaptureStack(t);
  app = stack.app;
  keys = {
    customs: stack.customsKey,
    importer: await stack.newKey(importer.id, 'Importer', 'enterprise', importer.mspId),
  };
});

const backfill = (index: 'item-runs' | 'trace-code-runs', key: string) =>
  app.inject({ method: 'POST', url: `/v1/ledger-indexes/${index}`, headers: bearer(key), payload: {} });

t.test('on a ledger indexed from its start, each backfill answers complete with nothing to do', async (t) => {
  const items = Array.from({ length: 120 }, (_, i) => GOODS.sgtin(`X${i}`));
  const status = await captureAndSettle(app, keys.importer, [
    entryEvent({ items, declarationNo: 'IDX-D-1', location: 1 }),
  ]);
  t.equal(status.outcome, 'committed', 'an entry after the index was complete');
  for (const index of ['item-runs', 'trace-code-runs'] as const) {
    const res = await backfill(index, keys.customs);
    t.equal(res.statusCode, 201, `${index}: customs may call it`);
    const body = res.json() as { complete: boolean; indexed: number };
    t.equal(body.complete, true, `${index}: complete`);
    t.equal(body.indexed, 0, `${index}: nothing had to be backfilled`);
  }
});

t.test('an enterprise may not backfill an index', async (t) => {
  const res = await backfill('item-runs', keys.importer);
  t.equal(res.statusCode, 403);
  t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
});
