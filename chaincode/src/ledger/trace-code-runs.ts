/**
 * The code-run index: which item each 16-digit traceability code belongs to, one key per run of 100 codes
 * (`tcrun` [code without its last two digits] -> { last two digits: sgtin }), so that an entry of 1,000 labelled
 * items reads and writes one key per run of codes instead of one `tcode` key per code (issue 16 Must 2), and a
 * lookup by code reads one run key.
 *
 * The run key's version is the phantom protection, as for item runs: two transactions claiming codes of one run both
 * read and write the run key, and the later one fails validation (MVCC_READ_CONFLICT), which a client retries.
 *
 * A ledger that held codes before the index (`tcode` [code] -> sgtin keys) is backfilled by
 * {@link backfillTraceCodeRuns} (customs, bounded chunks). Until its marker says complete, codes are looked up with
 * point reads of the `tcode` keys, and every claim writes its `tcode` key as well as its run: the point reads of the
 * fallback then see every code, old or new, and a code claimed during the backfill is in its run at once, whatever
 * side of the backfill's cursor it falls on. Once complete, neither is read or written any more.
 */
import { newInvalidArgument, traceCodeRunOf, type TraceCodeRun } from '@hainan/ledger-model';
import type { CodeClaim } from '../domain/decision';
import { decode } from '../ledger-codec';
import { ITEM_RUN_BACKFILL_MAX, type ItemRunIndexState } from './item-runs';
import { KeyType } from './keys';
import { inOrder } from './in-order';
import { SCAN_LIMIT } from './store';
import type { TraceContext } from './trace-context';

/** A run key's value: the code's last two digits -> the SGTIN of the item that carries it. */
type CodeRun = Readonly<Record<string, string>>;

/** Where the backfill of the code runs stands: the item-run index's shape, its cursor a code. */
export type TraceCodeRunIndexState = ItemRunIndexState;

/**
 * The run of a traceability code (the ledger model's rule, {@link traceCodeRunOf}).
 *
 * @throws ChaincodeError INVALID_ARGUMENT when `code` is not 16 digits (the decisions refuse those first)
 */
export function codeRunOf(code: string): TraceCodeRun {
  const run = traceCodeRunOf(code);
  if (!run) throw newInvalidArgument(`traceability code ${JSON.stringify(code)} must be 16 digits`);
  return run;
}

/** Whether every code on the ledger is in its run (one read per transaction: the store remembers it). */
async function indexed(ctx: TraceContext): Promise<boolean> {
  return (await ctx.store.get<TraceCodeRunIndexState>(KeyType.traceCodeRunIndex, []))?.complete === true;
}

/** The distinct runs of `codes`, in order of first appearance. */
function runsOf(codes: readonly string[]): string[] {
  return [...new Set(codes.map((code) => codeRunOf(code).run))];
}

async function readRun(ctx: TraceContext, run: string): Promise<CodeRun> {
  return (await ctx.store.get<CodeRun>(KeyType.traceCodeRun, [run])) ?? {};
}

/**
 * The items (SGTINs) that well-formed codes belong to, for the codes that belong to one: one read per run of codes
 * once the index is complete, else one read per code. Either way the reads are what protects the answer at commit.
 */
export async function codeOwners(ctx: TraceContext, codes: readonly string[]): Promise<Map<string, string>> {
  // An entry without codes reads nothing more than it did before codes had runs (not even the marker).
  if (codes.length === 0) return new Map();
  if (!(await indexed(ctx))) {
    const owners = await inOrder(codes, (code) => ctx.store.get<string>(KeyType.traceCode, [code]));
    return new Map(codes.flatMap((code, i) => (owners[i] ? [[code, owners[i]!] as const] : [])));
  }
  const runs = runsOf(codes);
  const listed = new Map((await inOrder(runs, (run) => readRun(ctx, run))).map((r, i) => [runs[i]!, r]));
  return new Map(
    codes.flatMap((code) => {
      const { run, digits } = codeRunOf(code);
      const sgtin = listed.get(run)?.[digits];
      return sgtin ? [[code, sgtin] as const] : [];
    }),
  );
}

/** The SGTIN a well-formed traceability code belongs to (undefined when none). */
export async function resolveTraceCode(ctx: TraceContext, code: string): Promise<string | undefined> {
  return (await codeOwners(ctx, [code])).get(code);
}

