/**
 * Stocktakes (盘点): an enterprise opens a session at a location, counters upload read batches (decoded, deduplicated
 * per session, idempotent by batch id), the close reconciles the counted set against the book and anchors the
 * Merkle root of the counted set on the chain (`goods:AttestStocktake`), and anyone holding the report can get an
 * inclusion proof of one item that checks against that root. Only the stocktake's enterprise (and customs, for
 * reading) may see it. `GET /stocktakes/{id}/stream` pushes the running counts as batches arrive and the report at the
 * close (server-sent events, see stream.ts); `GET /stocktakes` lists them, `GET /stocktakes/{id}/report` reads a report.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { LedgerError } from '../../adapters/fabric';
import { newPgStocktakeBook, newStocktakeRepository, type Stocktake, type StocktakeReport } from '../../adapters/pg';
import { newProblem } from '../../errors';
import { assertTenant, requireRole } from '../../plugins/auth';
import type { StocktakeBook } from '../../stocktake/book';
import { newStocktakeClosed, newStocktakeOpen } from '../../stocktake/errors';
import { buildMerkleTree, MERKLE_ALGORITHM } from '../../stocktake/merkle';
import { StocktakeLive } from '../../stocktake/live';
import { newReadDecoder } from '../../stocktake/read-decoder';
import { READS_PER_BATCH_MAX, STOCKTAKE_ITEMS_MAX, reconcile, resolveBatch } from '../../stocktake/reconcile';
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

/** Counted identities in leaf order: byte order of their UTF-8 (code unit order; they are ASCII). */
function sortedLeaves(ids: string[]): string[] {
    return ids.sort();
}

function indexOf(sorted: readonly string[], id: string): number {
    let lo = 0;
    let hi = sorted.length - 1;
    while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const v = sorted[mid]!;
        if (v === id) return mid;
        if (v < id) lo = mid + 1;
        else hi = mid - 1;
    }
    return -1;
}

