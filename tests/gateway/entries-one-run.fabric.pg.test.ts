// Proves that enterprises entering neighbouring serials of one GTIN at the same moment all succeed through one
// gateway: 16 enterprises each POST /v1/entries at once with serials interleaved in ONE run of serials (enterprise i
// gets serials 2i+1 and 2i+2 of the run), in two phases (the run created, then the existing run extended), and every
// request answers 201, every item is on the ledger and in the projection with its own enterprise as holder. Without
// the gateway's submission lanes (gateway/src/ledger/run-lanes.ts) these entries race for the run's key and some end
// in 503 LEDGER_CONFLICT once the adapter's retries run out.
// How: a dev peer process with its Fabric CA, real PostgreSQL with the projection follower, the gateway app via
// fastify.inject (as onboarding-scale.fabric.pg.test.ts); enterprises onboarded through the API.
import t from 'tap';
import { itemRunOf } from '@hainan/ledger-model';
import { gln, product } from '../../testkit/src/trace';
import { bearer } from './helpers/app';
import { mapBounded, startOnboardingStack, usccFor } from './helpers/onboarding';
import { startProjection } from './helpers/projection';
import { waitFor } from './helpers/wait';

const ENTERPRISES = 16;
const PHASES = 2;
const GOODS = product(406);
const L1 = gln(1);
/** Serial `n` of the run `d10` (serials 1000..1099): one run key for every entry of the test. */
const serialOf = (n: number) => String(1_000 + n);

t.test(
  `${ENTERPRISES} enterprises entering serials interleaved in one run at once: every entry commits`,
  { timeout: 600_000 },
  async (t) => {
    const stack = await startOnboardingStack(t);
    startProjection(t, stack.settings, stack.databaseUrl);
    const ids = Array.from({ length: ENTERPRISES }, (_, i) => usccFor(200_000 + i));
    const keys = await mapBounded(ids, 4, async (id) => {
      const registered = await stack.app.inject({
        method: 'POST',
        url: '/v1/enterprises',
        headers: bearer(stack.customsKey),
        payload: { id, name: `Enterprise ${id}`, roles: ['enterprise'], mspId: 'EnterpriseMSP' },
      });
      if (registered.statusCode !== 201) throw new Error(`register ${id}: ${registered.statusCode} ${registered.body}`);
      const key = await stack.app.inject({
        method: 'POST',
        url: `/v1/enterprises/${id}/keys`,
        headers: bearer(stack.customsKey),
        payload: { role: 'enterprise', label: 'erp' },
      });
      if (key.statusCode !== 201) throw new Error(`key ${id}: ${key.statusCode} ${key.body}`);
      return (key.json() as { key: string }).key;
    });

    /** Who should hold each SGTIN. */
    const owners = new Map<string, string>();
    for (let phase = 0; phase < PHASES; phase++) {
      const base = phase * 2 * ENTERPRISES;
      const serials = (i: number) => [serialOf(base + 2 * i + 1), serialOf(base + 2 * i + 2)];
      const runs = new Set(ids.flatMap((_, i) => serials(i).map((s) => itemRunOf(GOODS.sgtin(s))?.run)));
      t.same([...runs], ['d10'], `phase ${phase + 1}: all ${2 * ENTERPRISES} serials in one run`);
      const started = Date.now();
      // All at once: the entries meet in the gateway as concurrent ERP calls would.
      const answers = await Promise.all(
        ids.map((_id, i) =>
          stack.app.inject({
            method: 'POST',
            url: '/v1/entries',
            headers: { ...bearer(keys[i]!), 'idempotency-key': `one-run-${phase}-${i}` },
            payload: {
              declarationNo: `D-${phase}-${i}`,
              location: L1,
              regime: 'ZERO_TARIFF',
              product: { gtin: GOODS.gtin, hsCode: '330300', category: 'COSMETICS' },
              unitValueFen: 10_000,
              items: serials(i).map((s) => GOODS.sgtin(s)),
            },
          }),
        ),
      );
      const statuses = answers.map((a) => a.statusCode);
      const failed = answers.flatMap((a, i) => (a.statusCode === 201 ? [] : [`${ids[i]}: ${a.statusCode} ${a.body}`]));
      t.comment(
        `phase ${phase + 1}: ${statuses.filter((s) => s === 201).length}/${ENTERPRISES} answered 201 in ` +
          `${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      t.same(failed, [], `phase ${phase + 1}: every entry answered 201`);
      for (const [i, id] of ids.entries()) for (const s of serials(i)) owners.set(GOODS.sgtin(s), id);
    }

    // On the ledger: every item, held by the enterprise that entered it.
    const query = stack.ledgers.forCaller({ mspId: 'CustomsMSP', enterpriseId: null }, 'query');
    const wrongOnLedger: string[] = [];
    await mapBounded([...owners], 4, async ([sgtin, owner]) => {
      const holder = await query.evaluate<{ holder: string }>('GetItem', [JSON.stringify({ id: sgtin })]).then(
        (item) => item?.holder,
        (err: unknown) => `refused ${(err as { code?: string }).code}`,
      );
      if (holder !== owner) wrongOnLedger.push(`${sgtin}: ${holder}`);
    });
    t.same(wrongOnLedger, [], `all ${owners.size} items on the ledger, each held by the enterprise that entered it`);

    // Through the API (the projection): each enterprise reads its own items, with itself as holder.
    const last = [...owners.keys()].at(-1)!;
    await waitFor(
      'the projection to show the last item',
      async () =>
        (
          await stack.app.inject({
            method: 'GET',
            url: `/v1/items/${encodeURIComponent(last)}`,
            headers: bearer(stack.customsKey),
          })
        ).statusCode === 200,
      300,
      200,
    );
    const wrongInApi: string[] = [];
    await mapBounded([...owners], 4, async ([sgtin, owner]) => {
      const res = await stack.app.inject({
        method: 'GET',
        url: `/v1/items/${encodeURIComponent(sgtin)}`,
        headers: bearer(keys[ids.indexOf(owner)]!),
      });
      const holder = res.statusCode === 200 ? (res.json() as { holder: string }).holder : `HTTP ${res.statusCode}`;
      if (holder !== owner) wrongInApi.push(`${sgtin}: ${holder}`);
    });
    t.same(wrongInApi, [], "every item readable through the API with its owner's key, its owner as holder");
  },
);
