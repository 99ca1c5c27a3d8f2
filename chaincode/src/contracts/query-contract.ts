/**
 * The `query` contract: provenance and lookups. An item by SGTIN or 16-digit code, its full history (tx id,
 * timestamp, the item as it was, and the EPCIS events of each transaction), a person's quota use (customs and
 * operators only), enterprises with their effective credit class, rules in force, and inspection selections
 * that anyone can re-check once customs reveals the seed.
 */
import { Info, Returns, Transaction } from 'fabric-contract-api';
import {
  CONTAINER_DEPTH_MAX,
  CONTAINER_ID,
  int,
  newAccessDenied,
  newNotFound,
  optStr,
  parseRequest,
  PERSON_CODE,
  REF,
  shanghaiYear,
  str,
  USCC,
} from '@hainan/ledger-model';
import { decode, encodeToString } from '../ledger-codec';
import { timestampToIso } from '../tx-time';
import { effectiveEnterpriseClass, effectivePersonClass, enterpriseCredit } from '../domain/credit';
import { isSelected, selectionDraw } from '../domain/inspection';
import { riskRulesAt } from '../domain/risk';
import { suspensionInEffect, type SuspensionRecord } from '../domain/suspension';
import type { EpcisEvent } from '../domain/epcis';
import { effectiveItem, type ContainerRecord } from '../domain/containers';
import type { EnterpriseRecord, ExitRecord, ItemNote, ItemRecord, PersonRecord, SeedRecord } from '../domain/records';
import { KeyType } from '../ledger/keys';
import { itemFromRun } from '../ledger/item-runs';
import { LedgerContract } from '../ledger/ledger-contract';
import { isCustoms, loadEnterprise, requireEnterprise } from '../ledger/access';
import { ledgerRiskRuleSets, ledgerRuleSets, quotaUsedFen, resolveSgtin, rulesAt } from '../ledger/posting';
import { banUntil } from '../domain/sale';
// A value import (not `import type`): decorator metadata must name the class so the contract API skips ctx.
import { TraceContext } from '../ledger/trace-context';

/** Most versions of an item one history call returns. */
export const HISTORY_ENTRIES_MAX = 1_000;

/** One version of an item with the events of the transaction that wrote it. */
export interface HistoryEntry {
  txId: string;
  timestamp: string;
  item: ItemRecord | null;
  events: EpcisEvent[];
  /** True for a transaction that named the item without changing it (an observation, an error declaration). */
  unchanged?: true;
  /** For a move of a case or pallet the item was in (issue 15): that container's id. */
  container?: string;
}

/** One version of a container's key, from its key history. */
interface ContainerVersion {
  txId: string;
  timestamp: string;
  container: ContainerRecord | null;
}

/**
 * The item's versions with the transactions that named it without changing it (item notes), in time order; such an
 * entry shows the item as it then was. Pure.
 */
export function withNotedEntries(versions: readonly HistoryEntry[], noted: readonly HistoryEntry[]): HistoryEntry[] {
  const all = [...versions, ...noted].sort((a, b) =>
    a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0,
  );
  let item: ItemRecord | null = null;
  return all.map((entry) => {
    if (entry.unchanged) return { ...entry, item };
    item = entry.item;
    return entry;
  });
}

@Info({ title: 'query', description: 'Provenance and lookups' })
export class QueryContract extends LedgerContract {
  constructor() {
    super('query');
  }

