/**
 * The capture file format written by `scanner-agent record` and read by `--replay`: a text file, one raw
 * report per line, easy to read, diff and generate.
 *
 * ```
 * # scanner-agent capture v1
 * # layout: hid-pos
 * # device: hid 0c2e:0b8f /dev/hidraw3
 * # started: 2026-11-25T10:00:00.000Z
 * 0 0238…
 * 12 0238…
 * ```
 *
 * - line 1 is exactly `# scanner-agent capture v1`;
 * - header lines `# key: value` follow; `layout` (one of the supported layouts) is required, `device` and
 *   `started` (ISO-8601, the wall-clock time of offset 0) are informational; other `#` lines are comments;
 * - each data line is `<offset ms> <hex>`: a non-negative integer number of milliseconds since the start
 *   (non-decreasing), one space, and the report's bytes in hex exactly as the transport delivered them (a
 *   HID report with its report ID first, a serial chunk, a text line's bytes without its line ending);
 * - blank lines are ignored. A malformed data line (for example the last line of a capture whose recorder
 *   was killed) is reported by the reader and skipped, not fatal.
 */
import { closeSync, createReadStream, fsyncSync, openSync, writeSync } from 'node:fs';
import { LayoutName, isLayoutName } from '@hainan/epc-decoders';
import { newAgentError } from './errors';
import { RawReport } from '@hainan/epc-decoders';

/** First line of every capture. */
export const CAPTURE_MAGIC = '# scanner-agent capture v1';
/** Longest line accepted (a 64-byte HID report is 130 characters; a serial chunk may be a few KiB). */
export const CAPTURE_LINE_CHARS_MAX = 256 * 1024;
/** Header lines read before the first data line. */
const HEADER_LINES_MAX = 64;

/** The header of a capture. */
export interface CaptureHeader {
  readonly layout: LayoutName;
  readonly device: string;
  /** ISO-8601 wall-clock time of offset 0. */
  readonly started: string;
}

/** One data line; also a {@link RawReport} (`atMs` = start time + offset), so a replay hands it on as is. */
export interface CaptureEntry extends RawReport {
  readonly offsetMs: number;
  readonly bytes: Buffer;
}

/** @returns the header block of a capture, ending with a newline */
export function formatCaptureHeader(header: CaptureHeader): string {
  return `${CAPTURE_MAGIC}\n# layout: ${header.layout}\n# device: ${header.device.replace(/[\r\n]/g, ' ')}\n# started: ${header.started}\n`;
}

/** @returns one data line, ending with a newline */
export function formatCaptureLine(offsetMs: number, bytes: Uint8Array): string {
  return `${Math.max(0, Math.round(offsetMs))} ${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}\n`;
}

/** Longest offset field (ms): 15 digits is over 30,000 years. */
const OFFSET_DIGITS_MAX = 15;

/** Value of each ASCII hex digit, -1 for every other character. */
const HEX_VALUE = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let c = 0; c < 10; c++) table[48 + c] = c;
  for (let c = 0; c < 6; c++) {
    table[65 + c] = 10 + c;
    table[97 + c] = 10 + c;
  }
  return table;
})();

/** Bytes of each shared slab the replayed reports are decoded into. */
const SLAB_BYTES = 64 * 1024;

/**
 * Hands out report buffers carved from shared slabs: a replay decodes hundreds of thousands of reports a
 * second, and a separate allocation per report was a measurable share of its time.
 */
export class ReportSlab {
  private slab = Buffer.allocUnsafe(SLAB_BYTES);
  private used = 0;

  /** @returns a buffer of `bytes` bytes for one report (valid as long as the report is referenced) */
  take(bytes: number): Buffer {
    if (bytes > SLAB_BYTES) return Buffer.allocUnsafe(bytes);
    if (this.used + bytes > SLAB_BYTES) {
      this.slab = Buffer.allocUnsafe(SLAB_BYTES);
      this.used = 0;
    }
    const out = this.slab.subarray(this.used, this.used + bytes);
    this.used += bytes;
    return out;
  }
}

/**
 * Parses a data line (hand-written rather than a regex: this runs once per replayed report).
 *
 * @param line a data line without its newline
 * @param startedMs wall-clock time of offset 0
 * @param slab where the report bytes go (a fresh buffer per report without one)
 * @returns the entry, or undefined if the line is malformed
 */
export function parseCaptureLine(line: string, startedMs = 0, slab?: ReportSlab): CaptureEntry | undefined {
  const space = line.indexOf(' ');
  if (space < 1 || space > OFFSET_DIGITS_MAX) return undefined;
  let offsetMs = 0;
  for (let i = 0; i < space; i++) {
    const d = line.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    offsetMs = offsetMs * 10 + d;
  }
  const hexChars = line.length - space - 1;
  if (hexChars % 2 !== 0) return undefined;
  const byteCount = hexChars / 2;
  const bytes = slab === undefined ? Buffer.allocUnsafe(byteCount) : slab.take(byteCount);
  for (let i = 0, at = space + 1; i < byteCount; i++, at += 2) {
    const hi = line.charCodeAt(at);
    const lo = line.charCodeAt(at + 1);
    const value = (hi | lo) < 128 ? (HEX_VALUE[hi]! << 4) | HEX_VALUE[lo]! : -1;
    if (value < 0) return undefined; // not a hex digit (either nibble -1 makes the value negative)
    bytes[i] = value;
  }
  return { offsetMs, atMs: startedMs + offsetMs, bytes };
}

/** Appends reports to a capture file. */
export class CaptureWriter {
  private readonly fd: number;
  private readonly startMs: number;
  private lastOffsetMs = 0;

