/**
 * Schemas of the enterprise directory routes.
 */
import { Type, type Static } from '@fastify/type-provider-typebox';
import { EnterpriseId } from '../schemas';

/** Body of `POST /v1/enterprises`. */
export const CreateEnterpriseBody = Type.Object(
  {
    id: EnterpriseId,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    roles: Type.Array(Type.Union([Type.Literal('operator'), Type.Literal('enterprise')]), {
      minItems: 1,
      maxItems: 2,
      uniqueItems: true,
      description: "Roles the enterprise's keys may take",
    }),
    mspId: Type.String({
      minLength: 1,
      maxLength: 100,
      pattern: '^[A-Za-z0-9._-]+$',
      description: "Fabric MSP whose identity signs the enterprise's transactions",
    }),
    csr: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 16_384,
        description:
          'Bring your own key: a PEM PKCS#10 CSR (ECDSA P-256, CN = the enterprise id). The gateway enrolls it and keeps only the ' +
          'certificate; without it the gateway makes the key and keeps it encrypted',
      }),
    ),
  },
  { additionalProperties: false },
);
/** Body of `POST /v1/enterprises`. */
export type CreateEnterpriseBody = Static<typeof CreateEnterpriseBody>;

/** An enterprise in responses. */
export const EnterpriseResponse = Type.Object({
  id: Type.String(),
  name: Type.String(),
  roles: Type.Array(Type.String()),
  mspId: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  identity: Type.Optional(
    Type.Object({
      kind: Type.Union([Type.Literal('managed'), Type.Literal('external')], {
        description: '`managed`: the gateway holds the key (encrypted) and signs; `external`: the enterprise keeps it',
      }),
      enrollmentId: Type.String(),
      certificate: Type.String({
        description: 'The enrollment certificate (PEM), with the role and enterpriseId attributes',
      }),
      notAfter: Type.String({ format: 'date-time' }),
    }),
  ),
});

/** Path parameters naming an enterprise. */
export const EnterpriseParams = Type.Object({ id: EnterpriseId });

/** Body of `POST /v1/enterprises/{id}/keys`. */
export const CreateKeyBody = Type.Object(
  {
    role: Type.Union([Type.Literal('operator'), Type.Literal('enterprise')]),
    label: Type.String({ minLength: 1, maxLength: 100, description: 'Who or what uses the key, e.g. "ERP Haikou"' }),
  },
  { additionalProperties: false },
);

/** A new key: the plaintext is shown once, here, and never again. */
export const CreatedKeyResponse = Type.Object({
  id: Type.String({ format: 'uuid' }),
  key: Type.String({ description: 'The API key. Store it now: the gateway keeps only its SHA-256.' }),
  role: Type.String(),
  enterpriseId: Type.String(),
  label: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});
