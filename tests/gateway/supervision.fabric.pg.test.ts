// Proves the supervision loop over HTTP (issue 18 Must 1-2): customs puts a risk rule set on the ledger; an exit whose
// facts fire a rule gets the recorded action (score, fired rules) in the exit's answer and in GET /screening, readable
// by its enterprise; customs records a DISCREPANCY that holds the named item (provenance shows the hold and the
// inspection event with its verdict and evidence hash), and a CONFORMING result that releases a screening hold; a
// result for an exit that was not selected is 409 NOT_SELECTED_FOR_INSPECTION as application/problem+json; an
// enterprise may not set or read risk rules; a malformed result is 400 before any transaction.
// How: the gateway app (fastify.inject) on a real PostgreSQL with real ledger clients to a dev peer process, and the
// projection follower for provenance.
import t from 'tap';
import { gln, product } from '../../testkit/src/trace';
import { startSupervisionStack } from './helpers/supervision-stack';
import { waitFor } from './helpers/wait';

const L1 = gln(1);
const PERFUME = product(611);
const SHIRTS = product(612);
const P = Array.from({ length: 6 }, (_, i) => PERFUME.sgtin(i + 1));
const S = [SHIRTS.sgtin(1)];
const EVIDENCE = { sha256: 'ab'.repeat(32), uri: 's3://h986-scans/HAIKOU_XINHAIGANG/2026/RL-A.dcm' };

