/**
 * "Submit this chaincode step for this request", in one place: every customs step route (entry, shipment, sale,
 * hold, ...) is one chaincode transaction, signed as the caller's organisation, whose JSON request is the validated
 * body plus a `submissionId` derived from the request's `Idempotency-Key`.
 *
 * Two layers of idempotency meet here. The idempotency plugin replays a stored answer for a repeated key; the
 * chaincode claims the submission id once per ledger, so when the gateway died after the commit and before it
 * stored its answer, the repeat reaches the chain and is refused with `DUPLICATE_SUBMISSION` naming the first
 * transaction. That refusal means "already done" and is answered as a success: 200 `{ txId, duplicate: true }`.
 */
import type { Static, TSchema } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '../../domain/principal';
import { newProblem, ProblemError } from '../../errors';
import { sessionUrl, startSigningSession } from '../../ledger/signing-sessions';
import { requireRole } from '../../plugins/auth';
import type { FastifyTypebox } from './schema';
import { DuplicateResponse, IdempotencyHeaders, stepErrors } from './schema';
import { SigningSessionView } from '../signing/schema';
import { duplicateOf, submissionIdFor } from '../../ledger/submission';
import { hasValidGs1CheckDigit } from '../../domain/gs1';

/** The chaincode contracts the step routes submit to. */
export type StepContract = 'goods' | 'sale' | 'customs' | 'requests';

export { SUBMISSION_ID_PREFIX, SUBMISSION_ID_HASH_CHARS, submissionIdFor, duplicateOf } from '../../ledger/submission';

/** One chaincode transaction to submit for a request. */
export interface StepCall {
  readonly contract: StepContract;
  /** Transaction name, e.g. `Enter`. */
  readonly transaction: string;
  /** The chaincode's JSON request, without `submissionId` (added here). */
  readonly request: Readonly<Record<string, unknown>>;
  /** Private inputs by name, each sent as JSON in the transient map and never written to a block. */
  readonly transient?: Readonly<Record<string, unknown>>;
}

/**
 * Submit one step as the caller's organisation and answer: 201 with the chaincode's result, or 200
 * `{ txId, duplicate: true }` when the request's idempotency key is already on the ledger. Every other ledger
 * failure propagates as a `LedgerError` (the problem-details plugin maps it).
 *
 * @param request - The request (its principal signs; its claimed Idempotency-Key becomes the submission id).
 * @param reply - Where to answer.
 * @param call - What to submit.
 * @returns The reply.
 */
export async function submitStep(request: FastifyRequest, reply: FastifyReply, call: StepCall): Promise<FastifyReply> {
  const claim = request.idempotencyClaim;
  const submissionId = claim === null ? undefined : submissionIdFor(claim.scope, claim.key);
  const body = JSON.stringify(submissionId === undefined ? call.request : { ...call.request, submissionId });
  const transientData =
    call.transient === undefined
      ? undefined
      : Object.fromEntries(Object.entries(call.transient).map(([name, value]) => [name, JSON.stringify(value)]));
  try {
    const ledger = request.server.ledgers.forCaller(request.principal, call.contract);
    const result = await ledger.submit<unknown>(
      call.transaction,
      [body],
      transientData === undefined ? {} : { transientData },
    );
    return reply.code(201).send(result ?? {});
  } catch (err: unknown) {
    const signing = request.server.ports.externalSigning;
    if (err instanceof ProblemError && err.code === 'LEDGER_IDENTITY_EXTERNAL' && signing !== undefined) {
      // The enterprise keeps its own key: it signs this transaction itself, through a signing session.
      const session = await startSigningSession(signing, request.principal, {
        contract: call.contract,
        transaction: call.transaction,
        args: [body],
        ...(transientData === undefined ? {} : { transientData }),
      });
      return reply.code(202).header('location', sessionUrl(session.id)).send(session);
    }
    const firstTxId = duplicateOf(err);
    if (firstTxId === undefined) {
      throw err;
    }
    request.log.info({ submissionId, txId: firstTxId }, 'step already on the ledger; answered as done');
    return reply.code(200).send({ txId: firstTxId, duplicate: true });
  }
}

