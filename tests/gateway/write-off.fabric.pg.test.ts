// Proves the write-off of the account book over HTTP (issue 18 Must 4, 底账核销): a month of entries, exits (plain and
// batch) and a consolidated declaration is written off by customs with the matched documents under one hash, and the
// one planted mismatch (a batch exit no consolidated declaration includes) is listed with the exit transaction behind
// it; the write-off of an open period is 409 PERIOD_NOT_CLOSED and a second one 409 ALREADY_WRITTEN_OFF (problem+json,
// never a 500); an enterprise may neither write off nor read the status; GET shows OPEN, then CLOSED with a preview
// (the chain's match, evaluated), and a write-off asked for a previewed hash that a later declaration changed is 409
// WRITE_OFF_CHANGED; then WRITTEN_OFF with the matched count, hash, transaction and the unmatched list.
// How: the gateway app (fastify.inject) on a real PostgreSQL with real ledger clients to a dev peer process, and the
// projection follower for the status.
import t, { type Test } from 'tap';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { newLedgerClients } from '../../gateway/src/ledger/ledger-clients';
import { readConnectionProfile } from '../../gateway/src/ledger/ledger-settings';
import { newRegisterEnterpriseOnLedger } from '../../gateway/src/ledger/register-enterprise';
import { startDevnetProcess } from '../../testkit/src/devnet';
import { ENTERPRISES, gln, product } from '../../testkit/src/trace';
import { bearer, buildTestApp } from './helpers/app';
import { createMigratedDatabase } from './helpers/database';
import { startProjection } from './helpers/projection';
import { waitFor } from './helpers/wait';

const { importer } = ENTERPRISES;
const L1 = gln(1);
const PERFUME = product(731);
const SHIRTS = product(732);
const P = [1, 2, 3, 4].map((s) => PERFUME.sgtin(s));
const S = [1, 2, 3].map((s) => SHIRTS.sgtin(s));

/** `yyyy-mm` of the Asia/Shanghai month `monthsBack` months before the current one (ended, so it can be closed). */
function shanghaiMonth(monthsBack: number): string {
  const now = new Date(Date.now() + 8 * 3_600_000); // UTC fields of this are Shanghai wall-clock fields
  const index = now.getUTCFullYear() * 12 + now.getUTCMonth() - monthsBack;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}
const PERIOD = shanghaiMonth(2);
const inPeriod = (day: number) => `${PERIOD}-${String(day).padStart(2, '0')}T10:00:00+08:00`;

