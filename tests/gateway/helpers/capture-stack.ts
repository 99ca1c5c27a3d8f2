/**
 * The stack of the capture end-to-end tests: a dev peer process with the demo enterprises registered on the chain,
 * real ledger clients, the gateway app on a migrated PostgreSQL database with its queue, the capture job running as in
 * the server, and the projection follower. Everything stops at teardown.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { DbPool } from '../../../gateway/src/adapters/pg';
import { CAPTURE_QUEUE, newCaptureJobHandler, type CaptureJob } from '../../../gateway/src/capture/processor';
import { newLedgerClients } from '../../../gateway/src/ledger/ledger-clients';
import { readConnectionProfile } from '../../../gateway/src/ledger/ledger-settings';
import type { JobHandler } from '../../../gateway/src/ports';
import { startDevnetProcess, type DevnetProcess } from '../../../testkit/src/devnet';
import { epcisDocument } from '../../../testkit/src/epcis';
import { registerDevnetEnterprises, TraceClient } from '../../../testkit/src/trace';
import { bearer, buildTestApp } from './app';
import { createMigratedDatabase, type Teardown } from './database';
import { startProjection } from './projection';
import { waitFor } from './wait';

/** What {@link startCaptureStack} returns. */
export interface CaptureStack {
  readonly dn: DevnetProcess;
  /** The official client as the demo identities (customs-admin, ...). */
  readonly chain: TraceClient;
  readonly app: FastifyInstance;
  readonly db: DbPool;
  readonly customsKey: string;
  /** The capture job the queue runs (tests may call it directly). */
  readonly handler: JobHandler<CaptureJob>;
  /** Register an enterprise through the API and issue it a key. */
  newKey(id: string, name: string, role: 'enterprise' | 'operator', mspId: string): Promise<string>;
}

/**
 * Start the stack.
 *
 * @param t - The test file's root (teardown).
 */
export async function startCaptureStack(t: Teardown): Promise<CaptureStack> {
  const dn = await startDevnetProcess();
  t.teardown(() => dn.stop());
  const chain = new TraceClient(dn);
  t.teardown(() => chain.close());
  await registerDevnetEnterprises(chain);
  const { settings } = readConnectionProfile(join(dn.dataDir, 'connection.json'));
  const ledgers = newLedgerClients({ settings: settings!, customsMspId: 'CustomsMSP' });
  t.teardown(() => ledgers.close());
  const databaseUrl = await createMigratedDatabase(t);
  const built = await buildTestApp(t, { databaseUrl, ledgers });
  const handler = newCaptureJobHandler({ captures: built.app.repositories.captures, ledgers });
  built.jobQueue.process(CAPTURE_QUEUE, handler, { concurrency: 2 });
  startProjection(t, settings!, databaseUrl);
  const newKey = async (id: string, name: string, role: 'enterprise' | 'operator', mspId: string): Promise<string> => {
    const created = await built.app.inject({
      method: 'POST',
      url: '/v1/enterprises',
      headers: bearer(built.customsKey),
      payload: { id, name, roles: [role], mspId },
    });
    if (created.statusCode !== 201) throw new Error(created.body);
    const key = await built.app.inject({
      method: 'POST',
      url: `/v1/enterprises/${id}/keys`,
      headers: bearer(built.customsKey),
      payload: { role, label: 'test' },
    });
    return (key.json() as { key: string }).key;
  };
  return { dn, chain, app: built.app, db: built.db, customsKey: built.customsKey, handler, newKey };
}

/** A capture's status as `GET /v1/captures/{id}` answers it. */
export interface CaptureStatus {
  state: string;
  outcome: string;
  transactions: { fn: string; state: string }[];
  errors: { eventID: string; code: string; message: string }[];
}

/**
 * Posts `events` as one EPCIS document to `POST /v1/capture` as the holder of `key` and waits until the capture is
 * done or parked.
 *
 * @returns Its final status.
 */
export async function captureAndSettle(
  app: FastifyInstance,
  key: string,
  events: readonly Record<string, unknown>[],
): Promise<CaptureStatus> {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/capture',
    headers: { ...bearer(key), 'content-type': 'application/ld+json' },
    payload: JSON.stringify(epcisDocument(events)),
  });
  if (res.statusCode !== 202) throw new Error(`capture answered ${res.statusCode}: ${res.body}`);
  return waitFor(`capture ${String(res.headers.location)} to settle`, async () => {
    const status = await app.inject({ method: 'GET', url: String(res.headers.location), headers: bearer(key) });
    const body = status.json() as CaptureStatus;
    return body.state === 'done' || body.state === 'parked' ? body : undefined;
  });
}
