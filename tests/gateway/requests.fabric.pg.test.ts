// Proves one call, one response over HTTP (issue 18 Must 5, 一呼一应): an enterprise books an inspection and customs
// accepts it with a slot, the filing and answer times are on the ledger and in the list; an unanswered request is
// listed open and flagged overdue once its due time (two working hours after filing, computed on the chain) has passed;
// invalid answers get stable codes (second accept 409 REQUEST_ALREADY_ANSWERED, unknown 404 REQUEST_UNKNOWN, closed 409
// REQUEST_CLOSED); lists page by party and status and an enterprise sees only its own; a suspended enterprise's request
// is refused with 403 ENTERPRISE_SUSPENDED problem+json by the gateway, and by the chain when it submits directly.
// How: the gateway app (fastify.inject) on a real PostgreSQL with real ledger clients to a dev peer process and the
// projection follower; the wall clock cannot be moved, so overdue is also judged with `at` set past the due time.
import t, { type Test } from 'tap';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { addWorkingMinutes, parseInstant, toShanghaiIso } from '@hainan/ledger-model';
import { newLedgerClients } from '../../gateway/src/ledger/ledger-clients';
import { readConnectionProfile } from '../../gateway/src/ledger/ledger-settings';
import { newRegisterEnterpriseOnLedger } from '../../gateway/src/ledger/register-enterprise';
import { startDevnetProcess } from '../../testkit/src/devnet';
import { ENTERPRISES, gln, TraceClient } from '../../testkit/src/trace';
import { bearer, buildTestApp } from './helpers/app';
import { createMigratedDatabase } from './helpers/database';
import { startProjection } from './helpers/projection';
import { waitFor } from './helpers/wait';

const { importer, processor } = ENTERPRISES;
const PLACE = gln(7);
const HOUR_MS = 3_600_000;

interface Listed {
  requestId: string;
  enterprise: string;
  status: string;
  filedAt: string;
  dueAt: string;
  answeredAt: string | null;
  overdue: boolean;
  answeredLate: boolean | null;
  answers: { answer: string; at: string; slot?: Record<string, string> }[];
}

