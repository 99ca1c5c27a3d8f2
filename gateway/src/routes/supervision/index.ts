/**
 * The supervision loop (issue 18 Must 1-2) under `/v1`: customs puts effective-dated risk rules on the ledger
 * (`POST /v1/risk-rules`, `GET /v1/risk-rules`), every exit is screened on the chain, and customs records the result
 * of each selected inspection (`POST /v1/exits/{releaseListNo}/inspection-results`). `GET
 * /v1/exits/{releaseListNo}/screening` answers why an exit was or was not selected, from the ledger alone. Writing
 * routes are customs-only (the chaincode refuses anyone else too); the screening is readable by customs and the
 * exit's enterprise (the chaincode decides). `GET /v1/enterprises/{id}/credit` answers an enterprise's class with
 * its basis: an inspection discrepancy counts towards the key-attention rule of the rule set in force.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Role } from '../../domain/principal';
import { requireRole } from '../../plugins/auth';
import { Problem, authenticatedErrors } from '../schemas';
import { postStep } from '../steps/submit-step';
import { EnterpriseParams } from '../enterprises/schema';
import {
  EnterpriseCreditResponse,
  ExitParams,
  GateReleaseBody,
  GateReleaseResult,
  InspectionResultBody,
  InspectionResultResult,
  RiskRuleSetBody,
  RiskRuleSetResult,
  RiskRulesQuery,
  RiskRulesResponse,
  ScreeningResponse,
} from './schema';

const CUSTOMS: readonly Role[] = ['customs'];
const TAG = 'supervision';

const supervisionRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  postStep(fastify, {
    url: '/risk-rules',
    tag: TAG,
    summary: 'Put an effective-dated risk rule set on the ledger: every exit from effectiveFrom on is screened by it',
    roles: CUSTOMS,
    body: RiskRuleSetBody,
    result: RiskRuleSetResult,
    contract: 'customs',
    transaction: 'SetRiskRules',
  });
  postStep(fastify, {
    url: '/exits/:releaseListNo/inspection-results',
    tag: TAG,
    summary: 'Record the result of the inspection of a selected exit and apply its consequence to the items',
    roles: CUSTOMS,
    params: ExitParams,
    body: InspectionResultBody,
    result: InspectionResultResult,
    contract: 'customs',
    transaction: 'RecordInspection',
    build: (b, params) => ({ request: { ...b, releaseListNo: params.releaseListNo } }),
  });
  postStep(fastify, {
    url: '/exits/:releaseListNo/gate-release',
    tag: TAG,
    summary: 'Release a release list (核放单) at a second-line gate once, or refuse it naming each blocking item',
    roles: CUSTOMS,
    params: ExitParams,
    body: GateReleaseBody,
    result: GateReleaseResult,
    contract: 'customs',
    transaction: 'ReleaseAtGate',
    build: (b, params) => ({ request: { ...b, releaseListNo: params.releaseListNo } }),
  });

  const readErrors = { ...authenticatedErrors, 404: Problem, 422: Problem, 502: Problem, 503: Problem, 504: Problem };

  fastify.get(
    '/risk-rules',
    {
      // Customs' risk rules are its own (the chaincode refuses others too): enterprises see a screening's outcome.
      onRequest: requireRole('customs'),
      schema: {
        tags: [TAG],
        summary:
          'The risk rule set in force at an instant (default now) and every set on the ledger (customs); chaincode query:GetRiskRules',
        querystring: RiskRulesQuery,
        response: { 200: RiskRulesResponse, ...readErrors },
      },
    },
    async (request) => {
      const query = request.query.at === undefined ? {} : { at: request.query.at };
      return fastify.ledgers.forCaller(request.principal, 'query').evaluate('GetRiskRules', [JSON.stringify(query)]);
    },
  );

  fastify.get(
    '/exits/:releaseListNo/screening',
    {
      schema: {
        tags: [TAG],
        summary:
          "An exit's risk screening, random selection and inspection result (customs, or the exit's enterprise); chaincode query:GetInspection",
        params: ExitParams,
        response: { 200: ScreeningResponse, ...readErrors },
      },
    },
    async (request) => {
      const query = { releaseListNo: request.params.releaseListNo };
      return fastify.ledgers.forCaller(request.principal, 'query').evaluate('GetInspection', [JSON.stringify(query)]);
    },
  );

  fastify.get(
    '/enterprises/:id/credit',
    {
      schema: {
        tags: [TAG],
        summary:
          "An enterprise's credit class in effect and its basis: customs' record or the inspection discrepancies that reached the key-attention rule (customs, or the enterprise itself); chaincode query:GetEnterpriseCredit",
        params: EnterpriseParams,
        response: { 200: EnterpriseCreditResponse, ...readErrors },
      },
    },
    async (request) => {
      const query = { id: request.params.id };
      return fastify.ledgers
        .forCaller(request.principal, 'query')
        .evaluate('GetEnterpriseCredit', [JSON.stringify(query)]);
    },
  );
};

export default supervisionRoutes;
