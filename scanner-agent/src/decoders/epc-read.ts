/**
 * Turns an EPC (bytes or hex) into a {@link Read}, with a bounded memo: an RFID counter reports each tag
 * many times a second, and the same EPC always decodes to the same read, so repeats cost one map lookup.
 */
import { Read, undecodable } from '../reads';
import { itemKey } from './gs1';
import { decodeEpcHex } from './sgtin';

/** Distinct EPCs remembered; the memo is cleared when full (simple, bounded, and repeats refill it fast). */
export const EPC_MEMO_ENTRIES_MAX = 65_536;

/** Decodes EPCs to reads, remembering recent results. */
export class EpcReadDecoder {
  private readonly memo = new Map<string, Read>();

  /**
   * @param hex the EPC in hex (case is normalised)
   * @returns an item read (key `01{gtin}21{serial}`, upload = SGTIN URN) or an undecodable read
   */
  decodeHex(hex: string): Read {
    const upper = hex.toUpperCase();
    const known = this.memo.get(upper);
    if (known !== undefined) return known;
    const result = decodeEpcHex(upper);
    const read: Read = result.ok ? { kind: 'item', key: itemKey(result.gtin, result.serial), upload: result.urn } : undecodable(result.reason, upper);
    if (this.memo.size >= EPC_MEMO_ENTRIES_MAX) this.memo.clear();
    this.memo.set(upper, read);
    return read;
  }

  /**
   * @param bytes the buffer holding the EPC
   * @param start first byte of the EPC
   * @param end one past its last byte
   */
  decodeBytes(bytes: Uint8Array, start: number, end: number): Read {
    return this.decodeHex(Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('hex'));
  }
}
