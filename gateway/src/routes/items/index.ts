/**
 * Provenance from the projection (fast, no ledger round trip): `GET /v1/items/{id}` (the item now),
 * `GET /v1/items/{id}/history` (every transaction that touched it, in chain order; `?format=epcis` for an EPCIS 2.0
 * query document) and `GET /v1/items/{id}/dossier` (what a third party needs to check the history against the chain
 * offline). Customs may read any item; an enterprise or operator only items it held or was sent.
 *
 * With a read cache (`fastify.readCache`, invalidated by the projection follower), the item row, party checks, history
 * rows and the serialised JSON bodies are reused until a projection batch touches the item. Item and JSON history
 * responses carry an ETag (the item's last transaction id names its state); `If-None-Match` gets 304.
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ItemEventRow, ItemRow, ProjectionRepository } from '../../repositories/projection';
import { readThrough, type ProjectionReadCache } from '../../cache/read-cache';
import { newProblem } from '../../errors';
import { LEDGER_EVENT_NAME } from '../../projection/ledger-event';
import { newEpcisQueryDocument } from '../../projection/epcis-document';
import { Problem, authenticatedErrors } from '../schemas';
import { parseItemId, serialLookupForms } from './item-id';
import { DossierResponse, EpcisQueryDocumentSchema, HistoryQuery, HistoryResponse, ItemParams, ItemResponse } from './schema';

/** Content type of a pre-serialised JSON body (Fastify sends a string with a JSON type as it is). */
const JSON_TYPE = 'application/json; charset=utf-8';

/** 304: the `If-None-Match` ETag still names the item's state. */
const NotModified = Type.Null({ description: 'Not modified: If-None-Match matched the ETag' });

/** Most history entries returned for one item (the chaincode keeps the same bound on `GetItemHistory`). */
export const MAX_HISTORY_EVENTS = 1_000;

/** Estimated bytes of a cached item row (its record as JSON plus the columns). */
function itemBytes(item: ItemRow | undefined): number {
    return item === undefined ? 0 : 300 + JSON.stringify(item.record).length;
}

/** Estimated bytes of a cached history. */
function historyBytes(history: { readonly events: readonly ItemEventRow[] }): number {
    let bytes = 100;
    for (const event of history.events) bytes += 300 + JSON.stringify(event.epcis).length + JSON.stringify(event.item).length + JSON.stringify(event.actor).length;
    return bytes;
}

/** The projection's reads, through the read cache when there is one. */
export interface ProvenanceReads {
    readonly projection: ProjectionRepository;
    readonly cache: ProjectionReadCache | undefined;
}

/**
 * Find the item an id names and check the caller may read it.
 *
 * @throws ProblemError `INVALID_ITEM_ID`, `NOT_FOUND` (also for an item the caller may not read)
 */
export async function readableItem(reads: ProvenanceReads, request: FastifyRequest, id: string): Promise<ItemRow> {
    const { projection, cache } = reads;
    const sgtin = await sgtinNamed(projection, id);
    if (sgtin !== undefined) cache?.noteRead(sgtin);
    const item = sgtin === undefined ? undefined : await readThrough(cache, sgtin, 'item', () => projection.findItem(sgtin), itemBytes);
    if (!item) {
        throw notFound(id);
    }
    await assertReadable(reads, request, item, id);
    return item;
}

/** The SGTIN an id names (undefined: no such item), or `INVALID_ITEM_ID`. */
async function sgtinNamed(projection: ProjectionRepository, id: string): Promise<string | undefined> {
    const ref = parseItemId(id);
    if (ref === undefined) {
        throw newProblem('INVALID_ITEM_ID', `${JSON.stringify(id.slice(0, 80))} is not an SGTIN URN, SGTIN EPC hex, GS1 Digital Link or 16-digit code`);
    }
    return ref.kind === 'sgtin'
        ? ref.sgtin
        : ref.kind === 'traceCode'
          ? projection.findSgtinByTraceCode(ref.code)
          : findByGtinSerial(projection, ref.gtin, ref.serial);
}

