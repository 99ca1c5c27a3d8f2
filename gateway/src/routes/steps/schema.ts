/**
 * Schemas of the customs step routes. Each body mirrors the JSON request of one chaincode transaction (see
 * chaincode/README.md and chaincode/src/contracts/) with the chaincode's own patterns and bounds, so that a malformed
 * request is refused with 400 `VALIDATION_FAILED` before it reaches the chain. What a pattern cannot say (GS1 check
 * digits, "one of two fields") is checked in the handler with the same problem code; the chaincode remains the
 * judge of every rule that needs ledger state.
 */
import { Type, type FastifyPluginAsyncTypebox, type TSchema } from '@fastify/type-provider-typebox';
import {
  CALENDAR_DATE,
  CONTAINER_ID,
  CONTAINERS_PER_TRANSACTION_MAX,
  HEX64,
  HS_CODE,
  INSTANT,
  INSTANT_LENGTH_MAX,
  ITEM_ID,
  ITEMS_PER_TRANSACTION_MAX,
  LOCATION_LENGTH_MAX,
  LOCATION_SOURCE,
  PERIOD,
  PERSON_CODE,
  PORT_CODE,
  REF,
  SGTIN_URN,
  SGTIN_URN_LENGTH_MAX,
  TRACE_CODE,
  WORKING_MINUTES_MAX,
} from '@hainan/ledger-model';
import { DOCUMENT_TYPE_PATTERN, MAX_DOCUMENT_NUMBER_LENGTH } from '../../domain/person-code';
import { EnterpriseId, IdempotencyHeaders, Problem, authenticatedErrors } from '../schemas';

export { IdempotencyHeaders };

/** The Fastify instance of a TypeBox plugin. */
export type FastifyTypebox = Parameters<FastifyPluginAsyncTypebox>[0];

/** Most items (or lines, pairs, release lists) in one transaction, as the chaincode bounds them. */
export const BATCH_ITEMS_MAX = ITEMS_PER_TRANSACTION_MAX;
/** Most lines of one sale (the chaincode's sale rules bound a sale tighter than other batches). */
export const SALE_LINES_MAX = 500;

// ---------------------------------------------------------------------------------------------------------------
// Identifiers and values: the patterns are @hainan/ledger-model's, the ones the chaincode applies

/** An SGTIN pure-identity URN (new items: entry, processing outputs, associations). */
export const Sgtin = Type.String({
  maxLength: SGTIN_URN_LENGTH_MAX,
  pattern: SGTIN_URN.source,
  description: 'SGTIN pure-identity URN',
  examples: ['urn:epc:id:sgtin:0614141.812345.6789'],
});

/** An existing item: SGTIN URN or its 16-digit traceability code, as the chaincode accepts. */
export const ItemId = Type.String({
  maxLength: SGTIN_URN_LENGTH_MAX,
  pattern: ITEM_ID.source,
  description: 'SGTIN URN or 16-digit Hainan traceability code',
  examples: ['urn:epc:id:sgtin:0614141.812345.6789', '4600000000000017'],
});

/** A case or pallet: SSCC or GRAI EPC URN, as the chaincode accepts. */
export const ContainerId = Type.String({
  maxLength: 120,
  pattern: CONTAINER_ID.source,
  description: 'SSCC or GRAI EPC URN of a case or pallet',
  examples: ['urn:epc:id:sscc:6901234.0000000001'],
});

/** A list of existing items for one transaction. */
export const ItemIds = Type.Array(ItemId, { minItems: 1, maxItems: BATCH_ITEMS_MAX, uniqueItems: true });

/** A GLN (13 digits; check digit verified by the handler) or an SGLN URN. */
export const Location = Type.String({
  maxLength: LOCATION_LENGTH_MAX,
  pattern: `^${LOCATION_SOURCE}$`,
  description: 'GLN (13 digits, valid check digit) or SGLN URN',
  examples: ['6901234000013'],
});

/** Document and reference numbers: declarations, release lists, shipments, sales, processings. */
export const Ref = Type.String({ maxLength: 64, pattern: REF.source, examples: ['D-2026-0001'] });

/** A GTIN-14 (check digit verified by the handler). */
export const Gtin = Type.String({
  pattern: '^\\d{14}$',
  description: 'GTIN-14 with a valid check digit',
  examples: ['80614141123458'],
});

/** Money: integer fen (CNY cents), never a float. */
export const Fen = Type.Integer({
  minimum: 1,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'Integer fen (CNY cents)',
});
/** Money that may be zero. */
export const FenOrZero = Type.Integer({
  minimum: 0,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'Integer fen (CNY cents)',
});

