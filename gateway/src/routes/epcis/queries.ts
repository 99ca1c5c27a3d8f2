/**
 * Named queries (`POST /queries`, `GET /queries`, `GET|DELETE /queries/{queryName}`), their results
 * (`GET /queries/{queryName}/events`, paged) and their WebSocket stream subscriptions (the same URL with
 * `Upgrade: websocket` and `stream=true`; resume with `nextPageToken`, start with `initialRecordTime`). A query
 * belongs to its owner: customs as a whole, or one enterprise, whose subscriptions see only its own events.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import type { WebSocket } from '@fastify/websocket';
import { newProblem } from '../../errors';
import { newEpcisQueryDocument } from '../../projection/epcis-document';
import type { EpcisPosition } from '../../repositories/epcis';
import { decodeCursor } from '../../services/epcis/cursor';
import { QUERY_NAME, ownerOf, visibleToOf, type EpcisService } from '../../services/epcis/epcis-service';
import type { EventStreams, StreamSpec } from '../../services/epcis/event-streams';
import { streamQuery } from '../../services/epcis/stream-query';
import { randomUUID } from 'node:crypto';
import { linkNext, perPageOf, queryParameters, tokenOf } from './binding';
import { initialRecordTimeOf } from './subscription-controls';

/** Options: what the scope built. */
export interface EpcisQueriesOptions {
  service: EpcisService;
  streams: EventStreams;
}

/** Largest query object: keys (the parser refuses more parameters anyway). */
const MAX_QUERY_KEYS = 60;

const QueryName = Type.String({ pattern: QUERY_NAME.source, maxLength: 100 });
const CreateQuery = Type.Object(
  {
    name: QueryName,
    query: Type.Object({}, { additionalProperties: true, maxProperties: MAX_QUERY_KEYS }),
  },
  { additionalProperties: false },
);
const NameParams = Type.Object({ queryName: Type.String({ maxLength: 200 }) });

/** The stream parameters of a WebSocket subscription (the binding's GS1-Query-* as query parameters). */
const STREAM_PARAMETERS = ['stream', 'initialRecordTime', 'reportIfEmpty', 'nextPageToken'];
const SCHEDULE_PARAMETERS = ['second', 'minute', 'hour', 'dayOfMonth', 'month', 'dayOfWeek'];

/** What the preValidation hook prepared for the WebSocket handler. */
const prepared = new WeakMap<FastifyRequest, Omit<StreamSpec, 'sink'>>();

