/**
 * Suspension of an enterprise by customs (issue 13 Must 5): `POST /v1/enterprises/{id}/suspension` suspends it on
 * the chain (customs:SuspendEnterprise — the chain's access rule refuses the enterprise whatever client it uses),
 * then records the suspension here so that its API keys are refused at once (auth plugin, API-key cache dropped),
 * then revokes its certificate at its organisation's CA when a revocation port is wired. `DELETE` reinstates.
 *
 * Order and retries: the chain first, because it is what binds; a failure after it (database, CA) leaves the chain's
 * suspension standing, and the same request again completes the rest (the chain's ALREADY_SUSPENDED / NOT_SUSPENDED
 * answer to a retry counts as done when the database does not have it yet). A CA that cannot be reached leaves
 * `certRevocation: "pending"` on the row, visible in the answer; the same POST again tries the revocation once more
 * (200 with the suspension, not ALREADY_SUSPENDED, while it is pending), and the server's sweep retries it too
 * (identity/suspension-revocations.ts).
 *
 * Reinstatement re-issues: a revoked certificate can never sign again (Fabric CA revokes an identity for good), so
 * `DELETE` gives a managed enterprise a new certificate and key under the next enrollment id at once; an enterprise
 * that keeps its key is left `needsReenrollment` with the enrollment id its CSR must name, and sends that CSR with
 * `POST /v1/enterprises/{id}/identity` (routes/enterprises/identity.ts, also the retry when the CA was down).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import { isChaincodeRefusal } from '../../ledger-error';
import type { Enterprise } from '../../domain/principal';
import { newProblem } from '../../errors';
import type { IdentityReissue } from '../../identity/identity-services';
import { attemptRevocation, SUSPENSION_COLUMNS as COLUMNS, type SuspensionRow } from '../../identity/suspension-revocations';
import { requireRole } from '../../plugins/auth';
import { Problem, authenticatedErrors } from '../schemas';
import { EnterpriseParams } from './schema';

/** Body of `POST /v1/enterprises/{id}/suspension`. */
const SuspendBody = Type.Object(
    {
        reason: Type.String({ minLength: 1, maxLength: 200 }),
        effectiveAt: Type.Optional(Type.String({ format: 'date-time', description: 'Default now; at most 366 days ahead' })),
    },
    { additionalProperties: false },
);

const SuspensionResponse = Type.Object({
    enterpriseId: Type.String(),
    status: Type.Union([Type.Literal('SUSPENDED'), Type.Literal('REINSTATED')]),
    reason: Type.String(),
    effectiveAt: Type.String({ format: 'date-time' }),
    certRevocation: Type.Union([Type.Literal('none'), Type.Literal('pending'), Type.Literal('done')]),
    needsReenrollment: Type.Boolean({ description: 'Reinstated with a revoked certificate and no new one yet: see POST /v1/enterprises/{id}/identity' }),
    reenrollment: Type.Optional(
        Type.Object({
            enrollmentId: Type.String({ description: 'The common name the enterprise\'s CSR must carry (it keeps its key)' }),
        }),
    ),
    identity: Type.Optional(
        Type.Object(
            {
                kind: Type.Union([Type.Literal('managed'), Type.Literal('external')]),
                enrollmentId: Type.String(),
                certificate: Type.String({ description: 'The new enrollment certificate (PEM)' }),
                notAfter: Type.String({ format: 'date-time' }),
            },
            { description: 'The identity re-issued at reinstatement' },
        ),
    ),
});

function toResponse(row: SuspensionRow, reissue?: IdentityReissue) {
    return {
        ...(reissue?.outcome === 'needs-csr' ? { reenrollment: { enrollmentId: reissue.enrollmentId } } : {}),
        ...(reissue?.outcome === 'reissued'
            ? {
                  identity: {
                      kind: reissue.identity.kind,
                      enrollmentId: reissue.identity.enrollmentId,
                      certificate: reissue.identity.certPem,
                      notAfter: reissue.identity.notAfter.toISOString(),
                  },
              }
            : {}),
        enterpriseId: row.enterprise_id,
        status: row.reinstated_at === null ? ('SUSPENDED' as const) : ('REINSTATED' as const),
        reason: row.reason,
        effectiveAt: row.effective_at.toISOString(),
        certRevocation: row.cert_revocation,
        needsReenrollment: row.needs_reenrollment,
    };
}

