/**
 * The binding's read resources: `GET /events` with the EPCIS query parameters, `/events/{eventID}`, the top-level
 * collections (`/eventTypes`, `/epcs`, `/bizSteps`, `/bizLocations`, `/readPoints`, `/dispositions`) and the events
 * of one member of each (`/epcs/{epc}/events`, `/bizSteps/{bizStep}/events`, ...). HTTP mapping only: parsing and
 * tenancy are the EPCIS service's.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { EpcisCondition, EpcisQuery } from '../../domain/epcis-query';
import { EPCIS_EVENT_TYPES } from '@hainan/ledger-model';
import { newProblem } from '../../errors';
import { EPCIS_CONTEXT_URL, newEpcisQueryDocument } from '../../projection/epcis-document';
import type { EpcisVocabulary } from '../../repositories/epcis';
import { ownerOf, parseQuery, type EpcisService } from '../../services/epcis/epcis-service';
import { linkNext, perPageOf, queryParameters, tokenOf } from './binding';

/** Options: the service the scope built. */
export interface EpcisEventsOptions {
  service: EpcisService;
}

/** The top-level resources (binding `TopLevelResources`). */
const TOP_LEVEL = ['events', 'eventTypes', 'epcs', 'bizSteps', 'bizLocations', 'readPoints', 'dispositions', 'queries'];

const collection = (member: readonly string[]) => ({ '@context': EPCIS_CONTEXT_URL, type: 'Collection', member });

/** Longest value a path segment may name. */
const VALUE_MAX_LENGTH = 2_000;

/** The collections listed from the events, their vocabulary, and the query parameter `/{collection}/{value}/events` is. */
const COLLECTIONS: readonly { path: string; vocabulary: EpcisVocabulary; parameter: string }[] = [
  { path: 'epcs', vocabulary: 'epc', parameter: 'MATCH_anyEPC' },
  { path: 'bizSteps', vocabulary: 'bizStep', parameter: 'EQ_bizStep' },
  { path: 'bizLocations', vocabulary: 'bizLocation', parameter: 'EQ_bizLocation' },
  { path: 'readPoints', vocabulary: 'readPoint', parameter: 'EQ_readPoint' },
  { path: 'dispositions', vocabulary: 'disposition', parameter: 'EQ_disposition' },
];

/** The query of the request's parameters and, for a resource's events, the resource's own parameter (one value). */
function requestQuery(request: FastifyRequest, own?: { parameter: string; value: string }): EpcisQuery {
  const query = parseQuery(queryParameters(request.query));
  if (own === undefined) return query;
  if (own.value.length === 0 || own.value.length > VALUE_MAX_LENGTH || own.value.includes('|')) {
    throw newProblem('EPCIS_QUERY_PARAMETER', `the path names no single value of ${own.parameter}`);
  }
  const conditions: EpcisCondition[] = [...parseQuery({ [own.parameter]: own.value }).conditions, ...query.conditions];
  return { ...query, conditions };
}

const epcisEventsRoutes: FastifyPluginAsync<EpcisEventsOptions> = async (fastify, { service }) => {
  async function sendEvents(
    request: FastifyRequest,
    reply: FastifyReply,
    query: EpcisQuery,
    queryName = 'SimpleEventQuery',
  ): Promise<unknown> {
    const q = request.query as Record<string, unknown>;
    const page = await service.eventsPage(
      ownerOf(request.principal),
      query,
      perPageOf(q.perPage),
      tokenOf(q.nextPageToken),
    );
    linkNext(request, reply, page.nextPageToken);
    return newEpcisQueryDocument(
      page.events.map((e) => e.event),
      new Date(),
      queryName,
    );
  }

  async function sendValues(request: FastifyRequest, reply: FastifyReply, vocabulary: EpcisVocabulary) {
    const q = request.query as Record<string, unknown>;
    const extra = Object.keys(queryParameters(q));
    if (extra.length > 0)
      throw newProblem('EPCIS_QUERY_PARAMETER', `unknown query parameter ${extra[0]?.slice(0, 100)}`);
    const page = await service.valuesPage(
      ownerOf(request.principal),
      vocabulary,
      perPageOf(q.perPage),
      tokenOf(q.nextPageToken),
    );
    linkNext(request, reply, page.nextPageToken);
    return collection(page.values);
  }

  const describe = (summary: string) => ({ schema: { tags: ['epcis'], summary } });

  fastify.get('/', describe('EPCIS 2.0: the top-level resources'), async () => collection(TOP_LEVEL));

  fastify.get(
    '/events',
    describe(
      'EPCIS 2.0: events matching the query parameters (EPCIS query language), paged by perPage / nextPageToken',
    ),
    async (request, reply) => sendEvents(request, reply, requestQuery(request)),
  );

  fastify.get<{ Params: { eventID: string } }>(
    '/events/:eventID',
    describe('EPCIS 2.0: the event(s) with this eventID'),
    async (request, reply) => {
      const document = (await sendEvents(
        request,
        reply,
        requestQuery(request, { parameter: 'EQ_eventID', value: request.params.eventID }),
      )) as ReturnType<typeof newEpcisQueryDocument>;
      if (document.epcisBody.queryResults.resultsBody.eventList.length === 0) {
        throw newProblem('NOT_FOUND', 'no event with this eventID that the caller may see');
      }
      return document;
    },
  );

  fastify.get('/eventTypes', describe('EPCIS 2.0: the event types'), async () => collection(EPCIS_EVENT_TYPES));

  fastify.get<{ Params: { eventType: string } }>(
    '/eventTypes/:eventType/events',
    describe('EPCIS 2.0: events of one type'),
    async (request, reply) =>
      sendEvents(request, reply, requestQuery(request, { parameter: 'eventType', value: request.params.eventType })),
  );

  for (const { path, vocabulary, parameter } of COLLECTIONS) {
    fastify.get(`/${path}`, describe(`EPCIS 2.0: the ${path} known to this repository`), async (request, reply) =>
      sendValues(request, reply, vocabulary),
    );
    fastify.get<{ Params: { value: string } }>(
      `/${path}/:value/events`,
      describe(`EPCIS 2.0: events of one of the ${path}`),
      async (request, reply) =>
        sendEvents(request, reply, requestQuery(request, { parameter, value: request.params.value })),
    );
  }
};

export default epcisEventsRoutes;