/** The SGTIN of a Digital Link's GTIN + serial, trying each URN form of the serial. */
async function findByGtinSerial(projection: ProjectionRepository, gtin: string, serial: string): Promise<string | undefined> {
    for (const form of serialLookupForms(serial)) {
        const sgtin = await projection.findSgtinByGtinSerial(gtin, form);
        if (sgtin !== undefined) return sgtin;
    }
    return undefined;
}

function notFound(id: string) {
    return newProblem('NOT_FOUND', `no item ${id} on the ledger (as far as the projection has followed it)`);
}

/**
 * `NOT_FOUND` unless customs, or an enterprise that held the item or was sent it: the very answer (status, code and
 * detail) given for an item that does not exist, so an enterprise cannot learn which items exist by asking for them.
 *
 * @param id - The id as the caller wrote it (the detail repeats it, as for a missing item).
 */
async function assertReadable(reads: ProvenanceReads, request: FastifyRequest, item: ItemRow, id: string): Promise<void> {
    const { projection, cache } = reads;
    const { principal } = request;
    const enterpriseId = principal.enterpriseId;
    const isParty = async (enterprise: string) =>
        readThrough(cache, item.sgtin, `party:${enterprise}`, () => projection.isParty(item.sgtin, enterprise), () => 64);
    if (principal.role !== 'customs' && (enterpriseId === null || !(await isParty(enterpriseId)))) {
        throw notFound(id);
    }
}

/** A bounded history. */
interface BoundedHistory {
    readonly events: ItemEventRow[];
    readonly truncated: boolean;
}

/** An item with its history rows, or with its cached JSON history body. */
type WithHistory = { item: ItemRow; history: BoundedHistory; body?: undefined };
type WithBody = { item: ItemRow; history?: undefined; body: string };

function bounded(rows: ItemEventRow[]): BoundedHistory {
    return { events: rows.slice(0, MAX_HISTORY_EVENTS), truncated: rows.length > MAX_HISTORY_EVENTS };
}

/**
 * {@link readableItem} and its history: from the cache, else item and history in ONE database round trip.
 *
 * @param want - `rows`: the history rows (kept in the cache); `body:history`: the cached JSON body when there is one
 *   (then no history is read), else the rows (not kept: the caller caches the body it builds).
 * @throws ProblemError `INVALID_ITEM_ID`, `NOT_FOUND` (also for an item the caller may not read)
 */
async function readableItemWithHistory(reads: ProvenanceReads, request: FastifyRequest, id: string, want: 'rows'): Promise<WithHistory>;
async function readableItemWithHistory(
    reads: ProvenanceReads,
    request: FastifyRequest,
    id: string,
    want: 'rows' | 'body:history',
): Promise<WithHistory | WithBody>;
async function readableItemWithHistory(
    reads: ProvenanceReads,
    request: FastifyRequest,
    id: string,
    want: 'rows' | 'body:history',
): Promise<WithHistory | WithBody> {
    const { projection, cache } = reads;
    const sgtin = await sgtinNamed(projection, id);
    if (sgtin === undefined) throw notFound(id);
    cache?.noteRead(sgtin);
    const cachedItem = cache?.get<ItemRow>(sgtin, 'item');
    if (cachedItem !== undefined) {
        await assertReadable(reads, request, cachedItem, id);
        const body = want === 'body:history' ? cache?.get<string>(sgtin, 'body:history') : undefined;
        if (body !== undefined) return { item: cachedItem, body };
        return { item: cachedItem, history: await boundedHistory(reads, sgtin, want === 'rows') };
    }
    const epoch = cache?.epoch() ?? 0;
    const found = await projection.findItemWithHistory(sgtin, MAX_HISTORY_EVENTS + 1);
    if (found === undefined) throw notFound(id);
    const history = bounded(found.history);
    if (cache !== undefined) {
        cache.set(sgtin, 'item', found.item, itemBytes(found.item), epoch);
        if (want === 'rows') cache.set(sgtin, 'history', history, historyBytes(history), epoch);
    }
    await assertReadable(reads, request, found.item, id);
    return { item: found.item, history };
}

