/**
 * The `customs` contract: what only customs may do. Register enterprises, classify enterprise and person
 * credit (with reason categories; automatic removal is computed from ledger time), record regulator ratings,
 * set effective-dated rules, hold / release / seize goods, commit and reveal inspection seeds, and suspend and
 * reinstate enterprises (the refusal itself is an access rule: ledger/access.ts).
 */
import { Info, Returns, Transaction } from 'fabric-contract-api';
import {
  bool,
  ChaincodeError,
  CONTAINER_DEPTH_MAX,
  CONTAINERS_PER_TRANSACTION_MAX,
  containerIdOf,
  isContainerId,
  decodeGateReleaseRequest,
  decodeInspectionResultRequest,
  ErrorCode,
  eventIdOf,
  HEX64,
  itemIdOf,
  list,
  newAlreadyExists,
  newInvalidArgument,
  newNotFound,
  oneOf,
  optStr,
  parseInstant,
  PERSON_CODE,
  REF,
  str,
  unique,
  USCC,
} from '@hainan/ledger-model';
import { encodeToString } from '../ledger-codec';
import { validateRuleSet, type CreditClass } from '../domain/rules';
import { validateRiskRuleSet } from '../domain/risk';
import { decideInspectionResult } from '../domain/inspection-result';
import { decideGateRelease } from '../domain/gate';
import type { KeyAttentionReason, PersonClass } from '../domain/credit';
import { recordDecision } from '../domain/decision';
import { verifyReveal } from '../domain/inspection';
import { decideReinstatement, decideSuspension, type SuspensionRecord, type SuspensionTx } from '../domain/suspension';
import { decideSupervision, type SupervisionKind } from '../domain/supervision';
import type { ContainerRecord } from '../domain/containers';
import {
  ENTERPRISE_ROLES,
  type EnterpriseRecord,
  type EnterpriseRole,
  type ExitRecord,
  type PersonRecord,
  type SeedRecord,
} from '../domain/records';
import { KeyType } from '../ledger/keys';
import { backfillItemRuns, indexEmptyLedger } from '../ledger/item-runs';
import { backfillTraceCodeRuns, indexLedgerWithoutCodes } from '../ledger/trace-code-runs';
import { LedgerContract } from '../ledger/ledger-contract';
import { loadEnterprise, requireCustoms } from '../ledger/access';
import { commit } from '../ledger/commit';
import {
  BATCH_ITEMS_MAX,
  parseSubmission,
  eventTimeOf,
  inOrder,
  loadItem,
  loadItems,
  requireUnused,
  storedItem,
  txClockOf,
  txOf,
} from '../ledger/posting';
// A value import (not `import type`): decorator metadata must name the class so the contract API skips ctx.
import { TraceContext } from '../ledger/trace-context';

const CLASSES: readonly CreditClass[] = ['AEO_ADVANCED', 'WHITELIST', 'KEY_ATTENTION'];
const REASONS: readonly KeyAttentionReason[] = [
  'REGULATOR_LOWEST_RATING',
  'SMUGGLING_PENALTY',
  'SERIOUS_DISHONESTY',
  'OTHER',
];

@Info({ title: 'customs', description: 'Customs supervision: enterprises, credit, rules, holds, inspection seeds' })
export class CustomsContract extends LedgerContract {
  constructor() {
    super('customs');
  }

  /** Registers an enterprise (unified social credit code) with its MSP and trade roles. */
  @Transaction()
  @Returns('string')
  async RegisterEnterprise(ctx: TraceContext, requestJson: string): Promise<string> {
    requireCustoms(ctx, 'register enterprises');
    const f = await parseSubmission(ctx, requestJson);
    const id = str(f, 'id', { pattern: USCC });
    await requireUnused(ctx, KeyType.enterprise, [id], `enterprise ${id} is already registered`);
    const roles = list(f, 'roles', ENTERPRISE_ROLES.length, (v, i) => {
      if (typeof v !== 'string' || !ENTERPRISE_ROLES.includes(v as EnterpriseRole))
        throw newInvalidArgument(`roles[${i}] must be one of ${ENTERPRISE_ROLES.join(', ')}`);
      return v as EnterpriseRole;
    });
    unique(roles, 'role');
    const record: EnterpriseRecord = {
      id,
      name: str(f, 'name', { maxLength: 200 }),
      mspId: str(f, 'mspId', { pattern: /^[A-Za-z0-9.-]{1,64}$/ }),
      roles: [...roles].sort(),
      registeredAt: ctx.txTime,
      credit: { class: 'WHITELIST', history: [] },
    };
    await indexEmptyLedger(ctx);
    await indexLedgerWithoutCodes(ctx);
    await commit(
      ctx,
      recordDecision('ENTERPRISE', ctx.txTime, 'enterprise', { type: KeyType.enterprise, attrs: [id], value: record }),
    );
    return encodeToString(record);
  }