/** ISO-8601 instant with offset, as the chaincode parses it. */
export const Instant = Type.String({
  format: 'date-time',
  maxLength: INSTANT_LENGTH_MAX,
  pattern: INSTANT.source,
  examples: ['2026-03-01T10:00:00+08:00'],
});

/** A person code: 64 lower-case hex digits (HMAC-SHA-256 of the identity document). */
export const PersonCode = Type.String({
  pattern: PERSON_CODE.source,
  description: 'Person code (one person, one code)',
});

/** Port codes as the rules list them (e.g. `HAIKOU_MEILAN_AIRPORT`); the chaincode keeps at most 40 characters. */
export const PortCode = Type.String({ pattern: PORT_CODE.source, examples: ['HAIKOU_XINHAIGANG'] });
/** An account period, as the chain's declarations take it. */
export const Period = Type.String({
  pattern: PERIOD.source,
  description: 'The month consolidated, yyyy-mm',
  examples: ['2026-03'],
});
/** A birth date (the `date` format also refuses days that do not exist, e.g. 02-30). */
export const BirthDate = Type.String({ format: 'date', pattern: CALENDAR_DATE.source, examples: ['1990-01-31'] });

/** Product categories of the per-purchase limits and pick-up lists. */
export const ProductCategory = Type.Union(
  ['COSMETICS', 'MOBILE_PHONE', 'ALCOHOL', 'JEWELLERY', 'WATCH', 'ELECTRONICS', 'CLOTHING', 'FOOD', 'OTHER'].map((c) =>
    Type.Literal(c),
  ),
);

/** The product facts of an entry or a processing output. */
export const Product = Type.Object(
  {
    gtin: Gtin,
    hsCode: Type.String({ pattern: HS_CODE.source, description: 'HS code, 6-10 digits' }),
    category: ProductCategory,
    volumeMl: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100_000, description: 'Volume of one item (alcohol)' }),
    ),
  },
  { additionalProperties: false },
);

/** Fields every event step may carry. */
const eventFields = {
  eventTime: Type.Optional({
    ...Instant,
    description: 'When it happened (default: the transaction time); at most 5 minutes ahead',
  }),
  eventId: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Client EPCIS eventID' })),
};

function body<T extends Record<string, TSchema>>(properties: T, description: string) {
  return Type.Object(properties, { additionalProperties: false, description });
}

// ---------------------------------------------------------------------------------------------------------------
// goods

/** `POST /v1/entries` → `goods:Enter`. */
export const EntryBody = body(
  {
    declarationNo: Ref,
    location: Location,
    regime: Type.Union([Type.Literal('ZERO_TARIFF'), Type.Literal('BONDED'), Type.Literal('DUTY_PAID')]),
    product: Product,
    unitValueFen: Fen,
    items: Type.Array(Sgtin, { minItems: 1, maxItems: BATCH_ITEMS_MAX, uniqueItems: true }),
    traceCodes: Type.Optional(
      Type.Record(Type.String({ pattern: SGTIN_URN.source }), Type.String({ pattern: TRACE_CODE.source }), {
        maxProperties: BATCH_ITEMS_MAX,
        additionalProperties: false,
        description: '16-digit traceability code per SGTIN of `items`',
      }),
    ),
    ...eventFields,
  },
  'First-line entry of serialized items (every SGTIN must encode product.gtin)',
);

/** `POST /v1/associations` → `goods:Associate`. */
export const AssociationBody = body(
  {
    pairs: Type.Array(
      Type.Object({ sgtin: Sgtin, code: Type.String({ pattern: TRACE_CODE.source }) }, { additionalProperties: false }),
      {
        minItems: 1,
        maxItems: BATCH_ITEMS_MAX,
      },
    ),
    ...eventFields,
  },
  '16-digit traceability codes for items the caller holds',
);

/** `POST /v1/shipments` → `goods:Ship`. */
export const ShipmentBody = body(
  { shipmentId: Ref, toEnterprise: EnterpriseId, toLocation: Location, items: ItemIds, ...eventFields },
  'Items the caller holds in stock go in transit to an enterprise and location',
);

/** `POST /v1/receipts` → `goods:Receive`. */
export const ReceiptBody = body(
  { shipmentId: Ref, location: Location, items: ItemIds, ...eventFields },
  'The receiver confirms a shipment at the location it was sent to',
);

