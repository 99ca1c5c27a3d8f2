/**
 * The item-run index: which serials of a product class are on the ledger, one key per run of neighbouring serials,
 * so that a first-line entry (or a processing output) learns whether its items exist with one read per run instead
 * of one read per item (issue 16 Must 2).
 *
 * Why an index beside the item keys rather than a new item-key layout: item keys stay `item [sgtin]`, so every
 * reader and every existing ledger stay as they are; the index is additive. Every transaction that creates an item
 * adds its serial to its run in the same transaction (commit.ts), so the run key's version protects an entry against
 * phantoms: two transactions creating items in one run both read and write the run key, and the later one fails
 * validation (MVCC_READ_CONFLICT), which a client retries.
 *
 * A created item's first state is kept in its run too ({@link EnteredGroup}), not under its own key: the run key is
 * written by the creating transaction anyway, so an entry of 1,000 items writes about 10 keys instead of 1,010, and
 * the items of one declaration line, equal apart from their serial, are stored once. The item's own key is written
 * by the first transaction that changes it, and from then on it is the item's state ({@link itemFromRun} is read only
 * when the item key is empty); the run's record is never changed, so a move of one item never writes a key another
 * item's move reads. The item's chain (query:GetItemHistory) starts with that record, then its own key's history.
 *
 * A ledger that held items before the index existed is backfilled by {@link backfillItemRuns} (customs, bounded
 * chunks); until its marker says complete, existence is checked with point reads of the item keys, as before.
 */
import { itemRunOf, newInvalidArgument, type ItemRun } from '@hainan/ledger-model';
import type { ItemRecord } from '../domain/records';
import { groupItems } from './item-groups';
import { KeyType } from './keys';
import { inOrder } from './in-order';
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

/** Items created together that are equal apart from their serial: their first state, kept in their run. */
export interface EnteredGroup {
  /** The items' record without `sgtin` (each item's SGTIN is its class and serial). */
  readonly record: Omit<ItemRecord, 'sgtin'>;
  readonly serials: string[];
  /** The creating transaction's time: the first entry of each item's chain. */
  readonly recordTime: string;
}

/** A run key's value. Runs written before created items were kept in them hold the bare serial list. */
interface RunValue {
  /** Every serial of the run on the ledger, sorted. */
  readonly serials: string[];
  /** The first states of the items created into the run since (absent: their records are under their own keys). */
  readonly entered?: EnteredGroup[];
}

/** A run as one transaction read it: its value, and where each entered serial's group is. */
interface ReadRun {
  readonly value: RunValue;
  readonly bySerial: Map<string, EnteredGroup>;
}

/**
 * Runs read by a transaction, decoded once: an entry checks and then extends the same runs, and a move of 1,000
 * items created together looks up ten runs a hundred times each. Keyed by the transaction's store (one per
 * transaction); the promise is kept so concurrent lookups of one run send one GetState.
 */
const readRuns = new WeakMap<object, Map<string, Promise<ReadRun>>>();

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

function runsReadBy(ctx: TraceContext): Map<string, Promise<ReadRun>> {
  let runs = readRuns.get(ctx.store);
  if (!runs) {
    runs = new Map();
    readRuns.set(ctx.store, runs);
  }
  return runs;
}

function asRead(value: RunValue): ReadRun {
  const bySerial = new Map<string, EnteredGroup>();
  for (const group of value.entered ?? []) for (const serial of group.serials) bySerial.set(serial, group);
  return { value, bySerial };
}

/** A run as the ledger holds it (no serial when the run has none yet), read once per transaction. */
function readRun(ctx: TraceContext, run: ItemRun): Promise<ReadRun> {
  const runs = runsReadBy(ctx);
  const k = `${run.cls}\u0000${run.run}`;
  let read = runs.get(k);
  if (!read) {
    read = ctx.store
      .get<string[] | RunValue>(KeyType.itemRun, [run.cls, run.run])
      .then((v) => asRead(v === undefined ? { serials: [] } : Array.isArray(v) ? { serials: v } : v));
    runs.set(k, read);
  }
  return read;
}

async function writeRun(ctx: TraceContext, run: ItemRun, value: RunValue): Promise<void> {
  runsReadBy(ctx).set(`${run.cls}\u0000${run.run}`, Promise.resolve(asRead(value)));
  await ctx.store.put(KeyType.itemRun, [run.cls, run.run], value);
}

