/**
 * Typed access to the world state through the one codec. Writes are also kept in a per-transaction overlay,
 * because Fabric has no read-your-own-writes and a batch transaction must see what it already changed. Reads are
 * remembered for the transaction: the committed state cannot change under a simulation, so a key read twice (an
 * entry's item runs, read by the check and again by the commit) costs the peer one message, not two.
 */
import { newInvalidArgument } from '@hainan/ledger-model';
import type { ChaincodeStub } from 'fabric-shim-api';
import { decode, encode } from '../ledger-codec';

/** Most entries a single scan may return, so no query can exhaust the peer or the endorser. */
export const SCAN_LIMIT = 100_000;

/**
 * Most writes of one {@link LedgerStore.putEach} waiting in fabric-shim's queue at once. fabric-shim sends a
 * transaction's requests one at a time anyway; a few queued keep the next one ready the moment a response arrives,
 * while a whole batch queued (1,000 encoded values, request messages and promises) lives through many young-generation
 * collections of the chaincode process and is copied and promoted by each.
 */
export const PUT_WINDOW = 16;

/** World-state access for one transaction. */
export class LedgerStore {
  readonly #overlay = new Map<string, Uint8Array | null>();
  readonly #read = new Map<string, Uint8Array>();

  constructor(private readonly stub: ChaincodeStub) {}

  key(type: string, attrs: readonly string[]): string {
    return this.stub.createCompositeKey(type, [...attrs]);
  }

  async get<T>(type: string, attrs: readonly string[]): Promise<T | undefined> {
    const k = this.key(type, attrs);
    const local = this.#overlay.get(k);
    if (local !== undefined) return local === null ? undefined : decode<T>(local);
    let bytes = this.#read.get(k);
    if (bytes === undefined) {
      bytes = await this.stub.getState(k);
      this.#read.set(k, bytes);
    }
    return bytes.length === 0 ? undefined : decode<T>(bytes);
  }

  async put(type: string, attrs: readonly string[], value: unknown): Promise<void> {
    const k = this.key(type, attrs);
    const bytes = encode(value);
    this.#overlay.set(k, bytes);
    await this.stub.putState(k, bytes);
  }

  /**
   * Writes each element as its own value under `type` + `attrsOf(element)`, in element order, at most
   * {@link PUT_WINDOW} queued at a time. Every write settles before an error is raised (the first in element order,
   * so every endorser refuses with the same message), so no request of a finished transaction is still queued.
   */
  async putEach<T>(type: string, elements: readonly T[], attrsOf: (element: T) => readonly string[]): Promise<void> {
    let next = 0;
    let failed: { index: number; error: unknown } | undefined;
    const lane = async (): Promise<void> => {
      for (let i = next++; i < elements.length; i = next++) {
        const element = elements[i] as T;
        try {
          await this.put(type, attrsOf(element), element);
        } catch (error) {
          if (failed === undefined || i < failed.index) failed = { index: i, error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PUT_WINDOW, elements.length) }, lane));
    if (failed !== undefined) throw failed.error;
  }

  /** All entries under a partial composite key, in key order; refuses more than `limit`. */
  async scan<T>(
    type: string,
    partial: readonly string[],
    limit = SCAN_LIMIT,
  ): Promise<{ attrs: string[]; value: T }[]> {
    const out: { attrs: string[]; value: T }[] = [];
    const iterator = await this.stub.getStateByPartialCompositeKey(type, [...partial]);
    try {
      for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
        if (out.length >= limit) throw newInvalidArgument(`query matches more than ${limit} entries; narrow it`);
        const { attributes } = this.stub.splitCompositeKey(r.value.key);
        out.push({ attrs: attributes, value: decode<T>(r.value.value) });
      }
    } finally {
      await iterator.close();
    }
    return out;
  }

  /** One page under a partial composite key (read-only transactions only: Fabric forbids writes after it). */
  async page<T>(
    type: string,
    partial: readonly string[],
    pageSize: number,
    bookmark: string,
  ): Promise<{ entries: { attrs: string[]; value: T }[]; bookmark: string }> {
    const { iterator, metadata } = await this.stub.getStateByPartialCompositeKeyWithPagination(
      type,
      [...partial],
      pageSize,
      bookmark,
    );
    const entries: { attrs: string[]; value: T }[] = [];
    try {
      for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
        entries.push({ attrs: this.stub.splitCompositeKey(r.value.key).attributes, value: decode<T>(r.value.value) });
      }
    } finally {
      await iterator.close();
    }
    return { entries, bookmark: metadata?.bookmark ?? '' };
  }
}
