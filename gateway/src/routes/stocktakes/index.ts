/**
 * Stocktakes (盘点): an enterprise opens a session at a location, counters upload read batches (decoded, deduplicated
 * per session, idempotent by batch id), the close reconciles the counted set against the book and anchors the
 * Merkle root of the counted set on the chain (`goods:AttestStocktake`), and anyone holding the report can get an
 * inclusion proof of one item that checks against that root. Only the stocktake's enterprise (and customs, for
 * reading) may see it. `GET /stocktakes/{id}/stream` pushes the running counts as batches arrive and the report at the
 * close (server-sent events, see stream.ts); `GET /stocktakes` lists them, `GET /stocktakes/{id}/report` reads a report.
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Stocktake, StocktakeReport } from '../../repositories/stocktakes';
import { requireRole } from '../../plugins/auth';
import { newStocktakesService } from '../../services/stocktakes/stocktakes-service';
import type { StocktakeBook } from '../../stocktake/book';
import { StocktakeLive } from '../../stocktake/live';
import { READS_PER_BATCH_MAX } from '../../stocktake/reconcile';
import { IdempotencyHeaders, Problem, authenticatedErrors } from '../schemas';
import {
  BatchResponse,
  CreateStocktakeBody,
  ListQuery,
  ListResponse,
  ProofParams,
  ProofResponse,
  ReadsBody,
  ReportResponse,
  StocktakeParams,
  StocktakeResponse,
  StreamQuery,
} from './schema';
import { DEFAULT_STREAM_LIMITS, EventStreams, serveStocktakeStream, streamedReport, type StreamLimits } from './stream';

/** Options of the stocktake routes. */
export interface StocktakeRoutesOptions {
  /** The book; defaults to the projection's `items` table in the app's database. */
  book?: StocktakeBook;
  /** Bounds of the event streams (defaults: {@link DEFAULT_STREAM_LIMITS}). */
  streamLimits?: Partial<StreamLimits>;
}

/** How a verifier checks a proof, sent with each one. */
const VERIFICATION =
  'RFC 6962 / RFC 9162 §2.1.3.2: leaf hash = SHA-256(0x00 || UTF-8(leaf)), node = SHA-256(0x01 || left || right); ' +
  'fold auditPath from the leaf up using leafIndex and treeSize; the result must equal root, which is the ' +
  'merkleRoot of the goods:AttestStocktake transaction txId. Reference: verifyInclusion() in gateway/src/stocktake/merkle.ts.';

function toResponse(stocktake: Stocktake, report?: StocktakeReport) {
  return {
    id: stocktake.id,
    enterprise: stocktake.enterpriseId,
    location: stocktake.location,
    status: stocktake.status,
    deviceIds: [...stocktake.deviceIds],
    createdAt: stocktake.createdAt.toISOString(),
    counts: {
      uniqueItems: stocktake.uniqueItems,
      undecodable: stocktake.undecodable,
      reads: stocktake.reads,
      batches: stocktake.batches,
      ...(report ? report.counts : {}),
    },
    ...(report ? { merkleRoot: report.merkleRoot, txId: report.txId } : {}),
  };
}

