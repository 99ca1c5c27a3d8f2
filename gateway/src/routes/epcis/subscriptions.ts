/**
 * Webhook subscriptions of a named query (`POST|GET /queries/{queryName}/subscriptions`,
 * `GET|DELETE /queries/{queryName}/subscriptions/{subscriptionID}`). A subscription is a stream subscription
 * (`stream: true`): each new matching event is POSTed to `dest` once (services/epcis/webhook-dispatcher.ts);
 * scheduled subscriptions are refused. `dest` must be http(s) and not a private address unless the operator allowed
 * its host; the `signatureToken` is kept for signing (`GS1-Signature`) and never shown back.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import { destinationProblem } from '../../domain/webhook-destination';
import { newProblem } from '../../errors';
import type { SubscriptionRow } from '../../repositories/epcis';
import { ownerOf } from '../../services/epcis/epcis-service';
import { linkNext, perPageOf, tokenOf } from './binding';
import { initialRecordTimeOf } from './subscription-controls';

/** Options of the subscription routes. */
export interface EpcisSubscriptionsOptions {
  /** Hosts a `dest` may name even when private (`EPCIS_WEBHOOK_ALLOWED_HOSTS`). */
  webhookAllowedHosts: readonly string[];
}

const Params = Type.Object({ queryName: Type.String({ maxLength: 200 }) });
const OneParams = Type.Object({
  queryName: Type.String({ maxLength: 200 }),
  subscriptionID: Type.String({ maxLength: 100 }),
});
const CreateSubscription = Type.Object(
  {
    dest: Type.String({ minLength: 1, maxLength: 2_000 }),
    signatureToken: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    stream: Type.Optional(Type.Boolean()),
    schedule: Type.Optional(Type.Object({}, { additionalProperties: true, maxProperties: 10 })),
    reportIfEmpty: Type.Optional(Type.Boolean()),
    initialRecordTime: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

/** A subscription as the binding shows it (never the secret). */
function view(row: SubscriptionRow) {
  return {
    subscriptionID: row.id,
    queryName: row.queryName,
    dest: row.dest,
    stream: true,
    createdAt: row.createdAt.toISOString(),
    ...(row.lastNotifiedAt === null ? {} : { lastNotifiedAt: row.lastNotifiedAt.toISOString() }),
    ...(row.initialRecordTime === null ? {} : { initialRecordTime: row.initialRecordTime }),
    active: row.active,
    ...(row.lastError === null ? {} : { lastError: row.lastError, failedAttempts: row.attempts }),
  };
}

const epcisSubscriptionsRoutes: FastifyPluginAsyncTypebox<EpcisSubscriptionsOptions> = async (fastify, options) => {
  const { epcis, epcisSubscriptions } = fastify.repositories;
  const describe = (summary: string) => ({ tags: ['epcis'], summary });

  fastify.post(
    '/queries/:queryName/subscriptions',
    {
      schema: {
        ...describe('EPCIS 2.0: subscribe a webhook to a named query (stream: each new matching event, once)'),
        params: Params,
        body: CreateSubscription,
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (body.schedule !== undefined) {
        throw newProblem(
          'EPCIS_SUBSCRIPTION_CONTROLS',
          'scheduled subscriptions are not offered; set stream to true to be told of each new event',
        );
      }
      if (body.stream !== true) {
        throw newProblem('EPCIS_SUBSCRIPTION_CONTROLS', 'set stream to true (the binding asks for it explicitly)');
      }
      const refused = destinationProblem(body.dest, options.webhookAllowedHosts);
      if (refused !== undefined) throw newProblem('EPCIS_SUBSCRIPTION_CONTROLS', refused);
      const initialRecordTime = initialRecordTimeOf(body.initialRecordTime);
      const owner = ownerOf(request.principal);
      const { queryName } = request.params;
      // Without initialRecordTime a subscription starts now: after the last event projected so far.
      const bookmark = await epcis.latestPosition(initialRecordTime);
      const id = randomUUID();
      const created = await epcisSubscriptions.create({
        id,
        owner,
        queryName,
        dest: body.dest,
        signatureToken: body.signatureToken ?? null,
        initialRecordTime: initialRecordTime ?? null,
        bookmark,
      });
      if (!created) throw newProblem('NOT_FOUND', `no query named ${queryName}`);
      const row = await epcisSubscriptions.find(owner, queryName, id);
      if (row === undefined) throw newProblem('NOT_FOUND', `no query named ${queryName}`); // deleted meanwhile
      reply.code(201).header('location', `${request.url.split('?')[0]}/${id}`);
      return view(row);
    },
  );

  fastify.get(
    '/queries/:queryName/subscriptions',
    { schema: { ...describe('EPCIS 2.0: the webhook subscriptions of a named query'), params: Params } },
    async (request, reply) => {
      const owner = ownerOf(request.principal);
      const { queryName } = request.params;
      if ((await epcis.findQuery(owner, queryName)) === undefined)
        throw newProblem('NOT_FOUND', `no query named ${queryName}`);
      const q = request.query as Record<string, unknown>;
      const perPage = perPageOf(q.perPage);
      const token = tokenOf(q.nextPageToken);
      const after = token === undefined ? undefined : Buffer.from(token, 'base64url').toString('utf8');
      const rows = await epcisSubscriptions.list(owner, queryName, after, perPage + 1);
      const page = rows.slice(0, perPage);
      const last = page[page.length - 1];
      linkNext(request, reply, rows.length > perPage && last ? Buffer.from(last.id).toString('base64url') : undefined);
      return page.map(view);
    },
  );

  fastify.get(
    '/queries/:queryName/subscriptions/:subscriptionID',
    { schema: { ...describe('EPCIS 2.0: one webhook subscription'), params: OneParams } },
    async (request) => {
      const { queryName, subscriptionID } = request.params;
      const row = await epcisSubscriptions.find(ownerOf(request.principal), queryName, subscriptionID);
      if (row === undefined) throw newProblem('NOT_FOUND', 'no such subscription');
      return view(row);
    },
  );

  fastify.delete(
    '/queries/:queryName/subscriptions/:subscriptionID',
    { schema: { ...describe('EPCIS 2.0: unsubscribe'), params: OneParams } },
    async (request, reply) => {
      const { queryName, subscriptionID } = request.params;
      if (!(await epcisSubscriptions.delete(ownerOf(request.principal), queryName, subscriptionID))) {
        throw newProblem('NOT_FOUND', 'no such subscription');
      }
      return reply.code(204).send();
    },
  );
};

export default epcisSubscriptionsRoutes;