/** Routes under `/v1/stocktakes`. */
const stocktakesRoutes: FastifyPluginAsyncTypebox<StocktakeRoutesOptions> = async (fastify, options) => {
    const repository = newStocktakeRepository(fastify.db);
    const book = options.book ?? newPgStocktakeBook(fastify.db);
    const live = fastify.shared.stocktakeLive ?? new StocktakeLive(); // relayed across processes (cluster/live-relay.ts)
    const streams = new EventStreams({ ...DEFAULT_STREAM_LIMITS, ...options.streamLimits });
    // Before the server waits for its connections to end: an event stream would never end on its own.
    fastify.addHook('preClose', async () => streams.endAll());

    /** Tell the stocktake's watchers its new totals (only when someone watches: one more read of a row). */
    async function publishTotals(id: string, log: { warn(obj: object, msg: string): void }): Promise<void> {
        if (!live.watched(id)) return;
        try {
            const now = await repository.findById(id);
            if (now) live.publishTotals(id, now);
        } catch (err: unknown) {
            log.warn({ err, stocktakeId: id }, 'live stocktake totals not published');
        }
    }

    async function load(id: string, principal: Parameters<typeof assertTenant>[0]): Promise<Stocktake> {
        const stocktake = await repository.findById(id);
        if (!stocktake) {
            throw newProblem('NOT_FOUND', `no stocktake ${id}`);
        }
        assertTenant(principal, stocktake.enterpriseId);
        return stocktake;
    }

    /** A stocktake the caller may read and its report, or `STOCKTAKE_OPEN` (409) while it has none. */
    async function loadClosed(id: string, principal: Parameters<typeof assertTenant>[0]): Promise<{ stocktake: Stocktake; report: StocktakeReport }> {
        const stocktake = await load(id, principal);
        const report = await repository.findReport(stocktake.id);
        if (!report) {
            throw newStocktakeOpen(stocktake.id);
        }
        return { stocktake, report };
    }

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
            const enterpriseId = request.principal.enterpriseId;
            if (enterpriseId === null) {
                throw new Error('an operator or enterprise key without an enterprise'); // requireRole excludes customs
            }
            const stocktake = await repository.insert({
                id: randomUUID(),
                enterpriseId,
                location: request.body.location,
                deviceIds: request.body.deviceIds ?? [],
            });
            return reply.code(201).header('location', `/v1/stocktakes/${stocktake.id}`).send(toResponse(stocktake));
        },
    );

    fastify.get(
        '/stocktakes',
        {
            schema: {
                tags: ['stocktakes'],
                summary: 'Stocktakes, newest first: the caller\'s enterprise\'s (customs: every enterprise\'s)',
                querystring: ListQuery,
                response: { 200: ListResponse, ...authenticatedErrors },
            },
        },
        async (request) => {
            const { principal } = request;
            const enterpriseId = principal.role === 'customs' ? null : principal.enterpriseId;
            if (principal.role !== 'customs' && enterpriseId === null) {
                throw new Error('an operator or enterprise key without an enterprise'); // the schema forbids it
            }
            const rows = await repository.list(
                { enterpriseId, ...(request.query.status === undefined ? {} : { status: request.query.status }) },
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
            const { report } = await loadClosed(request.params.id, request.principal);
            return report;
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
                    200: Type.String({ description: 'text/event-stream: events counts, heartbeat, report, end; data is one line of JSON' }),
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
                    load: (id, req) => load(id, req.principal),
                    findById: (id) => repository.findById(id),
                    findReport: (id) => repository.findReport(id),
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
            const stocktake = await load(request.params.id, request.principal);
            const report = stocktake.status === 'closed' ? await repository.findReport(stocktake.id) : undefined;
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
                response: { 200: BatchResponse, 404: Problem, 409: Problem, 413: Problem, 422: Problem, ...authenticatedErrors },
            },
        },
        async (request) => {
            const stocktake = await load(request.params.id, request.principal);
            const { batchId, deviceId, reads } = request.body;
            if (reads.length > READS_PER_BATCH_MAX) {
                throw newProblem('PAYLOAD_TOO_LARGE', `a batch holds at most ${READS_PER_BATCH_MAX} reads, got ${reads.length}: split it`, {
                    extensions: { readsMax: READS_PER_BATCH_MAX },
                });
            }
            // Not refused here when closed: a repeated batch id is still answered, so a counter retrying a lost
            // acknowledgement succeeds; the repository refuses new batches of a closed stocktake.
            const readsSha256 = createHash('sha256').update(JSON.stringify(reads)).digest('hex');
            const resolved = await resolveBatch(reads, newReadDecoder(), book);
            const result = await repository.recordBatch({
                stocktakeId: stocktake.id,
                batchId,
                deviceId,
                readsSha256,
                ids: resolved.ids,
                accepted: reads.length - resolved.undecodable,
                undecodable: resolved.undecodable,
                itemsMax: STOCKTAKE_ITEMS_MAX,
            });
            switch (result.kind) {
                case 'recorded':
                    // Not awaited: the counter's acknowledgement does not wait for the live view.
                    void publishTotals(stocktake.id, request.log);
                    return result.response;
                case 'duplicate':
                    if (!result.sameReads) {
                        throw newProblem('IDEMPOTENCY_KEY_REUSED', `batch ${batchId} was received before with other reads`);
                    }
                    return result.response;
                case 'not-found':
                    throw newProblem('NOT_FOUND', `no stocktake ${stocktake.id}`);
                case 'not-open':
                    throw newStocktakeClosed(stocktake.id);
                case 'too-many-items':
                    throw newProblem('UNPROCESSABLE', `a stocktake counts at most ${STOCKTAKE_ITEMS_MAX} distinct items; this batch would make ${result.uniqueAfter}`);
            }
        },
    );

    fastify.post(
        '/stocktakes/:id/close',
        {
            onRequest: requireRole('operator', 'enterprise'),
            schema: {
                tags: ['stocktakes'],
                summary: 'Close: reconcile against the book and attest the Merkle root on the chain; closing again answers the same report',
                params: StocktakeParams,
                response: { 200: ReportResponse, 404: Problem, 409: Problem, 422: Problem, 502: Problem, 503: Problem, 504: Problem, ...authenticatedErrors },
            },
        },
        async (request) => {
            await load(request.params.id, request.principal);
            const done = await repository.findReport(request.params.id);
            if (done) {
                return done;
            }
            const stocktake = await repository.beginClose(request.params.id);
            if (!stocktake) {
                throw newProblem('NOT_FOUND', `no stocktake ${request.params.id}`);
            }
            // The counted set is frozen now (status closing): every attempt computes the same report and root.
            const [counted, onBook] = await Promise.all([
                repository.countedIds(stocktake.id).then(sortedLeaves),
                book.itemsAtLocation(stocktake.enterpriseId, stocktake.location),
            ]);
            const result = reconcile(counted, onBook);
            const tree = buildMerkleTree(counted);
            const counts = { matched: result.matched.length, missing: result.missing.length, unexpected: result.unexpected.length };
            const attestation = {
                stocktakeId: stocktake.id,
                location: stocktake.location,
                counts,
                merkleRoot: tree.root,
                deviceIds: [...stocktake.deviceIds],
            };
            const ledger = fastify.ledgers.forCaller(request.principal, 'goods');
            let txId: string;
            try {
                const record = await ledger.submit<{ txId?: string }>('AttestStocktake', [JSON.stringify(attestation)]);
                txId = requireTxId(record);
            } catch (err: unknown) {
                // Attested by an earlier attempt whose report was not stored: same root, so the same outcome.
                if (!(err instanceof LedgerError && err.code === 'ALREADY_EXISTS')) {
                    throw err;
                }
                const record = await fastify.ledgers
                    .forCaller(request.principal, 'query')
                    .evaluate<{ txId?: string; merkleRoot?: string }>('GetRecord', [JSON.stringify({ type: 'stocktake', id: stocktake.id })]);
                if (record?.merkleRoot !== tree.root) {
                    throw new Error(`stocktake ${stocktake.id} is attested on the chain with another Merkle root`);
                }
                txId = requireTxId(record);
            }
            const saved = await repository.saveReport({
                id: stocktake.id,
                enterprise: stocktake.enterpriseId,
                location: stocktake.location,
                ...result,
                counts,
                merkleRoot: tree.root,
                treeSize: tree.size,
                txId,
                closedAt: new Date().toISOString(),
            });
            live.publishClosed(stocktake.id, streamedReport(saved));
            return saved;
        },
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
            const { stocktake, report } = await loadClosed(request.params.id, request.principal);
            const leaves = sortedLeaves(await repository.countedIds(stocktake.id));
            // The same read may name the item in several ways (barcode: one SGTIN candidate per prefix length).
            const decoded = newReadDecoder().decode(request.params.epc);
            let names: string[] = [];
            if (decoded.kind === 'sgtin') names = [decoded.sgtin];
            else if (decoded.kind === 'gtin-serial') names = [...decoded.candidates, decoded.fallback];
            else if (decoded.kind === 'trace-code') {
                const known = await book.itemsByAnyId([decoded.code]);
                names = [...known.values(), decoded.code];
            }
            const leaf = names.find((name) => indexOf(leaves, name) >= 0);
            if (leaf === undefined) {
                throw newProblem('NOT_FOUND', `${request.params.epc} was not counted in stocktake ${stocktake.id}`);
            }
            const proof = buildMerkleTree(leaves).proof(indexOf(leaves, leaf));
            if (proof.root !== report.merkleRoot) {
                throw new Error(`stocktake ${stocktake.id}: counted set no longer matches the attested root`); // frozen at close
            }
            return { algorithm: MERKLE_ALGORITHM, leaf, ...proof, auditPath: [...proof.auditPath], txId: report.txId, verification: VERIFICATION };
        },
    );
};

function requireTxId(record: { txId?: string } | undefined): string {
    if (typeof record?.txId !== 'string' || record.txId.length === 0) {
        throw new Error('goods:AttestStocktake answered without a txId');
    }
    return record.txId;
}

export default stocktakesRoutes;
