/**
 * The report layouts the agent decodes, which transport carries each, and which device families fit.
 * A capture file names its layout, so a replay picks the same decoder the live device used.
 */
import { Cp2110M100Decoder } from './cp2110';
import { EpcReadDecoder } from './epc-read';
import { HidPosDecoder } from './hid-pos';
import { LinesDecoder } from './lines';
import { M100Decoder } from './m100';
import { ReportDecoder } from './report-decoder';
import { TslAsciiDecoder } from './tsl-ascii';

/** Every supported layout. */
export const LAYOUTS = ['hid-pos', 'cp2110-m100', 'm100', 'tsl-ascii', 'lines'] as const;

/** Name of a report layout. */
export type LayoutName = (typeof LAYOUTS)[number];

/** What an operator needs to know about a layout. */
export interface LayoutInfo {
  readonly transport: 'hid' | 'serial' | 'stdin' | 'serial or stdin';
  readonly reads: string;
  readonly families: string;
}

/** Documentation of each layout, printed by `scanner-agent devices` and `--help`. */
export const LAYOUT_INFO: Readonly<Record<LayoutName, LayoutInfo>> = {
  'hid-pos': {
    transport: 'hid',
    reads: 'barcodes: GS1 element strings, GS1 Digital Link, Hainan 16-digit codes, EPC hex',
    families:
      'HID POS scanners, usage page 0x8C (Honeywell Voyager/Xenon/Granit in "USB HID POS" mode, Access-IS LSR/ATR, others with the 64-byte Scanned Data Report)',
  },
  'cp2110-m100': {
    transport: 'hid',
    reads: 'RFID EPCs (SGTIN-96, SGTIN-198)',
    families:
      'UHF RFID handhelds and desktop readers built on an M100/QM100 module behind a Silicon Labs CP2110 HID-to-UART bridge (10C4:EA80)',
  },
  m100: {
    transport: 'serial',
    reads: 'RFID EPCs (SGTIN-96, SGTIN-198)',
    families: 'M100/QM100 UHF modules and sleds on a USB serial port (YRM100, JRD-100, EL-UHF-RMT01; CDC or CH340)',
  },
  'tsl-ascii': {
    transport: 'serial',
    reads: 'RFID EPCs (SGTIN-96, SGTIN-198)',
    families: 'TSL 1128/1153/1166/2128 handhelds speaking TSL ASCII 2 (EP: lines) over USB CDC or Bluetooth SPP',
  },
  lines: {
    transport: 'serial or stdin',
    reads: 'one read per line: barcodes (any of the above forms), EPC hex, SGTIN URNs',
    families:
      'keyboard-wedge scanners (slow: the OS owns the keyboard), serial (CDC) barcode sleds, RFID handhelds in keyboard-output mode',
  },
};

/** @returns true if `name` is a supported layout */
export function isLayoutName(name: string): name is LayoutName {
  return (LAYOUTS as readonly string[]).includes(name);
}

/**
 * @param layout the layout to decode
 * @param epc EPC decoder to share (with its memo) between decoders
 * @returns a fresh decoder for that layout
 */
export function newReportDecoder(layout: LayoutName, epc: EpcReadDecoder = new EpcReadDecoder()): ReportDecoder {
  switch (layout) {
    case 'hid-pos':
      return new HidPosDecoder(epc);
    case 'cp2110-m100':
      return new Cp2110M100Decoder(epc);
    case 'm100':
      return new M100Decoder(epc);
    case 'tsl-ascii':
      return new TslAsciiDecoder(epc);
    case 'lines':
      return new LinesDecoder(epc);
  }
}
