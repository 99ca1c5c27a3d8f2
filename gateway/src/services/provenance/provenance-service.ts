/**
 * The provenance use cases against the projection port: find the item an id names (any accepted form), check the
 * caller may read it, and read its history, bounded. Customs may read any item; an enterprise or operator only items
 * it held or was sent, and any other item answers exactly as a missing one.
 *
 * Cache policy: with a read cache (invalidated by the projection follower), the item row, party checks, history rows
 * and the serialised JSON bodies the routes build are kept until a projection batch touches the item. A body is kept
 * only under the cache epoch taken before the reads it was built from, so a batch committed in between drops it.
 */
import { parseItemId, serialLookupForms } from '../../domain/item-id';
import type { Principal } from '../../domain/principal';
import { readThrough, type ProjectionReadCache } from '../../cache/read-cache';
import { newProblem } from '../../errors';
import type { ItemEventRow, ItemRow, ProjectionRepository, TransactionRow } from '../../repositories/projection';

/** Most history entries returned for one item (the chaincode keeps the same bound on `GetItemHistory`). */
export const MAX_HISTORY_EVENTS = 1_000;

/** A bounded history. */
export interface BoundedHistory {
  readonly events: ItemEventRow[];
  readonly truncated: boolean;
}

/** An item with its history rows, or with its cached JSON history body. */
export type WithHistory = { item: ItemRow; history: BoundedHistory; body?: undefined };
export type WithBody = { item: ItemRow; history?: undefined; body: string };

/** The cache slot of the serialised JSON history body. */
export const HISTORY_BODY_SLOT = 'body:history';

/** What the provenance use cases depend on. */
export interface ProvenanceServiceDeps {
  readonly projection: ProjectionRepository;
  readonly cache: ProjectionReadCache | undefined;
}

/** The provenance use cases. */
export interface ProvenanceService {
  /** The cache epoch now: take it before any read, and hand it to {@link keepBody} for a body built from them. */
  readEpoch(): number;
  /**
   * Find the item an id names and check the caller may read it.
   *
   * @throws ProblemError `INVALID_ITEM_ID`, `NOT_FOUND` (also for an item the caller may not read)
   */
  readableItem(caller: Principal, id: string): Promise<ItemRow>;
  /**
   * {@link readableItem} and its history: from the cache, else item and history in ONE database round trip.
   *
   * @param want - `rows`: the history rows (kept in the cache); `body:history`: the cached JSON body when there is
   *   one (then no history is read), else the rows (not kept: the caller keeps the body it builds).
   * @throws ProblemError `INVALID_ITEM_ID`, `NOT_FOUND` (also for an item the caller may not read)
   */
  readableItemWithHistory(caller: Principal, id: string, want: 'rows'): Promise<WithHistory>;
  readableItemWithHistory(
    caller: Principal,
    id: string,
    want: 'rows' | typeof HISTORY_BODY_SLOT,
  ): Promise<WithHistory | WithBody>;
  /** The projected transactions (with their chaincode event payloads) of these ids. */
  transactions(txIds: readonly string[]): Promise<TransactionRow[]>;
  /** Whether there is a read cache (without one, bodies are neither looked up nor kept). */
  readonly caching: boolean;
  /** A serialised body kept for the item's current state. */
  cachedBody(sgtin: string, slot: string): string | undefined;
  /** Keep a serialised body built from reads made after `readEpoch`. */
  keepBody(sgtin: string, slot: string, body: string, readEpoch: number): void;
}

/** Estimated bytes of a cached item row (its record as JSON plus the columns). */
function itemBytes(item: ItemRow | undefined): number {
  return item === undefined ? 0 : 300 + JSON.stringify(item.record).length;
}

/** Estimated bytes of a cached history. */
function historyBytes(history: { readonly events: readonly ItemEventRow[] }): number {
  let bytes = 100;
  for (const event of history.events)
    bytes +=
      300 + JSON.stringify(event.epcis).length + JSON.stringify(event.item).length + JSON.stringify(event.actor).length;
  return bytes;
}

function bounded(rows: ItemEventRow[]): BoundedHistory {
  return { events: rows.slice(0, MAX_HISTORY_EVENTS), truncated: rows.length > MAX_HISTORY_EVENTS };
}

function notFound(id: string) {
  return newProblem('NOT_FOUND', `no item ${id} on the ledger (as far as the projection has followed it)`);
}

/**
 * Build the provenance use cases over the projection and its read cache.
 *
 * @param deps - The projection repository and the read cache (when the host wires one).
 * @returns The service.
 */
