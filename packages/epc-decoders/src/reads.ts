/**
 * The data that flows through the agent: raw reports in, reads out.
 *
 * A transport delivers {@link RawReport}s exactly as the device sent them; a report decoder turns them into
 * {@link Read}s. A read is either an item (with the key used to deduplicate it and the string uploaded to
 * the gateway) or an undecodable read (with a stable reason), which is counted and shown, never dropped.
 */

/** One report (HID input report, serial chunk, text line) as the transport received it. */
export interface RawReport {
  /** Wall-clock time of arrival, ms since the epoch (replays reconstruct it from the capture). */
  readonly atMs: number;
  readonly bytes: Uint8Array;
}

/** A read that identifies one item. */
export interface ItemRead {
  readonly kind: 'item';
  /**
   * Deduplication key. The same serialized item read from its RFID tag or its barcode gets the same key:
   * `01{GTIN-14}21{serial}`; a Hainan 16-digit code gets `hainan:{code}` (the gateway links the two).
   */
  readonly key: string;
  /** What is sent to the gateway: an SGTIN URN, a GS1 Digital Link URI, or the 16-digit code. */
  readonly upload: string;
}

/**
 * A read of an EPC this decoder already handed out as an item earlier in the session: one more read to
 * count, nothing new to deduplicate. An RFID counter reports each tag many times a second, so this is the
 * common case; it is one shared constant, so handling it touches no per-item memory.
 */
export interface RepeatRead {
  readonly kind: 'repeat';
}

/** The one {@link RepeatRead}. */
export const REPEAT_READ: RepeatRead = Object.freeze({ kind: 'repeat' });

/** A read the agent could not turn into an item. */
export interface UndecodableRead {
  readonly kind: 'undecodable';
  /** Stable kebab-case reason, e.g. `epc-partition-invalid`, `gs1-no-serial`, `m100-bad-checksum`. */
  readonly reason: string;
  /** A short printable rendering of what was read (hex for bytes, escaped text for text). */
  readonly raw: string;
}

/** What a decoder produces. */
export type Read = ItemRead | RepeatRead | UndecodableRead;

/** Receives reads as a decoder produces them (a callback keeps the hot path allocation-free). */
export type ReadSink = (read: Read) => void;

/** Longest `raw` rendering kept on an undecodable read. */
export const RAW_PREVIEW_CHARS_MAX = 120;

/**
 * @param reason stable reason
 * @param raw what was read
 * @returns an undecodable read with a bounded printable rendering
 */
export function undecodable(reason: string, raw: string | Uint8Array): UndecodableRead {
  const text =
    typeof raw === 'string' ? printable(raw) : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('hex');
  return {
    kind: 'undecodable',
    reason,
    raw: text.length > RAW_PREVIEW_CHARS_MAX ? `${text.slice(0, RAW_PREVIEW_CHARS_MAX)}…` : text,
  };
}

/** Renders GS as `<GS>` and other control or non-ASCII bytes as `\xNN`, so a preview never garbles a terminal. */
export function printable(text: string): string {
  let out = '';
  for (let i = 0; i < text.length && out.length <= RAW_PREVIEW_CHARS_MAX; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x1d) out += '<GS>';
    else if (c < 0x20 || c > 0x7e) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += text[i];
  }
  return out;
}
