/**
 * Schemas of the provenance routes (`/v1/items/{id}`, `/history`, `/dossier`).
 */
import { Type, type Static } from '@fastify/type-provider-typebox';
import { ITEM_ID_MAX_LENGTH } from '../../domain/item-id';

/** Path parameters naming an item. */
export const ItemParams = Type.Object({
  id: Type.String({
    minLength: 1,
    maxLength: ITEM_ID_MAX_LENGTH,
    description:
      'SGTIN URN, SGTIN-96/198 EPC in hex, GS1 Digital Link https://<host>/01/<GTIN-14>/21/<serial> ' +
      '(percent-encoded as one path segment), or 16-digit traceability code',
    examples: ['urn:epc:id:sgtin:6901234.000101.L1', '3034...', '4600000000000017'],
  }),
});
/** Path parameters naming an item. */
export type ItemParams = Static<typeof ItemParams>;

/** Query of `GET /v1/items/{id}/history`. */
export const HistoryQuery = Type.Object(
  { format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('epcis')], { default: 'json' })) },
  { additionalProperties: false },
);

/** The item as it is now. */
export const ItemResponse = Type.Object({
  sgtin: Type.String(),
  traceCode: Type.Union([Type.String(), Type.Null()]),
  gtin: Type.String(),
  status: Type.String(),
  holder: Type.String(),
  location: Type.String(),
  regime: Type.String(),
  held: Type.Boolean(),
  lastTxId: Type.String(),
  lastBlock: Type.String({ description: 'Block number (decimal string: a block number is a uint64)' }),
  lastEventTime: Type.String({ format: 'date-time' }),
  record: Type.Unknown({ description: 'The full item record as the ledger holds it' }),
});

/** One transaction of an item's history. */
export const HistoryEvent = Type.Object({
  txId: Type.String(),
  blockNumber: Type.String(),
  txSeq: Type.Integer({ description: 'Position among the chaincode events of the block' }),
  type: Type.String(),
  eventTime: Type.String({ format: 'date-time' }),
  recordTime: Type.String({ format: 'date-time' }),
  actor: Type.Unknown(),
  item: Type.Unknown({ description: 'The item after the transaction' }),
  epcis: Type.Array(Type.Unknown(), { description: 'EPCIS 2.0 events of the transaction that name the item' }),
});

/** `GET /v1/items/{id}/history` (JSON). */
export const HistoryResponse = Type.Object({
  sgtin: Type.String(),
  item: ItemResponse,
  events: Type.Array(HistoryEvent),
  truncated: Type.Boolean({ description: 'True when the history is longer than the gateway returns' }),
});

/** An EPCIS 2.0 query document (JSON-LD). */
export const EpcisQueryDocumentSchema = Type.Object(
  {
    '@context': Type.Array(Type.Unknown()),
    type: Type.Literal('EPCISQueryDocument'),
    schemaVersion: Type.String(),
    creationDate: Type.String({ format: 'date-time' }),
    epcisBody: Type.Unknown(),
  },
  { additionalProperties: true, description: 'EPCIS 2.0 EPCISQueryDocument' },
);

/** `GET /v1/items/{id}/dossier`. */
export const DossierResponse = Type.Object({
  dossierVersion: Type.Literal(1),
  generatedAt: Type.String({ format: 'date-time' }),
  subject: Type.Object({
    sgtin: Type.String(),
    traceCode: Type.Union([Type.String(), Type.Null()]),
    gtin: Type.String(),
  }),
  item: ItemResponse,
  ledger: Type.Object({
    chaincodeEventName: Type.String(),
    payloadEncoding: Type.String(),
    hashAlgorithm: Type.String(),
  }),
  transactions: Type.Array(
    Type.Object({
      txId: Type.String(),
      blockNumber: Type.String(),
      txSeq: Type.Integer(),
      type: Type.String(),
      eventTime: Type.String({ format: 'date-time' }),
      chaincodeEvent: Type.Object({ name: Type.String(), payloadSha256: Type.String(), payload: Type.Unknown() }),
    }),
  ),
  verification: Type.Array(Type.String()),
  truncated: Type.Boolean(),
});
