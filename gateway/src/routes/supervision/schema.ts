/**
 * Request and response schemas of the supervision loop (issue 18): risk rules and inspection results. The bodies
 * mirror the chaincode's requests (chaincode/src/domain/risk.ts, @hainan/ledger-model supervision-requests.ts) with
 * the model's patterns and enumerations, so a malformed body is a 400 VALIDATION_FAILED before any transaction; what
 * only the ledger can decide (a rule set's consistency, whether an exit was selected) the chain answers with its code.
 */
import { Type } from '@fastify/type-provider-typebox';
import {
  DISCREPANCY_KINDS,
  HEX64,
  INSPECTION_CONSEQUENCES,
  INSPECTION_METHODS,
  INSPECTION_VERDICTS,
  REF,
  REGIMES,
} from '@hainan/ledger-model';
import { ContainerId, Instant, Ref, Sgtin } from '../steps/schema';

const RISK_ACTIONS = ['NONE', 'DOCUMENT_CHECK', 'IMAGE_REVIEW', 'PHYSICAL_INSPECTION', 'HOLD'] as const;
const CREDIT_CLASSES = ['AEO_ADVANCED', 'WHITELIST', 'KEY_ATTENTION'] as const;
const enumOf = (values: readonly string[], description?: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    description ? { description } : {},
  );
const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const RiskAction = enumOf(RISK_ACTIONS, 'What screening asks for, least to most severe');
/** At most 50 entries in a condition's list (the chaincode's bound). */
const list = <T extends ReturnType<typeof Type.String> | ReturnType<typeof enumOf>>(item: T) =>
  Type.Array(item, { minItems: 1, maxItems: 50, uniqueItems: true });

const RiskCondition = Type.Object(
  {
    creditClasses: Type.Optional(list(enumOf(CREDIT_CLASSES))),
    enterpriseDiscrepanciesAtLeast: Type.Optional(Count),
    regimes: Type.Optional(list(enumOf(REGIMES.filter((r) => r !== 'DUTY_PAID')))),
    hsCodePrefixes: Type.Optional(list(Type.String({ pattern: '^\\d{2,10}$' }))),
    valueAddedBpBelow: Type.Optional(
      Type.Integer({ description: 'Processed goods with value added below this many basis points' }),
    ),
    exitValueFenAtLeast: Type.Optional(Count),
    itemHoldsAtLeast: Type.Optional(Count),
    itemDiscrepanciesAtLeast: Type.Optional(Count),
  },
  {
    additionalProperties: false,
    description: 'Every condition given must hold (item conditions for at least one item of the exit)',
  },
);

