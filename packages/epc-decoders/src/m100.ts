/**
 * UHF RFID modules speaking the "M100" frame protocol (MagicRF M100/QM100 chips and the modules and
 * handhelds built on them, e.g. YRM100, JRD-100, EL-UHF-RMT01), over a USB serial port (CDC or CH340) or
 * behind a HID-to-UART bridge (see cp2110.ts). Pure apart from the bounded reassembly buffer.
 *
 * Frame (all multi-byte fields big-endian):
 *
 * | field    | bytes | content                                                          |
 * |----------|-------|------------------------------------------------------------------|
 * | header   | 1     | 0xBB                                                             |
 * | type     | 1     | 0x00 command, 0x01 response, 0x02 notification                   |
 * | command  | 1     | 0x22 inventory (single or multiple polling), 0xFF error, ...      |
 * | PL       | 2     | payload length                                                   |
 * | payload  | PL    | for an inventory notification: RSSI(1) PC(2) EPC(PL-5) CRC-16(2) |
 * | checksum | 1     | low byte of the sum of type..last payload byte                   |
 * | end      | 1     | 0x7E                                                             |
 *
 * 0xBB and 0x7E may occur inside a payload, so frames are delimited by PL, never by scanning for 0x7E.
 * The CRC-16 in a notification is the tag's own CRC over PC+EPC (EPC Gen2 / ISO 18000-63: CRC-CCITT,
 * preset 0xFFFF, ones' complement), checked here so a corrupted EPC is never counted as a different item.
 * Checksum and CRC were cross-checked against frames captured from real modules. A PC word with the toggle
 * bit (0x0100) set marks an ISO/IEC 15961 UII instead of a GS1 EPC.
 */
import { ReadSink, undecodable } from './reads';
import { EpcReadDecoder } from './epc-read';
import { ReportDecoder } from './report-decoder';

export const M100_HEADER = 0xbb;
export const M100_END = 0x7e;
export const M100_TYPE_COMMAND = 0x00;
export const M100_TYPE_NOTIFICATION = 0x02;
export const M100_CMD_INVENTORY = 0x22;
export const M100_CMD_MULTI_INVENTORY = 0x27;
export const M100_CMD_STOP_MULTI_INVENTORY = 0x28;
/** Header, type, command, PL (2), checksum, end. */
const FRAME_OVERHEAD_BYTES = 7;
/** Longest payload accepted: an inventory notice with the longest Gen2 EPC (496 bits) is 5 + 62 bytes. */
export const M100_PAYLOAD_BYTES_MAX = 512;
/** Bytes held while waiting for the rest of a frame. */
export const M100_BUFFER_BYTES_MAX = 4096;
const RSSI_BYTES = 1;
const PC_BYTES = 2;
const CRC_BYTES = 2;
const PC_TOGGLE_BIT = 0x0100;

const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let crc = n << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[n] = crc;
  }
  return table;
})();

/** Gen2 CRC-16 (CRC-CCITT, polynomial 0x1021, preset 0xFFFF, ones' complement of the result). */
export function gen2Crc16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++)
    crc = ((crc << 8) & 0xffff) ^ (CRC16_TABLE[((crc >> 8) ^ (bytes[i] ?? 0)) & 0xff] ?? 0);
  return ~crc & 0xffff;
}

function checksum(bytes: Uint8Array, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += bytes[i] ?? 0;
  return sum & 0xff;
}

/** Receives one complete, checksummed frame. */
export type M100FrameHandler = (
  type: number,
  command: number,
  buf: Buffer,
  payloadStart: number,
  payloadEnd: number,
) => void;

/**
 * Reassembles M100 frames from a byte stream that may split or join them anywhere, resynchronising on the
 * next 0xBB after garbage. Each run of garbage or each bad frame is reported once.
 */
