/**
 * The EPCIS 2.0 REST binding (GS1's openapi.yaml), mounted at `/v1/epcis`: that is the base URL an EPCIS client is
 * configured with, and the binding's paths follow it unchanged (`/v1/epcis/events`, `/v1/epcis/queries/...`). It
 * lives inside `/v1` so that the one authentication, rate limit and tenancy scope covers it, and beside our own
 * `/v1/events` (older, a subset with its own defaults) so neither shape constrains the other; EPCIS versions are
 * negotiated by the binding's headers, not by the path.
 *
 * This scope adds what the binding asks of every response (binding.ts: GS1-EPCIS-Version / GS1-CBV-Version, the
 * binding's exception names as the problem `type`, 406 for an excluded version) and builds the EPCIS service and
 * this process's WebSocket stream registry (woken by the new-events signal the cluster relays).
 */
import websocket from '@fastify/websocket';
import type { FastifyPluginAsync } from 'fastify';
import { sendProblem, toProblem } from '../../plugins/problem-details';
import { newEpcisService } from '../../services/epcis/epcis-service';
import { newEventStreams } from '../../services/epcis/event-streams';
import { assertAcceptableVersions, epcisProblemType, setEpcisHeaders } from './binding';
import epcisEventsRoutes from './events';
import epcisQueriesRoutes from './queries';
import epcisSubscriptionsRoutes from './subscriptions';

/** Options of the EPCIS scope. */
export interface EpcisRoutesOptions {
  /** Hosts a webhook `dest` may name even when private (`EPCIS_WEBHOOK_ALLOWED_HOSTS`); default none. */
  webhookAllowedHosts?: readonly string[];
}

/** Largest WebSocket message a client may send (it has nothing to send). */
const WS_MAX_PAYLOAD_BYTES = 4_096;

const epcisRoutes: FastifyPluginAsync<EpcisRoutesOptions> = async (fastify, options) => {
  await fastify.register(websocket, { options: { maxPayload: WS_MAX_PAYLOAD_BYTES } });

  fastify.addHook('onRequest', async (request, reply) => {
    setEpcisHeaders(reply);
    assertAcceptableVersions(request);
  });
  fastify.setErrorHandler((error: unknown, request, reply) => {
    const problem = toProblem(error);
    if (problem.statusCode >= 500) request.log.error({ err: error, code: problem.code }, 'request failed');
    else request.log.info({ code: problem.code, status: problem.statusCode }, 'request refused');
    setEpcisHeaders(reply);
    return sendProblem(request, reply, problem, epcisProblemType(problem));
  });

  const service = newEpcisService(fastify.repositories.epcis);
  const streams = newEventStreams({
    events: fastify.repositories.epcis,
    ...(fastify.shared.epcisEvents === undefined ? {} : { signal: fastify.shared.epcisEvents }),
    log: fastify.log,
  });
  fastify.addHook('onClose', async () => streams.stop());

  await fastify.register(epcisEventsRoutes, { service });
  await fastify.register(epcisQueriesRoutes, { service, streams });
  await fastify.register(epcisSubscriptionsRoutes, { webhookAllowedHosts: options.webhookAllowedHosts ?? [] });
};

export default epcisRoutes;
