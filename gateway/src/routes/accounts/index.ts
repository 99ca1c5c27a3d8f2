/**
 * One enterprise, one account (一企一账), answered from the projection of the chain: balances as of a time with the
 * closed periods and the projection position the answer reflects, movements in chain order (keyset pages), the
 * reconciliation of the enterprise's ERP figures against the book (every variance with the events behind it,
 * stored and readable by id), and the close of a finished month on the chain (`account:ClosePeriod`, signed as the
 * caller). Customs reads and closes every account; an enterprise or operator key only its own.
 */
import type { FastifyPluginAsyncTypebox, Static } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { AccountMovement, ProjectionPosition } from '../../repositories/accounts';
import { submissionIdFor } from '../../ledger/submission';
import { assertTenant } from '../../plugins/auth';
import { IDEMPOTENCY_KEY_HEADER } from '../../plugins/idempotency';
import { newAccountsService, type PeriodRecord } from '../../services/accounts/accounts-service';
import { IdempotencyHeaders, Problem, authenticatedErrors } from '../schemas';
import { decodeMovementToken, encodeMovementToken } from './page-token';
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

/** An onRequest hook (before validation, like the role checks): the `:id` enterprise must be the caller's own, unless the caller is customs. */
async function tenantOfPath(request: FastifyRequest): Promise<void> {
  assertTenant(request.principal, (request.params as { id: string }).id);
}

function toPosition(position: ProjectionPosition | undefined) {
  return position === undefined
    ? null
    : {
        blockNumber: position.blockNumber.toString(),
        txId: position.txId,
        updatedAt: position.updatedAt.toISOString(),
      };
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
    balances: (record.balances ?? []).map((b) => ({
      gtin: b.gtin,
      regime: b.regime,
      location: b.location,
      quantity: b.qty,
    })),
  };
}

/** Routes under `/v1/enterprises/{id}/account`. */
const accountsRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const accounts = newAccountsService({
    accounts: fastify.repositories.accounts,
    enterprises: fastify.repositories.enterprises,
    ledgers: fastify.ledgers,
  });
  const assertKnown = (request: FastifyRequest, enterpriseId: string) =>
    accounts.assertKnown(request.principal, enterpriseId);

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
      const { position, lines, truncated, periods } = await accounts.balances(enterprise, asOf);
      return {
        enterprise,
        asOf: asOf.toISOString(),
        projection: toPosition(position),
        balances: lines,
        truncated,
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
      return {
        enterprise,
        movements: page.map(toMovementResponse),
        ...(nextPageToken === undefined ? {} : { nextPageToken }),
      };
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
        summary:
          'Reconcile ERP figures with the book: every variance with the events behind it; stored, honours Idempotency-Key',
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
      const reconciliation = await accounts.reconcile(enterprise, asOf, request.body.lines);
      const { id, position, ledgerLines, variances } = reconciliation;
      const result = {
        id,
        enterprise,
        asOf: asOf.toISOString(),
        projection: toPosition(position),
        summary: {
          erpLines: request.body.lines.length,
          ledgerLines,
          matched: reconciliation.matched,
          variances: variances.length,
        },
        variances: variances.map(({ variance, behind: found }) => {
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
      // Stored exactly as answered, so that GET answers the same.
      const stored = await accounts.storeReconciliation({
        reconciliation,
        enterpriseId: enterprise,
        caller: request.principal,
        erpLines: request.body.lines.length,
        result,
      });
      request.log.info({ reconciliationId: id, enterprise, variances: variances.length }, 'account reconciled');
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
      const stored = await accounts.reconciliation(request.params.id, request.params.rid);
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
        summary:
          'Close a finished month on the chain (account:ClosePeriod as the caller); Idempotency-Key is the chain submission id',
        params: PeriodParams,
        headers: IdempotencyHeaders,
        response: {
          200: ClosePeriodResponse,
          404: Problem,
          409: Problem,
          422: Problem,
          502: Problem,
          503: Problem,
          504: Problem,
          ...authenticatedErrors,
        },
      },
    },
    async (request) => {
      const { id: enterprise, period } = request.params;
      await assertKnown(request, enterprise);
      const header = request.headers[IDEMPOTENCY_KEY_HEADER];
      // Scoped to the API key like the idempotency plugin's records: two clients' keys never collide on the chain.
      const submissionId = typeof header === 'string' ? submissionIdFor(request.principal.keyId, header) : undefined;
      const closed = await accounts.closePeriod(
        request.principal,
        enterprise,
        period,
        submissionId === undefined ? undefined : { id: submissionId, key: String(header) },
      );
      if (closed.duplicateSubmission) {
        request.log.info(
          { enterprise, period, txId: closed.txId },
          'period close already committed under this Idempotency-Key',
        );
      }
      return {
        enterprise,
        period,
        duplicateSubmission: closed.duplicateSubmission,
        txId: closed.txId,
        ...(closed.record ? toPeriodFields(closed.record) : {}),
      };
    },
  );
};

export default accountsRoutes;