  /** Sets an enterprise's credit class with a reason category; re-listing a listed enterprise restarts its clock. */
  @Transaction()
  @Returns('string')
  async ClassifyEnterprise(ctx: TraceContext, requestJson: string): Promise<string> {
    requireCustoms(ctx, 'classify enterprise credit');
    const f = await parseSubmission(ctx, requestJson);
    const { iso: at } = eventTimeOf(ctx, f);
    const ent = await loadEnterprise(ctx, str(f, 'id', { pattern: USCC }));
    const cls = oneOf(f, 'class', CLASSES);
    const reason = cls === 'KEY_ATTENTION' ? oneOf(f, 'reason', REASONS) : undefined;
    const credit = { ...ent.credit };
    credit.class = cls;
    if (cls === 'KEY_ATTENTION') {
      credit.reason = reason!;
      credit.listedAtIso = at;
      if (reason === 'REGULATOR_LOWEST_RATING') credit.regulatorRatingLowest = true;
    } else {
      delete credit.reason;
      delete credit.listedAtIso;
      delete credit.regulatorRatingLowest;
    }
    credit.history = [...credit.history, { class: cls, ...(reason ? { reason } : {}), atIso: at, by: ctx.caller.id }];
    const record: EnterpriseRecord = { ...ent, credit };
    await commit(
      ctx,
      recordDecision('CREDIT', at, 'enterprise', { type: KeyType.enterprise, attrs: [ent.id], value: record }),
    );
    return encodeToString(record);
  }

  /** Records whether an industry regulator still rates the enterprise at its lowest level. */
  @Transaction()
  @Returns('string')
  async RecordRegulatorRating(ctx: TraceContext, requestJson: string): Promise<string> {
    requireCustoms(ctx, 'record regulator ratings');
    const f = await parseSubmission(ctx, requestJson);
    const ent = await loadEnterprise(ctx, str(f, 'id', { pattern: USCC }));
    const record: EnterpriseRecord = { ...ent, credit: { ...ent.credit, regulatorRatingLowest: bool(f, 'lowest') } };
    await commit(
      ctx,
      recordDecision('CREDIT', ctx.txTime, 'enterprise', { type: KeyType.enterprise, attrs: [ent.id], value: record }),
    );
    return encodeToString(record);
  }

  /** Sets a person's class (whitelist / key attention). */
  @Transaction()
  @Returns('string')
  async ClassifyPerson(ctx: TraceContext, requestJson: string): Promise<string> {
    requireCustoms(ctx, 'classify persons');
    const f = await parseSubmission(ctx, requestJson);
    const { iso: at } = eventTimeOf(ctx, f);
    const personCode = str(f, 'personCode', { pattern: PERSON_CODE });
    const cls = oneOf<PersonClass>(f, 'class', ['WHITELIST', 'KEY_ATTENTION']);
    const reason = optStr(f, 'reason', { maxLength: 200 });
    const person = (await ctx.store.get<PersonRecord>(KeyType.person, [personCode])) ?? {
      personCode,
      departureObligations: [],
      departures: [],
    };
    const history = [
      ...(person.credit?.history ?? []),
      { class: cls, atIso: at, by: ctx.caller.id, ...(reason ? { reason } : {}) },
    ];
    person.credit = {
      class: cls,
      history,
      ...(cls === 'KEY_ATTENTION' ? { listedAtIso: at } : {}),
      ...(reason ? { reason } : {}),
    };
    await commit(
      ctx,
      recordDecision('PERSON_CREDIT', at, 'person', { type: KeyType.person, attrs: [personCode], value: person }),
    );
    return encodeToString(person);
  }