/** `POST /v1/processings` → `goods:Process`. */
export const ProcessingBody = body(
  {
    processingId: Ref,
    location: Location,
    inputs: ItemIds,
    outputs: Type.Array(Sgtin, { minItems: 1, maxItems: BATCH_ITEMS_MAX, uniqueItems: true }),
    outputProduct: Product,
    outputUnitValueFen: Fen,
    cumulativeCode: Type.Optional({
      ...Ref,
      description: 'Upstream processing id whose imported-materials value carries through',
    }),
    ...eventFields,
  },
  'Processing: inputs are consumed, outputs created, value added kept',
);

/** `POST /v1/exits` → `goods:Exit`. */
export const ExitBody = body(
  {
    releaseListNo: Ref,
    port: PortCode,
    batch: Type.Optional(Type.Boolean({ description: 'Batch exit, to be consolidated in a monthly declaration' })),
    items: Type.Optional(
      Type.Array(
        Type.Object({ id: Type.Union([ItemId, ContainerId]), exitValueFen: Fen }, { additionalProperties: false }),
        {
          minItems: 1,
          maxItems: BATCH_ITEMS_MAX,
          description: 'Items, and cases or pallets leaving whole (exitValueFen: the value of the whole container)',
        },
      ),
    ),
    containers: Type.Optional(
      Type.Array(Type.Object({ id: ContainerId, exitValueFen: Fen }, { additionalProperties: false }), {
        minItems: 1,
        maxItems: CONTAINERS_PER_TRANSACTION_MAX,
        description: 'Cases and pallets leaving whole with everything in them, each with the value of its contents',
      }),
    ),
    ...eventFields,
  },
  'Second-line exit to the mainland through a port, with a release list: items, and cases or pallets leaving whole',
);

/** `POST /v1/declarations` → `goods:Declare`. */
export const DeclarationBody = body(
  {
    declarationNo: Ref,
    period: Period,
    releaseLists: Type.Array(Ref, { minItems: 1, maxItems: BATCH_ITEMS_MAX, uniqueItems: true }),
    ...eventFields,
  },
  "Consolidated declaration of a month's batch exits (due by the 25th of the next month)",
);

/** `POST /v1/destructions` → `goods:Destroy`; `POST /v1/returns` → `goods:ReturnAbroad`. */
export const EndOfLifeBody = body(
  { reference: Ref, items: ItemIds, ...eventFields },
  'Items the caller holds in stock leave the island chain',
);

// ---------------------------------------------------------------------------------------------------------------
// sale

/** An identity document; the gateway turns it into the person code and never stores or forwards the number. */
export const PersonDocument = Type.Object(
  {
    documentType: Type.String({
      pattern: DOCUMENT_TYPE_PATTERN.source,
      maxLength: 32,
      examples: ['PASSPORT', 'ID_CARD'],
    }),
    documentNumber: Type.String({
      minLength: 1,
      maxLength: MAX_DOCUMENT_NUMBER_LENGTH,
      pattern: '^[A-Za-z0-9][A-Za-z0-9 -]*$',
      writeOnly: true,
      description: 'Hashed into the person code by the gateway; never stored, logged or sent to the ledger',
    }),
  },
  { additionalProperties: false },
);

/** Either field names the person: exactly one of them. */
const personFields = {
  personCode: Type.Optional(PersonCode),
  person: Type.Optional(PersonDocument),
};

/** Buyer details for the rules (age); sent to the ledger only as transient data into the private collection. */
export const Buyer = Type.Object(
  {
    birthDate: BirthDate,
    nationality: Type.Optional(Type.String({ pattern: '^[A-Z]{2,3}$', description: 'ISO 3166 country code' })),
  },
  { additionalProperties: false },
);

/** `POST /v1/sales` → `sale:Sell`. */
export const SaleBody = body(
  {
    saleId: Ref,
    ...personFields,
    location: Location,
    pickupMode: Type.Union([
      Type.Literal('DEPARTURE_PICKUP'),
      Type.Literal('MAIL'),
      Type.Literal('BUY_NOW_PICKUP'),
      Type.Literal('GUARANTEE_PICKUP'),
    ]),
    departure: Type.Optional(
      Type.Object(
        {
          mode: Type.Union([Type.Literal('FLIGHT'), Type.Literal('TRAIN'), Type.Literal('SHIP')]),
          ticketRef: Type.String({ minLength: 1, maxLength: 64 }),
          departureTime: Instant,
        },
        { additionalProperties: false, description: "The buyer's ticket off the island" },
      ),
    ),
    lines: Type.Array(Type.Object({ id: ItemId, unitPriceFen: Fen }, { additionalProperties: false }), {
      minItems: 1,
      maxItems: SALE_LINES_MAX,
    }),
    mailAddressOffIsland: Type.Optional(Type.Boolean({ description: 'MAIL: the address is off the island' })),
    guaranteeFen: Type.Optional(FenOrZero),
    importTaxFen: Type.Optional(FenOrZero),
    buyer: Buyer,
    ...eventFields,
  },
  'Duty-free sale to one person: personCode, or person (an identity document the gateway hashes)',
);

