/**
 * Schemas of the stocktake routes.
 */
import { LOCATION_LENGTH_MAX, LOCATION_SOURCE } from '@hainan/ledger-model';
import { Type, type Static } from '@fastify/type-provider-typebox';

/** GLN (13 digits) or SGLN URN, as the chaincode accepts for a location (@hainan/ledger-model's grammar). */
export const Location = Type.String({
  minLength: 1,
  maxLength: LOCATION_LENGTH_MAX,
  pattern: `^${LOCATION_SOURCE}$`,
  description: 'GLN (13 digits) or SGLN URN of the counted location',
  examples: ['6901234000013'],
});

const DeviceId = Type.String({ minLength: 1, maxLength: 100, pattern: '^[!-~]+$' });

/** Body of `POST /v1/stocktakes`. */
export const CreateStocktakeBody = Type.Object(
  {
    location: Location,
    deviceIds: Type.Optional(Type.Array(DeviceId, { maxItems: 100, uniqueItems: true })),
  },
  { additionalProperties: false },
);
/** Body of `POST /v1/stocktakes`. */
export type CreateStocktakeBody = Static<typeof CreateStocktakeBody>;

/** Path of one stocktake. */
export const StocktakeParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

/** Path of one item's proof. */
export const ProofParams = Type.Object({
  id: Type.String({ format: 'uuid' }),
  epc: Type.String({
    minLength: 1,
    maxLength: 4096,
    description: 'EPC hex, SGTIN URN, GS1 element string, Digital Link or 16-digit code',
  }),
});

/**
 * Body of `POST /v1/stocktakes/{id}/reads`. No `maxItems` here on purpose: a batch over the limit is answered with
 * a 413 problem naming the limit rather than a generic validation error (the body limit bounds the parse).
 */
export const ReadsBody = Type.Object(
  {
    batchId: Type.String({
      minLength: 1,
      maxLength: 100,
      pattern: '^[!-~]+$',
      description: 'Client-chosen id; a repeat changes nothing',
    }),
    deviceId: DeviceId,
    reads: Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), { minItems: 1 }),
  },
  { additionalProperties: false },
);
/** Body of `POST /v1/stocktakes/{id}/reads`. */
export type ReadsBody = Static<typeof ReadsBody>;

/** A stocktake in responses. */
export const StocktakeResponse = Type.Object({
  id: Type.String({ format: 'uuid' }),
  enterprise: Type.String(),
  location: Type.String(),
  status: Type.Union([Type.Literal('open'), Type.Literal('closing'), Type.Literal('closed')]),
  deviceIds: Type.Array(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  counts: Type.Object({
    uniqueItems: Type.Integer(),
    undecodable: Type.Integer(),
    reads: Type.Integer(),
    batches: Type.Integer(),
    matched: Type.Optional(Type.Integer()),
    missing: Type.Optional(Type.Integer()),
    unexpected: Type.Optional(Type.Integer()),
  }),
  merkleRoot: Type.Optional(Type.String()),
  txId: Type.Optional(Type.String()),
});

/** The answer to a batch. */
export const BatchResponse = Type.Object({
  batchId: Type.String(),
  accepted: Type.Integer({ description: 'Reads of this batch that named an item' }),
  duplicateBatch: Type.Boolean({ description: 'This batch id was received before; nothing was counted again' }),
  uniqueItems: Type.Integer({
    description: 'Distinct items of the stocktake after this batch; for a repeated batch id, the count now',
  }),
  undecodable: Type.Integer({ description: 'Reads of this batch that named no item' }),
  newItems: Type.Integer({ description: 'Items this batch counted for the first time; 0 for a repeated batch id' }),
});

const Counts = Type.Object({ matched: Type.Integer(), missing: Type.Integer(), unexpected: Type.Integer() });

/** The report of a closed stocktake. */
export const ReportResponse = Type.Object({
  id: Type.String({ format: 'uuid' }),
  enterprise: Type.String(),
  location: Type.String(),
  matched: Type.Array(Type.String()),
  missing: Type.Array(Type.String()),
  unexpected: Type.Array(Type.String()),
  counts: Counts,
  merkleRoot: Type.String({ description: 'RFC 6962 SHA-256 tree head of the sorted counted identities' }),
  treeSize: Type.Integer(),
  txId: Type.String({ description: 'The goods:AttestStocktake transaction' }),
  closedAt: Type.String({ format: 'date-time' }),
});

/** An inclusion proof. */
export const ProofResponse = Type.Object({
  algorithm: Type.Literal('RFC6962-SHA256'),
  leaf: Type.String({ description: 'The leaf data: the identity as counted (UTF-8)' }),
  leafIndex: Type.Integer(),
  treeSize: Type.Integer(),
  auditPath: Type.Array(Type.String()),
  root: Type.String(),
  txId: Type.String(),
  verification: Type.String(),
});

/** Query of `GET /v1/stocktakes`. */
export const ListQuery = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('closing'), Type.Literal('closed')])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  },
  { additionalProperties: false },
);

/** `GET /v1/stocktakes`. */
export const ListResponse = Type.Object({ stocktakes: Type.Array(StocktakeResponse, { description: 'Newest first' }) });

/** Query of `GET /v1/stocktakes/{id}/stream`. */
export const StreamQuery = Type.Object(
  {
    access_token: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'A stream token from POST /v1/stream-tokens, for clients that cannot send Authorization',
      }),
    ),
  },
  { additionalProperties: false },
);