  /** Puts an effective-dated rule set on the ledger; each event is judged by the set in force at its event time. */
  @Transaction()
  @Returns('string')
  async SetRules(ctx: TraceContext, requestJson: string): Promise<string> {
    requireCustoms(ctx, 'set rules');
    // The submission id (Idempotency-Key) is the transaction's, not a field of the rule set, which takes no other.
    const { submissionId: _submissionId, ...candidate } = await parseSubmission(ctx, requestJson);
    const rules = validateRuleSet(candidate);
    const key = String(parseInstant(rules.effectiveFrom)).padStart(16, '0');
    await commit(
      ctx,
      recordDecision('RULES', ctx.txTime, 'rules', { type: KeyType.rules, attrs: [key], value: rules }),
    );
    return encodeToString(rules);
  }

  /**
   * Puts an effective-dated risk rule set on the ledger (domain/risk.ts); every later exit is screened by the set in
   * force at its event time. A set with no rules ends screening from its `effectiveFrom`.
   */
  @Transaction()
  @Returns('string')
  async SetRiskRules(ctx: TraceContext, requestJson: string): Promise<string> {
    requireCustoms(ctx, 'set risk rules');
    const set = validateRiskRuleSet(await parseSubmission(ctx, requestJson));
    const key = String(parseInstant(set.effectiveFrom)).padStart(16, '0');
    await commit(
      ctx,
      recordDecision('RISK_RULES', ctx.txTime, 'riskRules', { type: KeyType.riskRules, attrs: [key], value: set }),
    );
    return encodeToString(set);
  }

  /**
   * Records the result of the inspection of a selected exit (method, officer, verdict, evidence hash and URI,
   * consequence) with the exit, and applies the consequence to its items (domain/inspection-result.ts).
   */
  @Transaction()
  @Returns('string')
  async RecordInspection(ctx: TraceContext, requestJson: string): Promise<string> {
    requireCustoms(ctx, 'record inspection results');
    const f = await parseSubmission(ctx, requestJson);
    const req = decodeInspectionResultRequest(f, txClockOf(ctx));
    const exit = await ctx.store.get<ExitRecord>(KeyType.exit, [req.releaseListNo]);
    if (!exit) throw newNotFound(`release list ${req.releaseListNo} is not on the ledger`);
    const enterprise = await loadEnterprise(ctx, exit.enterprise);
    const seed = exit.inspection.seedId
      ? await ctx.store.get<SeedRecord>(KeyType.seed, [exit.inspection.seedId])
      : undefined;
    const items = await loadItems(
      ctx,
      exit.items.map((i) => i.sgtin),
    );
    const containers = await this.#exitContainers(ctx, exit);
    const decision = decideInspectionResult(
      req,
      { exit, items, enterprise, seed, containers },
      ctx.caller.id,
      txOf(ctx),
    );
    await commit(ctx, decision);
    return encodeToString({ txId: ctx.txId, releaseListNo: exit.releaseListNo, inspection: decision.record });
  }

