/**
 * The `account` contract: one enterprise, one account. Balances by (GTIN, regime, location) as of a time,
 * movements page by page, and period close, which freezes a month with a snapshot hash so that no event can be
 * back-dated into it; and the write-off (核销) of a closed period against its customs documents.
 */
import { createHash } from 'node:crypto';
import { Info, Returns, Transaction } from 'fabric-contract-api';
import {
  HEX64,
  int,
  isValidMonth,
  monthAfter,
  newAccessDenied,
  newAlreadyExists,
  newInvalidArgument,
  optStr,
  parseInstant,
  parseRequest,
  str,
  USCC,
  type WriteOffRecord,
} from '@hainan/ledger-model';
import { encode, encodeToString } from '../ledger-codec';
import { recordDecision } from '../domain/decision';
import type { Movement, MovementRecord, PeriodRecord } from '../domain/records';
import { KeyType } from '../ledger/keys';
import { LedgerContract } from '../ledger/ledger-contract';
import { isCustoms, loadEnterprise, requireCustoms } from '../ledger/access';
import { decideWriteOff, requireWriteOffAllowed } from '../domain/write-off';
import { loadWriteOffInput } from '../ledger/write-off-inputs';
import { commit } from '../ledger/commit';
import { parseSubmission, txOf } from '../ledger/posting';
// A value import (not `import type`): decorator metadata must name the class so the contract API skips ctx.
import { TraceContext } from '../ledger/trace-context';

/** Largest page of movements. */
export const MOVEMENTS_PAGE_MAX = 1_000;

/** Only customs or the enterprise itself may read or close its account. */
async function requireAccountAccess(ctx: TraceContext, enterprise: string): Promise<void> {
  const ent = await loadEnterprise(ctx, enterprise);
  if (isCustoms(ctx)) return;
  if (ctx.caller.enterpriseId !== ent.id || ctx.caller.mspId !== ent.mspId) {
    throw newAccessDenied(`only customs or enterprise ${ent.id} may use its account`);
  }
}

/** Sums movements into balances per line, dropping zero lines, in line order. */
export function balancesOf(movements: readonly Movement[]): Movement[] {
  const lines = new Map<string, Movement>();
  for (const m of movements) {
    const k = `${m.gtin}\u0000${m.regime}\u0000${m.location}`;
    const line = lines.get(k);
    if (line) line.qty += m.qty;
    else lines.set(k, { enterprise: m.enterprise, gtin: m.gtin, regime: m.regime, location: m.location, qty: m.qty });
  }
  return [...lines.entries()]
    .filter(([, m]) => m.qty !== 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, m]) => m);
}

@Info({ title: 'account', description: 'One enterprise, one account: balances, movements, period close, write-off' })
export class AccountContract extends LedgerContract {
  constructor() {
    super('account');
  }

  /** Balances of an enterprise's book, as of `asOf` (event time; default now). */
  @Transaction(false)
  @Returns('string')
  async GetBalances(ctx: TraceContext, requestJson: string): Promise<string> {
    const f = parseRequest(requestJson);
    const enterprise = str(f, 'enterprise', { pattern: USCC });
    await requireAccountAccess(ctx, enterprise);
    const asOfRaw = optStr(f, 'asOf', { maxLength: 40 });
    const asOfMs = asOfRaw ? parseInstant(asOfRaw) : ctx.txMs;
    const all = await ctx.store.scan<MovementRecord>(KeyType.movement, [enterprise]);
    const balances = balancesOf(all.map((e) => e.value).filter((m) => parseInstant(m.eventTime) <= asOfMs));
    return encodeToString({ enterprise, asOf: new Date(asOfMs).toISOString(), balances });
  }