function toItemResponse(item: ItemRow) {
    return {
        sgtin: item.sgtin,
        traceCode: item.traceCode,
        gtin: item.gtin,
        status: item.status,
        holder: item.holder,
        location: item.location,
        regime: item.regime,
        held: item.held,
        lastTxId: item.lastTxId,
        lastBlock: item.lastBlock.toString(),
        lastEventTime: item.lastEventTime.toISOString(),
        record: item.record,
    };
}

function toHistoryEvent(event: ItemEventRow) {
    return {
        txId: event.txId,
        blockNumber: event.blockNumber.toString(),
        txSeq: event.txSeq,
        type: event.type,
        eventTime: event.eventTime.toISOString(),
        recordTime: event.recordTime.toISOString(),
        actor: event.actor,
        item: event.item,
        epcis: event.epcis,
    };
}

/**
 * Read one page more than returned, to tell whether the history was cut.
 *
 * @param cacheRows - Keep the rows in the read cache (the JSON history caches its serialised body instead).
 */
async function boundedHistory(reads: ProvenanceReads, sgtin: string, cacheRows = true): Promise<BoundedHistory> {
    return readThrough(cacheRows ? reads.cache : undefined, sgtin, 'history', async () => bounded(await reads.projection.history(sgtin, MAX_HISTORY_EVENTS + 1)), historyBytes);
}

/** Whether an `If-None-Match` header matches `etag` (weak comparison, as RFC 9110 prescribes for it). */
function notModified(request: FastifyRequest, etag: string): boolean {
    const header = request.headers['if-none-match'];
    if (header === undefined) return false;
    const opaque = (tag: string) => (tag.startsWith('W/') ? tag.slice(2) : tag);
    const wanted = opaque(etag);
    return header.split(',').some((tag) => {
        const trimmed = tag.trim();
        return trimmed === '*' || opaque(trimmed) === wanted;
    });
}

/**
 * Send a JSON body serialised by the route's 200 schema, reusing the cached serialisation of the item's state.
 *
 * @param readEpoch - The cache epoch taken when the request began (before any read).
 * @param cached - The cached body, when the caller already looked it up.
 */
function sendJson(
    reply: FastifyReply,
    cache: ProjectionReadCache | undefined,
    sgtin: string,
    slot: string,
    readEpoch: number,
    build: () => unknown,
    cached?: string,
) {
    if (cache === undefined) return reply.send(build());
    let body = cached ?? cache.get<string>(sgtin, slot);
    if (body === undefined) {
        body = reply.serialize(build()) as string;
        cache.set(sgtin, slot, body, body.length, readEpoch);
    }
    return reply.type(JSON_TYPE).send(body);
}