export function newProvenanceService(deps: ProvenanceServiceDeps): ProvenanceService {
  const { projection, cache } = deps;

  /** The SGTIN an id names (undefined: no such item), or `INVALID_ITEM_ID`. */
  async function sgtinNamed(id: string): Promise<string | undefined> {
    const ref = parseItemId(id);
    if (ref === undefined) {
      throw newProblem(
        'INVALID_ITEM_ID',
        `${JSON.stringify(id.slice(0, 80))} is not an SGTIN URN, SGTIN EPC hex, GS1 Digital Link or 16-digit code`,
      );
    }
    return ref.kind === 'sgtin'
      ? ref.sgtin
      : ref.kind === 'traceCode'
        ? projection.findSgtinByTraceCode(ref.code)
        : findByGtinSerial(ref.gtin, ref.serial);
  }

  /** The SGTIN of a Digital Link's GTIN + serial, trying each URN form of the serial. */
  async function findByGtinSerial(gtin: string, serial: string): Promise<string | undefined> {
    for (const form of serialLookupForms(serial)) {
      const sgtin = await projection.findSgtinByGtinSerial(gtin, form);
      if (sgtin !== undefined) return sgtin;
    }
    return undefined;
  }

  /**
   * `NOT_FOUND` unless customs, or an enterprise that held the item or was sent it: the very answer (status, code
   * and detail) given for an item that does not exist, so an enterprise cannot learn which items exist by asking.
   *
   * @param id - The id as the caller wrote it (the detail repeats it, as for a missing item).
   */
  async function assertReadable(caller: Principal, item: ItemRow, id: string): Promise<void> {
    const enterpriseId = caller.enterpriseId;
    const isParty = async (enterprise: string) =>
      readThrough(
        cache,
        item.sgtin,
        `party:${enterprise}`,
        () => projection.isParty(item.sgtin, enterprise),
        () => 64,
      );
    if (caller.role !== 'customs' && (enterpriseId === null || !(await isParty(enterpriseId)))) {
      throw notFound(id);
    }
  }

  /**
   * Read one page more than returned, to tell whether the history was cut.
   *
   * @param cacheRows - Keep the rows in the read cache (the JSON history caches its serialised body instead).
   */
  async function boundedHistory(sgtin: string, cacheRows = true): Promise<BoundedHistory> {
    return readThrough(
      cacheRows ? cache : undefined,
      sgtin,
      'history',
      async () => bounded(await projection.history(sgtin, MAX_HISTORY_EVENTS + 1)),
      historyBytes,
    );
  }

  async function readableItemWithHistory(caller: Principal, id: string, want: 'rows'): Promise<WithHistory>;
  async function readableItemWithHistory(
    caller: Principal,
    id: string,
    want: 'rows' | typeof HISTORY_BODY_SLOT,
  ): Promise<WithHistory | WithBody>;
  async function readableItemWithHistory(
    caller: Principal,
    id: string,
    want: 'rows' | typeof HISTORY_BODY_SLOT,
  ): Promise<WithHistory | WithBody> {
    const sgtin = await sgtinNamed(id);
    if (sgtin === undefined) throw notFound(id);
    cache?.noteRead(sgtin);
    const cachedItem = cache?.get<ItemRow>(sgtin, 'item');
    if (cachedItem !== undefined) {
      await assertReadable(caller, cachedItem, id);
      const body = want === HISTORY_BODY_SLOT ? cache?.get<string>(sgtin, HISTORY_BODY_SLOT) : undefined;
      if (body !== undefined) return { item: cachedItem, body };
      return { item: cachedItem, history: await boundedHistory(sgtin, want === 'rows') };
    }
    const epoch = cache?.epoch() ?? 0;
    const found = await projection.findItemWithHistory(sgtin, MAX_HISTORY_EVENTS + 1);
    if (found === undefined) throw notFound(id);
    const history = bounded(found.history);
    if (cache !== undefined) {
      cache.set(sgtin, 'item', found.item, itemBytes(found.item), epoch);
      if (want === 'rows') cache.set(sgtin, 'history', history, historyBytes(history), epoch);
    }
    await assertReadable(caller, found.item, id);
    return { item: found.item, history };
  }

  return {
    readEpoch: () => cache?.epoch() ?? 0,

    async readableItem(caller, id) {
      const sgtin = await sgtinNamed(id);
      if (sgtin !== undefined) cache?.noteRead(sgtin);
      const item =
        sgtin === undefined
          ? undefined
          : await readThrough(cache, sgtin, 'item', () => projection.findItem(sgtin), itemBytes);
      if (!item) {
        throw notFound(id);
      }
      await assertReadable(caller, item, id);
      return item;
    },

    readableItemWithHistory,

    transactions: (txIds) => projection.transactions([...txIds]),

    caching: cache !== undefined,

    cachedBody: (sgtin, slot) => cache?.get<string>(sgtin, slot),

    keepBody(sgtin, slot, body, readEpoch) {
      cache?.set(sgtin, slot, body, body.length, readEpoch);
    },
  };
}
