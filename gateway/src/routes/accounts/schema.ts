/**
 * Schemas of the account routes (one enterprise, one account): balances, movements, reconciliations, period close.
 */
import { LOCATION_LENGTH_MAX, LOCATION_SOURCE, PERIOD } from '@hainan/ledger-model';
import { Type, type Static } from '@fastify/type-provider-typebox';
import { EnterpriseId } from '../schemas';

/** Movements per page when `perPage` is absent. */
export const DEFAULT_MOVEMENTS_PER_PAGE = 100;
/** Largest `perPage` (the chaincode's GetMovements has the same bound). */
export const MAX_MOVEMENTS_PER_PAGE = 1_000;
/** Most ERP lines in one reconciliation. */
export const RECONCILIATION_LINES_MAX = 10_000;
/**
 * Body limit of a reconciliation, in bytes: 10,000 lines of ~120 bytes (SGLN location, regime, quantity) do not fit
 * the gateway's default 1 MiB.
 */
export const RECONCILIATION_BODY_LIMIT_BYTES = 4 * 1_048_576;

/** A GTIN-14. */
export const Gtin = Type.String({
  pattern: '^[0-9]{14}$',
  minLength: 14,
  maxLength: 14,
  description: 'GTIN-14',
  examples: ['06901234001018'],
});

/** A customs regime, as the chaincode books it. */
export const Regime = Type.Union([
  Type.Literal('ZERO_TARIFF'),
  Type.Literal('BONDED'),
  Type.Literal('DUTY_PAID'),
  Type.Literal('PROCESSED'),
]);

/** GLN (13 digits) or SGLN URN, as the chaincode accepts for a location (@hainan/ledger-model's grammar). */
export const Location = Type.String({
  minLength: 1,
  maxLength: LOCATION_LENGTH_MAX,
  pattern: `^${LOCATION_SOURCE}$`,
  description: 'GLN (13 digits) or SGLN URN',
  examples: ['6901234000013'],
});

/** Path of an enterprise's account. */
export const AccountParams = Type.Object({ id: EnterpriseId });

/** Path of one stored reconciliation. */
export const ReconciliationParams = Type.Object({ id: EnterpriseId, rid: Type.String({ format: 'uuid' }) });

/** An account period: the model's pattern (one Asia/Shanghai calendar month). */
export const AccountPeriod = Type.String({
  pattern: PERIOD.source,
  minLength: 7,
  maxLength: 7,
  description: 'Account period: an Asia/Shanghai month, yyyy-mm',
});

/** Path of a period close. */
export const PeriodParams = Type.Object({
  id: EnterpriseId,
  period: AccountPeriod,
});

/** Query of `GET /v1/enterprises/{id}/account`. */
export const BalancesQuery = Type.Object(
  {
    asOf: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'Balances from movements with event time at or before this instant; default now',
      }),
    ),
  },
  { additionalProperties: false },
);

/** Query of `GET /v1/enterprises/{id}/account/movements`. */
export const MovementsQuery = Type.Object(
  {
    perPage: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_MOVEMENTS_PER_PAGE, default: DEFAULT_MOVEMENTS_PER_PAGE }),
    ),
    nextPageToken: Type.Optional(
      Type.String({ minLength: 1, maxLength: 400, description: 'Opaque token from the previous page' }),
    ),
    gtin: Type.Optional(Gtin),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Event time at or after (inclusive)' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Event time before (exclusive)' })),
  },
  { additionalProperties: false },
);
/** Query of `GET /v1/enterprises/{id}/account/movements`. */
export type MovementsQuery = Static<typeof MovementsQuery>;

/** The projection position an answer reflects. */
export const ProjectionPositionSchema = Type.Union(
  [
    Type.Object({
      blockNumber: Type.String({ description: 'Last block applied (decimal string: a block number is a uint64)' }),
      txId: Type.Union([Type.String(), Type.Null()], { description: 'Last transaction applied in that block' }),
      updatedAt: Type.String({ format: 'date-time', description: 'When the projection applied it' }),
    }),
    Type.Null(),
  ],
  { description: 'Where the projection of the chain stood when the answer was read; null before its first event' },
);

const BalanceLine = Type.Object({
  gtin: Type.String(),
  regime: Type.String(),
  location: Type.String(),
  quantity: Type.Integer(),
});

const ClosedPeriodSchema = Type.Object({
  period: Type.String(),
  closedAt: Type.String({ format: 'date-time' }),
  closedBy: Type.String(),
  snapshotHash: Type.String({ description: 'SHA-256 of the frozen balances, as the chaincode recorded it' }),
  txId: Type.String(),
  blockNumber: Type.String(),
});