async function listedInRun(ctx: TraceContext, sgtin: string): Promise<boolean> {
  const run = runOf(sgtin);
  return (await readRun(ctx, run)).value.serials.includes(run.serial);
}

/** The SGTIN URN of a serial of a run's class (the inverse of {@link itemRunOf}). */
function sgtinOf(run: Pick<ItemRun, 'cls' | 'serial'>): string {
  return `urn:epc:id:sgtin:${run.cls}.${run.serial}`;
}

/**
 * Whether an item created by this transaction can have its first state kept in its run: its SGTIN must be exactly
 * what its class and serial spell (always, for the URNs the request decoders accept; checked so no item is lost).
 */
export function keptInRun(sgtin: string): boolean {
  const run = itemRunOf(sgtin);
  return run !== undefined && sgtinOf(run) === sgtin;
}

/**
 * An item's first state from its run, for an item whose own key is empty: undefined when the run holds no record of
 * it (no such item, or one created before records were kept in runs, whose key then holds it). A fresh copy: the
 * caller may change it.
 */
export async function itemFromRun(
  ctx: TraceContext,
  sgtin: string,
): Promise<{ item: ItemRecord; recordTime: string } | undefined> {
  const run = itemRunOf(sgtin);
  if (!run || sgtinOf(run) !== sgtin) return undefined;
  const group = (await readRun(ctx, run)).bySerial.get(run.serial);
  if (!group) return undefined;
  return { item: { ...structuredClone(group.record), sgtin } as ItemRecord, recordTime: group.recordTime };
}

/**
 * Whether each item is on the ledger, in order: one read per run once the index is complete, else one read per item
 * (a ledger not yet backfilled). Either way the reads are what protects the answer at commit.
 */
export async function itemsExist(ctx: TraceContext, sgtins: readonly string[]): Promise<boolean[]> {
  const index = await ctx.store.get<ItemRunIndexState>(KeyType.itemRunIndex, []);
  if (!index?.complete) {
    // Items from before the index have their own keys; items created since are in their runs.
    const keys = await inOrder(sgtins, (sgtin) => ctx.store.get<unknown>(KeyType.item, [sgtin]));
    return inOrder(sgtins, async (sgtin, i) => keys[i] !== undefined || (await listedInRun(ctx, sgtin)));
  }
  const runs = [...runsOf(sgtins).values()];
  const present = await inOrder(runs, async ({ run }) => new Set((await readRun(ctx, run)).value.serials));
  const byRun = new Map(runs.map((r, i) => [`${r.run.cls}\u0000${r.run.run}`, present[i]!]));
  return sgtins.map((sgtin) => {
    const run = runOf(sgtin);
    return byRun.get(`${run.cls}\u0000${run.run}`)!.has(run.serial);
  });
}

/**
 * Adds items to their runs: one read and at most one write per run. Called by the commit for the items a
 * transaction creates, with the first states of those kept in their runs ({@link keptInRun}), and by the backfill
 * (where an item may already be listed: then its run is left unwritten).
 */
export async function addToRuns(
  ctx: TraceContext,
  sgtins: readonly string[],
  entered: readonly ItemRecord[] = [],
): Promise<void> {
  const runs = [...runsOf(sgtins).values()];
  const enteredByRun = new Map<string, ItemRecord[]>();
  for (const item of entered) {
    const run = runOf(item.sgtin);
    const k = `${run.cls}\u0000${run.run}`;
    const list = enteredByRun.get(k);
    if (list) list.push(item);
    else enteredByRun.set(k, [item]);
  }
  const listed = await inOrder(runs, ({ run }) => readRun(ctx, run));
  const writes = runs.flatMap(({ run, serials }, i) => {
    const before = listed[i]!.value;
    const merged = [...new Set([...before.serials, ...serials])].sort();
    if (merged.length === before.serials.length) return [];
    const groups = groupItems(enteredByRun.get(`${run.cls}\u0000${run.run}`) ?? []).map(
      (g): EnteredGroup => ({
        record: g.record,
        serials: g.sgtins.map((s) => runOf(s).serial),
        recordTime: ctx.txTime,
      }),
    );
    const all = [...(before.entered ?? []), ...groups];
    return [{ run, value: all.length === 0 ? { serials: merged } : { serials: merged, entered: all } }];
  });
  await inOrder(writes, ({ run, value }) => writeRun(ctx, run, value));
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
