/**
 * The run of serials an item belongs to: the chaincode keeps one index key per run (its `irun` keys) and checks a
 * first-line entry's items one run at a time, so transactions creating items in one run conflict at commit; the
 * gateway keeps such transactions in different waves (capture) and lanes (one submission per run at a time). One
 * rule for both sides, including which steps create into which runs ({@link runKeysCreatedBy}).
 */
import { parseSgtin } from './gs1';
import { ITEMS_PER_TRANSACTION_MAX } from './limits';
import { TRACE_CODE } from './patterns';

/** A serial's run within its product class. */
export interface ItemRun {
  /** `companyPrefix.itemRef`: the product class (one GTIN). */
  readonly cls: string;
  /** The run within the class. */
  readonly run: string;
  readonly serial: string;
}

/**
 * The run of an SGTIN URN. A serial ending in two digits belongs to run `d` + the serial without them (at most 100
 * serials: ...00 to ...99); any other serial to run `c` + the serial without its last character (at most 94: the
 * URN's printable ASCII). Neighbouring serials, which a batch of tags usually carries, share a run, and no run grows
 * past 100 serials whatever the serials look like.
 *
 * @returns undefined when `sgtin` is no SGTIN URN
 */
export function itemRunOf(sgtin: string): ItemRun | undefined {
  const parsed = parseSgtin(sgtin);
  if (!parsed) return undefined;
  const { companyPrefix, itemRef, serial } = parsed;
  const run = /\d\d$/.test(serial) ? `d${serial.slice(0, -2)}` : `c${serial.slice(0, -1)}`;
  return { cls: `${companyPrefix}.${itemRef}`, run, serial };
}

/** A 16-digit traceability code's run: the chaincode keeps one key per run (`tcrun`) mapping its codes to items. */
export interface TraceCodeRun {
  /** The code without its last two digits. */
  readonly run: string;
  /** The code's last two digits: its place in the run (at most 100 codes per run). */
  readonly digits: string;
}

/**
 * The run of a traceability code: the code without its last two digits, so the codes a roll of labels carries
 * (consecutive numbers) share one key and a run never lists more than 100 codes.
 *
 * @returns undefined when `code` is not 16 digits
 */
export function traceCodeRunOf(code: string): TraceCodeRun | undefined {
  if (!TRACE_CODE.test(code)) return undefined;
  return { run: code.slice(0, -2), digits: code.slice(-2) };
}

/**
 * The transactions that create items or claim traceability codes, and so read and write the run keys they create
 * into: `goods:Enter` (its items, and the codes it gives them), `goods:Process` (its outputs) and `goods:Associate`
 * (its codes). The chaincode's commit (chaincode/src/ledger/commit.ts) writes runs for a decision's `created` items
 * and its `codes`, which only these three decisions carry.
 */
const CREATING_STEPS: ReadonlySet<string> = new Set(['goods:Enter', 'goods:Process', 'goods:Associate']);

/** Most lane keys one step yields: an item run and a code run per item of a transaction at most. */
export const RUN_KEYS_PER_STEP_MAX = 2 * ITEMS_PER_TRANSACTION_MAX;

/**
 * Whether the step (`contract:Transaction`, e.g. `goods:Enter`) creates items or claims codes, i.e. writes run keys
 * that another transaction creating into the same run reads (they conflict when committed in one block).
 */
export function createsIntoRuns(step: string): boolean {
  return CREATING_STEPS.has(step);
}

/** The key naming an item run, as the gateway's lanes and capture waves name it. */
export function itemRunKey(run: ItemRun): string {
  return `irun:${run.cls}:${run.run}`;
}

/** The key naming a traceability-code run, as the gateway's lanes name it. */
export function traceCodeRunKey(run: TraceCodeRun): string {
  return `tcrun:${run.run}`;
}

/** The first entries of a request's list field (the chain refuses longer lists, so the rest creates nothing). */
function listOf(request: Readonly<Record<string, unknown>>, field: string): readonly unknown[] {
  const v = request[field];
  return Array.isArray(v) ? v.slice(0, ITEMS_PER_TRANSACTION_MAX) : [];
}

/**
 * The runs a step's request creates into, as sorted, distinct keys (`irun:<class>:<run>`, `tcrun:<run>`): the item
 * runs of `goods:Enter`'s items and `goods:Process`'s outputs, the code runs of the codes `goods:Enter` gives its
 * items (`traceCodes[sgtin]`, the items' only) and of `goods:Associate`'s pairs. Malformed ids name no run (the
 * chain refuses them before writing). At most {@link RUN_KEYS_PER_STEP_MAX} keys.
 *
 * @param step - `contract:Transaction`
 * @param request - The transaction's JSON request (unchecked: anything that is not the expected shape yields no key)
 */
export function runKeysCreatedBy(step: string, request: unknown): string[] {
  if (!createsIntoRuns(step) || typeof request !== 'object' || request === null) return [];
  const req = request as Readonly<Record<string, unknown>>;
  const keys = new Set<string>();
  const addItem = (sgtin: unknown) => {
    const run = typeof sgtin === 'string' ? itemRunOf(sgtin) : undefined;
    if (run) keys.add(itemRunKey(run));
  };
  const addCode = (code: unknown) => {
    const run = typeof code === 'string' ? traceCodeRunOf(code) : undefined;
    if (run) keys.add(traceCodeRunKey(run));
  };
  if (step === 'goods:Enter') {
    const items = listOf(req, 'items');
    const codes = req.traceCodes;
    for (const sgtin of items) {
      addItem(sgtin);
      // An own property only, as the chaincode looks a code up for each of the entry's items.
      if (typeof sgtin === 'string' && typeof codes === 'object' && codes !== null && Object.hasOwn(codes, sgtin))
        addCode((codes as Readonly<Record<string, unknown>>)[sgtin]);
    }
  } else if (step === 'goods:Process') {
    for (const sgtin of listOf(req, 'outputs')) addItem(sgtin);
  } else {
    for (const pair of listOf(req, 'pairs'))
      if (typeof pair === 'object' && pair !== null) addCode((pair as Readonly<Record<string, unknown>>).code);
  }
  return [...keys].sort();
}
