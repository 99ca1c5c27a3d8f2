/**
 * Grouping of captured events into chaincode transactions: consecutive events asking for the same step with the same
 * header (transaction, time, place, ...) are merged up to {@link MAX_ITEMS_PER_TRANSACTION} items; a larger event is
 * split. Chunks are numbered into waves: the chunks of one wave touch disjoint items and may be submitted side by
 * side; a chunk touching an item of the current wave (an entry then a shipment of the same goods) starts the next
 * wave, so that the chain sees the steps in document order. Pure: no I/O.
 */
import { ITEMS_PER_TRANSACTION_MAX, runKeysCreatedBy, TRACE_CODE } from '@hainan/ledger-model';
import type { StepRequest } from './event-mapping';

/** The chaincode's bound on items per transaction (the ledger model's limit). */
export const MAX_ITEMS_PER_TRANSACTION = ITEMS_PER_TRANSACTION_MAX;

/** One captured event, ready to be grouped. */
export interface CapturedStep {
  /** Position of the event in its capture. */
  readonly seq: number;
  readonly eventId: string;
  readonly step: StepRequest;
}

/** One chaincode transaction to submit. */
export interface Chunk {
  readonly seq: number;
  readonly wave: number;
  readonly fn: StepRequest['fn'];
  /** The request without `submissionId` (added at submit time from the capture id and chunk seq). */
  readonly request: Record<string, unknown>;
  readonly itemCount: number;
  readonly eventSeqs: readonly number[];
}

/** The request field that lists a step's items: pairs, observations, declarations, containers, inputs, or items. */
export function listFieldOf(fn: StepRequest['fn']): string {
  return fn === 'goods:Associate'
    ? 'pairs'
    : fn === 'goods:Observe'
      ? 'observations'
      : fn === 'goods:DeclareError'
        ? 'declarations'
        : fn === 'goods:ShipContainer' || fn === 'goods:ReceiveContainer'
          ? 'containers'
          : fn === 'goods:Process'
            ? 'inputs'
            : 'items';
}

function headerKey(step: StepRequest): string {
  return `${step.fn}\n${JSON.stringify(step.header)}`;
}

/**
 * Group steps into chunks.
 *
 * @param steps - In document order (duplicates already removed).
 * @param maxItems - Items per transaction (tests use small values).
 */
export function chunkSteps(steps: readonly CapturedStep[], maxItems: number = MAX_ITEMS_PER_TRANSACTION): Chunk[] {
  interface Open {
    fn: StepRequest['fn'];
    header: Readonly<Record<string, unknown>>;
    key: string;
    items: unknown[];
    sgtins: string[];
    /** The chunk's SGTINs as a set, for the merge check. */
    held: Set<string>;
    eventSeqs: number[];
    /** Set when the chunk is exactly one whole event (its id becomes the chain's EPCIS eventID). */
    soleEventId: string | undefined;
    mergeable: boolean;
  }
  const drafts: Open[] = [];
  let open: Open | undefined;
  for (const { seq, eventId, step } of steps) {
    const key = headerKey(step);
    // Events naming an item the open chunk already holds are not merged: the chain refuses a transaction that lists
    // an item twice, which would refuse both events where, apart, the first can commit.
    const fits =
      open?.mergeable &&
      step.divisible &&
      open.key === key &&
      open.items.length + step.items.length <= maxItems &&
      // An observation names any number of items: the chain bounds the items of a transaction, not its entries.
      open.sgtins.length + step.sgtins.length <= maxItems &&
      !step.sgtins.some((s) => open!.held.has(s));
    if (fits && open) {
      open.items.push(...step.items);
      open.sgtins.push(...step.sgtins);
      for (const s of step.sgtins) open.held.add(s);
      open.eventSeqs.push(seq);
      open.soleEventId = undefined;
      continue;
    }
    for (let from = 0; from < step.items.length; from += maxItems) {
      const whole = from === 0 && step.items.length <= maxItems;
      open = {
        fn: step.fn,
        header: step.header,
        key,
        items: step.items.slice(from, from + maxItems),
        sgtins: step.sgtins.slice(from, from + maxItems),
        held: new Set(step.sgtins.slice(from, from + maxItems)),
        eventSeqs: [seq],
        soleEventId: whole ? eventId : undefined,
        mergeable: whole && step.divisible,
      };
      drafts.push(open);
    }
  }

  const chunks: Chunk[] = [];
  let wave = 0;
  let waveItems = new Set<string>();
  let waveRuns = new Set<string>();
  let waveIsBarrier = false;
  for (const [seq, draft] of drafts.entries()) {
    // Associations and traceability codes can alias an SGTIN: such a chunk gets a wave of its own.
    // Packing and unpacking too (issue 15): a pack reads and writes its parent, which no item list names, and a pallet
    // of cases must follow the packing of those cases. And processing: its outputs are no item list's (the header's),
    // so what moves them later must come in a later wave.
    const barrier =
      draft.fn === 'goods:Associate' ||
      draft.fn === 'goods:Pack' ||
      draft.fn === 'goods:Unpack' ||
      draft.fn === 'goods:Process' ||
      draft.sgtins.some((s) => TRACE_CODE.test(s));
    const itemsField = listFieldOf(draft.fn);
    const request = {
      ...draft.header,
      ...(draft.soleEventId ? { eventId: draft.soleEventId } : {}),
      [itemsField]: draft.items,
    };
    // Transactions creating items in one run of serials conflict at commit (the chain's phantom protection reads the
    // run's key): a chunk creating into a run of the wave waits for the next wave (ledger-model item-runs.ts's rule,
    // the one the gateway's submission lanes use too).
    const runs = runKeysCreatedBy(draft.fn, request);
    if (
      seq > 0 &&
      (barrier || waveIsBarrier || draft.sgtins.some((s) => waveItems.has(s)) || runs.some((r) => waveRuns.has(r)))
    ) {
      wave += 1;
      waveItems = new Set<string>();
      waveRuns = new Set<string>();
    }
    for (const s of draft.sgtins) waveItems.add(s);
    for (const r of runs) waveRuns.add(r);
    waveIsBarrier = barrier;
    chunks.push({
      seq,
      wave,
      fn: draft.fn,
      request,
      itemCount: draft.items.length,
      eventSeqs: draft.eventSeqs,
    });
  }
  return chunks;
}
