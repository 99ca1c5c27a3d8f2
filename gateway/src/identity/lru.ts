/**
 * A bounded least-recently-used map (a `Map` keeps insertion order: a hit moves the key to the end, the first key
 * is the least recently used). Used for the connected ledger identities, so memory follows the active enterprises,
 * not the registered ones.
 */

/** A bounded LRU map. */
export class LruMap<K, V> {
  readonly #entries = new Map<K, V>();

  /**
   * @param capacity - Most entries kept (≥ 1).
   * @param onEvict - Called with each entry pushed out by a newer one.
   */
  constructor(
    readonly capacity: number,
    private readonly onEvict: (key: K, value: V) => void = () => undefined,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`LRU capacity must be a positive integer, got ${capacity}`);
  }

  /** The value, marked as most recently used. */
  get(key: K): V | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  /** Insert or replace, evicting the least recently used entries beyond capacity. */
  set(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    while (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      const evicted = this.#entries.get(oldest.value) as V;
      this.#entries.delete(oldest.value);
      this.onEvict(oldest.value, evicted);
    }
  }

  delete(key: K): boolean {
    return this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }
}
