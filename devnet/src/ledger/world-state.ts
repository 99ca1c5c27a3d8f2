/**
 * The world state as a LevelDB-backed peer keeps it, in memory: per chaincode namespace a sorted map of
 * key -> (value, version); per private collection the hashed state (on every peer) and the private
 * values; and each key's history. It is rebuilt from the block file on start, so it needs no storage of
 * its own.
 */
import BTree from 'sorted-btree';
import { compareKeys } from './key-order';
import { Version } from './version';

/** A committed value and the transaction that wrote it. */
export interface VersionedValue {
  value: Buffer;
  version: Version;
}

/** One committed write or delete of a key. */
export interface HistoryEntry {
  txId: string;
  /** The proposal time of the writing transaction. */
  timestamp: { seconds: number; nanos: number };
  isDelete: boolean;
  value: Buffer;
}

/** Hash of a private value, visible on every peer. */
export interface HashedValue {
  valueHash: Buffer;
  version: Version;
}

export type KeyTree = BTree<string, VersionedValue>;

function newTree(): KeyTree {
  return new BTree<string, VersionedValue>(undefined, compareKeys);
}

const collectionKey = (ns: string, collection: string) => `${ns}\u0000${collection}`;

/** In-memory versioned state. */
export class WorldState {
  readonly #public = new Map<string, KeyTree>();
  readonly #hashed = new Map<string, Map<string, HashedValue>>();
  readonly #private = new Map<string, Map<string, Buffer>>();
  readonly #history = new Map<string, Map<string, HistoryEntry[]>>();

  get(ns: string, key: string): VersionedValue | undefined {
    return this.#public.get(ns)?.get(key);
  }

  /** A copy-on-write snapshot of a namespace's keys, for iterators that span several messages. */
  snapshot(ns: string): KeyTree {
    return this.#public.get(ns)?.clone() ?? newTree();
  }

  /** Keys in [startKey, endKey) (endKey '' = no upper bound), from the live state. */
  *range(ns: string, startKey: string, endKey: string): Generator<[string, VersionedValue]> {
    yield* rangeOf(this.#public.get(ns), startKey, endKey);
  }

  put(ns: string, key: string, value: Buffer, version: Version): void {
    let tree = this.#public.get(ns);
    if (!tree) this.#public.set(ns, (tree = newTree()));
    tree.set(key, { value, version });
  }

  delete(ns: string, key: string): void {
    this.#public.get(ns)?.delete(key);
  }

  getHashed(ns: string, collection: string, keyHashHex: string): HashedValue | undefined {
    return this.#hashed.get(collectionKey(ns, collection))?.get(keyHashHex);
  }

  putHashed(ns: string, collection: string, keyHashHex: string, value: HashedValue | undefined): void {
    const ck = collectionKey(ns, collection);
    let m = this.#hashed.get(ck);
    if (!m) this.#hashed.set(ck, (m = new Map()));
    if (value) m.set(keyHashHex, value);
    else m.delete(keyHashHex);
  }

  getPrivate(ns: string, collection: string, key: string): Buffer | undefined {
    return this.#private.get(collectionKey(ns, collection))?.get(key);
  }

  putPrivate(ns: string, collection: string, key: string, value: Buffer | undefined): void {
    const ck = collectionKey(ns, collection);
    let m = this.#private.get(ck);
    if (!m) this.#private.set(ck, (m = new Map()));
    if (value) m.set(key, value);
    else m.delete(key);
  }

  addHistory(ns: string, key: string, entry: HistoryEntry): void {
    let m = this.#history.get(ns);
    if (!m) this.#history.set(ns, (m = new Map()));
    const list = m.get(key);
    if (list) list.push(entry);
    else m.set(key, [entry]);
  }

  /** History of a key, oldest first (callers reverse for Fabric's newest-first order). */
  history(ns: string, key: string): readonly HistoryEntry[] {
    return this.#history.get(ns)?.get(key) ?? [];
  }

  /** Number of live keys per namespace (for diagnostics). */
  sizes(): Record<string, number> {
    return Object.fromEntries([...this.#public].map(([ns, t]) => [ns, t.size]));
  }
}

/** Iterates [startKey, endKey) of a tree; endKey '' means to the end. */
export function* rangeOf(
  tree: KeyTree | undefined,
  startKey: string,
  endKey: string,
): Generator<[string, VersionedValue]> {
  if (!tree) return;
  for (const [k, v] of tree.entries(startKey)) {
    if (endKey !== '' && compareKeys(k, endKey) >= 0) return;
    yield [k, v];
  }
}