export class M100FrameParser {
  private readonly buf = Buffer.alloc(M100_BUFFER_BYTES_MAX);
  /** Unparsed bytes are buf[start, end). */
  private start = 0;
  private end = 0;
  /** After a bad frame, skip to the next good one without reporting every byte in between. */
  private resyncing = false;

  /**
   * @param onFrame called for each valid frame; the buffer is only valid during the call
   * @param onError called once per run of garbage or bad frame, with a stable reason
   */
  constructor(
    private readonly onFrame: M100FrameHandler,
    private readonly onError: (reason: string, bytes: Uint8Array) => void,
  ) {}

  /**
   * Appends `chunk[from, to)` and parses every complete frame. Ranges instead of subarrays: a handheld sends
   * hundreds of thousands of small reports a minute, and each subarray is an allocation.
   */
  push(chunk: Uint8Array, from = 0, to = chunk.length): void {
    const buf = this.buf;
    for (let at = from; at < to; ) {
      if (this.start === this.end) {
        this.start = 0; // everything parsed: nothing to move
        this.end = 0;
      } else if (this.start > 0) {
        buf.copy(buf, 0, this.start, this.end);
        this.end -= this.start;
        this.start = 0;
      }
      const room = M100_BUFFER_BYTES_MAX - this.end;
      if (room === 0) {
        // A full buffer with no frame in it cannot hold valid frames (PL is bounded): drop it and resync.
        this.fail('m100-buffer-overflow', this.end);
        continue;
      }
      const take = Math.min(room, to - at);
      for (let i = 0; i < take; i++) buf[this.end + i] = chunk[at + i]!; // reports are small: a loop beats a native copy
      this.end += take;
      at += take;
      this.parse(false);
    }
  }

  /** End of stream: whatever is left is a truncated frame; frames hidden behind a bad length are recovered. */
  finish(): void {
    this.parse(true);
    this.start = 0;
    this.end = 0;
    this.resyncing = false;
  }

  private fail(reason: string, skipBytes: number): void {
    if (!this.resyncing) this.onError(reason, this.buf.subarray(this.start, Math.min(this.end, this.start + 32)));
    this.resyncing = true;
    this.start += skipBytes;
  }

  private parse(final: boolean): void {
    const buf = this.buf;
    for (let guard = 0; this.start < this.end && guard <= M100_BUFFER_BYTES_MAX; guard++) {
      const s = this.start;
      const available = this.end - s;
      if (buf[s] !== M100_HEADER) {
        const next = buf.subarray(s, this.end).indexOf(M100_HEADER);
        this.fail('m100-noise', next === -1 ? available : next);
        continue;
      }
      if (available < 5) {
        if (!final) return;
        this.fail('m100-truncated-frame', 1);
        continue;
      }
      const payloadBytes = ((buf[s + 3] ?? 0) << 8) | (buf[s + 4] ?? 0);
      if (payloadBytes > M100_PAYLOAD_BYTES_MAX) {
        this.fail('m100-bad-length', 1);
        continue;
      }
      const total = FRAME_OVERHEAD_BYTES + payloadBytes;
      if (available < total) {
        if (!final) return;
        this.fail('m100-truncated-frame', 1);
        continue;
      }
      if (buf[s + total - 1] !== M100_END || buf[s + total - 2] !== checksum(buf, s + 1, s + total - 2)) {
        this.fail('m100-bad-checksum', 1);
        continue;
      }
      this.resyncing = false;
      this.start = s + total;
      this.onFrame(buf[s + 1] ?? 0, buf[s + 2] ?? 0, buf, s + 5, s + 5 + payloadBytes);
    }
  }
}

/** Decoder for M100 frame streams (one report = one chunk of the serial byte stream). */
export class M100Decoder implements ReportDecoder {
  ignored = 0;
  private sink: ReadSink = () => undefined;
  private readonly parser: M100FrameParser;

  /** @param epc shared EPC decoder with its memo */
  constructor(private readonly epc: EpcReadDecoder = new EpcReadDecoder()) {
    this.parser = new M100FrameParser(
      (type, command, frame, start, end) => this.onFrame(type, command, frame, start, end),
      (reason, bytes) => this.sink(undecodable(reason, bytes)),
    );
  }

