/**
 * The item-run index: which serials of a product class are on the ledger, one key per run of neighbouring serials,
 * so that a first-line entry (or a processing output) learns whether its items exist with one read per run instead
 * of one read per item (issue 16 Must 2).
 *
 * Why an index beside the item keys rather than a new item-key layout: item keys stay `item [sgtin]`, so every
 * item's `getHistoryForKey` chain, every reader and every existing ledger stay as they are; the index is additive.
 * Every transaction that creates an item adds its serial to its run in the same transaction (commit.ts), so the
 * run key's version protects an entry against phantoms: two transactions creating items in one run both read and
 * write the run key, and the later one fails validation (MVCC_READ_CONFLICT), which a client retries.
 *
 * A ledger that held items before the index existed is backfilled by {@link backfillItemRuns} (customs, bounded
 * chunks); until its marker says complete, existence is checked with point reads of the item keys, as before.
 */
import { itemRunOf, newInvalidArgument, type ItemRun } from '@hainan/ledger-model';
import { KeyType } from './keys';
import { findItems, inOrder } from './posting';
import { SCAN_LIMIT } from './store';
import type { TraceContext } from './trace-context';

/** Where the backfill of a ledger that held items before the index stands (key {@link KeyType.itemRunIndex}). */
export interface ItemRunIndexState {
  /** Every item on the ledger is in its run: existence checks read runs only. */
  readonly complete: boolean;
  /** The last item key (SGTIN) the backfill indexed; the next chunk starts after it. */
  readonly after: string;
  /** Items the backfill has indexed so far. */
  readonly indexed: number;
  readonly txId: string;
}

/** Most items one backfill transaction indexes (the ledger's batch size: the same write budget as an entry). */
export const ITEM_RUN_BACKFILL_MAX = 1_000;

/**
 * The run of an SGTIN (the ledger model's rule, {@link itemRunOf}: at most 100 serials per run).
 *
 * @throws ChaincodeError INVALID_ARGUMENT when `sgtin` is no SGTIN URN (the request decoders refuse those first)
 */
export function runOf(sgtin: string): ItemRun {
  const run = itemRunOf(sgtin);
  if (!run) throw newInvalidArgument(`item ${JSON.stringify(sgtin)} is not an SGTIN URN`);
  return run;
}

/** The distinct runs of `sgtins`, keyed `cls\u0000run`, in order of first appearance. */
function runsOf(sgtins: readonly string[]): Map<string, { run: ItemRun; serials: string[] }> {
  const runs = new Map<string, { run: ItemRun; serials: string[] }>();
  for (const sgtin of sgtins) {
    const run = runOf(sgtin);
    const k = `${run.cls}\u0000${run.run}`;
    const found = runs.get(k);
    if (found) found.serials.push(run.serial);
    else runs.set(k, { run, serials: [run.serial] });
  }
  return runs;
}

/** The serials a run key lists (empty when the run has none yet). */
async function serialsOf(ctx: TraceContext, run: ItemRun): Promise<string[]> {
  return (await ctx.store.get<string[]>(KeyType.itemRun, [run.cls, run.run])) ?? [];
}

/**
 * Whether each item is on the ledger, in order: one read per run once the index is complete, else one read per item
 * (a ledger not yet backfilled). Either way the reads are what protects the answer at commit.
 */
export async function itemsExist(ctx: TraceContext, sgtins: readonly string[]): Promise<boolean[]> {
  const index = await ctx.store.get<ItemRunIndexState>(KeyType.itemRunIndex, []);
  if (!index?.complete) return (await findItems(ctx, sgtins)).map((item) => item !== undefined);
  const runs = [...runsOf(sgtins).values()];
  const present = await inOrder(runs, async ({ run }) => new Set(await serialsOf(ctx, run)));
  const byRun = new Map(runs.map((r, i) => [`${r.run.cls}\u0000${r.run.run}`, present[i]!]));
  return sgtins.map((sgtin) => {
    const run = runOf(sgtin);
    return byRun.get(`${run.cls}\u0000${run.run}`)!.has(run.serial);
  });
}