/** `GET /v1/enterprises/{id}/account`. */
export const BalancesResponse = Type.Object({
  enterprise: Type.String(),
  asOf: Type.String({ format: 'date-time' }),
  projection: ProjectionPositionSchema,
  balances: Type.Array(BalanceLine, { description: 'Non-zero lines by (GTIN, regime, location), in that order' }),
  truncated: Type.Boolean({ description: 'True when the book has more lines than returned' }),
  closedPeriods: Type.Array(ClosedPeriodSchema, { description: 'Closed periods, oldest first (from the projection)' }),
});

const MovementSchema = Type.Object({
  txId: Type.String(),
  blockNumber: Type.String(),
  txSeq: Type.Integer(),
  eventType: Type.String(),
  eventTime: Type.String({ format: 'date-time' }),
  period: Type.String(),
  gtin: Type.String(),
  regime: Type.String(),
  location: Type.String(),
  qty: Type.Integer({ description: 'Net change of the line by the transaction (+ in, - out)' }),
});

/** `GET /v1/enterprises/{id}/account/movements`. */
export const MovementsResponse = Type.Object({
  enterprise: Type.String(),
  movements: Type.Array(MovementSchema, { description: 'In chain order' }),
  nextPageToken: Type.Optional(Type.String()),
});

/** Body of `POST /v1/enterprises/{id}/account/reconciliations`. */
export const ReconciliationBody = Type.Object(
  {
    asOf: Type.Optional(
      Type.String({ format: 'date-time', description: 'The instant the ERP figures are for; default now' }),
    ),
    lines: Type.Array(
      Type.Object(
        {
          gtin: Gtin,
          regime: Type.Optional(Regime),
          location: Type.Optional(Location),
          quantity: Type.Integer({ minimum: -2_147_483_648, maximum: 2_147_483_647 }),
        },
        { additionalProperties: false },
      ),
      {
        maxItems: RECONCILIATION_LINES_MAX,
        description:
          "The ERP's figures. A line without regime or location sums over it; all lines of one GTIN use the same grain.",
      },
    ),
  },
  { additionalProperties: false },
);
/** Body of `POST /v1/enterprises/{id}/account/reconciliations`. */
export type ReconciliationBody = Static<typeof ReconciliationBody>;

const VarianceEvent = Type.Object({
  txId: Type.String(),
  blockNumber: Type.String(),
  eventType: Type.String(),
  eventTime: Type.String({ format: 'date-time' }),
  regime: Type.String(),
  location: Type.String(),
  qty: Type.Integer(),
});

const VarianceSchema = Type.Object({
  gtin: Type.String(),
  regime: Type.Union([Type.String(), Type.Null()], { description: 'null: summed over regimes' }),
  location: Type.Union([Type.String(), Type.Null()], { description: 'null: summed over locations' }),
  erpQuantity: Type.Union([Type.Integer(), Type.Null()], { description: 'null: the ERP does not mention the line' }),
  ledgerQuantity: Type.Integer(),
  difference: Type.Integer({ description: 'ERP minus ledger' }),
  status: Type.Union([
    Type.Literal('QUANTITY_DIFFERS'),
    Type.Literal('MISSING_IN_LEDGER'),
    Type.Literal('MISSING_IN_ERP'),
  ]),
  eventCount: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Movements behind the ledger figure; null beyond the first 1,000 variances, whose events are not read',
  }),
  events: Type.Array(VarianceEvent, { description: 'The latest movements behind the ledger figure, in chain order' }),
  truncated: Type.Boolean({
    description: 'True when not every movement is listed (page through /account/movements?gtin=)',
  }),
});

/** A reconciliation, as answered and as read back. */
export const ReconciliationResponse = Type.Object({
  id: Type.String({ format: 'uuid' }),
  enterprise: Type.String(),
  asOf: Type.String({ format: 'date-time' }),
  createdAt: Type.String({ format: 'date-time' }),
  projection: ProjectionPositionSchema,
  summary: Type.Object({
    erpLines: Type.Integer(),
    ledgerLines: Type.Integer({ description: 'Non-zero book lines at asOf' }),
    matched: Type.Integer({ description: 'ERP lines equal to the book' }),
    variances: Type.Integer(),
  }),
  variances: Type.Array(VarianceSchema),
});

/** Answer of a period close. */
export const ClosePeriodResponse = Type.Object({
  enterprise: Type.String(),
  period: Type.String(),
  duplicateSubmission: Type.Boolean({
    description:
      'True when this Idempotency-Key was already committed on the chain: the period was closed by that earlier transaction',
  }),
  txId: Type.String({
    description:
      'The transaction that closed the period: the one just committed, or the earlier one on a duplicate submission',
  }),
  closedAt: Type.Optional(Type.String({ format: 'date-time' })),
  closedBy: Type.Optional(Type.String()),
  snapshotHash: Type.Optional(Type.String()),
  balances: Type.Optional(Type.Array(BalanceLine, { description: 'The frozen balances at the end of the period' })),
});