t.test('risk screening and inspection results over HTTP on the real chain', async (t) => {
  const { app, post, get, ok, refused, headers } = await startSupervisionStack(t);
  const exit = (releaseListNo: string, items: string[]) =>
    post('/v1/exits', 'importer', {
      releaseListNo,
      port: 'HAIKOU_XINHAIGANG',
      items: items.map((id) => ({ id, exitValueFen: 60_000 })),
    });
  const result = (releaseListNo: string, body: Record<string, unknown>) =>
    post(`/v1/exits/${releaseListNo}/inspection-results`, 'customs', {
      method: 'IMAGE_REVIEW',
      officer: 'HK-0042',
      evidence: EVIDENCE,
      ...body,
    });

  ok(
    t,
    await post('/v1/entries', 'importer', {
      declarationNo: 'D-P',
      location: L1,
      regime: 'ZERO_TARIFF',
      product: { gtin: PERFUME.gtin, hsCode: '330300', category: 'COSMETICS' },
      unitValueFen: 40_000,
      items: P,
    }),
    'perfume entry',
  );
  ok(
    t,
    await post('/v1/entries', 'importer', {
      declarationNo: 'D-S',
      location: L1,
      regime: 'ZERO_TARIFF',
      product: { gtin: SHIRTS.gtin, hsCode: '620520', category: 'CLOTHING' },
      unitValueFen: 40_000,
      items: S,
    }),
    'shirt entry',
  );

  await t.test('customs manages risk rules; an enterprise may not', async (t) => {
    const rules = {
      effectiveFrom: '2025-01-01T00:00:00+08:00',
      rules: [
        {
          id: 'PERFUME-HS',
          description: 'perfume in volume',
          when: { hsCodePrefixes: ['3303'], exitValueFenAtLeast: 50_000 },
          weight: 60,
          action: 'IMAGE_REVIEW',
        },
        {
          id: 'BIG-PERFUME',
          when: { hsCodePrefixes: ['3303'], exitValueFenAtLeast: 1_000_000 },
          weight: 100,
          action: 'HOLD',
        },
      ],
      thresholds: [{ minScore: 150, action: 'PHYSICAL_INSPECTION' }],
    };
    refused(t, await post('/v1/risk-rules', 'importer', rules), 403, 'FORBIDDEN_ROLE', 'an enterprise sets risk rules');
    refused(
      t,
      await post('/v1/risk-rules', 'customs', { ...rules, rules: [{ ...rules.rules[0], action: 'X_RAY' }] }),
      400,
      'VALIDATION_FAILED',
      'an unknown action',
    );
    refused(
      t,
      await post('/v1/risk-rules', 'customs', { ...rules, rules: [rules.rules[0], rules.rules[0]] }),
      422,
      'INVALID_ARGUMENT',
      'a rule id twice (the chain says)',
    );
    // With an Idempotency-Key the chain gets a submissionId beside the set: it claims it and stores the set without it.
    const stored = ok(
      t,
      await app.inject({
        method: 'POST',
        url: '/v1/risk-rules',
        headers: { ...headers('customs'), 'idempotency-key': 'risk-rules-2025' },
        payload: rules,
      }),
      'risk rules',
    );
    t.notOk('submissionId' in stored, 'the stored set has no submissionId');
    t.same(
      stored.rules.map((r: { id: string }) => r.id),
      ['PERFUME-HS', 'BIG-PERFUME'],
    );
    const inForce = ok(t, await get('/v1/risk-rules', 'customs'), 'read risk rules', 200);
    t.equal(inForce.inForce.effectiveFrom, rules.effectiveFrom);
    refused(t, await get('/v1/risk-rules', 'importer'), 403, 'FORBIDDEN_ROLE', 'an enterprise reads the risk model');
  });

  await t.test('an exit whose facts fire a rule gets the recorded action; its enterprise can read why', async (t) => {
    const body = ok(t, await exit('RL-A', [P[0]!, P[1]!]), 'screened exit');
    t.match(body.exit.screening, {
      score: 60,
      action: 'IMAGE_REVIEW',
      fired: [{ ruleId: 'PERFUME-HS', itemCount: 2, items: [P[0], P[1]] }],
      rulesEffectiveFrom: '2025-01-01T00:00:00+08:00',
    });
    const screening = ok(t, await get('/v1/exits/RL-A/screening', 'importer'), 'screening', 200);
    t.match(screening, {
      releaseListNo: 'RL-A',
      screening: { action: 'IMAGE_REVIEW', score: 60 },
      result: null,
      status: 'NO_SEED',
    });
    t.type(screening.rateBp, 'number', 'the random selection rate stands beside it');
    const clean = ok(t, await exit('RL-C', S), 'clean exit');
    t.match(clean.exit.screening, { score: 0, action: 'NONE', fired: [] });
  });

  await t.test('a discrepancy holds the named item; provenance shows the hold and the inspection', async (t) => {
    refused(
      t,
      await result('RL-A', { verdict: 'DISCREPANCY', consequence: { kind: 'HOLD', items: [P[1]] } }),
      422,
      'INVALID_ARGUMENT',
      'a discrepancy without its kind',
    );
    refused(
      t,
      await result('RL-A', {
        verdict: 'CONFORMING',
        evidence: { sha256: 'nothex', uri: EVIDENCE.uri },
        consequence: { kind: 'RELEASE' },
      }),
      400,
      'VALIDATION_FAILED',
      'a bad evidence hash',
    );
    const recorded = ok(
      t,
      await result('RL-A', {
        method: 'PHYSICAL',
        verdict: 'DISCREPANCY',
        discrepancies: [{ kind: 'UNDECLARED_GOODS', items: [P[1]], note: 'a second bottle in the carton' }],
        consequence: { kind: 'HOLD', items: [P[1]] },
      }),
      'discrepancy',
    );
    t.match(recorded.inspection, {
      verdict: 'DISCREPANCY',
      selectedBy: 'RISK',
      officer: 'HK-0042',
      evidence: EVIDENCE,
      consequence: { kind: 'HOLD', items: [P[1]] },
    });
    refused(
      t,
      await result('RL-A', { verdict: 'CONFORMING', consequence: { kind: 'RELEASE' } }),
      409,
      'ALREADY_EXISTS',
      'a second result',
    );

    await waitFor('the projection to show the hold', async () => {
      const res = await get(`/v1/items/${encodeURIComponent(P[1]!)}`, 'customs');
      return res.statusCode === 200 && (res.json() as { record?: { hold?: unknown } }).record?.hold !== undefined;
    });
    const held = ok(t, await get(`/v1/items/${encodeURIComponent(P[1]!)}`, 'customs'), 'held item', 200);
    t.match(held.record, { status: 'EXITED', hold: { reason: /inspection of RL-A: DISCREPANCY/ }, discrepancies: 1 });
    const free = ok(t, await get(`/v1/items/${encodeURIComponent(P[0]!)}`, 'customs'), 'item not named', 200);
    t.notOk(free.record.hold, 'the item not named is not held');
    const history = ok(t, await get(`/v1/items/${encodeURIComponent(P[0]!)}/history`, 'importer'), 'history', 200);
    t.same(
      history.events.map((e: { type: string }) => e.type),
      ['ENTRY', 'EXIT', 'INSPECTION'],
    );
    t.match(
      JSON.stringify(history.events[1]),
      /"hn:riskAction":"IMAGE_REVIEW"/,
      'the exit event carries the screening',
    );
    t.match(
      JSON.stringify(history.events[2]),
      new RegExp(`"hn:verdict":"DISCREPANCY".*"hn:evidenceSha256":"${EVIDENCE.sha256}"`),
      'the inspection event carries verdict and evidence hash',
    );
    const screening = ok(t, await get('/v1/exits/RL-A/screening', 'customs'), 'screening with result', 200);
    t.match(screening.result, { verdict: 'DISCREPANCY', txId: recorded.txId });
  });

  await t.test('a HOLD screening holds the exit until a conforming result releases it', async (t) => {
    const body = ok(
      t,
      await post('/v1/exits', 'importer', {
        releaseListNo: 'RL-H',
        port: 'HAIKOU_XINHAIGANG',
        items: [{ id: P[2], exitValueFen: 1_200_000 }],
      }),
      'high-value exit',
    );
    t.match(body.exit.screening, { score: 160, action: 'HOLD' });
    const released = ok(
      t,
      await result('RL-H', { verdict: 'CONFORMING', consequence: { kind: 'RELEASE' } }),
      'conforming',
    );
    t.match(released.inspection, { verdict: 'CONFORMING', selectedBy: 'RISK' });
    await waitFor('the projection to show the release', async () => {
      const res = await get(`/v1/items/${encodeURIComponent(P[2]!)}`, 'customs');
      const record = (res.json() as { record?: { hold?: unknown; lastTxId?: string } }).record;
      return (
        res.statusCode === 200 && record !== undefined && record.lastTxId === released.txId && record.hold === undefined
      );
    });
    t.pass('released');
  });

  await t.test('a result for an exit that was not selected is refused with a stable code', async (t) => {
    refused(
      t,
      await result('RL-C', { verdict: 'CONFORMING', consequence: { kind: 'RELEASE' } }),
      409,
      'NOT_SELECTED_FOR_INSPECTION',
      'not selected',
    );
    refused(
      t,
      await result('RL-NONE', { verdict: 'CONFORMING', consequence: { kind: 'RELEASE' } }),
      404,
      'NOT_FOUND',
      'unknown release list',
    );
    refused(
      t,
      await app.inject({
        method: 'POST',
        url: '/v1/exits/RL-A/inspection-results',
        headers: headers('importer'),
        payload: {
          method: 'DOCUMENTS',
          officer: 'x',
          verdict: 'CONFORMING',
          evidence: EVIDENCE,
          consequence: { kind: 'RELEASE' },
        },
      }),
      403,
      'FORBIDDEN_ROLE',
      'an enterprise records a result',
    );
  });
});
