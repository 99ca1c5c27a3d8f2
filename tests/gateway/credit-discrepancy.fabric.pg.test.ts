// Proves inspection discrepancies feed the credit rules over HTTP (issue 18 Must 2): after three results with a
// DISCREPANCY verdict (the default rule, 3 within 365 days) GET /v1/enterprises/{id}/credit answers KEY_ATTENTION with
// the three results (exit, transaction, time) as its basis, for customs and the enterprise itself but not another
// enterprise (403 ACCESS_DENIED); the next exit is drawn at the key-attention rate, a risk rule on the credit class
// fires, and the exit (its answer, GET /screening, its EPCIS event in provenance) carries the credit basis.
// How: the gateway app (fastify.inject) on a real PostgreSQL with real ledger clients to a dev peer process, and the
// projection follower for provenance.
import t from 'tap';
import { ENTERPRISES, gln, product } from '../../testkit/src/trace';
import { startSupervisionStack } from './helpers/supervision-stack';
import { waitFor } from './helpers/wait';

const L1 = gln(1);
const PERFUME = product(621);
const P = Array.from({ length: 4 }, (_, i) => PERFUME.sgtin(i + 1));
const EVIDENCE = { sha256: 'cd'.repeat(32), uri: 's3://h986-scans/HAIKOU_XINHAIGANG/2026/credit.dcm' };
const ID = ENTERPRISES.importer.id;

t.test('three discrepancies make the enterprise key-attention on the chain', async (t) => {
  const { post, get, ok, refused } = await startSupervisionStack(t);
  ok(
    t,
    await post('/v1/entries', 'importer', {
      declarationNo: 'D-CREDIT',
      location: L1,
      regime: 'ZERO_TARIFF',
      product: { gtin: PERFUME.gtin, hsCode: '330300', category: 'COSMETICS' },
      unitValueFen: 40_000,
      items: P,
    }),
    'entry',
  );
  ok(
    t,
    await post('/v1/risk-rules', 'customs', {
      effectiveFrom: '2025-01-01T00:00:00+08:00',
      rules: [
        // Every perfume exit is selected by its screening, so customs can record a result for each.
        { id: 'PERFUME', when: { hsCodePrefixes: ['3303'] }, weight: 10, action: 'IMAGE_REVIEW' },
        { id: 'KEY-ATTENTION', when: { creditClasses: ['KEY_ATTENTION'] }, weight: 50, action: 'PHYSICAL_INSPECTION' },
      ],
      thresholds: [],
    }),
    'risk rules',
  );

  const before = ok(t, await get(`/v1/enterprises/${ID}/credit`, 'importer'), 'credit before', 200);
  t.match(before, {
    enterpriseId: ID,
    class: 'WHITELIST',
    source: 'RECORD',
    discrepancyRule: { count: 3, windowDays: 365 },
    discrepancies: [],
  });

  const results: { releaseListNo: string; txId: string }[] = [];
  for (let n = 0; n < 3; n++) {
    const releaseListNo = `RL-CR-${n + 1}`;
    const exit = ok(
      t,
      await post('/v1/exits', 'importer', {
        releaseListNo,
        port: 'HAIKOU_XINHAIGANG',
        items: [{ id: P[n]!, exitValueFen: 60_000 }],
      }),
      `exit ${releaseListNo}`,
    );
    t.equal(exit.exit.creditClass, 'WHITELIST', `${releaseListNo}: still whitelist`);
    t.notOk(exit.exit.screening.fired.some((f: { ruleId: string }) => f.ruleId === 'KEY-ATTENTION'));
    const recorded = ok(
      t,
      await post(`/v1/exits/${releaseListNo}/inspection-results`, 'customs', {
        method: 'IMAGE_REVIEW',
        officer: 'HK-0042',
        evidence: EVIDENCE,
        verdict: 'DISCREPANCY',
        discrepancies: [{ kind: 'QUANTITY', items: [P[n]!] }],
        consequence: { kind: 'CORRECTION' },
      }),
      `discrepancy on ${releaseListNo}`,
    );
    results.push({ releaseListNo, txId: recorded.txId });
  }

  const credit = ok(t, await get(`/v1/enterprises/${ID}/credit`, 'customs'), 'credit after (customs)', 200);
  t.match(credit, { class: 'KEY_ATTENTION', recordedClass: 'WHITELIST', source: 'DISCREPANCIES' });
  t.same(
    credit.discrepancies.map((d: { releaseListNo: string; txId: string }) => ({
      releaseListNo: d.releaseListNo,
      txId: d.txId,
    })),
    results,
    'the basis names each result: exit and transaction',
  );
  t.same(credit.discrepancies[0].kinds, ['QUANTITY']);
  const own = ok(t, await get(`/v1/enterprises/${ID}/credit`, 'importer'), 'credit after (own)', 200);
  t.equal(own.class, 'KEY_ATTENTION');
  refused(
    t,
    await get(`/v1/enterprises/${ENTERPRISES.processor.id}/credit`, 'importer'),
    403,
    'ACCESS_DENIED',
    "another enterprise's credit",
  );
  refused(t, await get('/v1/enterprises/not-an-id/credit', 'customs'), 400, 'VALIDATION_FAILED', 'a malformed id');

  const next = ok(
    t,
    await post('/v1/exits', 'importer', {
      releaseListNo: 'RL-CR-4',
      port: 'HAIKOU_XINHAIGANG',
      items: [{ id: P[3]!, exitValueFen: 60_000 }],
    }),
    'the next exit',
  );
  t.equal(next.exit.creditClass, 'KEY_ATTENTION');
  t.equal(next.exit.inspection.rateBp, 2000, 'drawn at the key-attention rate of the rules in force');
  t.match(next.exit.screening, {
    action: 'PHYSICAL_INSPECTION',
    fired: [{ ruleId: 'PERFUME' }, { ruleId: 'KEY-ATTENTION' }],
  });
  t.same(
    next.exit.creditBasis.discrepancies.map((d: { releaseListNo: string }) => d.releaseListNo),
    ['RL-CR-1', 'RL-CR-2', 'RL-CR-3'],
  );
  const screening = ok(t, await get('/v1/exits/RL-CR-4/screening', 'importer'), 'screening', 200);
  t.match(screening, { creditClass: 'KEY_ATTENTION', rateBp: 2000, creditBasis: { source: 'DISCREPANCIES' } });
  const earlier = ok(t, await get('/v1/exits/RL-CR-1/screening', 'importer'), 'earlier screening', 200);
  t.equal(earlier.creditBasis, null, 'an exit before the rule was reached has no credit basis');

  await waitFor('the projection to show the exit', async () => {
    const res = await get(`/v1/items/${encodeURIComponent(P[3]!)}/history`, 'importer');
    return res.statusCode === 200 && (res.json() as { events: unknown[] }).events.length >= 2;
  });
  const history = ok(t, await get(`/v1/items/${encodeURIComponent(P[3]!)}/history`, 'importer'), 'history', 200);
  const exitEvent = JSON.stringify(history.events[1]);
  t.match(exitEvent, /"hn:creditClass":"KEY_ATTENTION"/, 'provenance: the exit event carries the class');
  t.match(exitEvent, /"hn:creditBasis":\["RL-CR-1@[^"]+","RL-CR-2@[^"]+","RL-CR-3@[^"]+"\]/, 'and its basis');
});