const epcisQueriesRoutes: FastifyPluginAsyncTypebox<EpcisQueriesOptions> = async (fastify, { service, streams }) => {
  const describe = (summary: string) => ({ tags: ['epcis'], summary });

  fastify.post(
    '/queries',
    { schema: { ...describe('EPCIS 2.0: create a named query'), body: CreateQuery } },
    async (request, reply) => {
      const { name, query } = request.body;
      await service.createQuery(ownerOf(request.principal), name, query as Record<string, unknown>);
      reply.code(201).header('location', `${request.url.split('?')[0]}/${encodeURIComponent(name)}`);
      return { name, query };
    },
  );

  fastify.get(
    '/queries',
    { schema: describe('EPCIS 2.0: the named queries of the caller') },
    async (request, reply) => {
      const q = request.query as Record<string, unknown>;
      const page = await service.listQueries(
        ownerOf(request.principal),
        perPageOf(q.perPage),
        tokenOf(q.nextPageToken),
      );
      linkNext(request, reply, page.nextPageToken);
      return page.queries.map(({ name, query }) => ({ name, query }));
    },
  );

  fastify.get(
    '/queries/:queryName',
    { schema: { ...describe('EPCIS 2.0: a named query'), params: NameParams } },
    async (request) => {
      const { name, query } = await service.namedQuery(ownerOf(request.principal), request.params.queryName);
      return { name, query };
    },
  );

  fastify.delete(
    '/queries/:queryName',
    { schema: { ...describe('EPCIS 2.0: delete a named query and its subscriptions'), params: NameParams } },
    async (request, reply) => {
      await service.deleteQuery(ownerOf(request.principal), request.params.queryName);
      return reply.code(204).send();
    },
  );

  fastify.route<{ Params: { queryName: string } }>({
    method: 'GET',
    url: '/queries/:queryName/events',
    schema: {
      ...describe('EPCIS 2.0: the results of a named query; with Upgrade: websocket and stream=true, a subscription'),
      params: NameParams,
    },
    // Everything a WebSocket subscription can be refused for is decided here, before the upgrade, so the refusal is
    // an HTTP problem+json answer instead of a closed socket.
    preValidation: async (request) => {
      if (!request.ws) return;
      const owner = ownerOf(request.principal);
      const named = await service.namedQuery(owner, request.params.queryName);
      const q = request.query as Record<string, unknown>;
      const scheduled = SCHEDULE_PARAMETERS.filter((name) => q[name] !== undefined);
      if (scheduled.length > 0) {
        throw newProblem(
          'EPCIS_SUBSCRIPTION_CONTROLS',
          'scheduled subscriptions are not offered; subscribe with stream=true to be told of each new event',
        );
      }
      if (q.stream !== 'true')
        throw newProblem('EPCIS_SUBSCRIPTION_CONTROLS', 'a WebSocket subscription needs stream=true');
      const unknown = Object.keys(queryParameters(q, STREAM_PARAMETERS));
      if (unknown.length > 0)
        throw newProblem('EPCIS_QUERY_PARAMETER', `unknown query parameter ${unknown[0]?.slice(0, 100)}`);
      if (streams.full()) {
        throw newProblem('UNAVAILABLE', 'this gateway process holds as many streams as it may; retry', {
          headers: { 'retry-after': '5' },
          expose: true,
        });
      }
      const query = streamQuery(named.parsed);
      const token = tokenOf(q.nextPageToken);
      const initialRecordTime = initialRecordTimeOf(
        q.initialRecordTime ?? request.headers['gs1-query-initialrecordtime'],
      );
      let after: EpcisPosition | undefined;
      if (token !== undefined) after = decodeCursor(query, token).after;
      else after = await fastify.repositories.epcis.latestPosition(initialRecordTime);
      prepared.set(request, {
        subscriptionId: randomUUID(),
        queryName: named.name,
        query,
        visibleTo: visibleToOf(owner),
        after,
      });
    },
    handler: async (request, reply) => {
      const q = request.query as Record<string, unknown>;
      const extra = Object.keys(queryParameters(q));
      if (extra.length > 0)
        throw newProblem('EPCIS_QUERY_PARAMETER', `unknown query parameter ${extra[0]?.slice(0, 100)}`);
      const named = await service.namedQuery(ownerOf(request.principal), request.params.queryName);
      const page = await service.eventsPage(
        ownerOf(request.principal),
        named.parsed,
        perPageOf(q.perPage),
        tokenOf(q.nextPageToken),
      );
      linkNext(request, reply, page.nextPageToken);
      return newEpcisQueryDocument(
        page.events.map((e) => e.event),
        new Date(),
        named.name,
      );
    },
    wsHandler: (socket: WebSocket, request: FastifyRequest) => {
      const spec = prepared.get(request);
      if (spec === undefined) {
        socket.close(1011, 'subscription not prepared');
        return;
      }
      const close = streams.open({
        ...spec,
        sink: {
          send: (text) => socket.send(text),
          bufferedBytes: () => socket.bufferedAmount,
          close: (code, reason) => socket.close(code, reason),
        },
      });
      socket.on('close', close);
      socket.on('error', close);
      // Clients send nothing the binding defines; whatever they send is ignored.
      socket.on('message', () => undefined);
    },
  });
};

export default epcisQueriesRoutes;
