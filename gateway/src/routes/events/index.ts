/**
 * The EPCIS 2.0 query subset over the projection: `GET /v1/events` with `MATCH_epc`, `EQ_bizStep`,
 * `EQ_bizLocation`, `GE_eventTime`, `LT_eventTime`, `perPage` and `nextPageToken` (keyset pagination in chain
 * order, so pages neither skip nor repeat events while new ones arrive). Customs sees every event; an enterprise or
 * operator the events that name an item it held or was sent.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { EpcisEventKey } from '../../repositories/projection';
import { newProblem } from '../../errors';
import { newEpcisQueryDocument } from '../../projection/epcis-document';
import { decodePageToken, encodePageToken } from '../../page-token';
import { authenticatedErrors } from '../schemas';
import { DEFAULT_PER_PAGE, EventsQuery, EventsResponse, MAX_LIST_VALUES } from './schema';

/** CBV 2.0 bizStep URI prefix; the chaincode stores short names (`shipping`), the standard allows both. */
const CBV_BIZSTEP_PREFIX = 'https://ref.gs1.org/cbv/BizStep-';

/** Token version: bumped if the keyset ever changes, so old tokens are refused instead of misread. */
const TOKEN_VERSION = 1;

/**
 * Encode a page position as an opaque token.
 *
 * @param key - The last event of the page.
 * @returns base64url text.
 */
export function encodeEventsToken(key: EpcisEventKey): string {
  return encodePageToken(TOKEN_VERSION, [key.blockNumber.toString(), key.txSeq, key.eventSeq]);
}

/**
 * Decode a token from {@link encodeEventsToken}.
 *
 * @throws ProblemError `INVALID_PAGE_TOKEN`
 */
export function decodeEventsToken(token: string): EpcisEventKey {
  return decodePageToken(token, TOKEN_VERSION, 3, ([block, txSeq, eventSeq]) =>
    typeof block === 'string' &&
    /^\d{1,20}$/.test(block) &&
    Number.isSafeInteger(txSeq) &&
    Number.isSafeInteger(eventSeq)
      ? { blockNumber: BigInt(block), txSeq: txSeq as number, eventSeq: eventSeq as number }
      : undefined,
  );
}

function splitList(name: string, value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const values = value
    .split(/[|,]/)
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
  if (values.length > MAX_LIST_VALUES) {
    throw newProblem('VALIDATION_FAILED', `${name} has ${values.length} values; at most ${MAX_LIST_VALUES}`);
  }
  return values;
}

/** Routes under `/v1/events`. */
const eventsRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const projection = fastify.repositories.projection;

  fastify.get(
    '/events',
    {
      schema: {
        tags: ['provenance'],
        summary: 'EPCIS 2.0 event query (subset): customs all events, an enterprise the events of items it held',
        querystring: EventsQuery,
        response: { 200: EventsResponse, ...authenticatedErrors },
      },
    },
    async (request, reply) => {
      const query = request.query;
      const perPage = query.perPage ?? DEFAULT_PER_PAGE;
      const bizSteps = splitList('EQ_bizStep', query.EQ_bizStep)?.map((step) =>
        step.startsWith(CBV_BIZSTEP_PREFIX) ? step.slice(CBV_BIZSTEP_PREFIX.length) : step,
      );
      const epcs = splitList('MATCH_epc', query.MATCH_epc);
      const bizLocations = splitList('EQ_bizLocation', query.EQ_bizLocation);
      const { principal } = request;
      const visibleTo = principal.role === 'customs' ? undefined : (principal.enterpriseId ?? '');
      const rows = await projection.epcisEvents({
        ...(epcs === undefined ? {} : { epcs }),
        ...(bizSteps === undefined ? {} : { bizSteps }),
        ...(bizLocations === undefined ? {} : { bizLocations }),
        ...(query.GE_eventTime === undefined ? {} : { eventTimeFrom: query.GE_eventTime }),
        ...(query.LT_eventTime === undefined ? {} : { eventTimeBefore: query.LT_eventTime }),
        ...(visibleTo === undefined ? {} : { visibleTo }),
        ...(query.nextPageToken === undefined ? {} : { after: decodeEventsToken(query.nextPageToken) }),
        limit: perPage + 1,
      });
      const page = rows.slice(0, perPage);
      const last = page[page.length - 1];
      const nextPageToken = rows.length > perPage && last ? encodeEventsToken(last) : undefined;
      if (nextPageToken !== undefined) {
        const next = new URLSearchParams(request.query as Record<string, string>);
        next.set('nextPageToken', nextPageToken);
        reply.header('link', `</v1/events?${next.toString()}>; rel="next"`);
      }
      return {
        ...newEpcisQueryDocument(
          page.map((row) => row.event),
          new Date(),
        ),
        ...(nextPageToken === undefined ? {} : { nextPageToken }),
      };
    },
  );
};

export default eventsRoutes;