/**
 * Adds items to their runs: one read and at most one write per run. Called by the commit for the items a
 * transaction creates, and by the backfill (where an item may already be listed: then its run is left unwritten).
 */
export async function addToRuns(ctx: TraceContext, sgtins: readonly string[]): Promise<void> {
  const runs = [...runsOf(sgtins).values()];
  const listed = await inOrder(runs, ({ run }) => serialsOf(ctx, run));
  const writes = runs.flatMap(({ run, serials }, i) => {
    const before = listed[i]!;
    const merged = [...new Set([...before, ...serials])].sort();
    return merged.length === before.length ? [] : [{ run, merged }];
  });
  await inOrder(writes, ({ run, merged }) => ctx.store.put(KeyType.itemRun, [run.cls, run.run], merged));
}

/**
 * Marks the index complete on a ledger that holds no item yet, so a new network checks entries run by run from its
 * first one without a backfill; customs:RegisterEnterprise calls it (no item can be entered before an enterprise is
 * registered). One read when the marker exists; else one range read that stops at the first item, and it stays
 * incomplete (a ledger from before the index: customs:IndexItemRuns backfills it).
 */
export async function indexEmptyLedger(ctx: TraceContext): Promise<void> {
  if (await ctx.store.get<ItemRunIndexState>(KeyType.itemRunIndex, [])) return;
  const iterator = await ctx.stub.getStateByPartialCompositeKey(KeyType.item, []);
  let empty: boolean;
  try {
    empty = (await iterator.next()).done === true;
  } finally {
    await iterator.close();
  }
  if (empty) await ctx.store.put(KeyType.itemRunIndex, [], { complete: true, after: '', indexed: 0, txId: ctx.txId });
}

/**
 * One chunk of the backfill of a ledger that held items before the index: indexes the next
 * {@link ITEM_RUN_BACKFILL_MAX} items after the stored cursor, and marks the index complete in the chunk whose range
 * read reaches the last item. The whole item range is read up to where the chunk stops, so an item created by a
 * concurrent transaction inside it makes the chunk fail validation (PHANTOM_READ_CONFLICT) and it is simply run again;
 * items created after the upgrade are in their runs already (commit.ts). Keys before the cursor are skipped without
 * decoding their values.
 *
 * @throws ChaincodeError INVALID_ARGUMENT when the ledger holds more than SCAN_LIMIT items (a peer's range query
 *   returns at most `ledger.state.totalQueryLimit`, 100,000 by default, and a cut range must never look complete)
 */
export async function backfillItemRuns(ctx: TraceContext): Promise<ItemRunIndexState> {
  const prior = await ctx.store.get<ItemRunIndexState>(KeyType.itemRunIndex, []);
  if (prior?.complete) return prior;
  const after = prior?.after ?? '';
  const chunk: string[] = [];
  let seen = 0;
  let exhausted = true;
  const iterator = await ctx.stub.getStateByPartialCompositeKey(KeyType.item, []);
  try {
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
      seen += 1;
      if (seen >= SCAN_LIMIT)
        throw newInvalidArgument(`the ledger holds ${SCAN_LIMIT} items or more: too many to backfill the run index`);
      const [sgtin = ''] = ctx.stub.splitCompositeKey(r.value.key).attributes;
      if (sgtin <= after) continue;
      if (chunk.length === ITEM_RUN_BACKFILL_MAX) {
        exhausted = false;
        break;
      }
      chunk.push(sgtin);
    }
  } finally {
    await iterator.close();
  }
  await addToRuns(ctx, chunk);
  const state: ItemRunIndexState = {
    complete: exhausted,
    after: chunk.at(-1) ?? after,
    indexed: (prior?.indexed ?? 0) + chunk.length,
    txId: ctx.txId,
  };
  await ctx.store.put(KeyType.itemRunIndex, [], state);
  return state;
}