  /**
   * One page of an enterprise's movements in key order (line, then transaction); with `period` (yyyy-mm) only the
   * movements whose event time falls into that Asia/Shanghai month.
   */
  @Transaction(false)
  @Returns('string')
  async GetMovements(ctx: TraceContext, requestJson: string): Promise<string> {
    const f = parseRequest(requestJson);
    const enterprise = str(f, 'enterprise', { pattern: USCC });
    await requireAccountAccess(ctx, enterprise);
    const pageSize = int(f, 'pageSize', 1, MOVEMENTS_PAGE_MAX);
    const bookmark = typeof f.bookmark === 'string' ? f.bookmark : '';
    const period = optStr(f, 'period', { maxLength: 7 });
    if (period === undefined) {
      const page = await ctx.store.page<MovementRecord>(KeyType.movement, [enterprise], pageSize, bookmark);
      return encodeToString({ movements: page.entries.map((e) => e.value), bookmark: page.bookmark });
    }
    if (!isValidMonth(period)) throw newInvalidArgument(`period must be yyyy-mm, got ${period}`);
    // The period is not part of the key, so filter a bounded scan; the bookmark is the next entry's key.
    const all = (await ctx.store.scan<MovementRecord>(KeyType.movement, [enterprise])).filter(
      (e) => e.value.period === period,
    );
    const keys = all.map((e) => e.attrs.join('\u0000'));
    const start = bookmark === '' ? 0 : keys.findIndex((k) => k >= bookmark);
    const from = start < 0 ? all.length : start;
    const slice = all.slice(from, from + pageSize);
    return encodeToString({ movements: slice.map((e) => e.value), bookmark: keys[from + pageSize] ?? '' });
  }

  /** Closes a finished month: freezes the balances at its end under a snapshot hash. */
  @Transaction()
  @Returns('string')
  async ClosePeriod(ctx: TraceContext, requestJson: string): Promise<string> {
    const f = await parseSubmission(ctx, requestJson);
    const enterprise = str(f, 'enterprise', { pattern: USCC });
    await requireAccountAccess(ctx, enterprise);
    const period = str(f, 'period', { maxLength: 7 });
    if (!isValidMonth(period)) throw newInvalidArgument(`period must be yyyy-mm, got ${period}`);
    const periodEndMs = parseInstant(`${monthAfter(period)}-01T00:00:00+08:00`);
    if (ctx.txMs < periodEndMs) throw newInvalidArgument(`period ${period} has not ended yet`);
    if (await ctx.store.get(KeyType.period, [enterprise, period]))
      throw newAlreadyExists(`period ${period} of ${enterprise} is already closed`);
    const all = await ctx.store.scan<MovementRecord>(KeyType.movement, [enterprise]);
    const balances = balancesOf(all.map((e) => e.value).filter((m) => m.period <= period));
    const snapshotHash = createHash('sha256').update(encode({ enterprise, period, balances })).digest('hex');
    const record: PeriodRecord = {
      enterprise,
      period,
      closedAt: ctx.txTime,
      closedBy: ctx.caller.id,
      snapshotHash,
      balances,
    };
    await commit(
      ctx,
      recordDecision('PERIOD_CLOSE', ctx.txTime, 'period', {
        type: KeyType.period,
        attrs: [enterprise, period],
        value: record,
      }),
    );
    return encodeToString(record);
  }

  /**
   * Write-off of a closed period (底账核销, issue 18 Must 4; customs only): the period's book is matched against its
   * import declarations, release lists and consolidated declarations (@hainan/ledger-model matchWriteOff); the matched
   * set is recorded under its hash with the counts, the rest listed with the transactions behind each. Refused with
   * PERIOD_NOT_CLOSED for a period the enterprise has not closed, ALREADY_WRITTEN_OFF the second time. Evaluated
   * (not submitted) it is the preview; with `expectedMatchedHash` (the preview's) it records that very matched set or
   * is refused with WRITE_OFF_CHANGED.
   */
  @Transaction()
  @Returns('string')
  async WriteOffPeriod(ctx: TraceContext, requestJson: string): Promise<string> {
    requireCustoms(ctx, 'write off account periods');
    const f = await parseSubmission(ctx, requestJson);
    const ent = await loadEnterprise(ctx, str(f, 'enterprise', { pattern: USCC }));
    const period = str(f, 'period', { maxLength: 7 });
    if (!isValidMonth(period)) throw newInvalidArgument(`period must be yyyy-mm, got ${period}`);
    const closed = requireWriteOffAllowed(
      ent.id,
      period,
      await ctx.store.get<PeriodRecord>(KeyType.period, [ent.id, period]),
      await ctx.store.get<WriteOffRecord>(KeyType.writeOff, [ent.id, period]),
    );
    const expected = optStr(f, 'expectedMatchedHash', { pattern: HEX64 });
    const input = await loadWriteOffInput(ctx, ent.id, period);
    const decision = decideWriteOff(closed, input, ctx.caller.id, txOf(ctx), expected);
    await commit(ctx, decision);
    return encodeToString(decision.record);
  }
}