/** `POST /v1/pickups` → `sale:Pickup`; `POST /v1/mailings` → `sale:Mail`. */
export const HandOverBody = body(
  { reference: Ref, items: ItemIds, ...eventFields },
  'Sold items handed over or mailed',
);

/** `POST /v1/departures` → `sale:ConfirmDeparture`. */
export const DepartureBody = body(
  {
    ...personFields,
    departedAt: Type.Optional({ ...Instant, description: 'When the person left (default: the transaction time)' }),
    port: Type.Optional(PortCode),
    ref: Type.Optional({ ...Ref, description: 'Ticket or boarding reference' }),
  },
  'A person left the island: personCode, or person (an identity document the gateway hashes)',
);

// ---------------------------------------------------------------------------------------------------------------
// customs

/** Cases and pallets (SSCC or GRAI EPC URNs) customs holds or releases whole (issue 15 Must 3). */
const ContainerIds = Type.Array(
  Type.String({ pattern: CONTAINER_ID.source, description: 'SSCC or GRAI EPC URN of a case or pallet' }),
  { minItems: 1, maxItems: CONTAINERS_PER_TRANSACTION_MAX, uniqueItems: true },
);

/** `POST /v1/holds` → `customs:Hold`: items (packed or loose) and/or whole cases and pallets. */
export const HoldBody = body(
  {
    items: Type.Optional(ItemIds),
    containers: Type.Optional(ContainerIds),
    reason: Type.String({ minLength: 1, maxLength: 200 }),
    ...eventFields,
  },
  'Items (loose or packed in a case) and cases or pallets customs holds; at least one of items, containers',
);

/** `POST /v1/seizures` → `customs:Seize`: loose held items. */
export const SeizureBody = body(
  { items: ItemIds, reason: Type.String({ minLength: 1, maxLength: 200 }), ...eventFields },
  'Held items customs seizes',
);

/** `POST /v1/releases` → `customs:Release`. */
export const ReleaseBody = body(
  {
    items: Type.Optional(ItemIds),
    containers: Type.Optional(ContainerIds),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    ...eventFields,
  },
  'Held items and cases or pallets released; at least one of items, containers',
);

const CreditClass = Type.Union([
  Type.Literal('AEO_ADVANCED'),
  Type.Literal('WHITELIST'),
  Type.Literal('KEY_ATTENTION'),
]);

/** `POST /v1/enterprises/{id}/classifications` → `customs:ClassifyEnterprise`. */
export const EnterpriseClassificationBody = body(
  {
    class: CreditClass,
    reason: Type.Optional(
      Type.Union(
        [
          Type.Literal('REGULATOR_LOWEST_RATING'),
          Type.Literal('SMUGGLING_PENALTY'),
          Type.Literal('SERIOUS_DISHONESTY'),
          Type.Literal('OTHER'),
        ],
        { description: 'Required for KEY_ATTENTION' },
      ),
    ),
    eventTime: eventFields.eventTime,
  },
  "An enterprise's credit class",
);

/** `POST /v1/enterprises/{id}/regulator-ratings` → `customs:RecordRegulatorRating`. */
export const RegulatorRatingBody = body(
  {
    lowest: Type.Boolean({
      description: 'Whether the industry regulator still rates the enterprise at its lowest level',
    }),
  },
  "An industry regulator's rating of an enterprise",
);

/** Path of an enterprise. */
export const EnterpriseParams = Type.Object({ id: EnterpriseId });

/** `POST /v1/persons/{code}/classifications` → `customs:ClassifyPerson`. */
export const PersonClassificationBody = body(
  {
    class: Type.Union([Type.Literal('WHITELIST'), Type.Literal('KEY_ATTENTION')]),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    eventTime: eventFields.eventTime,
  },
  "A person's class",
);

/** Path of a person. */
export const PersonParams = Type.Object({ code: PersonCode });

