/**
 * The one place a transaction's decision reaches the ledger: records, item states, private data, account movements,
 * EPCIS events, and the chaincode event (the LedgerEvent, set on the context and emitted after the transaction).
 * Every check of the request is the decision's (domain/); the only refusal here is the ledger's own: no movement
 * may fall into a period an enterprise has closed (PERIOD_CLOSED), checked before anything is written.
 */
import { ChaincodeError, ErrorCode, shanghaiMonth } from '@hainan/ledger-model';
import type { Decision } from '../domain/decision';
import type { MovementRecord, PeriodRecord } from '../domain/records';
import type { EventRef } from '../domain/records';
import { eventIdKey, KeyType } from './keys';
import { addToRuns, keptInRun } from './item-runs';
import { claimCodes } from './trace-code-runs';
import { inOrder } from './in-order';
import type { LedgerEventPayload, TraceContext } from './trace-context';

/**
 * Writes a decision and sets the transaction's ledger event.
 *
 * @returns the posted movements (the transactions return them to their caller)
 * @throws ChaincodeError PERIOD_CLOSED when a touched enterprise closed the period of the event time
 */
export async function commit(ctx: TraceContext, d: Decision): Promise<MovementRecord[]> {
  const period = shanghaiMonth(d.eventTime);
  const movements: MovementRecord[] = (d.movements ?? []).map((m) => ({
    ...m,
    txId: ctx.txId,
    eventType: d.type,
    eventTime: d.eventTime,
    period,
  }));
  await refuseClosedPeriods(ctx, movements, d.eventTime);
  for (const w of d.writes ?? []) await ctx.store.put(w.type, w.attrs, w.value);
  const items = d.items ?? [];
  // Created items join their runs here, the one place every path that creates items passes, and their first state
  // is kept there: their own keys are written by the first transaction that changes them (item-runs.ts).
  const created = new Set(d.created ?? []);
  const entered = items.filter((item) => created.has(item.sgtin) && keptInRun(item.sgtin));
  const inRun = new Set(entered.map((item) => item.sgtin));
  await ctx.store.putEach(
    KeyType.item,
    entered.length === 0 ? items : items.filter((item) => !inRun.has(item.sgtin)),
    (item) => [item.sgtin],
  );
  await addToRuns(ctx, d.created ?? [], entered);
  // Codes given to items join their runs here, the one place entry and association pass (trace-code-runs.ts).
  await claimCodes(ctx, d.codes ?? []);
  for (const p of d.privateWrites ?? []) await ctx.stub.putPrivateData(p.collection, p.key, Buffer.from(p.text));
  await inOrder(movements, (r) =>
    ctx.store.put(KeyType.movement, [r.enterprise, r.gtin, r.regime, r.location, r.txId], r),
  );
  const capturedBy = { mspId: ctx.caller.mspId, enterpriseId: ctx.caller.enterpriseId };
  for (const [i, e] of (d.epcis ?? []).entries()) {
    await ctx.store.put(KeyType.event, [ctx.txId, String(i)], e);
    // Who captured each event, found by its id: an error declaration names the event by id (issue 15).
    const ref: EventRef = { eventId: e.eventID, capturedBy };
    await ctx.store.put(KeyType.eventRef, [eventIdKey(e.eventID), ctx.txId, String(i)], ref);
  }
  const event: LedgerEventPayload = {
    txId: ctx.txId,
    recordTime: ctx.txTime,
    actor: { mspId: ctx.caller.mspId, enterpriseId: ctx.caller.enterpriseId },
    type: d.type,
    eventTime: d.eventTime,
    // Observed items are listed as they are (not written): the transaction is on their chains too.
    items: [...items, ...(d.observed ?? [])],
    movements,
    ...(d.records === undefined ? {} : { records: d.records }),
    ...(d.epcis === undefined ? {} : { epcis: [...d.epcis] }),
  };
  ctx.ledgerEvent = event;
  return movements;
}

/** Refuses movements of an enterprise into a period it has closed (one read per enterprise touched). */
async function refuseClosedPeriods(
  ctx: TraceContext,
  movements: readonly MovementRecord[],
  eventTimeIso: string,
): Promise<void> {
  const checked = new Set<string>();
  for (const m of movements) {
    if (checked.has(m.enterprise)) continue;
    checked.add(m.enterprise);
    const closed = await ctx.store.get<PeriodRecord>(KeyType.period, [m.enterprise, m.period]);
    if (closed) {
      throw new ChaincodeError(
        ErrorCode.PERIOD_CLOSED,
        `enterprise ${m.enterprise} closed period ${m.period} at ${closed.closedAt}; event time ${eventTimeIso} falls into it`,
      );
    }
  }
}