  /**
   * Creates the file (refusing to overwrite one) and writes the header.
   *
   * @param path where to write
   * @param header layout and device; `started` is the wall-clock time of offset 0
   */
  constructor(path: string, header: CaptureHeader) {
    try {
      this.fd = openSync(path, 'wx');
    } catch (err) {
      throw newAgentError(
        'CONFIG_INVALID',
        `cannot create capture file ${path}: ${(err as Error).message}`,
        'choose a new file name with --out',
      );
    }
    this.startMs = Date.parse(header.started);
    writeSync(this.fd, formatCaptureHeader(header));
  }

  /** Appends one report; offsets never go backwards even if the clock does. */
  write(atMs: number, bytes: Uint8Array): void {
    this.lastOffsetMs = Math.max(this.lastOffsetMs, atMs - this.startMs);
    writeSync(this.fd, formatCaptureLine(this.lastOffsetMs, bytes));
  }

  /** Flushes to disk and closes. */
  close(): void {
    fsyncSync(this.fd);
    closeSync(this.fd);
  }
}

/** What the reader hands out: the header first, then entries or malformed lines. */
export type CaptureEvent =
  | { readonly kind: 'entries'; readonly entries: readonly CaptureEntry[] }
  | { readonly kind: 'malformed'; readonly lineNumber: number; readonly line: string };

/**
 * Reads a capture file in streaming fashion (bounded memory).
 *
 * @returns the header, and an iterator of entry batches (one per chunk of the file) and malformed lines
 * @throws AgentError CAPTURE_INVALID if the file is missing or its header is not a capture header
 */
export async function openCapture(
  path: string,
): Promise<{ header: CaptureHeader; events: AsyncGenerator<CaptureEvent> }> {
  const stream = createReadStream(path, { encoding: 'latin1', highWaterMark: 64 * 1024 });
  const chunks = splitLines(stream, path);
  const fields = new Map<string, string>();
  let first: string | undefined;
  let lineNumber = 0;
  let rest: string[] = [];
  try {
    headerLines: for (;;) {
      const next = await chunks.next();
      if (next.done === true) break;
      const lines = next.value;
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i] ?? '';
        lineNumber++;
        if (lineNumber === 1) {
          first = line;
          if (line !== CAPTURE_MAGIC) break headerLines;
          continue;
        }
        if (line.startsWith('#') && lineNumber <= HEADER_LINES_MAX) {
          const m = /^#\s*([a-z-]+):\s*(.*)$/.exec(line);
          if (m !== null) fields.set(m[1] ?? '', m[2] ?? '');
          continue;
        }
        if (line.trim().length === 0) continue;
        rest = lines.slice(i);
        lineNumber--;
        break headerLines;
      }
    }
  } catch (err) {
    await chunks.return(undefined);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw newAgentError('CAPTURE_INVALID', `no capture file at ${path}`, 'check the path given to --replay');
    throw err;
  }
  const layout = fields.get('layout') ?? '';
  if (first !== CAPTURE_MAGIC || !isLayoutName(layout)) {
    await chunks.return(undefined);
    throw newAgentError(
      'CAPTURE_INVALID',
      `${path} is not a scanner-agent capture (${first !== CAPTURE_MAGIC ? 'first line is not the capture magic' : `unknown layout "${layout}"`})`,
      `a capture starts with "${CAPTURE_MAGIC}" and a "# layout:" line`,
    );
  }
  const header: CaptureHeader = {
    layout,
    device: fields.get('device') ?? 'unknown',
    started: fields.get('started') ?? new Date(0).toISOString(),
  };
  return { header, events: entries(chunks, rest, lineNumber, Date.parse(header.started) || 0) };
}

async function* entries(
  chunks: AsyncGenerator<string[]>,
  firstLines: string[],
  linesBefore: number,
  startedMs: number,
): AsyncGenerator<CaptureEvent> {
  let lineNumber = linesBefore;
  const slab = new ReportSlab();
  async function* all(): AsyncGenerator<string[]> {
    if (firstLines.length > 0) yield firstLines;
    yield* chunks;
  }
  for await (const lines of all()) {
    let batch: CaptureEntry[] = [];
    for (const line of lines) {
      lineNumber++;
      if (line.length === 0 || line.startsWith('#')) continue;
      const entry = parseCaptureLine(line, startedMs, slab);
      if (entry !== undefined) {
        batch.push(entry);
        continue;
      }
      if (batch.length > 0) yield { kind: 'entries', entries: batch };
      batch = [];
      yield { kind: 'malformed', lineNumber, line: line.slice(0, 80) };
    }
    if (batch.length > 0) yield { kind: 'entries', entries: batch };
  }
}

/** Splits a text stream into lines (LF or CRLF), handing them out one array per chunk. */
async function* splitLines(stream: AsyncIterable<string | Buffer>, path: string): AsyncGenerator<string[]> {
  let partial = '';
  for await (const chunk of stream) {
    const text = partial + (typeof chunk === 'string' ? chunk : chunk.toString('latin1'));
    const lines: string[] = [];
    let from = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
      const end = nl > from && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      lines.push(text.slice(from, end));
      from = nl + 1;
    }
    partial = text.slice(from);
    if (partial.length > CAPTURE_LINE_CHARS_MAX)
      throw newAgentError(
        'CAPTURE_INVALID',
        `${path} has a line longer than ${CAPTURE_LINE_CHARS_MAX} characters`,
        'is this a capture file?',
      );
    if (lines.length > 0) yield lines;
  }
  if (partial.length > 0) yield [partial];
}