t.test('write-off of a closed period over HTTP on the real chain', async (t) => {
  const dn = await startDevnetProcess();
  t.teardown(() => dn.stop());
  const { settings } = readConnectionProfile(join(dn.dataDir, 'connection.json'));
  const ledgers = newLedgerClients({ settings: settings!, customsMspId: 'CustomsMSP' });
  t.teardown(() => ledgers.close());
  const databaseUrl = await createMigratedDatabase(t);
  const { app, customsKey } = await buildTestApp(t, {
    databaseUrl,
    ledgers,
    ports: { registerEnterpriseOnLedger: newRegisterEnterpriseOnLedger(ledgers) },
  });
  startProjection(t, settings!, databaseUrl);

  const created = await app.inject({
    method: 'POST',
    url: '/v1/enterprises',
    headers: bearer(customsKey),
    payload: { id: importer.id, name: 'importer', roles: ['enterprise'], mspId: importer.mspId },
  });
  t.equal(created.statusCode, 201, created.body);
  const importerKey = (
    (
      await app.inject({
        method: 'POST',
        url: `/v1/enterprises/${importer.id}/keys`,
        headers: bearer(customsKey),
        payload: { role: 'enterprise', label: 'test' },
      })
    ).json() as { key: string }
  ).key;
  const keyOf = (who: 'customs' | 'importer') => (who === 'customs' ? customsKey : importerKey);
  const post = (url: string, who: 'customs' | 'importer', payload: Record<string, unknown> = {}) =>
    app.inject({ method: 'POST', url, headers: bearer(keyOf(who)), payload });
  const get = (url: string, who: 'customs' | 'importer') =>
    app.inject({ method: 'GET', url, headers: bearer(keyOf(who)) });
  const ok = (t: Test, res: LightMyRequestResponse, what: string, status = 201) => {
    t.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 400)}`);
    return res.json() as Record<string, any>;
  };
  const refused = (t: Test, res: LightMyRequestResponse, status: number, code: string, what: string) => {
    t.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 400)}`);
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
    t.equal((res.json() as { code: string }).code, code, `${what}: ${code}`);
    return res.json() as { detail?: string };
  };
  const writeOffUrl = (period = PERIOD) => `/v1/enterprises/${importer.id}/account/periods/${period}/write-off`;

  // A month of entries and exits: two import declarations, a plain exit, two batch exits of which only the first will
  // be consolidated in the month's declaration (the planted mismatch), every release list released at a gate.
  const enter = (declarationNo: string, p: typeof PERFUME, hsCode: string, items: string[], day: number) =>
    post('/v1/entries', 'importer', {
      declarationNo,
      location: L1,
      regime: 'ZERO_TARIFF',
      product: { gtin: p.gtin, hsCode, category: 'COSMETICS' },
      unitValueFen: 40_000,
      items,
      eventTime: inPeriod(day),
    });
  ok(t, await enter('D-W1', PERFUME, '330300', P, 2), 'perfume entry');
  ok(t, await enter('D-W2', SHIRTS, '620520', S, 3), 'shirt entry');
  const exit = async (releaseListNo: string, items: string[], day: number, batch: boolean) =>
    ok(
      t,
      await post('/v1/exits', 'importer', {
        releaseListNo,
        port: 'HAIKOU_XINHAIGANG',
        batch,
        items: items.map((id) => ({ id, exitValueFen: 60_000 })),
        eventTime: inPeriod(day),
      }),
      `exit ${releaseListNo}`,
    ) as { txId: string };
  const plain = await exit('RL-W1', [P[0]!, P[1]!], 10, false);
  const batched = await exit('RL-W2', [P[2]!, S[0]!], 12, true);
  const undeclared = await exit('RL-W3', [S[1]!], 14, true);
  for (const rl of ['RL-W1', 'RL-W2', 'RL-W3'])
    ok(t, await post(`/v1/exits/${rl}/gate-release`, 'customs', { gate: 'HKX-GATE-1' }), `gate ${rl}`);

  await t.test('an open period is refused with a stable code, never a 500', async (t) => {
    const res = refused(t, await post(writeOffUrl(), 'customs'), 409, 'PERIOD_NOT_CLOSED', 'open period');
    t.match(res.detail, `period ${PERIOD} of ${importer.id} is not closed`);
    const status = ok(t, await get(writeOffUrl(), 'customs'), 'status', 200);
    t.match(status, { enterprise: importer.id, period: PERIOD, status: 'OPEN', closed: null, writeOff: null });
    const previewed = ok(t, await get(`${writeOffUrl()}?preview=true`, 'customs'), 'preview of an open period', 200);
    t.equal(previewed.preview, null, 'nothing to preview before the close');
    refused(t, await post(writeOffUrl('2026-13'), 'customs'), 400, 'VALIDATION_FAILED', 'a malformed period');
  });

  await t.test(
    'customs writes off the closed month: matched documents under one hash, the mismatch listed',
    async (t) => {
      ok(t, await post(`/v1/enterprises/${importer.id}/account/periods/${PERIOD}/close`, 'importer'), 'close', 200);
      refused(t, await post(writeOffUrl(), 'importer'), 403, 'FORBIDDEN_ROLE', 'an enterprise writes off its own book');
      refused(t, await get(writeOffUrl(), 'importer'), 403, 'FORBIDDEN_ROLE', 'an enterprise reads the status');

      // The preview is the chain's own match, evaluated and not submitted; the gateway then proposes its hash.
      const preview = async (what: string) => {
        await waitFor('the projection to show the close', async () => {
          const res = await get(writeOffUrl(), 'customs');
          return (res.json() as { status: string }).status === 'CLOSED';
        });
        const res = ok(t, await get(`${writeOffUrl()}?preview=true`, 'customs'), what, 200);
        t.equal(res.status, 'CLOSED');
        t.equal(res.writeOff, null, 'nothing recorded by a preview');
        return res.preview as Record<string, any>;
      };
      const early = await preview('preview before the consolidated declaration');
      t.same(
        early.unmatched.map((u: { no: string; reason: string }) => `${u.no} ${u.reason}`),
        ['RL-W2 NOT_DECLARED', 'RL-W3 NOT_DECLARED'],
        'both batch exits are still undeclared',
      );
      // The month's declaration is due by the 25th of the next month: filed after the close, it changes the match.
      ok(
        t,
        await post('/v1/declarations', 'importer', { declarationNo: 'CD-W1', period: PERIOD, releaseLists: ['RL-W2'] }),
        'consolidated declaration',
      );
      const stale = refused(
        t,
        await post(`${writeOffUrl()}?expectedMatchedHash=${early.matchedHash}`, 'customs'),
        409,
        'WRITE_OFF_CHANGED',
        'a write-off of the matched set previewed before the declaration',
      );
      t.match(stale.detail, `not ${early.matchedHash}`);
      const current = await preview('preview after the declaration');
      t.not(current.matchedHash, early.matchedHash);

      const done = ok(
        t,
        await post(`${writeOffUrl()}?expectedMatchedHash=${current.matchedHash}`, 'customs'),
        'write-off',
      );
      t.match(done, { enterprise: importer.id, period: PERIOD, duplicateSubmission: false });
      const woff = done.writeOff;
      t.equal(woff.txId, done.txId, 'the record names its transaction');
      t.match(woff.matchedHash, /^[0-9a-f]{64}$/);
      t.same(
        woff.matched.map((m: { type: string; no: string }) => `${m.type} ${m.no}`),
        [
          'CONSOLIDATED_DECLARATION CD-W1',
          'IMPORT_DECLARATION D-W1',
          'IMPORT_DECLARATION D-W2',
          'RELEASE_LIST RL-W1',
          'RELEASE_LIST RL-W2',
        ],
        'a month of entries and exits matches',
      );
      t.same(woff.matched.find((m: { no: string }) => m.no === 'RL-W1').txIds, [plain.txId]);
      t.same(woff.matched.find((m: { no: string }) => m.no === 'RL-W2').txIds, [batched.txId]);
      t.same(woff.counts, {
        matchedDocuments: 5,
        matchedMovements: 5,
        unmatchedDocuments: 1,
        unmatchedMovements: 1,
        outOfScopeMovements: 0,
      });
      t.equal(woff.unmatched.length, 1, 'one planted mismatch');
      t.match(woff.unmatched[0], {
        type: 'RELEASE_LIST',
        no: 'RL-W3',
        reason: 'NOT_DECLARED',
        detail: /batch release list RL-W3 is in no consolidated declaration/,
        eventCount: 1,
      });
      t.same(woff.unmatched[0].events, [
        { txId: undeclared.txId, eventType: 'EXIT', eventTime: new Date(inPeriod(14)).toISOString() },
      ]);

      const { txId: _tx, writtenOffAt: _at, writtenOffBy: _by, ...match } = woff;
      t.same(match, current, 'the write-off recorded the matched set the preview showed');

      const again = refused(t, await post(writeOffUrl(), 'customs'), 409, 'ALREADY_WRITTEN_OFF', 'a second write-off');
      t.match(again.detail, `(transaction ${done.txId})`);

      await waitFor('the projection to show the write-off', async () => {
        const res = await get(writeOffUrl(), 'customs');
        return res.statusCode === 200 && (res.json() as { status: string }).status === 'WRITTEN_OFF';
      });
      const status = ok(t, await get(writeOffUrl(), 'customs'), 'status', 200);
      t.match(status, { enterprise: importer.id, period: PERIOD, status: 'WRITTEN_OFF' });
      t.match(status.closed, { snapshotHash: /^[0-9a-f]{64}$/ });
      t.equal(status.writeOff.periodSnapshotHash, status.closed.snapshotHash, 'of the closed snapshot');
      t.match(status.writeOff.blockNumber, /^\d+$/);
      const { blockNumber: _block, ...asRecorded } = status.writeOff;
      t.same(asRecorded, woff, 'the status shows the write-off as the chain recorded it');
    },
  );
});