/** Routes under `/v1/enterprises/{id}/suspension`. */
const suspensionRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
    fastify.post(
        '/enterprises/:id/suspension',
        {
            onRequest: requireRole('customs'),
            schema: {
                tags: ['enterprises'],
                summary: 'Suspend an enterprise (customs): refused on the chain, its API keys refused, its certificate revoked',
                params: EnterpriseParams,
                body: SuspendBody,
                response: { 200: SuspensionResponse, 404: Problem, 409: Problem, 422: Problem, ...authenticatedErrors },
            },
        },
        async (request) => {
            const { id } = request.params;
            if (!(await fastify.repositories.enterprises.findById(id))) throw newProblem('NOT_FOUND', `no enterprise ${id}`);
            const ledger = fastify.ledgers.forCaller(request.principal, 'customs');
            let record: { reason: string; effectiveAt: string } | undefined;
            try {
                const body = { id, reason: request.body.reason, ...(request.body.effectiveAt ? { effectiveAt: request.body.effectiveAt } : {}) };
                record = await ledger.submit<{ reason: string; effectiveAt: string }>('SuspendEnterprise', [JSON.stringify(body)]);
            } catch (err) {
                // A retry after a failure past the chain: the chain has it, the database may not.
                if (!isChaincodeRefusal(err, 'ALREADY_SUSPENDED')) throw err;
                const standing = await fastify.db.query<SuspensionRow>(`SELECT ${COLUMNS} FROM enterprise_suspensions WHERE enterprise_id = $1 AND reinstated_at IS NULL`, [id]);
                const row = standing.rows[0];
                // Suspended, but the certificate revocation is still pending (the CA was down): this call retries it.
                if (row?.cert_revocation === 'pending') return toResponse(await revokeCertificate(row));
                if (row) throw err;
                const ent = await fastify.ledgers.forCaller(request.principal, 'query').evaluate<{ suspension?: { reason: string; effectiveAt: string } }>('GetEnterprise', [JSON.stringify({ id })]);
                record = ent?.suspension;
            }
            if (record === undefined) throw new Error(`the chain returned no suspension record for ${id}`); // the contract always does
            const { rows } = await fastify.db.query<SuspensionRow>(
                `INSERT INTO enterprise_suspensions (enterprise_id, reason, effective_at) VALUES ($1, $2, $3)
                 ON CONFLICT (enterprise_id) DO UPDATE SET reason = EXCLUDED.reason, effective_at = EXCLUDED.effective_at,
                   suspended_at = now(), reinstated_at = NULL, cert_revocation = 'pending', cert_revocation_error = NULL,
                   revocation_attempts = 0, needs_reenrollment = false
                 RETURNING ${COLUMNS}`,
                [id, record.reason, new Date(record.effectiveAt)],
            );
            fastify.repositories.apiKeys.forgetEnterprise(id);
            request.log.info({ enterpriseId: id, effectiveAt: record.effectiveAt }, 'enterprise suspended');
            return toResponse(await revokeCertificate(rows[0]!));
        },
    );

    /** Revokes the enterprise's certificate through the port when wired; a failure leaves the row pending. */
    async function revokeCertificate(row: SuspensionRow): Promise<SuspensionRow> {
        const revoke = fastify.ports.revokeEnterpriseIdentity;
        if (revoke === undefined) return row; // no CA wired: stays pending, visible, until a revocation path exists
        const after = (await attemptRevocation(fastify.db, revoke, row.enterprise_id)) ?? row;
        if (after.cert_revocation === 'pending') fastify.log.warn({ enterpriseId: row.enterprise_id }, 'certificate revocation pending (CA unreachable?); retried by the sweep');
        return after;
    }

    /** Re-issues a revoked identity through the port when wired; undefined when unwired or the CA failed (logged). */
    async function reissueIdentity(enterprise: Enterprise): Promise<IdentityReissue | undefined> {
        const reissue = fastify.ports.reissueEnterpriseIdentity;
        if (reissue === undefined) return undefined;
        try {
            return await reissue({ id: enterprise.id, mspId: enterprise.mspId, roles: enterprise.roles });
        } catch (err: unknown) {
            fastify.log.warn({ err, enterpriseId: enterprise.id }, 'identity re-issue at reinstatement failed; POST /v1/enterprises/{id}/identity retries it');
            return undefined;
        }
    }

    fastify.delete(
        '/enterprises/:id/suspension',
        {
            onRequest: requireRole('customs'),
            schema: {
                tags: ['enterprises'],
                summary: 'Reinstate a suspended enterprise (customs): its API keys work again; a revoked certificate is re-issued (managed key) or awaits its CSR',
                params: EnterpriseParams,
                response: { 200: SuspensionResponse, 404: Problem, 409: Problem, ...authenticatedErrors },
            },
        },
        async (request) => {
            const { id } = request.params;
            const enterprise = await fastify.repositories.enterprises.findById(id);
            if (!enterprise) throw newProblem('NOT_FOUND', `no enterprise ${id}`);
            try {
                await fastify.ledgers.forCaller(request.principal, 'customs').submit('ReinstateEnterprise', [JSON.stringify({ id })]);
            } catch (err) {
                if (!isChaincodeRefusal(err, 'NOT_SUSPENDED')) throw err;
                // Reinstated on the chain by an earlier attempt whose database step failed: finish it; else refuse.
                const standing = await fastify.db.query(`SELECT 1 FROM enterprise_suspensions WHERE enterprise_id = $1 AND reinstated_at IS NULL`, [id]);
                if (standing.rowCount === 0) throw err;
            }
            const { rows } = await fastify.db.query<SuspensionRow>(
                `UPDATE enterprise_suspensions SET reinstated_at = now(), needs_reenrollment = (cert_revocation = 'done')
                 WHERE enterprise_id = $1 AND reinstated_at IS NULL RETURNING ${COLUMNS}`,
                [id],
            );
            fastify.repositories.apiKeys.forgetEnterprise(id);
            request.log.info({ enterpriseId: id }, 'enterprise reinstated');
            // Its revoked certificate can never sign again: re-issue now (also when the row says pending: a revocation
            // may have reached the CA while its answer was lost). A CA that is down leaves needsReenrollment for
            // POST /v1/enterprises/{id}/identity; the reinstatement itself stands.
            const reissue = await reissueIdentity(enterprise);
            const { rows: after } = await fastify.db.query<SuspensionRow>(
                `UPDATE enterprise_suspensions SET needs_reenrollment = $2 WHERE enterprise_id = $1 RETURNING ${COLUMNS}`,
                [id, reissue === undefined ? rows[0]!.needs_reenrollment : reissue.outcome === 'needs-csr'],
            );
            return toResponse(after[0] ?? rows[0]!, reissue);
        },
    );
};

export default suspensionRoutes;