t.test('one call, one response over HTTP on the real chain', async (t) => {
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

  const onboard = async (ent: { id: string; mspId: string }) => {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/enterprises',
      headers: bearer(customsKey),
      payload: { id: ent.id, name: ent.id, roles: ['enterprise'], mspId: ent.mspId },
    });
    t.equal(created.statusCode, 201, created.body);
    const key = await app.inject({
      method: 'POST',
      url: `/v1/enterprises/${ent.id}/keys`,
      headers: bearer(customsKey),
      payload: { role: 'enterprise', label: 'test' },
    });
    return (key.json() as { key: string }).key;
  };
  const keys = { customs: customsKey, importer: await onboard(importer), processor: await onboard(processor) };
  type Who = keyof typeof keys;
  const post = (url: string, who: Who, payload: Record<string, unknown>) =>
    app.inject({ method: 'POST', url, headers: bearer(keys[who]), payload });
  const get = (url: string, who: Who) => app.inject({ method: 'GET', url, headers: bearer(keys[who]) });
  const ok = (t: Test, res: LightMyRequestResponse, what: string, status = 201) => {
    t.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 400)}`);
    return res.json() as Record<string, any>;
  };
  const refused = (t: Test, res: LightMyRequestResponse, status: number, code: string, what: string) => {
    t.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 400)}`);
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8', `${what}: problem+json`);
    t.equal((res.json() as { code: string }).code, code, `${what}: ${code}`);
  };
  const list = async (query: string, who: Who = 'customs') =>
    ok(t, await get(`/v1/requests?${query}`, who), `GET /v1/requests?${query}`, 200) as {
      requests: Listed[];
      nextPageToken?: string;
    };
  const projected = (what: string, query: string, has: (rows: Listed[]) => boolean) =>
    waitFor(what, async () => has((await list(query)).requests));

  const inADay = Date.now() + 24 * HOUR_MS;
  const window = { from: new Date(inADay).toISOString(), to: new Date(inADay + 4 * HOUR_MS).toISOString() };
  const slot = { from: new Date(inADay + HOUR_MS).toISOString(), to: new Date(inADay + 2 * HOUR_MS).toISOString() };

  await t.test('an inspection booking is answered, and the answer time recorded', async (t) => {
    const filed = ok(
      t,
      await post('/v1/requests', 'importer', { requestId: 'REQ-B1', kind: 'INSPECTION_BOOKING', place: PLACE, window }),
      'booking',
    );
    const request = filed.request as Listed & { detail: Record<string, unknown> };
    t.match(request, { requestId: 'REQ-B1', enterprise: importer.id, status: 'OPEN', detail: { place: PLACE } });
    t.equal(
      request.dueAt,
      toShanghaiIso(addWorkingMinutes(parseInstant(request.filedAt), 120)),
      'due two working hours (Mon-Fri 09:00-17:00 Shanghai) after the filing transaction',
    );
    refused(
      t,
      await post('/v1/requests', 'importer', { requestId: 'REQ-B1', kind: 'REINSTATEMENT', reason: 'again' }),
      409,
      'ALREADY_EXISTS',
      'the same request id twice',
    );
    refused(
      t,
      await post('/v1/requests/REQ-B1/answers', 'importer', { answer: 'ACCEPT', slot }),
      403,
      'FORBIDDEN_ROLE',
      'an enterprise answers',
    );
    refused(
      t,
      await post('/v1/requests/REQ-B1/answers', 'customs', { answer: 'ACCEPT' }),
      422,
      'INVALID_ARGUMENT',
      'a booking accepted without a slot',
    );
    const accepted = ok(t, await post('/v1/requests/REQ-B1/answers', 'customs', { answer: 'ACCEPT', slot }), 'accept');
    const answer = accepted.request as Listed;
    t.match(answer, { status: 'ACCEPTED', answers: [{ answer: 'ACCEPT', slot: { place: PLACE } }] });
    t.ok(answer.answeredAt, 'the answer time is on the ledger');
    t.equal(answer.answers[0]!.at, answer.answeredAt);
    t.equal(answer.answers[0]!.slot!.from, toShanghaiIso(Date.parse(slot.from)));
    t.ok(Date.parse(answer.answeredAt!) >= Date.parse(answer.filedAt), 'answered after it was filed');
    refused(
      t,
      await post('/v1/requests/REQ-B1/answers', 'customs', { answer: 'ACCEPT', slot }),
      409,
      'REQUEST_ALREADY_ANSWERED',
      'a second accept',
    );
    refused(
      t,
      await post('/v1/requests/REQ-NONE/answers', 'customs', { answer: 'REFUSE', reason: 'no such request' }),
      404,
      'REQUEST_UNKNOWN',
      'an answer to a request never filed',
    );

    await projected('the accepted booking in the list', `party=${importer.id}&status=accepted`, (rows) =>
      rows.some((r) => r.requestId === 'REQ-B1'),
    );
    const [row] = (await list(`party=${importer.id}&status=accepted`)).requests;
    t.match(row, {
      requestId: 'REQ-B1',
      status: 'ACCEPTED',
      filedAt: new Date(request.filedAt).toISOString(),
      answeredAt: answer.answeredAt,
      answeredLate: false,
      overdue: false,
    });
  });

  await t.test('an unanswered request is listed open and flagged overdue past its due time', async (t) => {
    const filed = ok(
      t,
      await post('/v1/requests', 'importer', {
        requestId: 'REQ-C1',
        kind: 'RECORD_CORRECTION',
        ref: 'D-2026-0001',
        reason: 'declared quantity typed as 120 instead of 12',
      }),
      'correction request',
    );
    const dueAt = (filed.request as Listed).dueAt;
    await projected('the open request in the list', `status=open`, (rows) =>
      rows.some((r) => r.requestId === 'REQ-C1'),
    );
    const open = await list('status=open', 'importer');
    t.same(
      open.requests.map((r) => [r.requestId, r.status, r.overdue]),
      [['REQ-C1', 'OPEN', false]],
      'the open requests of the party, not yet due',
    );
    const later = new Date(Date.parse(dueAt) + 1000).toISOString();
    const atDue = await list(`status=open&at=${encodeURIComponent(later)}`, 'importer');
    t.same(
      atDue.requests.map((r) => [r.requestId, r.overdue]),
      [['REQ-C1', true]],
      'flagged overdue a second after its due time',
    );
    t.same(
      (await list(`overdue=true&at=${encodeURIComponent(later)}`)).requests.map((r) => r.requestId),
      ['REQ-C1'],
      'customs lists the overdue requests of every party; the accepted booking is not among them',
    );
    t.same((await list('overdue=true')).requests, [], 'nothing is overdue yet at the real time');
  });

  await t.test('lists page by party; an enterprise sees only its own', async (t) => {
    const first = await list(`party=${importer.id}&perPage=1`);
    t.same(
      first.requests.map((r) => r.requestId),
      ['REQ-B1'],
      'oldest first',
    );
    t.ok(first.nextPageToken, 'a next page');
    const second = await list(`party=${importer.id}&perPage=1&nextPageToken=${first.nextPageToken}`);
    t.same(
      second.requests.map((r) => r.requestId),
      ['REQ-C1'],
    );
    t.notOk(second.nextPageToken, 'the last page');
    refused(t, await get(`/v1/requests?party=${importer.id}`, 'processor'), 403, 'FORBIDDEN_TENANT', 'another party');
    refused(t, await get('/v1/requests?nextPageToken=bogus', 'customs'), 400, 'INVALID_PAGE_TOKEN', 'a bad token');
    t.same((await list('', 'processor')).requests, [], "the processor's own list is empty");
    ok(t, await get('/v1/requests/REQ-B1', 'importer'), 'the filer reads its request', 200);
    refused(t, await get('/v1/requests/REQ-B1', 'processor'), 404, 'NOT_FOUND', "another enterprise's request");
  });

  await t.test('done closes a request; a closed request takes no answer', async (t) => {
    const done = ok(
      t,
      await post('/v1/requests/REQ-B1/answers', 'customs', { answer: 'DONE', note: 'conforming' }),
      'done',
    );
    t.match(done.request, { status: 'DONE', answers: [{ answer: 'ACCEPT' }, { answer: 'DONE' }] });
    t.ok((done.request as { closedAt?: string }).closedAt, 'closed with its time');
    refused(
      t,
      await post('/v1/requests/REQ-B1/answers', 'customs', { answer: 'DONE' }),
      409,
      'REQUEST_CLOSED',
      'done twice',
    );
  });

  await t.test("a suspended enterprise's request is refused with a stable code", async (t) => {
    ok(
      t,
      await post(`/v1/enterprises/${processor.id}/suspension`, 'customs', { reason: 'smuggling investigation' }),
      'suspension',
      200,
    );
    refused(
      t,
      await post('/v1/requests', 'processor', { kind: 'REINSTATEMENT', reason: 'investigation closed' }),
      403,
      'ENTERPRISE_SUSPENDED',
      'a request through the gateway',
    );
    const client = new TraceClient(dn);
    t.teardown(() => client.close());
    const direct = await TraceClient.refused(
      client.submit(processor.identity, 'requests:FileRequest', { kind: 'REINSTATEMENT', reason: 'let us back' }),
    );
    t.equal(direct.code, 'ENTERPRISE_SUSPENDED', 'the chain refuses it too when submitted directly');
  });
});
