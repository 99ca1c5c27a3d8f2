/**
 * Customs supervision as plain JSON routes: holds, releases and seizures of goods, enterprise and person credit,
 * regulator ratings, effective-dated rules, and the commit-then-reveal inspection seeds. Only customs keys may call
 * the writing routes (the chaincode refuses anyone else too); the rules in force and an exit's inspection selection
 * can be read by every key the chaincode lets read them.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Role } from '../../domain/principal';
import { Problem, authenticatedErrors } from '../schemas';
import {
  EnterpriseClassificationBody,
  EnterpriseParams,
  EnterpriseRecordResult,
  HoldBody,
  IndexRunsBody,
  IndexRunsResult,
  InspectionParams,
  InspectionResponse,
  PersonClassificationBody,
  PersonParams,
  PersonResult,
  RegulatorRatingBody,
  ReleaseBody,
  RuleSetBody,
  RuleSetResult,
  RulesQuery,
  RulesResponse,
  SeedCommitBody,
  SeedParams,
  SeedResult,
  SeedRevealBody,
  SeizureBody,
  itemsResult,
} from './schema';
import { newBodyValidationProblem, postStep } from './submit-step';

const CUSTOMS: readonly Role[] = ['customs'];
const TAG = 'customs';

/** A hold or release names items, containers or both; refused before the chain when it names neither. */
function requireGoods<B extends { items?: readonly string[]; containers?: readonly string[] }>(b: B): B {
  if (b.items === undefined && b.containers === undefined)
    throw newBodyValidationProblem([['/items', 'required', 'items or containers is required']]);
  return b;
}

/** Routes of customs supervision under `/v1`. */
const customsSteps: FastifyPluginAsyncTypebox = async (fastify) => {
  postStep(fastify, {
    url: '/holds',
    tag: TAG,
    summary: 'Hold items or whole cases and pallets: held goods cannot move until released (loose items: or seized)',
    roles: CUSTOMS,
    body: HoldBody,
    result: itemsResult('items', 'Items held'),
    contract: 'customs',
    transaction: 'Hold',
    build: (b) => ({ request: requireGoods(b) }),
  });
  postStep(fastify, {
    url: '/releases',
    tag: TAG,
    summary: 'Release held items, cases or pallets',
    roles: CUSTOMS,
    body: ReleaseBody,
    result: itemsResult('items', 'Items released'),
    contract: 'customs',
    transaction: 'Release',
    build: (b) => ({ request: requireGoods(b) }),
  });
  postStep(fastify, {
    url: '/seizures',
    tag: TAG,
    summary: "Seize held items: their chain ends and they leave their holder's book",
    roles: CUSTOMS,
    body: SeizureBody,
    result: itemsResult('items', 'Items seized and the book movements'),
    contract: 'customs',
    transaction: 'Seize',
  });
  // A ledger that held items (or traceability codes) before the run indexes existed is backfilled a chunk per call;
  // the operator calls until `complete` (docs/operations.md). New ledgers are complete from the first registration.
  postStep(fastify, {
    url: '/ledger-indexes/item-runs',
    tag: TAG,
    summary: 'Backfill the item-run index by one chunk of at most 1,000 items (call until complete)',
    roles: CUSTOMS,
    body: IndexRunsBody,
    result: IndexRunsResult,
    contract: 'customs',
    transaction: 'IndexItemRuns',
  });
  postStep(fastify, {
    url: '/ledger-indexes/trace-code-runs',
    tag: TAG,
    summary: 'Backfill the traceability-code run index by one chunk of at most 1,000 codes (call until complete)',
    roles: CUSTOMS,
    body: IndexRunsBody,
    result: IndexRunsResult,
    contract: 'customs',
    transaction: 'IndexTraceCodeRuns',
  });
  postStep(fastify, {
    url: '/enterprises/:id/classifications',
    tag: TAG,
    summary: "Set an enterprise's credit class (AEO advanced, whitelist, key attention with a reason)",
    roles: CUSTOMS,
    params: EnterpriseParams,
    body: EnterpriseClassificationBody,
    result: EnterpriseRecordResult,
    contract: 'customs',
    transaction: 'ClassifyEnterprise',
    build: (b, params) => {
      if (b.class === 'KEY_ATTENTION' && b.reason === undefined) {
        throw newBodyValidationProblem([['/reason', 'required', 'is required when class is KEY_ATTENTION']]);
      }
      return { request: { ...b, id: params.id } };
    },
  });
  postStep(fastify, {
    url: '/enterprises/:id/regulator-ratings',
    tag: TAG,
    summary: 'Record whether an industry regulator still rates an enterprise at its lowest level',
    roles: CUSTOMS,
    params: EnterpriseParams,
    body: RegulatorRatingBody,
    result: EnterpriseRecordResult,
    contract: 'customs',
    transaction: 'RecordRegulatorRating',
    build: (b, params) => ({ request: { ...b, id: params.id } }),
  });
  postStep(fastify, {
    url: '/persons/:code/classifications',
    tag: TAG,
    summary: "Set a person's class (whitelist, key attention)",
    roles: CUSTOMS,
    params: PersonParams,
    body: PersonClassificationBody,
    result: PersonResult,
    contract: 'customs',
    transaction: 'ClassifyPerson',
    build: (b, params) => ({ request: { ...b, personCode: params.code } }),
  });
  postStep(fastify, {
    url: '/rules',
    tag: TAG,
    summary: 'Put an effective-dated rule set on the ledger',
    roles: CUSTOMS,
    body: RuleSetBody,
    result: RuleSetResult,
    contract: 'customs',
    transaction: 'SetRules',
  });
  postStep(fastify, {
    url: '/inspection-seeds',
    tag: TAG,
    summary: 'Commit the hash of the seed that will select exits for inspection',
    roles: CUSTOMS,
    body: SeedCommitBody,
    result: SeedResult,
    contract: 'customs',
    transaction: 'CommitInspectionSeed',
  });
  postStep(fastify, {
    url: '/inspection-seeds/:seedId/reveal',
    tag: TAG,
    summary: 'Reveal a seed after its window closed, so anyone can re-check its selections',
    roles: CUSTOMS,
    params: SeedParams,
    body: SeedRevealBody,
    result: SeedResult,
    contract: 'customs',
    transaction: 'RevealInspectionSeed',
    build: (b, params) => ({ request: { ...b, seedId: params.seedId } }),
  });

  const readErrors = { ...authenticatedErrors, 404: Problem, 422: Problem, 502: Problem, 503: Problem, 504: Problem };

  fastify.get(
    '/rules',
    {
      schema: {
        tags: [TAG],
        summary:
          'The rules in force at an instant (default now) and every rule set on the ledger; chaincode query:GetRules',
        querystring: RulesQuery,
        response: { 200: RulesResponse, ...readErrors },
      },
    },
    async (request) => {
      const query = request.query.at === undefined ? {} : { at: request.query.at };
      return fastify.ledgers.forCaller(request.principal, 'query').evaluate('GetRules', [JSON.stringify(query)]);
    },
  );

  fastify.get(
    '/inspections/:releaseListNo',
    {
      schema: {
        tags: [TAG],
        summary:
          "Whether an exit was selected for inspection (customs, or the exit's enterprise); chaincode query:GetInspection",
        params: InspectionParams,
        response: { 200: InspectionResponse, ...readErrors },
      },
    },
    async (request) => {
      const query = { releaseListNo: request.params.releaseListNo };
      return fastify.ledgers.forCaller(request.principal, 'query').evaluate('GetInspection', [JSON.stringify(query)]);
    },
  );
};

export default customsSteps;
