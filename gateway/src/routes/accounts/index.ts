/**
 * One enterprise, one account (一企一账), answered from the projection of the chain: balances as of a time with the
 * closed periods and the projection position the answer reflects, movements in chain order (keyset pages), the
 * reconciliation of the enterprise's ERP figures against the book (every variance with the events behind it,
 * stored and readable by id), and the close of a finished month on the chain (`account:ClosePeriod`, signed as the
 * caller). Customs reads and closes every account; an enterprise or operator key only its own.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox, Static } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { AccountMovement, ProjectionPosition } from '../../repositories/accounts';
import { newProblem } from '../../errors';
import { duplicateOf, submissionIdFor } from '../../ledger/submission';
import { assertTenant } from '../../plugins/auth';
import { IDEMPOTENCY_KEY_HEADER } from '../../plugins/idempotency';
import { PROJECTION_NAME } from '../../projection/follower';
import { IdempotencyHeaders, Problem, authenticatedErrors } from '../schemas';
import { decodeMovementToken, encodeMovementToken } from './page-token';
import { ErpLinesRefused, diffAccount } from './reconcile';
import {
    AccountParams,
    BalancesQuery,
    BalancesResponse,
    ClosePeriodResponse,
    DEFAULT_MOVEMENTS_PER_PAGE,
    MovementsQuery,
    MovementsResponse,
    PeriodParams,
    RECONCILIATION_BODY_LIMIT_BYTES,
    ReconciliationBody,
    ReconciliationParams,
    ReconciliationResponse,
} from './schema';

/** Most book lines `GET /account` returns (the rest is flagged `truncated`). */
export const ACCOUNT_LINES_MAX = 10_000;
/** Most book lines a reconciliation compares; a bigger book is refused rather than compared in part. */
export const RECONCILIATION_LEDGER_LINES_MAX = 100_000;
/** Most closed periods listed (50 years of months). */
export const CLOSED_PERIODS_MAX = 600;
/** Most movements listed behind one variance (the latest ones); `truncated` says when there are more. */
export const EVENTS_PER_VARIANCE_MAX = 50;
/** Variances that get their events listed; later ones (in line order) only their count, so an answer stays bounded. */
export const VARIANCES_WITH_EVENTS_MAX = 1_000;

/** The chaincode's period record (the parts the gateway passes on). */
interface PeriodRecord {
    enterprise: string;
    period: string;
    closedAt: string;
    closedBy: string;
    snapshotHash: string;
    balances: { gtin: string; regime: string; location: string; qty: number }[];
}

/** An onRequest hook (before validation, like the role checks): the `:id` enterprise must be the caller's own, unless the caller is customs. */
async function tenantOfPath(request: FastifyRequest): Promise<void> {
    assertTenant(request.principal, (request.params as { id: string }).id);
}

function toPosition(position: ProjectionPosition | undefined) {
    return position === undefined
        ? null
        : { blockNumber: position.blockNumber.toString(), txId: position.txId, updatedAt: position.updatedAt.toISOString() };
}

function toMovementResponse(m: AccountMovement) {
    return {
        txId: m.txId,
        blockNumber: m.blockNumber.toString(),
        txSeq: m.txSeq,
        eventType: m.eventType,
        eventTime: m.eventTime.toISOString(),
        period: m.period,
        gtin: m.gtin,
        regime: m.regime,
        location: m.location,
        qty: m.qty,
    };
}

function toPeriodFields(record: PeriodRecord) {
    return {
        closedAt: record.closedAt,
        closedBy: record.closedBy,
        snapshotHash: record.snapshotHash,
        balances: (record.balances ?? []).map((b) => ({ gtin: b.gtin, regime: b.regime, location: b.location, quantity: b.qty })),
    };
}

