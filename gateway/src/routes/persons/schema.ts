/**
 * Schemas of the person routes (one person, one code).
 */
import { Type, type Static } from '@fastify/type-provider-typebox';
import { DOCUMENT_TYPE_PATTERN } from '../../domain/person-code';

/**
 * Longest document number accepted as sent, in characters. Spaces are removed before hashing, and the result must be
 * at most MAX_DOCUMENT_NUMBER_LENGTH (64) characters.
 */
export const DOCUMENT_NUMBER_INPUT_MAX_LENGTH = 100;

/** A person code: HMAC-SHA-256 in lower-case hex, as the chaincode expects. */
export const PersonCode = Type.String({
  pattern: '^[0-9a-f]{64}$',
  minLength: 64,
  maxLength: 64,
  description: 'Person code (64 lower-case hex digits)',
});

/**
 * Body of `POST /v1/persons/codes`. The number's pattern is checked without echoing it: ajv reports the rule
 * (`pattern`, `maxLength`), never the value.
 */
export const PersonCodeBody = Type.Object(
  {
    documentType: Type.String({
      pattern: DOCUMENT_TYPE_PATTERN.source,
      minLength: 2,
      maxLength: 32,
      description: 'Identity document type, upper case: ID_CARD, PASSPORT, HK_MACAO_PERMIT, TAIWAN_PERMIT, ...',
      examples: ['PASSPORT'],
    }),
    documentNumber: Type.String({
      minLength: 1,
      maxLength: DOCUMENT_NUMBER_INPUT_MAX_LENGTH,
      pattern: '^ *[A-Za-z0-9][A-Za-z0-9 ]*$',
      description: 'Document number: letters and digits; spaces and letter case are ignored. Never stored or logged.',
    }),
  },
  { additionalProperties: false },
);
/** Body of `POST /v1/persons/codes`. */
export type PersonCodeBody = Static<typeof PersonCodeBody>;

/** Answer of `POST /v1/persons/codes`. */
export const PersonCodeResponse = Type.Object({ personCode: PersonCode });

/** Path of a person. */
export const PersonParams = Type.Object({ code: PersonCode });

/** Query of `GET /v1/persons/{code}/quota`. */
export const QuotaQuery = Type.Object(
  {
    year: Type.Optional(
      Type.Integer({
        minimum: 2000,
        maximum: 2200,
        description: 'Calendar year (Asia/Shanghai); default the current one',
      }),
    ),
  },
  { additionalProperties: false },
);

/** `GET /v1/persons/{code}/quota`: the chaincode's answer. */
export const QuotaResponse = Type.Object({
  personCode: Type.String(),
  year: Type.Integer(),
  quotaFen: Type.Integer({ description: 'Annual duty-free quota in force, fen' }),
  usedFen: Type.Integer({ description: 'Duty-free amount used in the year, fen' }),
  remainingFen: Type.Integer(),
  class: Type.String({ description: 'Credit class in effect: WHITELIST or KEY_ATTENTION' }),
  bannedUntil: Type.Optional(
    Type.String({ format: 'date-time', description: 'Barred from duty-free purchases until then' }),
  ),
  departureObligations: Type.Array(
    Type.Object({ saleId: Type.String(), saleTime: Type.String(), mustDepartBy: Type.String() }),
    { description: 'Sales that oblige the person to leave the island by a date' },
  ),
});
