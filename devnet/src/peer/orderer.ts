/**
 * The ordering service of the dev network: accepts signed transaction envelopes, cuts them into blocks by
 * count or by timeout (Fabric's BatchSize.MaxMessageCount and BatchTimeout), and hands each block to the
 * ledger in order. Private write sets kept from endorsement (the transient store) travel with the block.
 */
import { BlockSigner, Ledger } from '../ledger/ledger';

/** Block cutting settings. */
export interface BatchSettings {
  /** Most transactions per block. */
  maxMessageCount: number;
  /** Longest a transaction waits for its block to fill. */
  batchTimeoutMs: number;
}

/** Most private write sets held for transactions not yet committed (oldest dropped beyond it). */
export const TRANSIENT_STORE_LIMIT = 100_000;

/** Orderer + the peer's transient store. */
export class Orderer {
  #queue: { txId: string; envelope: Uint8Array }[] = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #transient = new Map<string, Uint8Array>();
  #stopped = false;
  /** False while the peer cannot reach the ordering service (a network partition or a stopped orderer, set by a test). */
  reachable = true;

  constructor(
    private readonly ledger: Ledger,
    private readonly batch: BatchSettings,
    private readonly signer: BlockSigner | undefined,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Keeps a transaction's private write set until its block commits. */
  keepPrivate(txId: string, pvt: Uint8Array): void {
    if (this.#transient.size >= TRANSIENT_STORE_LIMIT) {
      const oldest = this.#transient.keys().next().value;
      if (oldest !== undefined) this.#transient.delete(oldest);
    }
    this.#transient.set(txId, pvt);
  }

  /** Accepts an envelope for ordering. */
  broadcast(txId: string, envelope: Uint8Array): void {
    if (this.#stopped) throw new Error('orderer stopped');
    this.#queue.push({ txId, envelope });
    if (this.#queue.length >= this.batch.maxMessageCount) this.#cut();
    else if (!this.#timer) this.#timer = setTimeout(() => this.#cut(), this.batch.batchTimeoutMs);
  }

  #cut(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.batch.maxMessageCount);
      const pvt = new Map<string, Uint8Array>();
      for (const { txId } of batch) {
        const p = this.#transient.get(txId);
        if (p) {
          pvt.set(txId, p);
          this.#transient.delete(txId);
        }
      }
      this.ledger
        .commitBlock(
          batch.map((b) => b.envelope),
          pvt,
          this.signer,
        )
        .catch(this.onError);
      if (this.#queue.length < this.batch.maxMessageCount) break;
    }
    if (this.#queue.length > 0) this.#timer = setTimeout(() => this.#cut(), this.batch.batchTimeoutMs);
  }

  /** Cuts what is queued and stops accepting. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#queue.length > 0) {
      while (this.#queue.length > 0) this.#cut();
    }
    if (this.#timer) clearTimeout(this.#timer);
  }
}
