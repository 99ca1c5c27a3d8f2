/**
 * Schemas of the bring-your-own-key signing sessions (ledger/signing-sessions.ts).
 */
import { Type } from '@fastify/type-provider-typebox';

export const SigningSessionParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

/** A DER ECDSA P-256 signature (at most 72 bytes), base64. */
export const SignatureBody = Type.Object(
  {
    signature: Type.String({
      minLength: 8,
      maxLength: 128,
      pattern: '^[A-Za-z0-9+/]+={0,2}$',
      description: 'DER ECDSA signature of `sign.digest`, base64 (e.g. the output of hainan-sign)',
    }),
  },
  { additionalProperties: false },
);

export const SigningSessionView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    state: Type.Union([
      Type.Literal('proposed'),
      Type.Literal('endorsed'),
      Type.Literal('committed'),
      Type.Literal('failed'),
    ]),
    fn: Type.String({ description: 'contract:Transaction' }),
    transactionId: Type.String(),
    expiresAt: Type.String({ format: 'date-time' }),
    sign: Type.Optional(
      Type.Object({
        what: Type.Union([Type.Literal('proposal'), Type.Literal('transaction')]),
        digest: Type.String({ description: "SHA-256 digest to sign with the enterprise's own key, base64" }),
      }),
    ),
    result: Type.Optional(Type.Unknown({ description: "The chaincode's answer, from the endorsement" })),
    blockNumber: Type.Optional(Type.String()),
    error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
    next: Type.String({ description: 'Where to post the next signature, or to read the session' }),
  },
  { description: 'A transaction the enterprise signs with its own key: sign `sign.digest`, post it to `next`, twice' },
);