const Count = Type.Integer({ minimum: 0 });
const Bp = Type.Integer({ minimum: 0, maximum: 10_000 });

/** `POST /v1/rules` → `customs:SetRules`: a complete, effective-dated rule set. */
export const RuleSetBody = body(
  {
    effectiveFrom: Instant,
    annualQuotaFen: Count,
    maxCosmeticsPieces: Count,
    maxMobilePhones: Count,
    maxAlcoholMl: Count,
    minBuyerAgeYears: Count,
    buyNowPickupMaxUnitPriceFen: Count,
    guaranteePickupMinUnitPriceFen: Count,
    buyNowPickupCategories: Type.Array(ProductCategory, { maxItems: 9, uniqueItems: true }),
    departureWindowDays: Count,
    purchaseBanYears: Count,
    valueAddedMinBp: Count,
    // The model's port code, as the chain checks a rule set's ports: a port a rule set names can be named by a sale or an exit.
    secondLinePorts: Type.Array(PortCode, { minItems: 1, maxItems: 100, uniqueItems: true }),
    inspectionRateBp: Type.Object(
      { AEO_ADVANCED: Bp, WHITELIST: Bp, KEY_ATTENTION: Bp },
      { additionalProperties: false },
    ),
    batchExitClasses: Type.Array(CreditClass, { maxItems: 3, uniqueItems: true }),
    declarationDueDay: Type.Integer({ minimum: 1, maximum: 28 }),
    keyAttentionAutoRemovalYears: Count,
    personSupervisionYears: Count,
    requestAnswerWorkingMinutes: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: WORKING_MINUTES_MAX,
        description: 'Working minutes (Mon-Fri 09:00-17:00 Asia/Shanghai) customs has to answer a request; default 120',
      }),
    ),
    discrepancyKeyAttention: Type.Optional(
      Type.Object(
        { count: Type.Integer({ minimum: 1, maximum: 100 }), windowDays: Type.Integer({ minimum: 1, maximum: 3660 }) },
        {
          additionalProperties: false,
          description:
            'Inspection results with a discrepancy verdict within windowDays that make an enterprise key-attention; default 3 in 365',
        },
      ),
    ),
  },
  'A complete rule set, in force from effectiveFrom until a later one (every field required but requestAnswerWorkingMinutes and discrepancyKeyAttention)',
);

/** `GET /v1/rules`. */
export const RulesQuery = Type.Object(
  { at: Type.Optional({ ...Instant, description: 'Instant whose rules to show (default: now)' }) },
  { additionalProperties: false },
);

/** `POST /v1/inspection-seeds` → `customs:CommitInspectionSeed`. */
export const SeedCommitBody = body(
  {
    seedId: Ref,
    commitment: Type.String({
      pattern: HEX64.source,
      description: 'SHA-256 (hex) of the seed, committed before its window opens',
    }),
    validFrom: Instant,
    validTo: Instant,
  },
  'Commit an inspection seed for exits in [validFrom, validTo)',
);

/** `POST /v1/inspection-seeds/{seedId}/reveal` → `customs:RevealInspectionSeed`. */
export const SeedRevealBody = body(
  { seed: Type.String({ pattern: '^[0-9a-f]{32,128}$' }) },
  'Reveal a seed after its window closed',
);

/** Path of a seed. */
export const SeedParams = Type.Object({ seedId: Ref });

/** Path of an exit's inspection. */
export const InspectionParams = Type.Object({ releaseListNo: Ref });

// ---------------------------------------------------------------------------------------------------------------
// Responses: the chaincode's results (documented at the top level; nested records pass through unchanged)

/**
 * A chaincode result: `txId` required where the chaincode returns it, every other member optional, extra members
 * passed through. Lenient on purpose: this schema also serialises the answer, and an answer that no longer matches
 * after the transaction committed must still reach the client rather than become a 500.
 */
function result(properties: Record<string, TSchema>, description: string) {
  const members = Object.fromEntries(
    Object.entries(properties).map(([name, schema]) => [name, name === 'txId' ? schema : Type.Optional(schema)]),
  );
  return Type.Object(members, { additionalProperties: true, description });
}

const Movements = Type.Array(Type.Unknown(), {
  description: 'Account movements posted, one per (enterprise, GTIN, regime, location)',
});
const TxId = Type.String({ description: 'Ledger transaction id' });

/** Result of a step that moves items: tx id, count and the book movements. */
export function itemsResult(countName: string, description: string) {
  return result({ txId: TxId, [countName]: Type.Integer(), movements: Movements }, description);
}

