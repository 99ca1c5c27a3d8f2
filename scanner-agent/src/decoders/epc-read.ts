/**
 * Turns an EPC (bytes or hex) into a {@link Read}, with a bounded memo: an RFID counter reports each tag
 * many times a second, and the same EPC always decodes to the same read, so repeats cost one map lookup.
 */
import { Read, undecodable } from '../reads';
import { itemKey } from './gs1';
import { decodeEpcHex } from './sgtin';

/**
 * Distinct EPCs remembered (about 200 bytes each, so ~50 MiB at most); the memo is cleared when full, which
 * is simple and bounded, and repeats refill it fast. Sized above the item count of a large shop floor.
 */
export const EPC_MEMO_ENTRIES_MAX = 262_144;

/**
 * Decodes EPCs to reads, remembering recent results. One instance per session: the first read of an EPC is
 * handed out as is, every later one with `repeat: true`.
 */
export class EpcReadDecoder {
  private readonly memo = new Map<string, Read>();

  /**
   * @param hex the EPC in hex (case is normalised)
   * @returns an item read (key `01{gtin}21{serial}`, upload = SGTIN URN) or an undecodable read
   */
  decodeHex(hex: string): Read {
    // Memo key: the hex as given (binary transports always give lower case, so no per-read case folding).
    const known = this.memo.get(hex);
    if (known !== undefined) return known;
    const upper = hex.toUpperCase();
    const result = decodeEpcHex(upper);
    if (this.memo.size >= EPC_MEMO_ENTRIES_MAX) this.memo.clear();
    if (!result.ok) {
      const bad = undecodable(result.reason, upper);
      this.memo.set(hex, bad); // undecodable reads are counted every time
      return bad;
    }
    const first: Read = { kind: 'item', key: itemKey(result.gtin, result.serial), upload: result.urn };
    this.memo.set(hex, { ...first, repeat: true }); // later sightings of this EPC are marked as repeats
    return first;
  }

  /**
   * @param bytes the buffer holding the EPC
   * @param start first byte of the EPC
   * @param end one past its last byte
   */
  decodeBytes(bytes: Uint8Array, start: number, end: number): Read {
    const hex = bytes instanceof Buffer ? bytes.toString('hex', start, end) : Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('hex');
    return this.decodeHex(hex);
  }
}
