/**
 * A bounded memo from raw EPC bytes (up to 16, which covers SGTIN-96 and every other 96/128-bit tag) to
 * the read they decode to, without making a string per lookup.
 *
 * Why not a `Map<string, Read>`: an RFID counter reports each tag many times a second, so the agent's hot
 * path is "have I decoded these bytes before?". Keyed by a hex string, every report costs a new string, its
 * hash, and garbage; keyed by the bytes themselves (open addressing over a typed array, linear probing) a
 * repeat costs a few integer compares. Measured with bench/scanner-throughput.js (see the README).
 */
import { REPEAT_READ, Read } from './reads';

/** Longest EPC (bytes) the memo keys; longer ones (SGTIN-198) take the string-keyed path. */
export const EPC_BYTES_MEMO_KEY_BYTES_MAX = 16;
/**
 * Words per slot: a tag (0 = empty slot, else the key's length + 1, plus {@link REPEAT_FLAG} when the value is
 * {@link REPEAT_READ}), then four big-endian 32-bit words of the key.
 */
const SLOT_WORDS = 5;
/** Set in a slot's tag when its value is the shared repeat: a hit then touches no per-item object. */
const REPEAT_FLAG = 0x100;
const LENGTH_MASK = 0xff;

/** Open-addressing memo; `entriesMax` bounds it, and it is cleared when full (repeats refill it fast). */
export class EpcBytesMemo {
  private readonly mask: number;
  private readonly keys: Int32Array;
  private readonly values: (Read | undefined)[];
  private entries = 0;
  // The key's words, left by slotOf for set (fields, not a returned tuple: no allocation per lookup).
  private w0 = 0;
  private w1 = 0;
  private w2 = 0;
  private w3 = 0;

  /** @param entriesMax most entries held; the table has at least twice as many slots, so probes stay short */
  constructor(private readonly entriesMax: number) {
    let slots = 1;
    while (slots < entriesMax * 2) slots *= 2;
    this.mask = slots - 1;
    this.keys = new Int32Array(slots * SLOT_WORDS);
    this.values = new Array<Read | undefined>(slots).fill(undefined);
  }

  get size(): number {
    return this.entries;
  }

  /** @returns true if the memo can key an EPC of `bytes` bytes */
  static keys(bytes: number): boolean {
    return bytes > 0 && bytes <= EPC_BYTES_MEMO_KEY_BYTES_MAX;
  }

  /** The remembered read for `bytes[start..end)`, if any (`end - start` must pass {@link EpcBytesMemo.keys}). */
  get(bytes: Uint8Array, start: number, end: number): Read | undefined {
    const slot = this.slotOf(bytes, start, end);
    const t = this.keys[slot * SLOT_WORDS]!;
    if (t === 0) return undefined;
    return (t & REPEAT_FLAG) !== 0 ? REPEAT_READ : this.values[slot];
  }

  /** Remembers `read` for `bytes[start..end)`; a new key arriving when the memo is full clears it first. */
  set(bytes: Uint8Array, start: number, end: number, read: Read): void {
    let slot = this.slotOf(bytes, start, end);
    let at = slot * SLOT_WORDS;
    const keys = this.keys;
    if (keys[at] === 0) {
      if (this.entries >= this.entriesMax) {
        this.clear(); // a new key and no room: start over (the scratch key words are still this key's)
        slot = this.slotOf(bytes, start, end);
        at = slot * SLOT_WORDS;
      }
      keys[at + 1] = this.w0;
      keys[at + 2] = this.w1;
      keys[at + 3] = this.w2;
      keys[at + 4] = this.w3;
      this.entries++;
    }
    keys[at] = read === REPEAT_READ ? (end - start + 1) | REPEAT_FLAG : end - start + 1;
    this.values[slot] = read === REPEAT_READ ? undefined : read;
  }

  /** The slot holding the key `bytes[start..end)`, or the empty slot where it would go. */
  private slotOf(bytes: Uint8Array, start: number, end: number): number {
    const w0 = (this.w0 = word(bytes, start, end));
    const w1 = (this.w1 = word(bytes, start + 4, end));
    const w2 = (this.w2 = word(bytes, start + 8, end));
    const w3 = (this.w3 = word(bytes, start + 12, end));
    const tag = end - start + 1;
    const keys = this.keys;
    // Bounded by the table size; the load factor <= 1/2 means an empty slot ends the probe long before.
    for (
      let slot = hash(tag, w0, w1, w2, w3) & this.mask, probes = 0;
      probes <= this.mask;
      slot = (slot + 1) & this.mask, probes++
    ) {
      const at = slot * SLOT_WORDS;
      const t = keys[at]!;
      if (t === 0) return slot;
      if (
        (t & LENGTH_MASK) === tag &&
        keys[at + 1] === w0 &&
        keys[at + 2] === w1 &&
        keys[at + 3] === w2 &&
        keys[at + 4] === w3
      )
        return slot;
    }
    throw new Error('EpcBytesMemo: no free slot (the load factor bound was broken)');
  }

  clear(): void {
    this.keys.fill(0);
    this.values.fill(undefined);
    this.entries = 0;
  }
}

/** Big-endian 32-bit word at `at`, zero past `end`. */
function word(b: Uint8Array, at: number, end: number): number {
  if (at + 4 <= end) return (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
  let w = 0;
  for (let i = 0; i < 4; i++) w = (w << 8) | (at + i < end ? b[at + i]! : 0);
  return w;
}

/** A multiplicative mix (murmur3 finaliser) of the key words. */
function hash(tag: number, w0: number, w1: number, w2: number, w3: number): number {
  let h = tag;
  h = Math.imul(h ^ w0, 0x9e3779b1);
  h = Math.imul(h ^ w1 ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ w2 ^ (h >>> 13), 0xc2b2ae35);
  h = Math.imul(h ^ w3 ^ (h >>> 16), 0x9e3779b1);
  return h ^ (h >>> 16);
}
