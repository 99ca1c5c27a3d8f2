/**
 * RFID modules behind a Silicon Labs CP2110 HID-to-UART bridge (USB 10C4:EA80, or a vendor's own IDs on the
 * same chip): the handheld shows up as a HID device, and its serial byte stream travels inside HID reports.
 * Layout from Silicon Labs AN434 "CP2110/4 Interface Specification":
 *
 * | byte | content                                                                      |
 * |------|------------------------------------------------------------------------------|
 * | 0    | report ID 0x01-0x3F: a data report, and the ID *is* the number of data bytes |
 * | 1..n | n bytes of the UART stream                                                    |
 *
 * Report IDs 0x40 and above are feature/status reports and carry no UART data. The UART stream inside is
 * parsed as M100 frames (m100.ts); the agent enables the UART (feature report 0x41) and sets its
 * configuration (feature report 0x50: baud rate u32 big-endian, parity, flow control, data bits, stop bits)
 * when it opens the device, see transport/hid.ts.
 */
import { ReadSink, undecodable } from './reads';
import { EpcReadDecoder } from './epc-read';
import { M100Decoder } from './m100';
import { ReportDecoder } from './report-decoder';

/** Largest data report ID (= most UART bytes in one report). */
export const CP2110_DATA_REPORT_ID_MAX = 0x3f;
/** Feature report that enables or disables the UART. */
export const CP2110_UART_ENABLE_REPORT = 0x41;
/** Feature report that sets baud rate, parity, flow control, data and stop bits. */
export const CP2110_UART_CONFIG_REPORT = 0x50;
/** USB vendor and product ID of a stock CP2110. */
export const CP2110_VENDOR_ID = 0x10c4;
export const CP2110_PRODUCT_ID = 0xea80;

/** Decoder for M100 frames carried in CP2110 data reports. */
export class Cp2110M100Decoder implements ReportDecoder {
  private reportsIgnored = 0;
  private readonly frames: M100Decoder;

  /** @param epc shared EPC decoder with its memo */
  constructor(epc: EpcReadDecoder = new EpcReadDecoder()) {
    this.frames = new M100Decoder(epc);
  }

  get ignored(): number {
    return this.reportsIgnored + this.frames.ignored;
  }

  push(report: Uint8Array, sink: ReadSink): void {
    const count = report[0] ?? 0;
    if (count === 0 || count > CP2110_DATA_REPORT_ID_MAX) {
      this.reportsIgnored++;
      return;
    }
    if (report.length < 1 + count) {
      // The bytes that did arrive still go to the frame parser, which reports the broken frame.
      sink(undecodable('cp2110-truncated-report', report));
      this.frames.push(report, sink, 1);
      return;
    }
    this.frames.push(report, sink, 1, 1 + count);
  }

  end(sink: ReadSink): void {
    this.frames.end(sink);
  }
}

/**
 * Wraps a UART byte stream into CP2110 data reports (used by the fixture generator, tests, and to send
 * commands to the module).
 *
 * @param stream bytes to carry
 * @param reportBytes size of the reports the device sends (64 on a stock CP2110)
 */
export function encodeCp2110Reports(stream: Uint8Array, reportBytes = 64): Buffer[] {
  const reports: Buffer[] = [];
  const chunkMax = Math.min(CP2110_DATA_REPORT_ID_MAX, reportBytes - 1);
  for (let at = 0; at < stream.length; at += chunkMax) {
    const chunk = stream.subarray(at, at + chunkMax);
    const report = Buffer.alloc(reportBytes);
    report[0] = chunk.length;
    report.set(chunk, 1);
    reports.push(report);
  }
  return reports;
}

/**
 * @param baudRate UART speed, e.g. 115200 for M100 modules
 * @returns the feature report that configures the UART for 8 data bits, no parity, 1 stop bit, no flow control
 */
export function cp2110UartConfigReport(baudRate: number): Buffer {
  const report = Buffer.alloc(9);
  report[0] = CP2110_UART_CONFIG_REPORT;
  report.writeUInt32BE(baudRate, 1);
  report[5] = 0x00; // parity: none
  report[6] = 0x00; // flow control: none
  report[7] = 0x03; // data bits: 8
  report[8] = 0x00; // stop bits: short (1)
  return report;
}