  /**
   * Gate release (卡口核放, issue 18 Must 3): the release list presented at a second-line gate is checked against
   * the ledger (domain/gate.ts) and released once, with the gate and time recorded on the exit; refused with
   * RELEASE_LIST_UNKNOWN, GATE_ALREADY_RELEASED or GATE_BLOCKED naming each blocking item.
   */
  @Transaction()
  @Returns('string')
  async ReleaseAtGate(ctx: TraceContext, requestJson: string): Promise<string> {
    requireCustoms(ctx, 'release goods at a gate');
    const f = await parseSubmission(ctx, requestJson);
    const req = decodeGateReleaseRequest(f, txClockOf(ctx));
    const exit = await ctx.store.get<ExitRecord>(KeyType.exit, [req.releaseListNo]);
    if (!exit)
      throw new ChaincodeError(
        ErrorCode.RELEASE_LIST_UNKNOWN,
        `release list ${req.releaseListNo} is not on the ledger`,
      );
    const seed = exit.inspection.seedId
      ? await ctx.store.get<SeedRecord>(KeyType.seed, [exit.inspection.seedId])
      : undefined;
    const items = await loadItems(
      ctx,
      exit.items.map((i) => i.sgtin),
    );
    // Cases by their containers' own keys: the exit's, and the chain above a presented case that is not on it.
    const containers = await this.#exitContainers(ctx, exit);
    const onExit = new Set([...(exit.containers ?? []).map((c) => c.id), ...exit.items.map((i) => i.sgtin)]);
    const others = (req.items ?? []).filter((id) => !onExit.has(id));
    // An item read at the gate that is not on the list as an item: packed in a case, it is judged by that case.
    const packed = await inOrder(
      others.filter((id) => !isContainerId(id)),
      (id) => storedItem(ctx, id),
    );
    const around = await this.#containersAround(ctx, [
      ...others.filter(isContainerId),
      ...packed.map((item) => item?.container),
    ]);
    const tops = this.#topsOf(around, [
      ...others.filter(isContainerId).map((id) => [id, id] as const),
      ...packed.flatMap((item) => (item?.container ? [[item.sgtin, item.container] as const] : [])),
    ]);
    const decision = decideGateRelease(req, { exit, items, seed, containers, tops }, ctx.caller.id, txOf(ctx));
    await commit(ctx, decision);
    return encodeToString({ txId: ctx.txId, releaseListNo: exit.releaseListNo, gateRelease: decision.record });
  }

  /**
   * Holds items (any state but the end states) and/or whole cases and pallets (`containers`); held items can only be
   * released or seized. A packed item may be held and released; the containers above it then refuse to move
   * (ITEM_HELD) until it is released or unpacked (issue 15 Must 3).
   */
  @Transaction()
  @Returns('string')
  async Hold(ctx: TraceContext, requestJson: string): Promise<string> {
    return this.#supervise(ctx, requestJson, 'HOLD');
  }

  /** Releases held items. */
  @Transaction()
  @Returns('string')
  async Release(ctx: TraceContext, requestJson: string): Promise<string> {
    return this.#supervise(ctx, requestJson, 'RELEASE');
  }

  /** Seizes held items; they leave their holder's book. */
  @Transaction()
  @Returns('string')
  async Seize(ctx: TraceContext, requestJson: string): Promise<string> {
    return this.#supervise(ctx, requestJson, 'SEIZURE');
  }

  async #supervise(ctx: TraceContext, requestJson: string, kind: SupervisionKind): Promise<string> {
    requireCustoms(ctx, kind === 'HOLD' ? 'hold goods' : kind === 'RELEASE' ? 'release goods' : 'seize goods');
    const f = await parseSubmission(ctx, requestJson);
    const { iso: eventTime } = eventTimeOf(ctx, f);
    const reason =
      kind === 'RELEASE'
        ? (optStr(f, 'reason', { maxLength: 200 }) ?? 'released')
        : str(f, 'reason', { maxLength: 200 });
    const containerIds =
      f.containers === undefined ? [] : list(f, 'containers', CONTAINERS_PER_TRANSACTION_MAX, containerIdOf);
    // `items` may be left out (or empty) when containers are named.
    const itemIds =
      f.items === undefined && containerIds.length > 0
        ? []
        : list(f, 'items', BATCH_ITEMS_MAX, itemIdOf, containerIds.length > 0 ? 0 : 1);
    // Packed items are loaded too (the decision refuses a seizure of one); their containers are loaded below.
    const items = await inOrder(itemIds, (id) => loadItem(ctx, id, 'allow'));
    const named = await inOrder(containerIds, async (id) => {
      const c = await ctx.store.get<ContainerRecord>(KeyType.container, [id]);
      if (!c) throw newNotFound(`container ${id} is not on the ledger`);
      return c;
    });
    const around = await this.#containersAround(ctx, [...items.map((i) => i.container), ...named.map((c) => c.parent)]);
    const req = { kind, reason, by: ctx.caller.id, eventTime, eventId: eventIdOf(f) };
    const movements = await commit(ctx, decideSupervision(req, items, txOf(ctx), named, around));
    return encodeToString({ txId: ctx.txId, items: items.length, containers: named.length, movements });
  }

  /** The containers that left whole with an exit, as they are now, in the exit's order. */
  async #exitContainers(ctx: TraceContext, exit: ExitRecord): Promise<ContainerRecord[]> {
    return inOrder(exit.containers ?? [], async ({ id }) => {
      const c = await ctx.store.get<ContainerRecord>(KeyType.container, [id]);
      if (!c) throw newNotFound(`container ${id} of release list ${exit.releaseListNo} is not on the ledger`);
      return c;
    });
  }

  /** Each presented id to the top container of the chain from its container; one not on the ledger is left out. */
  #topsOf(
    found: ReadonlyMap<string, ContainerRecord>,
    starts: readonly (readonly [string, string])[],
  ): Map<string, string> {
    const tops = new Map<string, string>();
    for (const [id, first] of starts) {
      let c = found.get(first);
      for (let n = 0; c?.parent && n < CONTAINER_DEPTH_MAX; n++) c = found.get(c.parent);
      if (c) tops.set(id, c.id);
    }
    return tops;
  }

  /**
   * Every container from each of `first` up its parent chain, by id. Bounded: each chain is at most
   * CONTAINER_DEPTH_MAX long and a container shared by several chains is read once.
   */
  async #containersAround(
    ctx: TraceContext,
    first: readonly (string | undefined)[],
  ): Promise<Map<string, ContainerRecord>> {
    const found = new Map<string, ContainerRecord>();
    let level = [...new Set(first.filter((id): id is string => id !== undefined))];
    for (let depth = 0; level.length > 0 && depth < CONTAINER_DEPTH_MAX; depth++) {
      const loaded = await inOrder(level, (id) => ctx.store.get<ContainerRecord>(KeyType.container, [id]));
      for (const c of loaded) if (c) found.set(c.id, c);
      level = [
        ...new Set(loaded.map((c) => c?.parent).filter((id): id is string => id !== undefined && !found.has(id))),
      ];
    }
    return found;
  }

  /**
   * Suspends an enterprise from `effectiveAt` (default: now; at most 366 days ahead): from then on every transaction
   * it submits as itself is refused with ENTERPRISE_SUSPENDED. Refused with ALREADY_SUSPENDED while a suspension
   * stands, UNKNOWN_ENTERPRISE for an enterprise customs never registered.
   */
  @Transaction()
  @Returns('string')
  async SuspendEnterprise(ctx: TraceContext, requestJson: string): Promise<string> {
    requireCustoms(ctx, 'suspend enterprises');
    const f = await parseSubmission(ctx, requestJson);
    const ent = await loadEnterprise(ctx, str(f, 'id', { pattern: USCC }));
    const reason = str(f, 'reason', { maxLength: 200 });
    const effectiveAt = optStr(f, 'effectiveAt', { maxLength: 40 });
    const prev = await ctx.store.get<SuspensionRecord>(KeyType.suspension, [ent.id]);
    return this.#commitSuspension(
      ctx,
      decideSuspension(prev, ent.id, reason, effectiveAt, this.#suspensionTx(ctx)),
      'SUSPENSION',
    );
  }

  /** Ends an enterprise's suspension (or cancels a scheduled one); refused with NOT_SUSPENDED otherwise. */
  @Transaction()
  @Returns('string')
  async ReinstateEnterprise(ctx: TraceContext, requestJson: string): Promise<string> {
    requireCustoms(ctx, 'reinstate enterprises');
    const f = await parseSubmission(ctx, requestJson);
    const ent = await loadEnterprise(ctx, str(f, 'id', { pattern: USCC }));
    const reason = optStr(f, 'reason', { maxLength: 200 }) ?? 'reinstated';
    const prev = await ctx.store.get<SuspensionRecord>(KeyType.suspension, [ent.id]);
    return this.#commitSuspension(
      ctx,
      decideReinstatement(prev, ent.id, reason, this.#suspensionTx(ctx)),
      'REINSTATEMENT',
    );
  }

  #suspensionTx(ctx: TraceContext): SuspensionTx {
    return { iso: ctx.txTime, ms: ctx.txMs, by: ctx.caller.id, txId: ctx.txId };
  }

  /** The one place a suspension decision is written: its key and the transaction's ledger event. */
  async #commitSuspension(
    ctx: TraceContext,
    record: SuspensionRecord,
    type: 'SUSPENSION' | 'REINSTATEMENT',
  ): Promise<string> {
    await commit(
      ctx,
      recordDecision(type, ctx.txTime, 'suspension', {
        type: KeyType.suspension,
        attrs: [record.enterprise],
        value: record,
      }),
    );
    return encodeToString(record);
  }

  /** Commits in advance the hash of the seed that will select exits for inspection in [validFrom, validTo). */
  @Transaction()
  @Returns('string')
  async CommitInspectionSeed(ctx: TraceContext, requestJson: string): Promise<string> {
    requireCustoms(ctx, 'commit inspection seeds');
    const f = await parseSubmission(ctx, requestJson);
    const seedId = str(f, 'seedId', { pattern: REF });
    await requireUnused(ctx, KeyType.seed, [seedId], `seed ${seedId} already committed`);
    const validFrom = new Date(parseInstant(str(f, 'validFrom'))).toISOString();
    const validTo = new Date(parseInstant(str(f, 'validTo'))).toISOString();
    if (validTo <= validFrom) throw newInvalidArgument('validTo must be after validFrom');
    if (validFrom < ctx.txTime) throw newInvalidArgument('a seed must be committed before the period it covers starts');
    const record: SeedRecord = {
      seedId,
      commitment: str(f, 'commitment', { pattern: HEX64 }),
      validFrom,
      validTo,
      committedAt: ctx.txTime,
    };
    await commit(
      ctx,
      recordDecision('SEED_COMMIT', ctx.txTime, 'seed', { type: KeyType.seed, attrs: [seedId], value: record }),
    );
    return encodeToString(record);
  }

  /** Reveals a seed after its period ends, so anyone can re-check every selection it made. */
  @Transaction()
  @Returns('string')
  async RevealInspectionSeed(ctx: TraceContext, requestJson: string): Promise<string> {
    requireCustoms(ctx, 'reveal inspection seeds');
    const f = await parseSubmission(ctx, requestJson);
    const seedId = str(f, 'seedId', { pattern: REF });
    const record = await ctx.store.get<SeedRecord>(KeyType.seed, [seedId]);
    if (!record) throw newNotFound(`seed ${seedId} was never committed`);
    if (record.seed) throw newAlreadyExists(`seed ${seedId} is already revealed`);
    if (ctx.txTime < record.validTo)
      throw newInvalidArgument(`seed ${seedId} covers exits until ${record.validTo}; reveal it after that`);
    const seed = str(f, 'seed', { pattern: /^[0-9a-f]{32,128}$/ });
    if (!verifyReveal(record.commitment, seed))
      throw newInvalidArgument(`seed does not match the commitment of ${seedId}`);
    const revealed: SeedRecord = { ...record, seed, revealedAt: ctx.txTime };
    await commit(
      ctx,
      recordDecision('SEED_REVEAL', ctx.txTime, 'seed', { type: KeyType.seed, attrs: [seedId], value: revealed }),
    );
    return encodeToString(revealed);
  }

  /**
   * Backfills the item-run index of a ledger that held items before it existed, one bounded chunk per call
   * (ledger/item-runs.ts); call until `complete` is true. A new ledger completes in one call. Until then an entry
   * checks its items with one read each, as it always did; after it, with one read per run of serials.
   */
  @Transaction()
  @Returns('string')
  async IndexItemRuns(ctx: TraceContext, requestJson: string): Promise<string> {
    requireCustoms(ctx, 'backfill the item-run index');
    await parseSubmission(ctx, requestJson);
    return encodeToString(await backfillItemRuns(ctx));
  }

  /**
   * Backfills the code-run index of a ledger that held traceability codes before it existed, one bounded chunk
   * (1,000 codes) per call (ledger/trace-code-runs.ts); call until `complete` is true. Until then codes are looked
   * up, and claimed, with their own `tcode` keys too; after it, one run key per 100 codes.
   */
  @Transaction()
  @Returns('string')
  async IndexTraceCodeRuns(ctx: TraceContext, requestJson: string): Promise<string> {
    requireCustoms(ctx, 'backfill the code-run index');
    await parseSubmission(ctx, requestJson);
    return encodeToString(await backfillTraceCodeRuns(ctx));
  }
}
