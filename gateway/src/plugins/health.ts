/**
 * `/healthz` (the process answers) and `/readyz` (ledger, database and queue answer, each within a short timeout;
 * 503 `NOT_READY` problem+json naming what is down). Both are public and unthrottled, for load balancers.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Type } from '@fastify/type-provider-typebox';
import { isDraining } from '../cluster/drain';
import { newProblem } from '../errors';
import type { ReadinessCheck } from '../ports';

/** Options of the health plugin. */
export interface HealthOptions {
    checks: readonly ReadinessCheck[];
    /** Time each check may take, in milliseconds. */
    timeoutMs: number;
}

/** Result of one readiness check. */
export interface CheckResult {
    readonly name: string;
    readonly ok: boolean;
    readonly error?: string;
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
            try {
                await Promise.race([
                    check.check(),
                    new Promise<never>((_resolve, reject) => {
                        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
                    }),
                ]);
                return { name: check.name, ok: true };
            } catch (err: unknown) {
                return { name: check.name, ok: false, error: err instanceof Error ? err.message : String(err) };
            } finally {
                clearTimeout(timer);
            }
        }),
    );
}

const ReadyBody = Type.Object({
    status: Type.Literal('ready'),
    checks: Type.Array(Type.Object({ name: Type.String(), ok: Type.Boolean() })),
});

async function health(fastify: FastifyInstance, options: HealthOptions): Promise<void> {
    fastify.get(
        '/healthz',
        { schema: { tags: ['operability'], summary: 'The process is up', security: [], response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
        async () => ({ status: 'ok' as const }),
    );
    fastify.get(
        '/readyz',
        { schema: { tags: ['operability'], summary: 'Ledger, database and queue are reachable', security: [], response: { 200: ReadyBody } } },
        async (request) => {
            // Stopping: the balancer must send no new requests (they are still served until the listener closes).
            if (isDraining()) throw newProblem('NOT_READY', 'draining: this process is stopping', { extensions: { reason: 'draining' }, expose: true });
            const results = await runChecks(options.checks, options.timeoutMs);
            const down = results.filter((result) => !result.ok);
            if (down.length > 0) {
                request.log.warn({ down }, 'not ready');
                throw newProblem('NOT_READY', `not reachable: ${down.map((result) => result.name).join(', ')}`, {
                    extensions: { checks: results.map(({ name, ok }) => ({ name, ok })) },
                    expose: true,
                });
            }
            return { status: 'ready' as const, checks: results.map(({ name, ok }) => ({ name, ok })) };
        },
    );
}

/** The health plugin. */
export default fp(health, { name: 'health', fastify: '5.x' });
