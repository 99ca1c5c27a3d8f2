/**
 * `GET /v1/items/{id}/anomalies`: what a customs officer should look at beside an item's chain: a customs hold in
 * force, closed stocktakes that missed the item, and capture steps the chaincode refused for it. Same access as the
 * item's history (customs any item; an enterprise or operator items it held or was sent), and an enterprise or
 * operator sees only its own stocktakes and captures.
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Problem, authenticatedErrors } from '../schemas';
import type { ItemRoutesOptions } from './index';
import { ItemParams } from './schema';

/** Most entries of each kind returned. */
export const ANOMALIES_PER_KIND_MAX = 50;

const AnomaliesResponse = Type.Object({
  sgtin: Type.String(),
  held: Type.Union(
    [
      Type.Object({ reason: Type.String(), heldAt: Type.String(), by: Type.String() }, { additionalProperties: true }),
      Type.Null(),
    ],
    { description: 'The customs hold in force, if any' },
  ),
  missedAtStocktakes: Type.Array(
    Type.Object({
      stocktakeId: Type.String(),
      enterprise: Type.String(),
      location: Type.String(),
      closedAt: Type.String({ format: 'date-time' }),
      txId: Type.String({ description: 'The goods:AttestStocktake transaction' }),
    }),
    { description: 'Closed stocktakes whose report lists the item as missing, oldest first' },
  ),
  refusedSteps: Type.Array(
    Type.Object({
      captureId: Type.String(),
      seq: Type.Integer(),
      fn: Type.String(),
      code: Type.Union([Type.String(), Type.Null()]),
      message: Type.Union([Type.String(), Type.Null()]),
      receivedAt: Type.String({ format: 'date-time' }),
    }),
    { description: 'Captured steps naming the item that the chaincode refused, oldest first' },
  ),
  truncated: Type.Boolean({ description: `True when a list was cut at ${ANOMALIES_PER_KIND_MAX} entries` }),
});

/** Route `GET /v1/items/{id}/anomalies`. */
const itemAnomaliesRoutes: FastifyPluginAsyncTypebox<ItemRoutesOptions> = async (fastify, { provenance }) => {
  const anomalies = fastify.repositories.anomalies;

  fastify.get(
    '/items/:id/anomalies',
    {
      schema: {
        tags: ['provenance'],
        summary: 'Anomalies around an item: a hold in force, stocktakes that missed it, refused captured steps',
        params: ItemParams,
        response: { 200: AnomaliesResponse, 404: Problem, ...authenticatedErrors },
      },
    },
    async (request) => {
      const item = await provenance.readableItem(request.principal, request.params.id);
      const own = request.principal.role === 'customs' ? null : request.principal.enterpriseId;
      const ids = item.traceCode === null ? [item.sgtin] : [item.sgtin, item.traceCode];
      const [missed, refused] = await Promise.all([
        anomalies.missedAtStocktakes(item.sgtin, own, ANOMALIES_PER_KIND_MAX + 1),
        anomalies.refusedSteps(ids, own, ANOMALIES_PER_KIND_MAX + 1),
      ]);
      const hold = (item.record as { hold?: { reason: string; heldAt: string; by: string } } | null)?.hold;
      return {
        sgtin: item.sgtin,
        held: item.held && hold ? hold : null,
        missedAtStocktakes: missed
          .slice(0, ANOMALIES_PER_KIND_MAX)
          .map((m) => ({ ...m, closedAt: m.closedAt.toISOString() })),
        refusedSteps: refused
          .slice(0, ANOMALIES_PER_KIND_MAX)
          .map((r) => ({ ...r, receivedAt: r.receivedAt.toISOString() })),
        truncated: missed.length > ANOMALIES_PER_KIND_MAX || refused.length > ANOMALIES_PER_KIND_MAX,
      };
    },
  );
};

export default itemAnomaliesRoutes;
