/**
 * Provenance from the projection (fast, no ledger round trip): `GET /v1/items/{id}` (the item now),
 * `GET /v1/items/{id}/history` (every transaction that touched it, in chain order; `?format=epcis` for an EPCIS 2.0
 * query document) and `GET /v1/items/{id}/dossier` (what a third party needs to check the history against the chain
 * offline). Customs may read any item; an enterprise or operator only items it held or was sent.
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { newProjectionRepository, type ItemEventRow, type ItemRow, type ProjectionRepository } from '../../adapters/pg';
import { newProblem } from '../../errors';
import { LEDGER_EVENT_NAME } from '../../projection/ledger-event';
import { newEpcisQueryDocument } from '../../projection/epcis-document';
import { Problem, authenticatedErrors } from '../schemas';
import { parseItemId } from './item-id';
import { DossierResponse, EpcisQueryDocumentSchema, HistoryQuery, HistoryResponse, ItemParams, ItemResponse } from './schema';

/** Most history entries returned for one item (the chaincode keeps the same bound on `GetItemHistory`). */
export const MAX_HISTORY_EVENTS = 1_000;

/**
 * Find the item an id names and check the caller may read it.
 *
 * @throws ProblemError `INVALID_ITEM_ID`, `NOT_FOUND`, `FORBIDDEN_TENANT`
 */
async function readableItem(projection: ProjectionRepository, request: FastifyRequest, id: string): Promise<ItemRow> {
    const ref = parseItemId(id);
    if (ref === undefined) {
        throw newProblem('INVALID_ITEM_ID', `${JSON.stringify(id.slice(0, 80))} is not an SGTIN URN, SGTIN EPC hex, GS1 Digital Link or 16-digit code`);
    }
    const sgtin =
        ref.kind === 'sgtin'
            ? ref.sgtin
            : ref.kind === 'traceCode'
              ? await projection.findSgtinByTraceCode(ref.code)
              : await projection.findSgtinByGtinSerial(ref.gtin, ref.serial);
    const item = sgtin === undefined ? undefined : await projection.findItem(sgtin);
    if (!item) {
        throw newProblem('NOT_FOUND', `no item ${id} on the ledger (as far as the projection has followed it)`);
    }
    const { principal } = request;
    if (principal.role !== 'customs' && (principal.enterpriseId === null || !(await projection.isParty(item.sgtin, principal.enterpriseId)))) {
        throw newProblem('FORBIDDEN_TENANT', `enterprise ${principal.enterpriseId ?? '(none)'} never held item ${item.sgtin}`);
    }
    return item;
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

/** Read one page more than returned, to tell whether the history was cut. */
async function boundedHistory(projection: ProjectionRepository, sgtin: string): Promise<{ events: ItemEventRow[]; truncated: boolean }> {
    const rows = await projection.history(sgtin, MAX_HISTORY_EVENTS + 1);
    return { events: rows.slice(0, MAX_HISTORY_EVENTS), truncated: rows.length > MAX_HISTORY_EVENTS };
}

/** Routes under `/v1/items`. */
const itemsRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
    const projection = newProjectionRepository(fastify.db);

    fastify.get(
        '/items/:id',
        {
            schema: {
                tags: ['provenance'],
                summary: 'An item as it is now (customs: any; an enterprise: items it held or was sent)',
                params: ItemParams,
                response: { 200: ItemResponse, 404: Problem, ...authenticatedErrors },
            },
        },
        async (request) => toItemResponse(await readableItem(projection, request, request.params.id)),
    );

    fastify.get(
        '/items/:id/history',
        {
            schema: {
                tags: ['provenance'],
                summary: 'Every transaction that touched the item, in chain order; ?format=epcis for an EPCIS 2.0 query document',
                params: ItemParams,
                querystring: HistoryQuery,
                response: { 200: Type.Union([HistoryResponse, EpcisQueryDocumentSchema]), 404: Problem, ...authenticatedErrors },
            },
        },
        async (request, reply) => {
            const item = await readableItem(projection, request, request.params.id);
            const { events, truncated } = await boundedHistory(projection, item.sgtin);
            if (request.query.format === 'epcis') {
                // Each transaction's events once, in chain order (a transaction may name the item in several).
                const eventList = events.flatMap((event) => event.epcis);
                return reply.type('application/ld+json').send(newEpcisQueryDocument(eventList, new Date(), 'ItemHistory'));
            }
            return reply.send({ sgtin: item.sgtin, item: toItemResponse(item), events: events.map(toHistoryEvent), truncated });
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
            const item = await readableItem(projection, request, request.params.id);
            const { events, truncated } = await boundedHistory(projection, item.sgtin);
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
                    'Check payload.txId equals txId and that the item in payload.items matches the history, oldest first.',
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