  /** Customs sees every item; an enterprise sees items it holds or held. */
  async #readableItem(
    ctx: TraceContext,
    id: string,
    withNotes = false,
  ): Promise<{ item: ItemRecord; history: HistoryEntry[] }> {
    const sgtin = await resolveSgtin(ctx, id);
    const key = ctx.store.key(KeyType.item, [sgtin]);
    const iterator = await ctx.stub.getHistoryForKey(key);
    const history: HistoryEntry[] = [];
    try {
      for (let r = await iterator.next(); !r.done && history.length < HISTORY_ENTRIES_MAX; r = await iterator.next()) {
        const m = r.value;
        const events = (await ctx.store.scan<EpcisEvent>(KeyType.event, [m.txId])).map((e) => e.value);
        history.push({
          txId: m.txId,
          timestamp: timestampToIso(m.timestamp),
          item: m.isDelete ? null : decode<ItemRecord>(m.value),
          events,
        });
      }
    } finally {
      await iterator.close();
    }
    history.reverse(); // oldest first: the chain as it happened
    // An item's first state may be kept in its run by the transaction that created it (item-runs.ts).
    const first = await itemFromRun(ctx, sgtin);
    if (first) {
      const txId = first.item.lastTxId;
      const events = (await ctx.store.scan<EpcisEvent>(KeyType.event, [txId])).map((e) => e.value);
      history.unshift({ txId, timestamp: first.recordTime, item: first.item, events });
    }
    const own = history[history.length - 1]?.item;
    if (!own) throw newNotFound(`item ${id} has no first-line entry on the ledger`);
    // An item packed in a case is where the top container of its chain is (issue 15).
    const chain = await this.#containerChain(ctx, own.container);
    const current = effectiveItem(own, chain);
    // Transactions that named the item without writing it (observations, error declarations) left notes on its chain.
    const notes = withNotes ? await this.#notedEntries(ctx, sgtin) : [];
    // The moves of the containers it was in, while it was in them.
    const moves = await this.#containerEntries(
      ctx,
      history.map((h) => ({ txId: h.txId, timestamp: h.timestamp, item: h.item })),
    );
    if (!isCustoms(ctx)) {
      const ent = await requireEnterprise(ctx, undefined, 'read items');
      const held = (h: { holder: string; transit?: { to: string } } | null | undefined) =>
        h?.holder === ent.id || h?.transit?.to === ent.id;
      if (!held(current) && !history.some((h) => held(h.item)) && !moves.some((m) => held(m.moved))) {
        throw newAccessDenied(`enterprise ${ent.id} never held item ${sgtin}`);
      }
    }
    return {
      item: current,
      history: withNotedEntries(history, [...notes, ...moves.map((m) => m.entry)]).slice(0, HISTORY_ENTRIES_MAX),
    };
  }

  /** The containers an item (or case) is in, from its own up to the top; bounded by the nesting depth. */
  async #containerChain(ctx: TraceContext, first: string | undefined): Promise<ContainerRecord[]> {
    const chain: ContainerRecord[] = [];
    for (let id = first; id && chain.length < CONTAINER_DEPTH_MAX; ) {
      const c = await ctx.store.get<ContainerRecord>(KeyType.container, [id]);
      if (!c) break;
      chain.push(c);
      id = c.parent;
    }
    return chain;
  }

  /** A container's key history, oldest first (bounded). */
  async #containerVersions(ctx: TraceContext, id: string): Promise<ContainerVersion[]> {
    const iterator = await ctx.stub.getHistoryForKey(ctx.store.key(KeyType.container, [id]));
    const out: ContainerVersion[] = [];
    try {
      for (let r = await iterator.next(); !r.done && out.length < HISTORY_ENTRIES_MAX; r = await iterator.next()) {
        const m = r.value;
        out.push({
          txId: m.txId,
          timestamp: timestampToIso(m.timestamp),
          container: m.isDelete ? null : decode<ContainerRecord>(m.value),
        });
      }
    } finally {
      await iterator.close();
    }
    return out.reverse();
  }

  /**
   * The transactions of the containers a holder (item or case) was in while it was in them: from each version that
   * names a container up to the next version of the holder. A case's own stay on a pallet is followed the same way,
   * up to the nesting depth. The holder's own transactions (the pack and unpack) are its own entries already.
   */
  async #containerEntries(
    ctx: TraceContext,
    versions: readonly {
      txId: string;
      timestamp: string;
      item?: ItemRecord | null;
      container?: ContainerRecord | null;
    }[],
    depth = 0,
  ): Promise<{ entry: HistoryEntry; moved: ContainerRecord | null }[]> {
    const out: { entry: HistoryEntry; moved: ContainerRecord | null }[] = [];
    if (depth >= CONTAINER_DEPTH_MAX) return out;
    const own = new Set(versions.map((v) => v.txId));
    for (const [i, v] of versions.entries()) {
      const inside = v.item ? v.item.container : v.container?.parent;
      if (!inside) continue;
      const until = versions[i + 1]?.timestamp;
      const stay = (await this.#containerVersions(ctx, inside)).filter(
        (c) => c.timestamp >= v.timestamp && (until === undefined || c.timestamp < until) && !own.has(c.txId),
      );
      for (const c of stay) {
        const events = (await ctx.store.scan<EpcisEvent>(KeyType.event, [c.txId])).map((e) => e.value);
        out.push({
          entry: { txId: c.txId, timestamp: c.timestamp, item: null, events, unchanged: true, container: inside },
          moved: c.container,
        });
      }
      if (out.length >= HISTORY_ENTRIES_MAX) break;
      out.push(...(await this.#containerEntries(ctx, stay, depth + 1)));
    }
    return out.slice(0, HISTORY_ENTRIES_MAX);
  }

  /** A case or pallet: its state, its child containers and its history (customs, or an enterprise that held it). */
  @Transaction(false)
  @Returns('string')
  async GetContainer(ctx: TraceContext, requestJson: string): Promise<string> {
    const id = str(parseRequest(requestJson), 'id', { pattern: CONTAINER_ID });
    const versions = await this.#containerVersions(ctx, id);
    const own = versions[versions.length - 1]?.container;
    if (!own) throw newNotFound(`container ${id} is not on the ledger`);
    if (!isCustoms(ctx)) {
      const ent = await requireEnterprise(ctx, undefined, 'read containers');
      if (!versions.some((v) => v.container?.holder === ent.id || v.container?.transit?.to === ent.id))
        throw newAccessDenied(`enterprise ${ent.id} never held container ${id}`);
    }
    const chain = await this.#containerChain(ctx, own.parent);
    const top = chain[chain.length - 1];
    const container = top
      ? { ...own, status: top.status, holder: top.holder, location: top.location, transit: top.transit }
      : own;
    const children = await Promise.all(
      own.containers.map((c) => ctx.store.get<ContainerRecord>(KeyType.container, [c])),
    );
    const history = await Promise.all(
      versions.map(async (v) => ({
        txId: v.txId,
        timestamp: v.timestamp,
        container: v.container,
        events: (await ctx.store.scan<EpcisEvent>(KeyType.event, [v.txId])).map((e) => e.value),
      })),
    );
    return encodeToString({ container, containers: children.filter((c) => c !== undefined), history });
  }

  async #notedEntries(ctx: TraceContext, sgtin: string): Promise<HistoryEntry[]> {
    const { entries } = await ctx.store.page<ItemNote>(KeyType.itemNote, [sgtin], HISTORY_ENTRIES_MAX, '');
    const noted: HistoryEntry[] = [];
    for (const { attrs, value } of entries) {
      const txId = attrs[1]!;
      const events = await Promise.all(
        value.events.map((i) => ctx.store.get<EpcisEvent>(KeyType.event, [txId, String(i)])),
      );
      noted.push({
        txId,
        timestamp: value.recordedAt,
        item: null,
        events: events.filter((e): e is EpcisEvent => e !== undefined),
        unchanged: true,
      });
    }
    return noted;
  }

  /** The item as it is now. */
  @Transaction(false)
  @Returns('string')
  async GetItem(ctx: TraceContext, requestJson: string): Promise<string> {
    const { item } = await this.#readableItem(ctx, str(parseRequest(requestJson), 'id', { maxLength: 120 }));
    return encodeToString(item);
  }

  /** The item's whole chain, oldest first. */
  @Transaction(false)
  @Returns('string')
  async GetItemHistory(ctx: TraceContext, requestJson: string): Promise<string> {
    const id = str(parseRequest(requestJson), 'id', { maxLength: 120 });
    const { item, history } = await this.#readableItem(ctx, id, true);
    return encodeToString({ item, history });
  }

  /** A person's duty-free quota use in a year (customs and duty-free operators only). */
  @Transaction(false)
  @Returns('string')
  async GetPersonQuota(ctx: TraceContext, requestJson: string): Promise<string> {
    if (!isCustoms(ctx)) await requireEnterprise(ctx, 'operator', 'read person quotas');
    const f = parseRequest(requestJson);
    const personCode = str(f, 'personCode', { pattern: PERSON_CODE });
    const year = f.year === undefined ? shanghaiYear(ctx.txTime) : int(f, 'year', 2000, 2200);
    const rules = await rulesAt(ctx, ctx.txTime);
    const used = await quotaUsedFen(ctx, personCode, year);
    const person = await ctx.store.get<PersonRecord>(KeyType.person, [personCode]);
    const banned = banUntil(rules, person, ctx.txTime);
    return encodeToString({
      personCode,
      year,
      quotaFen: rules.annualQuotaFen,
      usedFen: used,
      remainingFen: Math.max(0, rules.annualQuotaFen - used),
      class: effectivePersonClass(rules, person?.credit, ctx.txTime),
      ...(banned ? { bannedUntil: banned } : {}),
      departureObligations: person?.departureObligations ?? [],
    });
  }

  /** An enterprise with its credit class in effect now and its suspension record, if customs ever suspended it. */
  @Transaction(false)
  @Returns('string')
  async GetEnterprise(ctx: TraceContext, requestJson: string): Promise<string> {
    const ent: EnterpriseRecord = await loadEnterprise(ctx, str(parseRequest(requestJson), 'id', { pattern: USCC }));
    const rules = await rulesAt(ctx, ctx.txTime);
    const suspension = await ctx.store.get<SuspensionRecord>(KeyType.suspension, [ent.id]);
    return encodeToString({
      ...ent,
      effectiveClass: effectiveEnterpriseClass(rules, ent.credit, ctx.txTime, ent.discrepancyLog),
      ...(suspension ? { suspension: { ...suspension, inEffect: suspensionInEffect(suspension, ctx.txMs) } } : {}),
    });
  }

  /**
   * An enterprise's credit class in effect now with its basis: customs' record, or the inspection discrepancies
   * that reached the key-attention rule (domain/credit.ts). Customs reads any enterprise, an enterprise its own.
   */
  @Transaction(false)
  @Returns('string')
  async GetEnterpriseCredit(ctx: TraceContext, requestJson: string): Promise<string> {
    const id = str(parseRequest(requestJson), 'id', { pattern: USCC });
    if (!isCustoms(ctx) && id !== ctx.caller.enterpriseId)
      throw newAccessDenied(`only customs or ${id} may read its credit`);
    const ent: EnterpriseRecord = await loadEnterprise(ctx, id);
    return encodeToString(enterpriseCredit(await rulesAt(ctx, ctx.txTime), ent, ctx.txTime));
  }

  /** The rules in force at a time (default now) and every rule set customs put on the ledger. */
  @Transaction(false)
  @Returns('string')
  async GetRules(ctx: TraceContext, requestJson: string): Promise<string> {
    const at = optStr(parseRequest(requestJson), 'at', { maxLength: 40 }) ?? ctx.txTime;
    return encodeToString({ at, inForce: await rulesAt(ctx, at), ledgerSets: await ledgerRuleSets(ctx) });
  }

  /** The risk rule set in force at `at` (default now; null when none) and every set on the ledger (customs only). */
  @Transaction(false)
  @Returns('string')
  async GetRiskRules(ctx: TraceContext, requestJson: string): Promise<string> {
    // Customs' risk model is its own; an enterprise learns the outcome of its screenings (GetInspection), not the rules.
    if (!isCustoms(ctx)) throw newAccessDenied('only customs may read the risk rules');
    const at = optStr(parseRequest(requestJson), 'at', { maxLength: 40 }) ?? ctx.txTime;
    const sets = await ledgerRiskRuleSets(ctx);
    return encodeToString({ at, inForce: riskRulesAt(sets, at) ?? null, ledgerSets: sets });
  }

  /** A record by type and id: sale, exit, declaration, processing, stocktake or seed. */
  @Transaction(false)
  @Returns('string')
  async GetRecord(ctx: TraceContext, requestJson: string): Promise<string> {
    const f = parseRequest(requestJson);
    const types = {
      sale: KeyType.sale,
      exit: KeyType.exit,
      declaration: KeyType.declaration,
      processing: KeyType.processing,
      stocktake: KeyType.stocktake,
      seed: KeyType.seed,
    } as const;
    const type = str(f, 'type', {
      pattern: /^(sale|exit|declaration|processing|stocktake|seed)$/,
    }) as keyof typeof types;
    const id = str(f, 'id', { pattern: REF });
    const record = await ctx.store.get<Record<string, unknown>>(types[type], [id]);
    if (!record) throw newNotFound(`${type} ${id} is not on the ledger`);
    const owner = record.enterprise ?? record.operator ?? record.processor;
    if (!isCustoms(ctx) && type !== 'seed' && owner !== ctx.caller.enterpriseId)
      throw newAccessDenied(`only customs or the owner may read ${type} ${id}`);
    return encodeToString(record);
  }

  /** Whether an exit was selected for inspection, checkable by anyone once the seed is revealed. */
  @Transaction(false)
  @Returns('string')
  async GetInspection(ctx: TraceContext, requestJson: string): Promise<string> {
    const releaseListNo = str(parseRequest(requestJson), 'releaseListNo', { pattern: REF });
    const exit = await ctx.store.get<ExitRecord>(KeyType.exit, [releaseListNo]);
    if (!exit) throw newNotFound(`release list ${releaseListNo} is not on the ledger`);
    if (!isCustoms(ctx) && exit.enterprise !== ctx.caller.enterpriseId)
      throw newAccessDenied(`only customs or ${exit.enterprise} may read this exit`);
    const seed = exit.inspection.seedId
      ? await ctx.store.get<SeedRecord>(KeyType.seed, [exit.inspection.seedId])
      : undefined;
    // Screening and result are null for exits made while no risk rules were in force / not inspected (yet).
    const base = {
      releaseListNo,
      txId: exit.txId,
      creditClass: exit.creditClass,
      creditBasis: exit.creditBasis ?? null,
      rateBp: exit.inspection.rateBp,
      seedId: exit.inspection.seedId ?? null,
      screening: exit.screening ?? null,
      result: exit.inspectionResult ?? null,
    };
    if (!seed?.seed)
      return encodeToString({
        ...base,
        status: seed ? 'PENDING_REVEAL' : 'NO_SEED',
        commitment: seed?.commitment ?? null,
      });
    return encodeToString({
      ...base,
      status: 'VERIFIABLE',
      commitment: seed.commitment,
      seed: seed.seed,
      draw: selectionDraw(seed.seed, exit.txId),
      selected: isSelected(seed.seed, exit.txId, exit.inspection.rateBp),
    });
  }
}
