/**
 * Schemas of the write-off routes (底账核销): the chain's write-off record (@hainan/ledger-model WriteOffRecord) and
 * the status of (enterprise, period).
 */
import { WRITE_OFF_DOCUMENT_TYPES, WRITE_OFF_REASONS } from '@hainan/ledger-model';
import { Type } from '@fastify/type-provider-typebox';

/** A string enumeration of the model's (a plain `enum`: the values are a readonly array, not literal types here). */
const enumOf = <T extends string>(values: readonly T[], description: string) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], description });
const Count = Type.Integer({ minimum: 0 });
const DocumentType = enumOf(WRITE_OFF_DOCUMENT_TYPES, 'Import declaration, release list or consolidated declaration');

const WriteOffEvent = Type.Object({
  txId: Type.String(),
  eventType: Type.String({ description: 'Transaction type: ENTRY, EXIT, DECLARATION, ...' }),
  eventTime: Type.String(),
});

/** The chain's write-off record, as account:WriteOffPeriod answered it. */
export const WriteOffView = Type.Object({
  txId: Type.String({ description: 'The write-off transaction' }),
  blockNumber: Type.Optional(Type.String({ description: 'Its block (when read from the projection)' })),
  writtenOffAt: Type.String({ format: 'date-time' }),
  writtenOffBy: Type.String(),
  periodSnapshotHash: Type.String({ description: 'Snapshot hash of the closed period written off' }),
  matchedHash: Type.String({
    description: 'sha256 of the canonical JSON of {enterprise, period, matched}: recomputable from the ledger alone',
  }),
  counts: Type.Object({
    matchedDocuments: Count,
    matchedMovements: Count,
    unmatchedDocuments: Count,
    unmatchedMovements: Count,
    outOfScopeMovements: Type.Integer({
      minimum: 0,
      description: 'Movements of on-island transactions (transfers, sales, processing...): no customs document',
    }),
  }),
  matched: Type.Array(
    Type.Object({
      type: DocumentType,
      no: Type.String(),
      txIds: Type.Array(Type.String()),
      lines: Type.Array(
        Type.Object({ gtin: Type.String(), regime: Type.String(), location: Type.String(), qty: Type.Integer() }),
      ),
    }),
    { description: 'The documents written off, with their transactions and the net book lines they moved' },
  ),
  unmatched: Type.Array(
    Type.Object({
      type: DocumentType,
      no: Type.Union([Type.String(), Type.Null()], { description: 'Null: a transaction carrying no document' }),
      reason: enumOf(WRITE_OFF_REASONS, 'Why it is not written off'),
      detail: Type.String(),
      events: Type.Array(WriteOffEvent, { description: 'The transactions behind it (at most 50)' }),
      eventCount: Count,
    }),
    { description: 'What does not match, each with the transactions behind it' },
  ),
});

/** Query of the POST: the preview's hash, so that the write-off records that very matched set. */
export const WriteOffQuery = Type.Object(
  {
    expectedMatchedHash: Type.Optional(
      Type.String({
        pattern: '^[0-9a-f]{64}$',
        description:
          "The matched set's hash of a preview (GET ?preview=true): refused with WRITE_OFF_CHANGED if the ledger now matches another",
      }),
    ),
  },
  { additionalProperties: false },
);

/** Query of the GET. */
export const WriteOffStatusQuery = Type.Object(
  {
    preview: Type.Optional(
      Type.Boolean({
        description:
          'For a CLOSED period: also what a write-off would record now (the chain evaluates it without submitting)',
      }),
    ),
  },
  { additionalProperties: false },
);

/** A preview: the match a write-off would record now (no transaction, time or author yet). */
export const WriteOffPreview = Type.Omit(WriteOffView, ['txId', 'blockNumber', 'writtenOffAt', 'writtenOffBy']);

/** `POST /v1/enterprises/{id}/account/periods/{period}/write-off`. */
export const WriteOffResponse = Type.Object({
  enterprise: Type.String(),
  period: Type.String(),
  duplicateSubmission: Type.Boolean({
    description: 'True when this Idempotency-Key was already committed: the write-off is that earlier transaction',
  }),
  txId: Type.String(),
  writeOff: Type.Union([WriteOffView, Type.Null()], {
    description: 'The record (null on a duplicate the projection has not applied yet)',
  }),
});

/** `GET /v1/enterprises/{id}/account/periods/{period}/write-off`. */
export const WriteOffStatusResponse = Type.Object({
  enterprise: Type.String(),
  period: Type.String(),
  status: Type.Union([Type.Literal('OPEN'), Type.Literal('CLOSED'), Type.Literal('WRITTEN_OFF')], {
    description: 'OPEN: not closed; CLOSED: closed, not written off; WRITTEN_OFF: see writeOff',
  }),
  closed: Type.Union([
    Type.Object({
      closedAt: Type.String(),
      snapshotHash: Type.String(),
      txId: Type.String(),
    }),
    Type.Null(),
  ]),
  writeOff: Type.Union([WriteOffView, Type.Null()]),
  preview: Type.Optional(
    Type.Union([WriteOffPreview, Type.Null()], {
      description: 'With ?preview=true: what a write-off would record now (null unless the period is CLOSED)',
    }),
  ),
});
