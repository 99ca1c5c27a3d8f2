/**
 * TypeBox schemas shared by routes: the problem+json body (for the OpenAPI document) and common parameters.
 */
import { Type } from '@fastify/type-provider-typebox';
import { USCC_PATTERN } from '../domain/uscc';

/** An RFC 9457 problem as the gateway sends it; extension members (`errors`, `checks`, ...) are allowed. */
export const Problem = Type.Object(
  {
    type: Type.String({ description: 'URN naming the problem type: urn:hainan-trace:problem:<code>' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.String(),
    code: Type.String({ description: 'Stable error code (gateway, chaincode or ledger adapter code)' }),
    requestId: Type.String(),
  },
  { additionalProperties: true, description: 'application/problem+json (RFC 9457)' },
);

/** Error responses every authenticated route may give. */
export const authenticatedErrors = {
  400: Problem,
  401: Problem,
  403: Problem,
  429: Problem,
  500: Problem,
} as const;

/** An enterprise id: 18-character unified social credit code whose check character is verified. */
export const EnterpriseId = Type.String({
  format: 'uscc',
  pattern: USCC_PATTERN,
  minLength: 18,
  maxLength: 18,
  description: 'Unified social credit code (GB 32100-2015), check character verified',
  examples: ['91350100M000100Y43'],
});

/** Headers of routes that honour `Idempotency-Key` (see plugins/idempotency.ts). */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description:
        'Client-chosen key: a repeat of the same request with it gets the first response, without running again',
    }),
  ),
});