  push(report: Uint8Array, sink: ReadSink, from = 0, to = report.length): void {
    this.sink = sink;
    this.parser.push(report, from, to);
  }

  end(sink: ReadSink): void {
    this.sink = sink;
    this.parser.finish();
  }

  private onFrame(type: number, command: number, buf: Buffer, start: number, end: number): void {
    if (type !== M100_TYPE_NOTIFICATION || command !== M100_CMD_INVENTORY) {
      this.ignored++; // command responses, "no tag" errors (0xFF), settings
      return;
    }
    const pcAt = start + RSSI_BYTES;
    const epcAt = pcAt + PC_BYTES;
    const crcAt = end - CRC_BYTES;
    if (crcAt <= epcAt) {
      this.sink(undecodable('m100-short-notification', buf.subarray(start - 5, end + 2)));
      return;
    }
    if (gen2Crc16(buf, pcAt, crcAt) !== buf.readUInt16BE(crcAt)) {
      this.sink(undecodable('epc-crc-mismatch', buf.subarray(start - 5, end + 2)));
      return;
    }
    if ((buf.readUInt16BE(pcAt) & PC_TOGGLE_BIT) !== 0) {
      this.sink(undecodable('epc-not-gs1-toggle', buf.subarray(start - 5, end + 2)));
      return;
    }
    this.sink(this.epc.decodeBytes(buf, epcAt, crcAt));
  }
}

/**
 * Builds an M100 frame (checksum and end byte included).
 *
 * @param type frame type
 * @param command command code
 * @param payload parameters
 */
export function encodeM100Frame(type: number, command: number, payload: Uint8Array): Buffer {
  const frame = Buffer.alloc(FRAME_OVERHEAD_BYTES + payload.length);
  frame[0] = M100_HEADER;
  frame[1] = type;
  frame[2] = command;
  frame.writeUInt16BE(payload.length, 3);
  frame.set(payload, 5);
  frame[frame.length - 2] = checksum(frame, 1, frame.length - 2);
  frame[frame.length - 1] = M100_END;
  return frame;
}

/**
 * Builds the notification a module sends for one tag (used by the fixture generator and tests).
 *
 * @param epcHex the EPC
 * @param rssi raw RSSI byte
 */
export function encodeM100TagNotification(epcHex: string, rssi = 0xc8): Buffer {
  const epc = Buffer.from(epcHex, 'hex');
  const pc = (epc.length / 2) << 11; // EPC length in words, no user memory / XPC flags
  const body = Buffer.alloc(PC_BYTES + epc.length);
  body.writeUInt16BE(pc, 0);
  epc.copy(body, PC_BYTES);
  const payload = Buffer.alloc(RSSI_BYTES + body.length + CRC_BYTES);
  payload[0] = rssi;
  body.copy(payload, RSSI_BYTES);
  payload.writeUInt16BE(gen2Crc16(body), RSSI_BYTES + body.length);
  return encodeM100Frame(M100_TYPE_NOTIFICATION, M100_CMD_INVENTORY, payload);
}

/** Most polls one "multiple inventory" command can ask for. */
export const M100_POLLS_MAX = 0xffff;

/** The command that starts continuous inventory (reserved byte 0x22, then the poll count). */
export function m100StartInventoryCommand(polls = M100_POLLS_MAX): Buffer {
  return encodeM100Frame(
    M100_TYPE_COMMAND,
    M100_CMD_MULTI_INVENTORY,
    Buffer.from([0x22, (polls >> 8) & 0xff, polls & 0xff]),
  );
}

/** The command that stops continuous inventory. */
export function m100StopInventoryCommand(): Buffer {
  return encodeM100Frame(M100_TYPE_COMMAND, M100_CMD_STOP_MULTI_INVENTORY, Buffer.alloc(0));
}