/** Routes under `/v1/enterprises/{id}/account`. */
const accountsRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
    const accounts = fastify.repositories.accounts;

    /** Customs may name any enterprise: answer 404 for one the gateway does not know rather than an empty book. */
    async function assertKnown(request: FastifyRequest, enterpriseId: string): Promise<void> {
        if (request.principal.role === 'customs' && !(await fastify.repositories.enterprises.findById(enterpriseId))) {
            throw newProblem('NOT_FOUND', `no enterprise ${enterpriseId}`);
        }
    }

    fastify.get(
        '/enterprises/:id/account',
        {
            onRequest: tenantOfPath,
            schema: {
                tags: ['accounts'],
                summary: 'Balances by (GTIN, regime, location) as of a time, with closed periods and the projection position',
                params: AccountParams,
                querystring: BalancesQuery,
                response: { 200: BalancesResponse, 404: Problem, ...authenticatedErrors },
            },
        },
        async (request) => {
            const enterprise = request.params.id;
            await assertKnown(request, enterprise);
            const asOf = request.query.asOf === undefined ? new Date() : new Date(request.query.asOf);
            const { position, lines, periods } = await accounts.snapshot(async (s) => ({
                position: await s.position(PROJECTION_NAME),
                lines: await s.balances(enterprise, asOf, ACCOUNT_LINES_MAX + 1),
                periods: await s.closedPeriods(enterprise, CLOSED_PERIODS_MAX),
            }));
            return {
                enterprise,
                asOf: asOf.toISOString(),
                projection: toPosition(position),
                balances: lines.slice(0, ACCOUNT_LINES_MAX),
                truncated: lines.length > ACCOUNT_LINES_MAX,
                closedPeriods: periods.map((p) => ({ ...p, blockNumber: p.blockNumber.toString() })),
            };
        },
    );

    fastify.get(
        '/enterprises/:id/account/movements',
        {
            onRequest: tenantOfPath,
            schema: {
                tags: ['accounts'],
                summary: 'Movements of the account in chain order, page by page (keyset: pages never skip or repeat)',
                params: AccountParams,
                querystring: MovementsQuery,
                response: { 200: MovementsResponse, 404: Problem, ...authenticatedErrors },
            },
        },
        async (request, reply) => {
            const enterprise = request.params.id;
            await assertKnown(request, enterprise);
            const query = request.query;
            const perPage = query.perPage ?? DEFAULT_MOVEMENTS_PER_PAGE;
            const rows = await accounts.movements({
                enterprise,
                ...(query.gtin === undefined ? {} : { gtin: query.gtin }),
                ...(query.from === undefined ? {} : { from: query.from }),
                ...(query.to === undefined ? {} : { to: query.to }),
                ...(query.nextPageToken === undefined ? {} : { after: decodeMovementToken(query.nextPageToken) }),
                limit: perPage + 1,
            });
            const page = rows.slice(0, perPage);
            const last = page[page.length - 1];
            const nextPageToken = rows.length > perPage && last ? encodeMovementToken(last) : undefined;
            if (nextPageToken !== undefined) {
                const next = new URLSearchParams(query as Record<string, string>);
                next.set('nextPageToken', nextPageToken);
                reply.header('link', `</v1/enterprises/${enterprise}/account/movements?${next.toString()}>; rel="next"`);
            }
            return { enterprise, movements: page.map(toMovementResponse), ...(nextPageToken === undefined ? {} : { nextPageToken }) };
        },
    );

    fastify.post(
        '/enterprises/:id/account/reconciliations',
        {
            onRequest: tenantOfPath,
            bodyLimit: RECONCILIATION_BODY_LIMIT_BYTES,
            config: { idempotent: true },
            schema: {
                tags: ['accounts'],
                summary: 'Reconcile ERP figures with the book: every variance with the events behind it; stored, honours Idempotency-Key',
                params: AccountParams,
                headers: IdempotencyHeaders,
                body: ReconciliationBody,
                response: { 201: ReconciliationResponse, 404: Problem, 413: Problem, 422: Problem, ...authenticatedErrors },
            },
        },
        async (request, reply) => {
            const enterprise = request.params.id;
            await assertKnown(request, enterprise);
            const asOf = request.body.asOf === undefined ? new Date() : new Date(request.body.asOf);
            const { position, ledgerLines, diff, behind } = await accounts
                .snapshot(async (s) => {
                    const book = await s.balances(enterprise, asOf, RECONCILIATION_LEDGER_LINES_MAX + 1);
                    if (book.length > RECONCILIATION_LEDGER_LINES_MAX) {
                        throw newProblem('UNPROCESSABLE', `the book of ${enterprise} has more than ${RECONCILIATION_LEDGER_LINES_MAX} lines; it cannot be reconciled in one request`);
                    }
                    const diff = diffAccount(request.body.lines, book);
                    const listed = diff.variances.slice(0, VARIANCES_WITH_EVENTS_MAX);
                    const behind = await s.movementsOfLines(
                        enterprise,
                        asOf,
                        listed.map((v) => ({ gtin: v.gtin, regime: v.regime, location: v.location })),
                        EVENTS_PER_VARIANCE_MAX,
                    );
                    return { position: await s.position(PROJECTION_NAME), ledgerLines: book.length, diff, behind };
                })
                .catch((err: unknown) => {
                    if (err instanceof ErpLinesRefused) {
                        throw newProblem('UNPROCESSABLE', err.message, { extensions: { lineIndex: err.lineIndex } });
                    }
                    throw err;
                });
            const id = randomUUID();
            const result = {
                id,
                enterprise,
                asOf: asOf.toISOString(),
                projection: toPosition(position),
                summary: { erpLines: request.body.lines.length, ledgerLines, matched: diff.matched, variances: diff.variances.length },
                variances: diff.variances.map((variance, i) => {
                    const found = behind[i];
                    // Beyond VARIANCES_WITH_EVENTS_MAX no events were read: the count is unknown (null), the list empty.
                    const events = found?.movements ?? [];
                    return {
                        ...variance,
                        eventCount: found === undefined ? null : found.total,
                        events: events.map((m) => ({
                            txId: m.txId,
                            blockNumber: m.blockNumber.toString(),
                            eventType: m.eventType,
                            eventTime: m.eventTime.toISOString(),
                            regime: m.regime,
                            location: m.location,
                            qty: m.qty,
                        })),
                        truncated: found === undefined || found.total > events.length,
                    };
                }),
            };
            const stored = await accounts.insertReconciliation({
                id,
                enterprise,
                asOf,
                position,
                createdByKey: request.principal.keyId,
                erpLines: request.body.lines.length,
                variances: diff.variances.length,
                result,
            });
            request.log.info({ reconciliationId: id, enterprise, variances: diff.variances.length }, 'account reconciled');
            return reply
                .code(201)
                .header('location', `/v1/enterprises/${enterprise}/account/reconciliations/${id}`)
                .send({ ...result, createdAt: stored.createdAt.toISOString() });
        },
    );

    fastify.get(
        '/enterprises/:id/account/reconciliations/:rid',
        {
            onRequest: tenantOfPath,
            schema: {
                tags: ['accounts'],
                summary: 'A stored reconciliation, as it was answered',
                params: ReconciliationParams,
                response: { 200: ReconciliationResponse, 404: Problem, ...authenticatedErrors },
            },
        },
        async (request) => {
            const stored = await accounts.findReconciliation(request.params.rid);
            if (!stored || stored.enterprise !== request.params.id) {
                throw newProblem('NOT_FOUND', `no reconciliation ${request.params.rid} of enterprise ${request.params.id}`);
            }
            // Stored exactly as first answered (by the POST above), so it has the response's shape.
            const result = stored.result as Omit<Static<typeof ReconciliationResponse>, 'createdAt'>;
            return { ...result, createdAt: stored.createdAt.toISOString() };
        },
    );

    fastify.post(
        '/enterprises/:id/account/periods/:period/close',
        {
            onRequest: tenantOfPath,
            config: { idempotent: true },
            schema: {
                tags: ['accounts'],
                summary: 'Close a finished month on the chain (account:ClosePeriod as the caller); Idempotency-Key is the chain submission id',
                params: PeriodParams,
                headers: IdempotencyHeaders,
                response: { 200: ClosePeriodResponse, 404: Problem, 409: Problem, 422: Problem, 502: Problem, 503: Problem, 504: Problem, ...authenticatedErrors },
            },
        },
        async (request) => {
            const { id: enterprise, period } = request.params;
            await assertKnown(request, enterprise);
            const header = request.headers[IDEMPOTENCY_KEY_HEADER];
            // Scoped to the API key like the idempotency plugin's records: two clients' keys never collide on the chain.
            const submissionId = typeof header === 'string' ? submissionIdFor(request.principal.keyId, header) : undefined;
            const ledger = fastify.ledgers.forCaller(request.principal, 'account');
            try {
                const record = await ledger.submit<PeriodRecord>('ClosePeriod', [
                    JSON.stringify({ enterprise, period, ...(submissionId === undefined ? {} : { submissionId }) }),
                ]);
                if (record === undefined) {
                    throw new Error('account:ClosePeriod answered nothing');
                }
                return { enterprise, period, duplicateSubmission: false, ...toPeriodFields(record) };
            } catch (err: unknown) {
                const txId = submissionId === undefined ? undefined : duplicateOf(err);
                if (txId === undefined) {
                    throw err;
                }
                // The submission id is global on the chain: make sure the earlier transaction closed this very period
                // (when the projection has it), not something else that happened to carry the same key.
                const earlier = await accounts.findTransaction(txId);
                const record = earlier?.periodRecord as PeriodRecord | null | undefined;
                if (earlier !== undefined && !(earlier.type === 'PERIOD_CLOSE' && record?.enterprise === enterprise && record.period === period)) {
                    throw newProblem('IDEMPOTENCY_KEY_REUSED', `${IDEMPOTENCY_KEY_HEADER} ${String(header)} was used on the chain by transaction ${txId} for a different request`);
                }
                request.log.info({ enterprise, period, txId }, 'period close already committed under this Idempotency-Key');
                return { enterprise, period, duplicateSubmission: true, txId, ...(record ? toPeriodFields(record) : {}) };
            }
        },
    );
};

export default accountsRoutes;