/** A GS1 identifier whose check digit the schema cannot verify: `[JSON pointer into the body, value, kind]`. */
export type Gs1Check = readonly [instancePath: string, value: string | undefined, kind: 'gtin' | 'location'];

/**
 * A `VALIDATION_FAILED` problem shaped like the validator's, for rules a JSON schema cannot say.
 *
 * @param issues - `[JSON pointer into the body, keyword, message]` of each violation.
 * @returns The problem to throw.
 */
export function newBodyValidationProblem(issues: readonly (readonly [string, string, string])[]): ProblemError {
  return newProblem('VALIDATION_FAILED', issues.map(([path, , message]) => `body${path} ${message}`).join('; '), {
    extensions: {
      errors: issues.map(([instancePath, keyword, message]) => ({
        in: 'body',
        instancePath,
        keyword,
        message,
        params: {},
      })),
    },
  });
}

/**
 * Refuse GTINs and GLNs with a wrong check digit before they reach the chain (which would refuse them too, later
 * and as a rule refusal). SGLN URNs carry no check digit and pass.
 *
 * @param checks - The identifiers of the body.
 * @throws ProblemError `VALIDATION_FAILED` listing every bad one.
 */
export function assertGs1CheckDigits(checks: readonly Gs1Check[]): void {
  const bad = checks.filter(
    ([, value, kind]) =>
      value !== undefined && (kind === 'gtin' || /^\d{13}$/.test(value)) && !hasValidGs1CheckDigit(value),
  );
  if (bad.length > 0) {
    const what = (kind: Gs1Check[2]) => (kind === 'gtin' ? 'GTIN-14' : 'GLN');
    throw newBodyValidationProblem(
      bad.map(([path, , kind]) => [path, 'gs1CheckDigit', `must be a ${what(kind)} with a valid check digit`]),
    );
  }
}

/** What a step route does besides submitting: its URL, who may call it, its schemas and how it builds the call. */
export interface StepRoute<B extends TSchema, P extends TSchema> {
  readonly url: string;
  readonly tag: string;
  readonly summary: string;
  /** Gateway roles allowed; the chaincode still decides for each enterprise and item. */
  readonly roles: readonly Role[];
  readonly params?: P;
  readonly body: B;
  /** The chaincode's result (201). */
  readonly result: TSchema;
  readonly contract: StepContract;
  readonly transaction: string;
  /** GTINs and GLNs of the body whose check digits to verify. */
  readonly gs1?: (body: Static<B>) => readonly Gs1Check[];
  /** The chaincode request (and transient data); the body as it is when omitted. */
  readonly build?: (
    body: Static<B>,
    params: Static<P>,
    request: FastifyRequest,
  ) => Omit<StepCall, 'contract' | 'transaction'>;
}

/**
 * Register `POST <url>`: role guard, Idempotency-Key (plugin replay + chaincode submission id), body schema, GS1
 * check digits, one chaincode transaction.
 *
 * @param fastify - The plugin's instance.
 * @param route - The route.
 */
export function postStep<B extends TSchema, P extends TSchema>(fastify: FastifyTypebox, route: StepRoute<B, P>): void {
  fastify.post(
    route.url,
    {
      onRequest: requireRole(...route.roles),
      config: { idempotent: true },
      schema: {
        tags: [route.tag],
        summary: `${route.summary} (${route.roles.join(', ')}); chaincode ${route.contract}:${route.transaction}; honours Idempotency-Key`,
        headers: IdempotencyHeaders,
        ...(route.params === undefined ? {} : { params: route.params }),
        body: route.body,
        // 202: the caller keeps its own key; it signs the transaction through the signing session.
        response: { 201: route.result, 200: DuplicateResponse, 202: SigningSessionView, ...stepErrors },
      },
    },
    async (request, reply) => {
      const body = request.body as Static<B>;
      if (route.gs1) {
        assertGs1CheckDigits(route.gs1(body));
      }
      const built = route.build
        ? route.build(body, request.params as Static<P>, request)
        : { request: body as Record<string, unknown> };
      return submitStep(request, reply, { contract: route.contract, transaction: route.transaction, ...built });
    },
  );
}