/** `POST /v1/risk-rules` → `customs:SetRiskRules`. */
export const RiskRuleSetBody = Type.Object(
  {
    effectiveFrom: Instant,
    rules: Type.Array(
      Type.Object(
        {
          id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' }),
          description: Type.Optional(Type.String({ maxLength: 200 })),
          when: RiskCondition,
          weight: Type.Integer({ minimum: 0, maximum: 1000 }),
          action: RiskAction,
        },
        { additionalProperties: false },
      ),
      { maxItems: 200 },
    ),
    thresholds: Type.Optional(
      Type.Array(Type.Object({ minScore: Count, action: RiskAction }, { additionalProperties: false }), {
        maxItems: 10,
        description: 'A score at or above minScore asks at least for action',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'An effective-dated risk rule set; exits from effectiveFrom on are screened by it',
  },
);

export const RiskRuleSetResult = Type.Object(
  { effectiveFrom: Type.String(), rules: Type.Array(Type.Unknown()), thresholds: Type.Array(Type.Unknown()) },
  { additionalProperties: true, description: 'The rule set as stored' },
);

export const RiskRulesQuery = Type.Object(
  { at: Type.Optional({ ...Instant, description: 'Instant whose risk rules to show (default: now)' }) },
  { additionalProperties: false },
);
export const RiskRulesResponse = Type.Object(
  {
    at: Type.String(),
    inForce: Type.Unknown({ description: 'The set in force, or null' }),
    ledgerSets: Type.Array(Type.Unknown()),
  },
  { additionalProperties: true },
);

export const ExitParams = Type.Object({ releaseListNo: Ref });

/** `POST /v1/exits/{releaseListNo}/inspection-results` → `customs:RecordInspection`. */
export const InspectionResultBody = Type.Object(
  {
    method: enumOf(INSPECTION_METHODS, 'IMAGE_REVIEW (H986), PHYSICAL or DOCUMENTS'),
    officer: Type.String({ pattern: REF.source, description: "The inspecting officer's id" }),
    eventTime: Type.Optional({ ...Instant, description: 'When the inspection took place (default now)' }),
    verdict: enumOf(INSPECTION_VERDICTS),
    discrepancies: Type.Optional(
      Type.Array(
        Type.Object(
          {
            kind: enumOf(DISCREPANCY_KINDS),
            items: Type.Optional(Type.Array(Sgtin, { maxItems: 1000, uniqueItems: true })),
            note: Type.Optional(Type.String({ maxLength: 500 })),
          },
          { additionalProperties: false },
        ),
        { maxItems: 20 },
      ),
    ),
    evidence: Type.Object(
      {
        sha256: Type.String({ pattern: HEX64.source, description: 'SHA-256 of the scan or report' }),
        uri: Type.String({
          maxLength: 1000,
          pattern: '^[a-z][a-z0-9+.-]*:[^\\s]+$',
          description: 'Where the scan or report is kept (off the chain)',
        }),
      },
      { additionalProperties: false },
    ),
    consequence: Type.Object(
      {
        kind: enumOf(INSPECTION_CONSEQUENCES),
        items: Type.Optional(Type.Array(Sgtin, { maxItems: 1000, uniqueItems: true })),
        note: Type.Optional(Type.String({ maxLength: 500 })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const InspectionResultResult = Type.Object(
  {
    txId: Type.String(),
    releaseListNo: Type.String(),
    inspection: Type.Unknown({ description: 'The result as recorded with the exit' }),
  },
  { additionalProperties: true },
);

/** `GET /v1/exits/{releaseListNo}/screening`: `query:GetInspection`. */
export const ScreeningResponse = Type.Object(
  {
    releaseListNo: Type.String(),
    txId: Type.String(),
    creditClass: Type.String(),
    creditBasis: Type.Unknown({
      description: 'When the discrepancy rule made the class key-attention: the rule and the discrepancies; else null',
    }),
    rateBp: Type.Integer({ description: 'Random selection rate of the credit class' }),
    status: Type.String({ description: 'Random draw: NO_SEED, PENDING_REVEAL or VERIFIABLE' }),
    screening: Type.Unknown({ description: 'Score, fired rules and action; null when no risk rules were in force' }),
    result: Type.Unknown({ description: 'The inspection result; null until customs records one' }),
  },
  { additionalProperties: true },
);

/** `POST /v1/exits/{releaseListNo}/gate-release` → `customs:ReleaseAtGate`. */
export const GateReleaseBody = Type.Object(
  {
    gate: Type.String({ pattern: REF.source, description: 'The second-line gate (卡口) the truck passes' }),
    items: Type.Optional(
      Type.Array(Type.Union([Sgtin, ContainerId]), {
        minItems: 1,
        maxItems: 1000,
        uniqueItems: true,
        description:
          'Items (SGTIN) and cases or pallets (SSCC / GRAI) read at the gate; default: the release list as recorded',
      }),
    ),
    eventTime: Type.Optional({ ...Instant, description: 'When the truck passed (default now)' }),
  },
  { additionalProperties: false },
);

export const GateReleaseResult = Type.Object(
  {
    txId: Type.String(),
    releaseListNo: Type.String(),
    gateRelease: Type.Unknown({ description: 'Gate, time and officer recorded with the exit' }),
  },
  { additionalProperties: true },
);

const DiscrepancyEntry = Type.Object(
  {
    releaseListNo: Type.String({ description: 'The exit whose inspection found the discrepancy' }),
    txId: Type.String({ description: 'The transaction that recorded the inspection result' }),
    atIso: Type.String({ description: 'When it was inspected: the window is measured from it' }),
    kinds: Type.Array(Type.String(), {
      description: 'Discrepancy kinds (QUANTITY, DESCRIPTION, UNDECLARED_GOODS, VALUE)',
    }),
  },
  { additionalProperties: false },
);

/** `GET /v1/enterprises/{id}/credit`: `query:GetEnterpriseCredit`. */
export const EnterpriseCreditResponse = Type.Object(
  {
    enterpriseId: Type.String(),
    at: Type.String({ description: 'The moment the class was evaluated (transaction time)' }),
    class: Type.String({ description: 'The class in effect: AEO_ADVANCED, WHITELIST or KEY_ATTENTION' }),
    recordedClass: Type.String({ description: "Customs' recorded class, automatic removals applied" }),
    source: Type.Union([Type.Literal('RECORD'), Type.Literal('DISCREPANCIES')], {
      description: "RECORD: customs' record; DISCREPANCIES: the discrepancy rule made it key-attention",
    }),
    discrepancyRule: Type.Object({ count: Type.Integer(), windowDays: Type.Integer() }),
    discrepancies: Type.Array(DiscrepancyEntry, {
      maxItems: 100,
      description: 'Inspection discrepancies within the window, oldest first: the basis when source is DISCREPANCIES',
    }),
  },
  { additionalProperties: false },
);
