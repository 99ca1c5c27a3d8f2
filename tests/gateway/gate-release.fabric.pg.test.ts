// Proves gate release against the release list over HTTP (issue 18 Must 3, 卡口核放): a clean exit passes the gate
// once (gate and time recorded, provenance shows a GATE_RELEASE event with bizStep departing) and a second pass is
// 409 GATE_ALREADY_RELEASED; an exit whose facts fire a risk rule is 409 GATE_BLOCKED naming its items until a
// conforming inspection result is recorded, then passes; an unknown release list is 404 RELEASE_LIST_UNKNOWN; an
// enterprise may not release at a gate; a malformed body is 400 before any transaction.
// How: the gateway app (fastify.inject) on a real PostgreSQL with real ledger clients to a dev peer process, and the
// projection follower for provenance.
import t from 'tap';
import { gln, product } from '../../testkit/src/trace';
import { startSupervisionStack } from './helpers/supervision-stack';
import { waitFor } from './helpers/wait';

const L1 = gln(1);
const PERFUME = product(621);
const SHIRTS = product(622);
const P = [PERFUME.sgtin(1), PERFUME.sgtin(2)];
const S = [SHIRTS.sgtin(1), SHIRTS.sgtin(2)];
const EVIDENCE = { sha256: 'cd'.repeat(32), uri: 's3://h986-scans/HAIKOU_XINHAIGANG/2026/RL-R.dcm' };

t.test('gate release against the release list over HTTP on the real chain', async (t) => {
  const { post, get, ok, refused } = await startSupervisionStack(t);
  const gate = (releaseListNo: string, body: Record<string, unknown> = {}, who: 'customs' | 'importer' = 'customs') =>
    post(`/v1/exits/${releaseListNo}/gate-release`, who, { gate: 'HKX-GATE-3', ...body });

  ok(
    t,
    await post('/v1/entries', 'importer', {
      declarationNo: 'D-GP',
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
      declarationNo: 'D-GS',
      location: L1,
      regime: 'ZERO_TARIFF',
      product: { gtin: SHIRTS.gtin, hsCode: '620520', category: 'CLOTHING' },
      unitValueFen: 40_000,
      items: S,
    }),
    'shirt entry',
  );
  ok(
    t,
    await post('/v1/risk-rules', 'customs', {
      effectiveFrom: '2025-01-01T00:00:00+08:00',
      rules: [{ id: 'PERFUME-HS', when: { hsCodePrefixes: ['3303'] }, weight: 60, action: 'IMAGE_REVIEW' }],
    }),
    'risk rules',
  );

  await t.test('a clean exit passes the gate once; a second pass is refused', async (t) => {
    const exit = ok(
      t,
      await post('/v1/exits', 'importer', {
        releaseListNo: 'RL-G',
        port: 'HAIKOU_XINHAIGANG',
        items: S.map((id) => ({ id, exitValueFen: 60_000 })),
      }),
      'clean exit',
    );
    t.match(exit.exit.screening, { action: 'NONE' });
    refused(t, await gate('RL-G', {}, 'importer'), 403, 'FORBIDDEN_ROLE', 'an enterprise releases its own truck');
    refused(t, await post('/v1/exits/RL-G/gate-release', 'customs', {}), 400, 'VALIDATION_FAILED', 'no gate');
    const released = ok(t, await gate('RL-G', { eventTime: '2026-03-01T10:00:00+08:00' }), 'gate release');
    t.match(released.gateRelease, { gate: 'HKX-GATE-3', releasedAt: '2026-03-01T02:00:00.000Z', txId: released.txId });
    const again = refused(t, await gate('RL-G', { gate: 'HKX-GATE-4' }), 409, 'GATE_ALREADY_RELEASED', 'a second pass');
    t.match(again.detail, /already passed gate HKX-GATE-3 at 2026-03-01T02:00:00.000Z/);

    await waitFor('the projection to show the gate release', async () => {
      const res = await get(`/v1/items/${encodeURIComponent(S[0]!)}/history`, 'importer');
      return (
        res.statusCode === 200 &&
        (res.json() as { events: { type: string }[] }).events.some((e) => e.type === 'GATE_RELEASE')
      );
    });
    const history = ok(t, await get(`/v1/items/${encodeURIComponent(S[0]!)}/history`, 'importer'), 'history', 200);
    t.same(
      history.events.map((e: { type: string }) => e.type),
      ['ENTRY', 'EXIT', 'GATE_RELEASE'],
    );
    t.match(
      JSON.stringify(history.events[2]),
      /"bizStep":"departing".*"hn:gate":"HKX-GATE-3"/,
      'the gate event carries bizStep and gate',
    );
  });

  await t.test('a risk-flagged exit cannot pass until a conforming inspection result is recorded', async (t) => {
    const exit = ok(
      t,
      await post('/v1/exits', 'importer', {
        releaseListNo: 'RL-R',
        port: 'HAIKOU_XINHAIGANG',
        items: P.map((id) => ({ id, exitValueFen: 60_000 })),
      }),
      'flagged exit',
    );
    t.match(exit.exit.screening, { action: 'IMAGE_REVIEW', fired: [{ ruleId: 'PERFUME-HS' }] });
    const blocked = refused(t, await gate('RL-R'), 409, 'GATE_BLOCKED', 'before the inspection');
    for (const id of P)
      t.match(blocked.detail, `${id}: not cleared, risk screening asked for IMAGE_REVIEW`, `names ${id}`);
    ok(
      t,
      await post('/v1/exits/RL-R/inspection-results', 'customs', {
        method: 'IMAGE_REVIEW',
        officer: 'HK-0042',
        evidence: EVIDENCE,
        verdict: 'CONFORMING',
        consequence: { kind: 'RELEASE' },
      }),
      'conforming result',
    );
    const released = ok(t, await gate('RL-R'), 'after the conforming result');
    t.match(released.gateRelease, { gate: 'HKX-GATE-3' });
    refused(t, await gate('RL-R'), 409, 'GATE_ALREADY_RELEASED', 'and only once');
  });

  await t.test('an unknown release list is refused with a stable code', async (t) => {
    refused(t, await gate('RL-NONE'), 404, 'RELEASE_LIST_UNKNOWN', 'unknown release list');
  });
});