/**
 * Writes a transaction's code claims (checked by its decision): each run of codes once, and, until the index is
 * complete, each code's `tcode` key too (see the module comment).
 */
export async function claimCodes(ctx: TraceContext, claims: readonly CodeClaim[]): Promise<void> {
  if (claims.length === 0) return;
  if (!(await indexed(ctx)))
    await inOrder(claims, ({ code, sgtin }) => ctx.store.put(KeyType.traceCode, [code], sgtin));
  await addToRuns(ctx, claims);
}

/** Adds codes to their runs: one read and at most one write per run (none when the run lists them already). */
async function addToRuns(ctx: TraceContext, claims: readonly CodeClaim[]): Promise<void> {
  const runs = runsOf(claims.map((c) => c.code));
  const before = await inOrder(runs, (run) => readRun(ctx, run));
  const after = new Map(runs.map((run, i) => [run, { ...before[i]! }]));
  const changed = new Set<string>();
  for (const { code, sgtin } of claims) {
    const { run, digits } = codeRunOf(code);
    const entries = after.get(run)!;
    if (entries[digits] === sgtin) continue;
    entries[digits] = sgtin;
    changed.add(run);
  }
  const writes = runs.filter((run) => changed.has(run));
  // Keys in digit order, so every endorser writes the same bytes.
  await inOrder(writes, (run) =>
    ctx.store.put(KeyType.traceCodeRun, [run], Object.fromEntries(Object.entries(after.get(run)!).sort())),
  );
}

/**
 * Marks the code-run index complete on a ledger that holds no `tcode` key, so that a new network (or one whose
 * items never carried codes) looks codes up run by run without a backfill; customs:RegisterEnterprise calls it.
 * One read when the marker exists; else one range read that stops at the first code.
 */
export async function indexLedgerWithoutCodes(ctx: TraceContext): Promise<void> {
  if (await ctx.store.get<TraceCodeRunIndexState>(KeyType.traceCodeRunIndex, [])) return;
  const iterator = await ctx.stub.getStateByPartialCompositeKey(KeyType.traceCode, []);
  let empty: boolean;
  try {
    empty = (await iterator.next()).done === true;
  } finally {
    await iterator.close();
  }
  if (empty)
    await ctx.store.put(KeyType.traceCodeRunIndex, [], { complete: true, after: '', indexed: 0, txId: ctx.txId });
}

/**
 * One chunk of the backfill of a ledger that held codes before the index: adds the next
 * {@link ITEM_RUN_BACKFILL_MAX} `tcode` keys after the stored cursor to their runs, and marks the index complete in
 * the chunk whose range read reaches the last code. As for items (item-runs.ts), the chunk's range read makes it fail
 * validation (PHANTOM_READ_CONFLICT) when a concurrent claim adds a code inside it; it is simply run again.
 *
 * @throws ChaincodeError INVALID_ARGUMENT when the ledger holds SCAN_LIMIT codes or more (a peer's range query
 *   returns at most `ledger.state.totalQueryLimit`, and a cut range must never look complete)
 */
export async function backfillTraceCodeRuns(ctx: TraceContext): Promise<TraceCodeRunIndexState> {
  const prior = await ctx.store.get<TraceCodeRunIndexState>(KeyType.traceCodeRunIndex, []);
  if (prior?.complete) return prior;
  const after = prior?.after ?? '';
  const chunk: CodeClaim[] = [];
  let seen = 0;
  let exhausted = true;
  const iterator = await ctx.stub.getStateByPartialCompositeKey(KeyType.traceCode, []);
  try {
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
      seen += 1;
      if (seen >= SCAN_LIMIT)
        throw newInvalidArgument(`the ledger holds ${SCAN_LIMIT} codes or more: too many to backfill the code runs`);
      const [code = ''] = ctx.stub.splitCompositeKey(r.value.key).attributes;
      if (code <= after) continue;
      if (chunk.length === ITEM_RUN_BACKFILL_MAX) {
        exhausted = false;
        break;
      }
      chunk.push({ code, sgtin: decode<string>(r.value.value) });
    }
  } finally {
    await iterator.close();
  }
  await addToRuns(ctx, chunk);
  const state: TraceCodeRunIndexState = {
    complete: exhausted,
    after: chunk.at(-1)?.code ?? after,
    indexed: (prior?.indexed ?? 0) + chunk.length,
    txId: ctx.txId,
  };
  await ctx.store.put(KeyType.traceCodeRunIndex, [], state);
  return state;
}
