/**
 * HID POS barcode scanners (USB HID usage page 0x8C "Bar Code Scanner", HID Point of Sale Usage Tables 1.02):
 * the Scanned Data Report, as sent by Honeywell (Voyager, Xenon, Granit in "USB HID POS" mode), Access-IS
 * (LSR/ATR series) and other scanners whose manuals show the same 64-byte layout. Pure.
 *
 * Input report, as node-hid delivers it (report ID first):
 *
 * | byte  | content                                                                    |
 * |-------|----------------------------------------------------------------------------|
 * | 0     | report ID 0x02 (Scanned Data Report); other IDs carry no barcode            |
 * | 1     | number of barcode bytes in this report, 0-56                                |
 * | 2-4   | AIM symbology identifier (`]` + symbology + modifier), zeros when disabled |
 * | 5-60  | barcode data (56 bytes, zero padded)                                        |
 * | 61    | vendor symbology code (Honeywell Code ID); not used                         |
 * | 62    | reserved                                                                    |
 * | 63    | bit 0: more data follows in the next report (barcodes longer than 56 bytes) |
 *
 * The AIM identifier is taken from the first report of a barcode and prefixed to the data, which is then
 * decoded as text (see text-read.ts). FNC1 arrives as GS (0x1D) inside the data.
 */
import { ReadSink, undecodable } from './reads';
import { EpcReadDecoder } from './epc-read';
import { ReportDecoder } from './report-decoder';
import { decodeTextRead } from './text-read';

/** Report ID of the Scanned Data Report. */
export const HID_POS_REPORT_ID = 0x02;
/** Report ID byte + 63 bytes. */
export const HID_POS_REPORT_BYTES = 64;
const LENGTH_OFFSET = 1;
const AIM_OFFSET = 2;
const DATA_OFFSET = 5;
/** Barcode bytes one report carries. */
export const HID_POS_DATA_BYTES_MAX = 56;
const FLAGS_OFFSET = 63;
const MORE_DATA_FOLLOWS = 0x01;
/** Longest barcode reassembled from several reports (a QR code holds at most 2,953 bytes). */
export const BARCODE_BYTES_MAX = 4096;
const AIM_FLAG = 0x5d; // ']'

/** Decoder for the HID POS Scanned Data Report. */
export class HidPosDecoder implements ReportDecoder {
  ignored = 0;
  private parts: Buffer[] = [];
  private partsBytes = 0;
  private aim = '';
  /** After an overlong barcode, skip its remaining reports. */
  private discarding = false;

  /** @param epc shared EPC decoder (a barcode may carry an EPC in hex) */
  constructor(private readonly epc: EpcReadDecoder = new EpcReadDecoder()) {}

  push(report: Uint8Array, sink: ReadSink): void {
    if (report.length === 0 || report[0] !== HID_POS_REPORT_ID) {
      this.ignored++;
      return;
    }
    if (report.length < HID_POS_REPORT_BYTES) {
      this.reset();
      sink(undecodable('hid-pos-truncated-report', report));
      return;
    }
    const more = ((report[FLAGS_OFFSET] ?? 0) & MORE_DATA_FOLLOWS) !== 0;
    if (this.discarding) {
      this.discarding = more;
      return;
    }
    const length = report[LENGTH_OFFSET] ?? 0;
    if (length > HID_POS_DATA_BYTES_MAX) {
      this.reset();
      sink(undecodable('hid-pos-bad-length', report));
      return;
    }
    const buf = Buffer.from(report.buffer, report.byteOffset, report.byteLength);
    if (this.parts.length === 0) {
      this.aim = report[AIM_OFFSET] === AIM_FLAG ? buf.toString('latin1', AIM_OFFSET, AIM_OFFSET + 3) : '';
    }
    this.parts.push(Buffer.from(buf.subarray(DATA_OFFSET, DATA_OFFSET + length)));
    this.partsBytes += length;
    if (this.partsBytes > BARCODE_BYTES_MAX) {
      const head = Buffer.concat(this.parts).subarray(0, 64);
      this.reset();
      this.discarding = more;
      sink(undecodable('barcode-too-long', head));
      return;
    }
    if (more) return;
    const text = this.aim + Buffer.concat(this.parts).toString('latin1');
    this.reset();
    sink(decodeTextRead(text, this.epc));
  }

  end(sink: ReadSink): void {
    if (this.parts.length > 0)
      sink(undecodable('hid-pos-incomplete', this.aim + Buffer.concat(this.parts).toString('latin1')));
    this.reset();
    this.discarding = false;
  }

  private reset(): void {
    this.parts = [];
    this.partsBytes = 0;
    this.aim = '';
  }
}

/**
 * Builds the reports a HID POS scanner sends for one barcode (used by the fixture generator and tests).
 *
 * @param data barcode content (latin1)
 * @param aim AIM identifier, e.g. `]d2`, or '' when the scanner has AIM identifiers off
 * @returns one 64-byte report per 56 bytes of data
 */
export function encodeHidPosReports(data: string, aim: string): Buffer[] {
  const bytes = Buffer.from(data, 'latin1');
  const reports: Buffer[] = [];
  for (let at = 0; at === 0 || at < bytes.length; at += HID_POS_DATA_BYTES_MAX) {
    const chunk = bytes.subarray(at, at + HID_POS_DATA_BYTES_MAX);
    const report = Buffer.alloc(HID_POS_REPORT_BYTES);
    report[0] = HID_POS_REPORT_ID;
    report[LENGTH_OFFSET] = chunk.length;
    if (aim.length === 3) report.write(aim, AIM_OFFSET, 'latin1');
    chunk.copy(report, DATA_OFFSET);
    if (at + HID_POS_DATA_BYTES_MAX < bytes.length) report[FLAGS_OFFSET] = MORE_DATA_FOLLOWS;
    reports.push(report);
  }
  return reports;
}
