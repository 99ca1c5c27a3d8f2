/**
 * Turns an EPC (bytes or hex) into a {@link Read}, with a bounded memo: an RFID counter reports each tag
 * many times a second, and the same EPC always decodes to the same read, so repeats cost one lookup.
 */
import { REPEAT_READ, Read, undecodable } from './reads';
import { EpcBytesMemo } from './epc-bytes-memo';
import { itemKey } from './gs1';
import { decodeEpcHex } from './sgtin';

/**
 * Distinct EPCs remembered (about 200 bytes each, so ~50 MiB at most); the memo is cleared when full, which
 * is simple and bounded, and repeats refill it fast. Sized above the item count of a large shop floor.
 */
export const EPC_MEMO_ENTRIES_MAX = 262_144;

/**
 * Decodes EPCs to reads, remembering recent results. One instance per session: the first read of an EPC is
 * handed out as an item, every later one as {@link REPEAT_READ} (or as the item again, for a caller that
 * needs to know what every read names, like the gateway); undecodable reads come back every time.
 */
export class EpcReadDecoder {
  /** @param options.repeats false: hand out the item on every read instead of {@link REPEAT_READ} */
  constructor(private readonly options: { readonly repeats: boolean } = { repeats: true }) {}

  private readonly memo = new Map<string, Read>();
  /** Binary transports (M100, CP2110) look repeats up by their bytes: no hex string per report. */
  private readonly bytesMemo = new EpcBytesMemo(EPC_MEMO_ENTRIES_MAX);

  /**
   * @param hex the EPC in hex (case is normalised)
   * @returns an item read (key `01{gtin}21{serial}`, upload = SGTIN URN), a repeat, or an undecodable read
   */
  decodeHex(hex: string): Read {
    // Memo key: the hex as given (binary transports always give lower case, so no per-read case folding).
    const known = this.memo.get(hex);
    if (known !== undefined) return known;
    const read = decodeFresh(hex);
    if (this.memo.size >= EPC_MEMO_ENTRIES_MAX) this.memo.clear();
    this.memo.set(hex, this.remembered(read));
    return read;
  }

  /**
   * @param bytes the buffer holding the EPC
   * @param start first byte of the EPC
   * @param end one past its last byte
   */
  decodeBytes(bytes: Uint8Array, start: number, end: number): Read {
    const keyed = EpcBytesMemo.keys(end - start);
    if (!keyed) return this.decodeHex(hexOf(bytes, start, end));
    const known = this.bytesMemo.get(bytes, start, end);
    if (known !== undefined) return known;
    const read = decodeFresh(hexOf(bytes, start, end));
    this.bytesMemo.set(bytes, start, end, this.remembered(read));
    return read;
  }

  /** What later reads of the same EPC get. */
  private remembered(read: Read): Read {
    return read.kind === 'item' && this.options.repeats ? REPEAT_READ : read;
  }
}

function decodeFresh(hex: string): Read {
  const upper = hex.toUpperCase();
  const result = decodeEpcHex(upper);
  if (!result.ok) return undecodable(result.reason, upper);
  return { kind: 'item', key: itemKey(result.gtin, result.serial), upload: result.urn };
}

function hexOf(bytes: Uint8Array, start: number, end: number): string {
  return bytes instanceof Buffer
    ? bytes.toString('hex', start, end)
    : Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('hex');
}
