/**
 * The stocktake use cases against their ports (repository, book, ledger): open, list, read, count a batch of reads,
 * close (reconcile the counted set against the book, anchor its Merkle root on the chain, store the report) and prove
 * one counted item against the attested root. The routes map HTTP to these and back; the live view
 * ({@link StocktakeLive}) is told the totals after every recorded batch.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Principal } from '../../domain/principal';
import { newProblem } from '../../errors';
import { isChaincodeRefusal } from '../../ledger-error';
import { assertTenant } from '../../plugins/auth';
import type { LedgerClients } from '../../ports';
import type {
  BatchResponse,
  Stocktake,
  StocktakeReport,
  StocktakeRepository,
  StocktakeStatus,
} from '../../repositories/stocktakes';
import type { StocktakeBook } from '../../stocktake/book';
import { newStocktakeClosed, newStocktakeOpen } from '../../stocktake/errors';
import type { StocktakeLive } from '../../stocktake/live';
import { buildMerkleTree, MERKLE_ALGORITHM, type InclusionProof } from '../../stocktake/merkle';
import { newReadDecoder } from '../../stocktake/read-decoder';
import { READS_PER_BATCH_MAX, STOCKTAKE_ITEMS_MAX, reconcile, resolveBatch } from '../../stocktake/reconcile';

/** What the stocktake use cases depend on. */
export interface StocktakesServiceDeps {
  readonly stocktakes: StocktakeRepository;
  readonly book: StocktakeBook;
  readonly ledgers: LedgerClients;
  /** Told the new totals after each recorded batch, when someone watches. */
  readonly live: StocktakeLive;
  /** Called with the stored report once a stocktake is closed (the routes publish it to its watchers). */
  readonly onClosed: (report: StocktakeReport) => void;
}

/** One batch of reads as a counter uploads it. */
export interface ReadBatch {
  readonly batchId: string;
  readonly deviceId: string;
  readonly reads: readonly string[];
}

/** An inclusion proof of one counted item, with what a verifier needs to find the attested root. */
export interface CountedItemProof extends InclusionProof {
  readonly algorithm: typeof MERKLE_ALGORITHM;
  /** The counted identity the proof is for. */
  readonly leaf: string;
  /** The `goods:AttestStocktake` transaction holding the root. */
  readonly txId: string;
}

/** The stocktake use cases. */
export interface StocktakesService {
  /**
   * Open a stocktake for the caller's enterprise.
   *
   * @throws Error when the caller has no enterprise (the routes admit only operators and enterprises)
   */
  open(caller: Principal, input: { location: string; deviceIds?: readonly string[] | undefined }): Promise<Stocktake>;
  /** The newest stocktakes first: the caller's enterprise's (customs: every enterprise's). */
  list(caller: Principal, filter: { status?: StocktakeStatus | undefined }, limit: number): Promise<Stocktake[]>;
  /**
   * A stocktake the caller may read, with its report once closed.
   *
   * @throws ProblemError `NOT_FOUND`, `FORBIDDEN_TENANT`
   */
  find(caller: Principal, id: string): Promise<{ stocktake: Stocktake; report: StocktakeReport | undefined }>;
  /**
   * A stocktake the caller may read (no report).
   *
   * @throws ProblemError `NOT_FOUND`, `FORBIDDEN_TENANT`
   */
  load(caller: Principal, id: string): Promise<Stocktake>;
  /**
   * The report of a closed stocktake.
   *
   * @throws ProblemError `NOT_FOUND`, `FORBIDDEN_TENANT`, `STOCKTAKE_OPEN` while it has none
   */
  report(caller: Principal, id: string): Promise<StocktakeReport>;
  /** Current row and report, without the tenant check (the event stream checked it when it opened). */
  findById(id: string): Promise<Stocktake | undefined>;
  findReport(id: string): Promise<StocktakeReport | undefined>;
  /**
   * Count a batch of reads, idempotent by batch id: a repeated id with the same reads answers again (its own
   * figures, `newItems` 0, the stocktake's count now), even after the close.
   *
   * @throws ProblemError `NOT_FOUND`, `FORBIDDEN_TENANT`, `PAYLOAD_TOO_LARGE`, `IDEMPOTENCY_KEY_REUSED`,
   *   `STOCKTAKE_CLOSED`, `UNPROCESSABLE` (too many distinct items)
   */
  recordBatch(
    caller: Principal,
    id: string,
    batch: ReadBatch,
    log: { warn(obj: object, msg: string): void },
  ): Promise<BatchResponse>;
  /**
   * Close: reconcile against the book, attest the Merkle root on the chain as the caller, store the report. Closing
   * again answers the stored report; an attempt that died after the attestation completes with the same root.
   *
   * @throws ProblemError `NOT_FOUND`, `FORBIDDEN_TENANT`; ledger failures as the Fabric adapter's errors
   */
  close(caller: Principal, id: string): Promise<StocktakeReport>;
  /**
   * Inclusion proof of one counted item (any form a read may take) against the attested root.
   *
   * @throws ProblemError `NOT_FOUND` (also for an item not counted), `FORBIDDEN_TENANT`, `STOCKTAKE_OPEN`
   */
  proof(caller: Principal, id: string, read: string): Promise<CountedItemProof>;
}

