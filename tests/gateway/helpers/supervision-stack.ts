/**
 * The stack of the customs supervision tests (risk screening, inspection results, gate release): a dev peer process,
 * real ledger clients, a migrated PostgreSQL database, the gateway app (fastify.inject) and the projection follower,
 * with the importer enterprise registered on the ledger and given an API key. Requests are made as `customs` or as
 * `importer`; `ok` and `refused` assert a status (and for refusals the problem+json content type and code).
 */
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Test } from 'tap';
import { newLedgerClients } from '../../../gateway/src/ledger/ledger-clients';
import { readConnectionProfile } from '../../../gateway/src/ledger/ledger-settings';
import { newRegisterEnterpriseOnLedger } from '../../../gateway/src/ledger/register-enterprise';
import { startDevnetProcess } from '../../../testkit/src/devnet';
import { ENTERPRISES } from '../../../testkit/src/trace';
import { bearer, buildTestApp } from './app';
import { createMigratedDatabase } from './database';
import { startProjection } from './projection';

/** Who makes a request. */
export type Caller = 'customs' | 'importer';

/** What {@link startSupervisionStack} returns. */
export interface SupervisionStack {
  app: FastifyInstance;
  /** The authorization header of a caller (to add others, e.g. an Idempotency-Key). */
  headers(who: Caller): { authorization: string };
  post(url: string, who: Caller, payload: Record<string, unknown>): Promise<LightMyRequestResponse>;
  get(url: string, who: Caller): Promise<LightMyRequestResponse>;
  /** Assert `status` (default 201) and return the JSON body. */
  ok(t: Test, res: LightMyRequestResponse, what: string, status?: number): Record<string, any>;
  /** Assert a problem+json refusal with `status` and `code`; return its body. */
  refused(t: Test, res: LightMyRequestResponse, status: number, code: string, what: string): { detail?: string };
}

/**
 * Start the stack; everything stops at the test's teardown.
 *
 * @param t - The test.
 */
export async function startSupervisionStack(t: Test): Promise<SupervisionStack> {
  const { importer } = ENTERPRISES;
  const dn = await startDevnetProcess();
  t.teardown(() => dn.stop());
  const { settings, problems } = readConnectionProfile(join(dn.dataDir, 'connection.json'));
  if (!settings) throw new Error(problems.join('; '));
  const ledgers = newLedgerClients({ settings, customsMspId: 'CustomsMSP' });
  t.teardown(() => ledgers.close());
  const databaseUrl = await createMigratedDatabase(t);
  const { app, customsKey } = await buildTestApp(t, {
    databaseUrl,
    ledgers,
    ports: { registerEnterpriseOnLedger: newRegisterEnterpriseOnLedger(ledgers) },
  });
  startProjection(t, settings, databaseUrl);

  const created = await app.inject({
    method: 'POST',
    url: '/v1/enterprises',
    headers: bearer(customsKey),
    payload: { id: importer.id, name: 'importer', roles: ['enterprise'], mspId: importer.mspId },
  });
  if (created.statusCode !== 201) throw new Error(`importer not registered: ${created.body}`);
  const issued = await app.inject({
    method: 'POST',
    url: `/v1/enterprises/${importer.id}/keys`,
    headers: bearer(customsKey),
    payload: { role: 'enterprise', label: 'test' },
  });
  if (issued.statusCode !== 201) throw new Error(`importer key not issued: ${issued.body}`);
  const importerKey = (issued.json() as { key: string }).key;
  const keyOf = (who: Caller) => (who === 'customs' ? customsKey : importerKey);

  return {
    app,
    headers: (who) => bearer(keyOf(who)),
    post: (url, who, payload) => app.inject({ method: 'POST', url, headers: bearer(keyOf(who)), payload }),
    get: (url, who) => app.inject({ method: 'GET', url, headers: bearer(keyOf(who)) }),
    ok(t, res, what, status = 201) {
      t.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 400)}`);
      return res.json() as Record<string, any>;
    },
    refused(t, res, status, code, what) {
      t.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 400)}`);
      t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
      t.equal((res.json() as { code: string }).code, code, `${what}: ${code}`);
      return res.json() as { detail?: string };
    },
  };
}