/** Routes under `/v1/items`. */
const itemsRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
    const projection = fastify.repositories.projection;
    const cache = fastify.readCache;
    const reads: ProvenanceReads = { projection, cache };

    fastify.get(
        '/items/:id',
        {
            schema: {
                tags: ['provenance'],
                summary: 'An item as it is now (customs: any; an enterprise: items it held or was sent)',
                params: ItemParams,
                response: { 200: ItemResponse, 304: NotModified, 404: Problem, ...authenticatedErrors },
            },
        },
        async (request, reply) => {
            const epoch = cache?.epoch() ?? 0;
            const item = await readableItem(reads, request, request.params.id);
            const etag = `"i1-${item.lastTxId}"`;
            reply.header('etag', etag);
            if (notModified(request, etag)) return reply.code(304).send(null);
            return sendJson(reply, cache, item.sgtin, 'body:item', epoch, () => toItemResponse(item));
        },
    );

    fastify.get(
        '/items/:id/history',
        {
            schema: {
                tags: ['provenance'],
                summary: 'Every transaction that touched the item, in chain order; ?format=epcis for an EPCIS 2.0 query document',
                params: ItemParams,
                querystring: HistoryQuery,
                response: { 200: Type.Union([HistoryResponse, EpcisQueryDocumentSchema]), 304: NotModified, 404: Problem, ...authenticatedErrors },
            },
        },
        async (request, reply) => {
            const epoch = cache?.epoch() ?? 0;
            const epcis = request.query.format === 'epcis';
            const read = await readableItemWithHistory(reads, request, request.params.id, epcis ? 'rows' : 'body:history');
            const { item } = read;
            // The EPCIS document is stamped with its creation time: equivalent, not identical, hence a weak tag.
            const etag = epcis ? `W/"e1-${item.lastTxId}"` : `"h1-${item.lastTxId}"`;
            reply.header('etag', etag);
            if (notModified(request, etag)) return reply.code(304).send(null);
            if (read.body !== undefined) return sendJson(reply, cache, item.sgtin, 'body:history', epoch, () => undefined, read.body);
            const { events, truncated } = read.history;
            if (epcis) {
                // Each transaction's events once, in chain order (a transaction may name the item in several).
                const eventList = events.flatMap((event) => event.epcis);
                return reply.type('application/ld+json').send(newEpcisQueryDocument(eventList, new Date(), 'ItemHistory'));
            }
            return sendJson(reply, cache, item.sgtin, 'body:history', epoch, () => ({
                sgtin: item.sgtin,
                item: toItemResponse(item),
                events: events.map(toHistoryEvent),
                truncated,
            }));
        },
    );

    fastify.get(
        '/items/:id/dossier',
        {
            schema: {
                tags: ['provenance'],
                summary: 'Provenance dossier: the history with, per transaction, block number, tx id and the chaincode event payload and its SHA-256',
                params: ItemParams,
                response: { 200: DossierResponse, 404: Problem, ...authenticatedErrors },
            },
        },
        async (request) => {
            const { item, history } = await readableItemWithHistory(reads, request, request.params.id, 'rows');
            const { events, truncated } = history;
            const payloads = new Map((await projection.transactions(events.map((event) => event.txId))).map((tx) => [tx.txId, tx]));
            return {
                dossierVersion: 1 as const,
                generatedAt: new Date().toISOString(),
                subject: { sgtin: item.sgtin, traceCode: item.traceCode, gtin: item.gtin },
                item: toItemResponse(item),
                ledger: {
                    chaincodeEventName: LEDGER_EVENT_NAME,
                    payloadEncoding: 'canonical JSON in UTF-8: object keys sorted by UTF-16 code units, no whitespace, integers only',
                    hashAlgorithm: 'SHA-256 of the chaincode event payload bytes',
                },
                transactions: events.map((event) => ({
                    txId: event.txId,
                    blockNumber: event.blockNumber.toString(),
                    txSeq: event.txSeq,
                    type: event.type,
                    eventTime: event.eventTime.toISOString(),
                    chaincodeEvent: {
                        name: LEDGER_EVENT_NAME,
                        payloadSha256: event.payloadSha256,
                        payload: payloads.get(event.txId)?.payload ?? null,
                    },
                })),
                verification: [
                    'For each transaction, encode chaincodeEvent.payload as canonical JSON and check its SHA-256 equals payloadSha256.',
                    'Check payload.txId equals txId and that the item matches the history, oldest first: in payload.items, or, when payload.v is 2, ' +
                        'in payload.itemGroups (each group is one record, without sgtin, shared by the items in its sgtins list).',
                    'On the chain: the block numbered blockNumber holds a VALID transaction txId whose chaincode event is ' +
                        `${LEDGER_EVENT_NAME} with exactly these payload bytes (fetch the block from a peer, or replay the ` +
                        'chaincode events of that block, and compare the hash).',
                ],
                truncated,
            };
        },
    );
};

export default itemsRoutes;