/** Result of `goods:Associate`. */
export const AssociationResult = result({ txId: TxId, associated: Type.Integer() }, 'Associations recorded');
/** Result of `goods:Process`. */
export const ProcessingResult = result(
  { txId: TxId, processing: Type.Unknown(), movements: Movements },
  'The processing record (value added in bp)',
);
/** Result of `goods:Exit`. */
export const ExitResult = result(
  { txId: TxId, exit: Type.Unknown(), movements: Movements },
  'The exit record (tariff exemption, inspection rate)',
);
/** Result of `goods:Declare`: the declaration record. */
export const DeclarationResult = result(
  {
    txId: TxId,
    declarationNo: Type.String(),
    enterprise: Type.String(),
    period: Type.String(),
    releaseLists: Type.Array(Type.String()),
    declaredAt: Type.String(),
  },
  'The declaration record',
);
/** Result of `sale:Sell`. */
export const SaleResult = result(
  { txId: TxId, sale: Type.Unknown(), decision: Type.Unknown(), movements: Movements },
  'The sale record and the decision (duty-free and taxable parts, quota left)',
);
/** Result of `sale:Pickup` and `sale:Mail`. */
export const HandOverResult = result({ txId: TxId, items: Type.Integer() }, 'Items handed over');
/** Result of `sale:ConfirmDeparture` and `customs:ClassifyPerson`: the person record. */
export const PersonResult = result(
  {
    personCode: Type.String(),
    departures: Type.Array(Type.Unknown()),
    departureObligations: Type.Array(Type.Unknown()),
    credit: Type.Unknown(),
  },
  'The person record (no document data: only the code)',
);
/** Result of `customs:ClassifyEnterprise` and `customs:RecordRegulatorRating`: the enterprise record. */
export const EnterpriseRecordResult = result(
  {
    id: Type.String(),
    name: Type.String(),
    mspId: Type.String(),
    roles: Type.Array(Type.String()),
    credit: Type.Unknown(),
  },
  'The enterprise record with its credit',
);
/** Result of `customs:SetRules`: the rule set as stored. */
export const RuleSetResult = result({ effectiveFrom: Type.String() }, 'The rule set as stored');
/** Result of `customs:CommitInspectionSeed` and `RevealInspectionSeed`: the seed record. */
export const SeedResult = result(
  { seedId: Type.String(), commitment: Type.String(), validFrom: Type.String(), validTo: Type.String() },
  'The seed record',
);
/** `POST /v1/ledger-indexes/{item,trace-code}-runs`: no fields (one bounded chunk per call). */
export const IndexRunsBody = body({}, 'Nothing: each call indexes the next chunk of at most 1,000 keys');
/** Where the backfill of a run index stands after the call (chaincode ledger/item-runs.ts, trace-code-runs.ts). */
export const IndexRunsResult = result(
  {
    complete: Type.Boolean({ description: 'Every key is in its run: entries read one key per run from now on' }),
    after: Type.String({ description: 'The last key indexed (the cursor of the next call)' }),
    indexed: Type.Integer({ description: 'Keys indexed so far' }),
    txId: Type.String(),
  },
  'The run index backfill state',
);
/** `GET /v1/rules`: result of `query:GetRules`. */
export const RulesResponse = result(
  { at: Type.String(), inForce: Type.Unknown(), ledgerSets: Type.Array(Type.Unknown()) },
  'Rules in force at `at`, and every set customs put on the ledger',
);
/** `GET /v1/inspections/{releaseListNo}`: result of `query:GetInspection`. */
export const InspectionResponse = result(
  {
    releaseListNo: Type.String(),
    txId: TxId,
    status: Type.String({ description: 'NO_SEED, PENDING_REVEAL or VERIFIABLE' }),
  },
  'Whether the exit was selected for inspection, re-checkable once the seed is revealed',
);

/** 200 when the request's Idempotency-Key is already on the ledger (the gateway lost the first answer). */
export const DuplicateResponse = Type.Object(
  {
    txId: Type.String({ description: 'The transaction that committed this Idempotency-Key first' }),
    duplicate: Type.Literal(true),
  },
  { description: 'Already on the ledger: this Idempotency-Key was committed before' },
);

/** Error answers of a step route, besides the authenticated ones. */
export const stepErrors = {
  ...authenticatedErrors,
  404: Problem,
  409: Problem,
  422: Problem,
  502: Problem,
  503: Problem,
  504: Problem,
} as const;