/** Routes under `/v1/stocktakes`. */
const stocktakesRoutes: FastifyPluginAsyncTypebox<StocktakeRoutesOptions> = async (fastify, options) => {
  const live = fastify.shared.stocktakeLive ?? new StocktakeLive(); // relayed across processes (cluster/live-relay.ts)
  const streams = new EventStreams({ ...DEFAULT_STREAM_LIMITS, ...options.streamLimits });
  // Before the server waits for its connections to end: an event stream would never end on its own.
  fastify.addHook('preClose', async () => streams.endAll());
  const stocktakes = newStocktakesService({
    stocktakes: fastify.repositories.stocktakes,
    book: options.book ?? fastify.repositories.stocktakeBook,
    ledgers: fastify.ledgers,
    live,
    onClosed: (report) => live.publishClosed(report.id, streamedReport(report)),
  });

  fastify.post(
    '/stocktakes',
    {
      onRequest: requireRole('operator', 'enterprise'),
      config: { idempotent: true },
      schema: {
        tags: ['stocktakes'],
        summary: 'Open a stocktake at a location (operator or enterprise); honours Idempotency-Key',
        headers: IdempotencyHeaders,
        body: CreateStocktakeBody,
        response: { 201: StocktakeResponse, ...authenticatedErrors },
      },
    },
    async (request, reply) => {
      const stocktake = await stocktakes.open(request.principal, request.body);
      return reply.code(201).header('location', `/v1/stocktakes/${stocktake.id}`).send(toResponse(stocktake));
    },
  );

  fastify.get(
    '/stocktakes',
    {
      schema: {
        tags: ['stocktakes'],
        summary: "Stocktakes, newest first: the caller's enterprise's (customs: every enterprise's)",
        querystring: ListQuery,
        response: { 200: ListResponse, ...authenticatedErrors },
      },
    },
    async (request) => {
      const rows = await stocktakes.list(
        request.principal,
        { status: request.query.status },
        request.query.limit ?? 20,
      );
      return { stocktakes: rows.map((row) => toResponse(row)) };
    },
  );

  fastify.get(
    '/stocktakes/:id/report',
    {
      schema: {
        tags: ['stocktakes'],
        summary: 'The report of a closed stocktake (its enterprise, or customs); 409 while it is open',
        params: StocktakeParams,
        response: { 200: ReportResponse, 404: Problem, 409: Problem, ...authenticatedErrors },
      },
    },
    async (request) => {
      return stocktakes.report(request.principal, request.params.id);
    },
  );

  fastify.get(
    '/stocktakes/:id/stream',
    {
      config: { streamTokenAuth: true },
      schema: {
        tags: ['stocktakes'],
        summary:
          'Server-sent events of a stocktake: counts (at once and after each batch), heartbeat, report at the close. ' +
          'Authorization header, or ?access_token= from POST /v1/stream-tokens',
        params: StocktakeParams,
        querystring: StreamQuery,
        produces: ['text/event-stream'],
        response: {
          200: Type.String({
            description: 'text/event-stream: events counts, heartbeat, report, end; data is one line of JSON',
          }),
          404: Problem,
          ...authenticatedErrors,
        },
      },
    },
    async (request, reply) => {
      await serveStocktakeStream(
        streams,
        {
          live,
          load: (id, req) => stocktakes.load(req.principal, id),
          findById: (id) => stocktakes.findById(id),
          findReport: (id) => stocktakes.findReport(id),
        },
        request.params.id,
        request,
        reply,
      );
    },
  );

  fastify.get(
    '/stocktakes/:id',
    {
      schema: {
        tags: ['stocktakes'],
        summary: 'Status and counts of a stocktake (its enterprise, or customs)',
        params: StocktakeParams,
        response: { 200: StocktakeResponse, 404: Problem, ...authenticatedErrors },
      },
    },
    async (request) => {
      const { stocktake, report } = await stocktakes.find(request.principal, request.params.id);
      return toResponse(stocktake, report);
    },
  );

  fastify.post(
    '/stocktakes/:id/reads',
    {
      onRequest: requireRole('operator', 'enterprise'),
      schema: {
        tags: ['stocktakes'],
        summary: `Upload a batch of up to ${READS_PER_BATCH_MAX} reads; idempotent by batchId`,
        params: StocktakeParams,
        body: ReadsBody,
        response: {
          200: BatchResponse,
          404: Problem,
          409: Problem,
          413: Problem,
          422: Problem,
          ...authenticatedErrors,
        },
      },
    },
    async (request) => stocktakes.recordBatch(request.principal, request.params.id, request.body, request.log),
  );

  fastify.post(
    '/stocktakes/:id/close',
    {
      onRequest: requireRole('operator', 'enterprise'),
      schema: {
        tags: ['stocktakes'],
        summary:
          'Close: reconcile against the book and attest the Merkle root on the chain; closing again answers the same report',
        params: StocktakeParams,
        response: {
          200: ReportResponse,
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
    async (request) => stocktakes.close(request.principal, request.params.id),
  );

  fastify.get(
    '/stocktakes/:id/proof/:epc',
    {
      schema: {
        tags: ['stocktakes'],
        summary: 'Inclusion proof of one counted item against the attested Merkle root (RFC 6962, SHA-256)',
        params: ProofParams,
        response: { 200: ProofResponse, 404: Problem, 409: Problem, ...authenticatedErrors },
      },
    },
    async (request) => {
      const proof = await stocktakes.proof(request.principal, request.params.id, request.params.epc);
      return { ...proof, auditPath: [...proof.auditPath], verification: VERIFICATION };
    },
  );
};

export default stocktakesRoutes;
