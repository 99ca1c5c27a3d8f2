/**
 * One person, one code: the `sale` contract's steps as plain JSON routes. A sale or departure names the person by
 * `personCode`, or by `person` (identity document), which the gateway turns into the code with the service's keyed
 * hash: the document number goes no further than this process (not to the ledger, the stored answer or the log; the
 * idempotency store keeps only a SHA-256 of the whole request). Buyer details go to the chaincode only as transient
 * data `buyer`, into the private collection.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { DepartureBody, HandOverBody, HandOverResult, PersonResult, SaleBody, SaleResult } from './schema';
import { newBodyValidationProblem, postStep } from './submit-step';

const TAG = 'sales';

/** How a body may name a person. */
interface PersonNamed {
  personCode?: string;
  person?: { documentType: string; documentNumber: string };
}

/**
 * The person code a body names: `personCode` as given, or the keyed hash of `person`'s document.
 *
 * @throws ProblemError `VALIDATION_FAILED` unless exactly one of the two is present (or the document is unusable).
 */
function personCodeOf(request: FastifyRequest, body: PersonNamed): string {
  if ((body.personCode === undefined) === (body.person === undefined)) {
    throw newBodyValidationProblem([['', 'oneOf', 'must name the person by exactly one of personCode or person']]);
  }
  if (body.personCode !== undefined) {
    return body.personCode;
  }
  const { documentType, documentNumber } = body.person!;
  try {
    return request.server.personCodes.codeFor(documentType, documentNumber);
  } catch {
    // The coder's message names no value; still, say nothing about the number but where it is.
    throw newBodyValidationProblem([
      ['/person/documentNumber', 'personCode', 'must hold 1..64 characters besides spaces'],
    ]);
  }
}

/** Routes `POST /v1/{sales,pickups,mailings,departures}`. */
const saleSteps: FastifyPluginAsyncTypebox = async (fastify) => {
  postStep(fastify, {
    url: '/sales',
    tag: TAG,
    summary: 'Duty-free sale to a person code',
    roles: ['operator'],
    body: SaleBody,
    result: SaleResult,
    contract: 'sale',
    transaction: 'Sell',
    gs1: (b) => [['/location', b.location, 'location']],
    build: (b, _params, request) => {
      const { person: _document, buyer, ...sale } = b;
      return { request: { ...sale, personCode: personCodeOf(request, b) }, transient: { buyer } };
    },
  });
  postStep(fastify, {
    url: '/pickups',
    tag: TAG,
    summary: 'Hand over sold items (SOLD → PICKED_UP)',
    roles: ['operator'],
    body: HandOverBody,
    result: HandOverResult,
    contract: 'sale',
    transaction: 'Pickup',
  });
  postStep(fastify, {
    url: '/mailings',
    tag: TAG,
    summary: "Mail sold items off the island after the buyer's departure (SOLD → MAILED)",
    roles: ['operator'],
    body: HandOverBody,
    result: HandOverResult,
    contract: 'sale',
    transaction: 'Mail',
  });
  postStep(fastify, {
    url: '/departures',
    tag: TAG,
    summary: 'Confirm that a person left the island',
    roles: ['customs', 'operator'],
    body: DepartureBody,
    result: PersonResult,
    contract: 'sale',
    transaction: 'ConfirmDeparture',
    build: (b, _params, request) => {
      const { person: _document, ...departure } = b;
      return { request: { ...departure, personCode: personCodeOf(request, b) } };
    },
  });
};

export default saleSteps;
