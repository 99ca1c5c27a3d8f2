/**
 * Builds the gateway app for HTTP tests (fastify.inject): a migrated private database, the PostgreSQL queue, a
 * recording fake of the ledger ports, and a bootstrap customs key.
 */
import type { ServerOptions } from 'node:http';
import fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import app, { FASTIFY_OPTIONS, type AppOptions } from '../../../gateway/src/app';
import { createPool, newApiKeysRepository, type DbPool } from '../../../gateway/src/adapters/pg';
import { newPgQueue } from '../../../gateway/src/adapters/queue/pg-queue';
import { apiKeyDigest, generateApiKey } from '../../../gateway/src/domain/api-key';
import type { Enterprise, Principal } from '../../../gateway/src/domain/principal';
import type {
  JobQueue,
  LedgerCaller,
  LedgerClients,
  LedgerContractPort,
  ReadinessCheck,
} from '../../../gateway/src/ports';
import { createMigratedDatabase, type Teardown } from './database';

/** A call the fake ledger recorded. */
export interface LedgerCall {
  caller: LedgerCaller;
  contractName: string | undefined;
  kind: 'evaluate' | 'submit';
  transactionName: string;
  args: readonly unknown[];
}

/** Ledger clients that record calls and answer `undefined`. */
export function newRecordingLedgers(calls: LedgerCall[] = []): LedgerClients & { calls: LedgerCall[] } {
  return {
    calls,
    forCaller(caller, contractName): LedgerContractPort {
      return {
        async evaluate(transactionName, args = []) {
          calls.push({ caller, contractName, kind: 'evaluate', transactionName, args });
          return undefined;
        },
        async submit(transactionName, args = []) {
          calls.push({ caller, contractName, kind: 'submit', transactionName, args });
          return undefined;
        },
      };
    },
    async ping() {},
    close() {},
  };
}

/** A built app and what the test needs around it. */
export interface TestApp {
  app: FastifyInstance;
  db: DbPool;
  databaseUrl: string;
  jobQueue: JobQueue;
  /** Plaintext of the bootstrap customs key. */
  customsKey: string;
  /** Calls of the registerEnterpriseOnLedger port. */
  registrations: { caller: Principal; enterprise: Enterprise }[];
}

/** Options to override in {@link buildTestApp}. */
export type TestAppOverrides = Partial<Omit<AppOptions, 'db' | 'jobQueue'>> & {
  databaseUrl?: string;
  /** Factory options over FASTIFY_OPTIONS (e.g. a short requestTimeout for a listening server). */
  fastifyOptions?: Partial<FastifyServerOptions> & { http?: ServerOptions };
};

/**
 * Build the app on a fresh database; everything is closed at teardown.
 *
 * @param t - The test.
 * @param overrides - App options to replace (readiness checks, rate limit, ports, ...).
 * @returns The app (ready) and its surroundings.
 */
export async function buildTestApp(t: Teardown, overrides: TestAppOverrides = {}): Promise<TestApp> {
  const databaseUrl = overrides.databaseUrl ?? (await createMigratedDatabase(t));
  const db = createPool({ connectionString: databaseUrl });
  const jobQueue = newPgQueue({ pool: db });
  const customsKey = generateApiKey();
  await newApiKeysRepository(db).upsertBootstrap(apiKeyDigest(customsKey));
  const registrations: TestApp['registrations'] = [];
  const readinessChecks: ReadinessCheck[] = [
    { name: 'database', check: async () => void (await db.query('SELECT 1')) },
    { name: 'queue', check: () => jobQueue.ping() },
  ];
  const { fastifyOptions, databaseUrl: _url, ...appOverrides } = overrides;
  const instance = fastify({ ...FASTIFY_OPTIONS, logger: false, ...fastifyOptions });
  await instance.register(app, {
    db,
    jobQueue,
    ledgers: newRecordingLedgers(),
    ports: {
      registerEnterpriseOnLedger: async (input) => {
        registrations.push(input);
      },
    },
    personCodeSecret: 'test-person-code-secret-0123456789abcdef',
    readinessChecks,
    readinessTimeoutMs: 1_000,
    customsMspId: 'CustomsMSP',
    rateLimitMax: 1_000,
    rateLimitWindowMs: 60_000,
    ...appOverrides,
  });
  await instance.ready();
  t.teardown(async () => {
    await instance.close();
    await jobQueue.close();
    await db.end();
  });
  return { app: instance, db, databaseUrl, jobQueue, customsKey, registrations };
}

/** `Authorization` header for a key. */
export function bearer(key: string): { authorization: string } {
  return { authorization: `Bearer ${key}` };
}
