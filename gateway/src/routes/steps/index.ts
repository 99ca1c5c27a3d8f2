/**
 * The customs-specific steps as plain JSON endpoints under `/v1`, each one chaincode transaction submitted as the
 * caller's organisation: goods (entry, association, shipment, receipt, processing, exit, declaration, destruction,
 * return abroad), sales (sale, pickup, mail, departure) and customs supervision (holds, credit, rules, seeds).
 * Period close lives with the account routes.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import customsSteps from './customs';
import goodsSteps from './goods';
import saleSteps from './sales';

/** All step routes; register in the authenticated `/v1` scope after the idempotency plugin. */
const stepsRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  await fastify.register(goodsSteps);
  await fastify.register(saleSteps);
  await fastify.register(customsSteps);
};

export default stepsRoutes;

export { submissionIdFor } from './submit-step';
