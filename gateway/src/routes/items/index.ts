/**
 * Provenance from the projection (fast, no ledger round trip): `GET /v1/items/{id}` (the item now),
 * `GET /v1/items/{id}/history` (every transaction that touched it, in chain order; `?format=epcis` for an EPCIS 2.0
 * query document) and `GET /v1/items/{id}/dossier` (what a third party needs to check the history against the chain
 * offline). Customs may read any item; an enterprise or operator only items it held or was sent.
 *
 * The reads, the access rule and the read-cache policy are the provenance service's (services/provenance); these
 * routes map HTTP: item and JSON history responses carry an ETag (the item's last transaction id names its state),
 * `If-None-Match` gets 304, and the serialised JSON bodies are reused through the service's cache.
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ItemEventRow, ItemRow } from '../../repositories/projection';
import { LEDGER_EVENT_NAME } from '../../projection/ledger-event';
import { newEpcisQueryDocument } from '../../projection/epcis-document';
import { HISTORY_BODY_SLOT, type ProvenanceService } from '../../services/provenance/provenance-service';
import { Problem, authenticatedErrors } from '../schemas';
import {
  DossierResponse,
  EpcisQueryDocumentSchema,
  HistoryQuery,
  HistoryResponse,
  ItemParams,
  ItemResponse,
} from './schema';

/** Content type of a pre-serialised JSON body (Fastify sends a string with a JSON type as it is). */
const JSON_TYPE = 'application/json; charset=utf-8';

/** 304: the `If-None-Match` ETag still names the item's state. */
const NotModified = Type.Null({ description: 'Not modified: If-None-Match matched the ETag' });

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
  provenance: ProvenanceService,
  sgtin: string,
  slot: string,
  readEpoch: number,
  build: () => unknown,
  cached?: string,
) {
  if (!provenance.caching) return reply.send(build());
  let body = cached ?? provenance.cachedBody(sgtin, slot);
  if (body === undefined) {
    body = reply.serialize(build()) as string;
    provenance.keepBody(sgtin, slot, body, readEpoch);
  }
  return reply.type(JSON_TYPE).send(body);
}

/** Options of the item routes. */
export interface ItemRoutesOptions {
  /** The provenance use cases (one per app: they hold the read-cache policy). */
  provenance: ProvenanceService;
}

/** Routes under `/v1/items`. */
const itemsRoutes: FastifyPluginAsyncTypebox<ItemRoutesOptions> = async (fastify, { provenance }) => {
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
      const epoch = provenance.readEpoch();
      const item = await provenance.readableItem(request.principal, request.params.id);
      const etag = `"i1-${item.lastTxId}"`;
      reply.header('etag', etag);
      if (notModified(request, etag)) return reply.code(304).send(undefined as unknown as null); // no payload at all: a 304 has no body ("null" is one)
      return sendJson(reply, provenance, item.sgtin, 'body:item', epoch, () => toItemResponse(item));
    },
  );

  fastify.get(
    '/items/:id/history',
    {
      schema: {
        tags: ['provenance'],
        summary:
          'Every transaction that touched the item, in chain order; ?format=epcis for an EPCIS 2.0 query document',
        params: ItemParams,
        querystring: HistoryQuery,
        response: {
          200: Type.Union([HistoryResponse, EpcisQueryDocumentSchema]),
          304: NotModified,
          404: Problem,
          ...authenticatedErrors,
        },
      },
    },
    async (request, reply) => {
      const epoch = provenance.readEpoch();
      const epcis = request.query.format === 'epcis';
      const read = await provenance.readableItemWithHistory(
        request.principal,
        request.params.id,
        epcis ? 'rows' : HISTORY_BODY_SLOT,
      );
      const { item } = read;
      // The EPCIS document is stamped with its creation time: equivalent, not identical, hence a weak tag.
      const etag = epcis ? `W/"e1-${item.lastTxId}"` : `"h1-${item.lastTxId}"`;
      reply.header('etag', etag);
      if (notModified(request, etag)) return reply.code(304).send(undefined as unknown as null); // no payload at all: a 304 has no body ("null" is one)
      if (read.body !== undefined)
        return sendJson(reply, provenance, item.sgtin, HISTORY_BODY_SLOT, epoch, () => undefined, read.body);
      const { events, truncated } = read.history;
      if (epcis) {
        // Each transaction's events once, in chain order (a transaction may name the item in several).
        const eventList = events.flatMap((event) => event.epcis);
        return reply.type('application/ld+json').send(newEpcisQueryDocument(eventList, new Date(), 'ItemHistory'));
      }
      return sendJson(reply, provenance, item.sgtin, HISTORY_BODY_SLOT, epoch, () => ({
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
        summary:
          'Provenance dossier: the history with, per transaction, block number, tx id and the chaincode event payload and its SHA-256',
        params: ItemParams,
        response: { 200: DossierResponse, 404: Problem, ...authenticatedErrors },
      },
    },
    async (request) => {
      const { item, history } = await provenance.readableItemWithHistory(request.principal, request.params.id, 'rows');
      const { events, truncated } = history;
      const payloads = new Map(
        (await provenance.transactions(events.map((event) => event.txId))).map((tx) => [tx.txId, tx]),
      );
      return {
        dossierVersion: 1 as const,
        generatedAt: new Date().toISOString(),
        subject: { sgtin: item.sgtin, traceCode: item.traceCode, gtin: item.gtin },
        item: toItemResponse(item),
        ledger: {
          chaincodeEventName: LEDGER_EVENT_NAME,
          payloadEncoding:
            'canonical JSON in UTF-8: object keys sorted by UTF-16 code units, no whitespace, integers only',
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