/** Counted identities in leaf order: byte order of their UTF-8 (code unit order; they are ASCII). */
function sortedLeaves(ids: string[]): string[] {
  return ids.sort();
}

function indexOf(sorted: readonly string[], id: string): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = sorted[mid]!;
    if (v === id) return mid;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

function requireTxId(record: { txId?: string } | undefined): string {
  if (typeof record?.txId !== 'string' || record.txId.length === 0) {
    throw new Error('goods:AttestStocktake answered without a txId');
  }
  return record.txId;
}

/**
 * Build the stocktake use cases over their ports.
 *
 * @param deps - Repository, book, ledger clients, live view.
 * @returns The service.
 */
export function newStocktakesService(deps: StocktakesServiceDeps): StocktakesService {
  const { stocktakes, book, ledgers, live } = deps;

  /** Tell the stocktake's watchers its new totals (only when someone watches: one more read of a row). */
  async function publishTotals(id: string, log: { warn(obj: object, msg: string): void }): Promise<void> {
    if (!live.watched(id)) return;
    try {
      const now = await stocktakes.findById(id);
      if (now) live.publishTotals(id, now);
    } catch (err: unknown) {
      log.warn({ err, stocktakeId: id }, 'live stocktake totals not published');
    }
  }

  async function load(caller: Principal, id: string): Promise<Stocktake> {
    const stocktake = await stocktakes.findById(id);
    if (!stocktake) {
      throw newProblem('NOT_FOUND', `no stocktake ${id}`);
    }
    assertTenant(caller, stocktake.enterpriseId);
    return stocktake;
  }

  /** A stocktake the caller may read and its report, or `STOCKTAKE_OPEN` (409) while it has none. */
  async function loadClosed(caller: Principal, id: string): Promise<{ stocktake: Stocktake; report: StocktakeReport }> {
    const stocktake = await load(caller, id);
    const report = await stocktakes.findReport(stocktake.id);
    if (!report) {
      throw newStocktakeOpen(stocktake.id);
    }
    return { stocktake, report };
  }

  /** The root on the chain as the caller's organisation: submitted now, or found when an earlier attempt attested it. */
  async function attest(
    caller: Principal,
    stocktake: Stocktake,
    attestation: { merkleRoot: string } & Record<string, unknown>,
  ): Promise<string> {
    try {
      const record = await ledgers
        .forCaller(caller, 'goods')
        .submit<{ txId?: string }>('AttestStocktake', [JSON.stringify(attestation)]);
      return requireTxId(record);
    } catch (err: unknown) {
      // Attested by an earlier attempt whose report was not stored: same root, so the same outcome.
      if (!isChaincodeRefusal(err, 'ALREADY_EXISTS')) {
        throw err;
      }
      const record = await ledgers
        .forCaller(caller, 'query')
        .evaluate<{ txId?: string; merkleRoot?: string }>('GetRecord', [
          JSON.stringify({ type: 'stocktake', id: stocktake.id }),
        ]);
      if (record?.merkleRoot !== attestation.merkleRoot) {
        throw new Error(`stocktake ${stocktake.id} is attested on the chain with another Merkle root`);
      }
      return requireTxId(record);
    }
  }

  return {
    async open(caller, input) {
      const enterpriseId = caller.enterpriseId;
      if (enterpriseId === null) {
        throw new Error('an operator or enterprise key without an enterprise'); // requireRole excludes customs
      }
      return stocktakes.insert({
        id: randomUUID(),
        enterpriseId,
        location: input.location,
        deviceIds: input.deviceIds ?? [],
      });
    },

    async list(caller, filter, limit) {
      const enterpriseId = caller.role === 'customs' ? null : caller.enterpriseId;
      if (caller.role !== 'customs' && enterpriseId === null) {
        throw new Error('an operator or enterprise key without an enterprise'); // the schema forbids it
      }
      return stocktakes.list(
        { enterpriseId, ...(filter.status === undefined ? {} : { status: filter.status }) },
        limit,
      );
    },

    async find(caller, id) {
      const stocktake = await load(caller, id);
      const report = stocktake.status === 'closed' ? await stocktakes.findReport(stocktake.id) : undefined;
      return { stocktake, report };
    },

    load,

    async report(caller, id) {
      return (await loadClosed(caller, id)).report;
    },

    findById: (id) => stocktakes.findById(id),
    findReport: (id) => stocktakes.findReport(id),

    async recordBatch(caller, id, batch, log) {
      const stocktake = await load(caller, id);
      const { batchId, deviceId, reads } = batch;
      if (reads.length > READS_PER_BATCH_MAX) {
        throw newProblem(
          'PAYLOAD_TOO_LARGE',
          `a batch holds at most ${READS_PER_BATCH_MAX} reads, got ${reads.length}: split it`,
          {
            extensions: { readsMax: READS_PER_BATCH_MAX },
          },
        );
      }
      // Not refused here when closed: a repeated batch id is still answered, so a counter retrying a lost
      // acknowledgement succeeds; the repository refuses new batches of a closed stocktake.
      const readsSha256 = createHash('sha256').update(JSON.stringify(reads)).digest('hex');
      const resolved = await resolveBatch([...reads], newReadDecoder(), book);
      const result = await stocktakes.recordBatch({
        stocktakeId: stocktake.id,
        batchId,
        deviceId,
        readsSha256,
        ids: resolved.ids,
        accepted: reads.length - resolved.undecodable,
        undecodable: resolved.undecodable,
        itemsMax: STOCKTAKE_ITEMS_MAX,
      });
      switch (result.kind) {
        case 'recorded':
          // Not awaited: the counter's acknowledgement does not wait for the live view.
          void publishTotals(stocktake.id, log);
          return result.response;
        case 'duplicate':
          if (!result.sameReads) {
            throw newProblem('IDEMPOTENCY_KEY_REUSED', `batch ${batchId} was received before with other reads`);
          }
          return result.response;
        case 'not-found':
          throw newProblem('NOT_FOUND', `no stocktake ${stocktake.id}`);
        case 'not-open':
          throw newStocktakeClosed(stocktake.id);
        case 'too-many-items':
          throw newProblem(
            'UNPROCESSABLE',
            `a stocktake counts at most ${STOCKTAKE_ITEMS_MAX} distinct items; this batch would make ${result.uniqueAfter}`,
          );
      }
    },

    async close(caller, id) {
      await load(caller, id);
      const done = await stocktakes.findReport(id);
      if (done) {
        return done;
      }
      const stocktake = await stocktakes.beginClose(id);
      if (!stocktake) {
        throw newProblem('NOT_FOUND', `no stocktake ${id}`);
      }
      // The counted set is frozen now (status closing): every attempt computes the same report and root.
      const [counted, onBook] = await Promise.all([
        stocktakes.countedIds(stocktake.id).then(sortedLeaves),
        book.itemsAtLocation(stocktake.enterpriseId, stocktake.location),
      ]);
      const result = reconcile(counted, onBook);
      const tree = buildMerkleTree(counted);
      const counts = {
        matched: result.matched.length,
        missing: result.missing.length,
        unexpected: result.unexpected.length,
      };
      const txId = await attest(caller, stocktake, {
        stocktakeId: stocktake.id,
        location: stocktake.location,
        counts,
        merkleRoot: tree.root,
        deviceIds: [...stocktake.deviceIds],
      });
      const saved = await stocktakes.saveReport({
        id: stocktake.id,
        enterprise: stocktake.enterpriseId,
        location: stocktake.location,
        ...result,
        counts,
        merkleRoot: tree.root,
        treeSize: tree.size,
        txId,
        closedAt: new Date().toISOString(),
      });
      deps.onClosed(saved);
      return saved;
    },

    async proof(caller, id, read) {
      const { stocktake, report } = await loadClosed(caller, id);
      const leaves = sortedLeaves(await stocktakes.countedIds(stocktake.id));
      // The same read may name the item in several ways (barcode: one SGTIN candidate per prefix length).
      const decoded = newReadDecoder().decode(read);
      let names: string[] = [];
      if (decoded.kind === 'sgtin') names = [decoded.sgtin];
      else if (decoded.kind === 'gtin-serial') names = [...decoded.candidates, decoded.fallback];
      else if (decoded.kind === 'trace-code') {
        const known = await book.itemsByAnyId([decoded.code]);
        names = [...known.values(), decoded.code];
      }
      const leaf = names.find((name) => indexOf(leaves, name) >= 0);
      if (leaf === undefined) {
        throw newProblem('NOT_FOUND', `${read} was not counted in stocktake ${stocktake.id}`);
      }
      const proof = buildMerkleTree(leaves).proof(indexOf(leaves, leaf));
      if (proof.root !== report.merkleRoot) {
        throw new Error(`stocktake ${stocktake.id}: counted set no longer matches the attested root`); // frozen at close
      }
      return { algorithm: MERKLE_ALGORITHM, leaf, ...proof, txId: report.txId };
    },
  };
}
