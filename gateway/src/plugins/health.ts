/**
 * `/healthz` (the process answers) and `/readyz` (a transaction can commit and the database and queue answer, each
 * within a short timeout; 503 `NOT_READY` problem+json naming what is down and why). Both are public and unthrottled,
 * for load balancers.
 *
 * The checks' outcome is cached for `cacheMs` (3 s by default) and one run at a time is shared by every caller
 * (single-flight), so a load balancer probing several times a second costs one endorsement per period. A check that
 * knows why it failed throws an error with `reasons` (adapters/fabric/readiness.ts NotReadyError); any other failure
 * gives the reason named after the check.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Type } from '@fastify/type-provider-typebox';
import { isDraining } from '../cluster/drain';
import { newProblem } from '../errors';
import type { ReadinessCheck } from '../ports';

/** Default time a readiness outcome is reused, in milliseconds. */
export const DEFAULT_READINESS_CACHE_MS = 3_000;

/** One reason the process is not ready: a stable code and a sentence for the operator. */
export interface NotReadyReason {
  /** e.g. `chaincode-unendorsable`, `orderer-unreachable`, `database`, `queue`, `draining`. */
  readonly reason: string;
  readonly detail: string;
}

/** Options of the health plugin. */
export interface HealthOptions {
  checks: readonly ReadinessCheck[];
  /** Time each check may take, in milliseconds. */
  timeoutMs: number;
  /** How long an outcome of the checks is reused; default {@link DEFAULT_READINESS_CACHE_MS}, 0 runs them on every call. */
  cacheMs?: number;
}

/** Result of one readiness check. */
export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly error?: string;
  /** Why, when the check said so; else one reason named after the check. */
  readonly reasons?: readonly NotReadyReason[];
}

/**
 * Run every check at once, each bounded by `timeoutMs`.
 *
 * @param checks - The checks.
 * @param timeoutMs - Time each may take.
 * @returns One result per check, in order.
 */
export async function runChecks(checks: readonly ReadinessCheck[], timeoutMs: number): Promise<CheckResult[]> {
  return Promise.all(
    checks.map(async (check): Promise<CheckResult> => {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Error(`no answer within ${timeoutMs} ms`);
      try {
        await Promise.race([
          check.check(),
          new Promise<never>((_resolve, reject) => {
            timer = setTimeout(() => reject(timedOut), timeoutMs);
          }),
        ]);
        return { name: check.name, ok: true };
      } catch (err: unknown) {
        const error = err instanceof Error ? err.message : String(err);
        // Our own words only: a driver's message stays in the log.
        const detail =
          err === timedOut ? `${check.name} did not answer within ${timeoutMs} ms` : `${check.name} is not reachable`;
        return { name: check.name, ok: false, error, reasons: reasonsOf(err) ?? [{ reason: check.name, detail }] };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}

/** The `reasons` of an error that carries them (duck-typed: the Fabric adapter's NotReadyError), else undefined. */
function reasonsOf(err: unknown): readonly NotReadyReason[] | undefined {
  const reasons = (err as { reasons?: unknown } | undefined)?.reasons;
  if (!Array.isArray(reasons) || reasons.length === 0) return undefined;
  const valid = reasons.filter(
    (r): r is NotReadyReason =>
      typeof (r as NotReadyReason)?.reason === 'string' && typeof (r as NotReadyReason)?.detail === 'string',
  );
  return valid.length > 0 ? valid.slice(0, 16) : undefined;
}

/**
 * The checks' outcome, reused for `cacheMs` and shared by concurrent callers (one run at a time).
 *
 * @param checks - The checks.
 * @param timeoutMs - Time each may take.
 * @param cacheMs - How long an outcome is reused.
 * @param now - Clock, for tests.
 * @returns A function giving the current outcome.
 */
export function newCachedChecks(
  checks: readonly ReadinessCheck[],
  timeoutMs: number,
  cacheMs: number,
  now: () => number = Date.now,
): () => Promise<CheckResult[]> {
  let cached: { at: number; results: CheckResult[] } | undefined;
  let running: Promise<CheckResult[]> | undefined;
  return () => {
    if (cached && now() - cached.at < cacheMs) return Promise.resolve(cached.results);
    running ??= runChecks(checks, timeoutMs)
      .then((results) => {
        cached = { at: now(), results };
        return results;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
}

const ReadyBody = Type.Object({
  status: Type.Literal('ready'),
  checks: Type.Array(Type.Object({ name: Type.String(), ok: Type.Boolean() })),
});

async function health(fastify: FastifyInstance, options: HealthOptions): Promise<void> {
  const currentChecks = newCachedChecks(
    options.checks,
    options.timeoutMs,
    options.cacheMs ?? DEFAULT_READINESS_CACHE_MS,
  );
  fastify.get(
    '/healthz',
    {
      schema: {
        tags: ['operability'],
        summary: 'The process is up',
        security: [],
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  fastify.get(
    '/readyz',
    {
      schema: {
        tags: ['operability'],
        summary: 'A transaction can commit (chaincode endorsable, orderer reachable); database and queue reachable',
        description:
          '503 NOT_READY problem+json when not, with `reasons` [{reason, detail}]: chaincode-unendorsable (naming the organisation), ' +
          'orderer-unreachable, ledger-unreachable, ledger-identity-refused, ledger-misconfigured, database, queue. Cached for a few seconds.',
        security: [],
        response: { 200: ReadyBody },
      },
    },
    async (request) => {
      // Stopping: the balancer must send no new requests (they are still served until the listener closes).
      if (isDraining())
        throw newProblem('NOT_READY', 'draining: this process is stopping', {
          extensions: { reason: 'draining' },
          expose: true,
        });
      const results = await currentChecks();
      const down = results.filter((result) => !result.ok);
      if (down.length > 0) {
        const reasons = down.flatMap((result) => result.reasons ?? []);
        request.log.warn({ down, reasons }, 'not ready');
        // Only bare reachability failures: the names say it all; otherwise the reasons' sentences.
        const specific = reasons.some((r) => !down.some((result) => result.name === r.reason));
        const detail = specific
          ? `not ready: ${reasons.map((r) => r.detail).join('; ')}`
          : `not reachable: ${down.map((result) => result.name).join(', ')}`;
        throw newProblem('NOT_READY', detail.slice(0, 2_000), {
          extensions: { checks: results.map(({ name, ok }) => ({ name, ok })), reasons },
          expose: true,
        });
      }
      return { status: 'ready' as const, checks: results.map(({ name, ok }) => ({ name, ok })) };
    },
  );
}

/** The health plugin. */
export default fp(health, { name: 'health', fastify: '5.x' });
