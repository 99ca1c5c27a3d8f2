/**
 * The authenticated API under `/v1`: auth hook, per-key rate limit, then one plugin per resource. Domain routes
 * (provenance, captures, stocktakes, accounts) are registered here the same way.
 */
import type { FastifyPluginAsync } from 'fastify';
import auth from '../plugins/auth';
import idempotency from '../plugins/idempotency';
import rateLimit from '../plugins/rate-limit';
import accountsRoutes from './accounts';
import writeOffRoutes from './accounts/write-off';
import captureRoutes from './capture';
import containersRoutes from './containers';
import enterprisesRoutes from './enterprises';
import enterpriseIdentityRoutes from './enterprises/identity';
import suspensionRoutes from './enterprises/suspension';
import epcisRoutes from './epcis';
import eventsRoutes from './events';
import itemsRoutes from './items';
import itemAnomaliesRoutes from './items/anomalies';
import keysRoutes from './keys';
import meRoutes from './me';
import personsRoutes from './persons';
import signingRoutes from './signing';
import stocktakesRoutes from './stocktakes';
import streamTokensRoutes from './stream-tokens';
import stepsRoutes from './steps';
import supervisionRoutes from './supervision';
import requestsRoutes from './requests';
import { newProvenanceService } from '../services/provenance/provenance-service';
import type { StocktakeBook } from '../stocktake/book';

/** Options of the `/v1` scope. */
export interface V1Options {
  customsMspId: string;
  rateLimitMax: number;
  rateLimitWindowMs: number;
  /** The book stocktakes reconcile against; defaults to the projection's `items` table. */
  stocktakeBook?: StocktakeBook;
  /** Failed authentications allowed per client address and window (plugins/auth.ts has the defaults). */
  authFailuresMax?: number;
  authFailuresWindowMs?: number;
  /** Hosts an EPCIS webhook `dest` may name even when private. */
  epcisWebhookAllowedHosts?: readonly string[];
}

/** The `/v1` scope: register with `{ prefix: '/v1' }`. */
const v1: FastifyPluginAsync<V1Options> = async (fastify, options) => {
  await fastify.register(auth, {
    customsMspId: options.customsMspId,
    ...(options.authFailuresMax === undefined ? {} : { authFailuresMax: options.authFailuresMax }),
    ...(options.authFailuresWindowMs === undefined ? {} : { authFailuresWindowMs: options.authFailuresWindowMs }),
  });
  await fastify.register(rateLimit, { max: options.rateLimitMax, windowMs: options.rateLimitWindowMs });
  await fastify.register(idempotency);
  await fastify.register(meRoutes);
  await fastify.register(enterprisesRoutes);
  await fastify.register(suspensionRoutes);
  await fastify.register(enterpriseIdentityRoutes);
  await fastify.register(signingRoutes);
  await fastify.register(keysRoutes);
  // One provenance service (and its read-cache policy) for the item routes.
  const provenance = newProvenanceService({ projection: fastify.repositories.projection, cache: fastify.readCache });
  await fastify.register(itemsRoutes, { provenance });
  await fastify.register(itemAnomaliesRoutes, { provenance });
  await fastify.register(containersRoutes);
  await fastify.register(eventsRoutes);
  // The EPCIS 2.0 REST binding: its base URL is /v1/epcis (routes/epcis/index.ts says why).
  await fastify.register(epcisRoutes, {
    prefix: '/epcis',
    ...(options.epcisWebhookAllowedHosts === undefined
      ? {}
      : { webhookAllowedHosts: options.epcisWebhookAllowedHosts }),
  });
  await fastify.register(captureRoutes);
  await fastify.register(stocktakesRoutes, options.stocktakeBook ? { book: options.stocktakeBook } : {});
  await fastify.register(streamTokensRoutes);
  await fastify.register(accountsRoutes);
  await fastify.register(writeOffRoutes);
  await fastify.register(personsRoutes);
  await fastify.register(stepsRoutes);
  await fastify.register(supervisionRoutes);
  await fastify.register(requestsRoutes);
};

export default v1;
