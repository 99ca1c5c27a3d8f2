// Proves each supported report layout (HID POS, CP2110+M100, M100 serial, TSL ASCII, text lines) turns raw device bytes into the right reads, and that garbage, truncated and corrupted reports become counted undecodable reads, never crashes.
// How: literal byte arrays fed to each decoder, split and joined at every boundary, with frames cross-checked against bytes captured from real M100 modules.
import t from 'tap';
import { Cp2110M100Decoder, cp2110UartConfigReport, encodeCp2110Reports } from '../../packages/epc-decoders/src/cp2110';
import { EpcReadDecoder } from '../../packages/epc-decoders/src/epc-read';
import { HidPosDecoder, encodeHidPosReports } from '../../packages/epc-decoders/src/hid-pos';
import { LinesDecoder } from '../../packages/epc-decoders/src/lines';
import {
  M100Decoder,
  encodeM100TagNotification,
  gen2Crc16,
  m100StartInventoryCommand,
  m100StopInventoryCommand,
} from '../../packages/epc-decoders/src/m100';
import { ReportDecoder } from '../../packages/epc-decoders/src/report-decoder';
import { TslAsciiDecoder } from '../../packages/epc-decoders/src/tsl-ascii';
import { Read } from '../../packages/epc-decoders/src/reads';

const TEST_URN = 'urn:epc:id:sgtin:0614141.812345.6789';
const TEST_KEY = '0180614141123458216789';

/** Feeds reports and returns what came out, as `item <upload>` / `undecodable <reason>` lines. */
function decode(decoder: ReportDecoder, reports: readonly (number[] | Uint8Array)[]): string[] {
  const out: string[] = [];
  const sink = (r: Read): void => {
    out.push(r.kind === 'item' ? `item ${r.upload}` : r.kind === 'repeat' ? 'repeat' : `undecodable ${r.reason}`);
  };
  for (const r of reports) decoder.push(r instanceof Uint8Array ? r : Uint8Array.from(r), sink);
  decoder.end(sink);
  return out;
}

/** A 64-byte HID report: the given leading bytes, zeros, and byte 63 (the continuation flag). */
function report64(head: number[], flags = 0): number[] {
  const r = new Array<number>(64).fill(0);
  head.forEach((b, i) => (r[i] = b));
  r[63] = flags;
  return r;
}
const ascii = (s: string): number[] => Array.from(Buffer.from(s, 'latin1'));

t.test('HID POS: one Scanned Data Report with an AIM identifier and a GS1 element string', async (t) => {
  // ]d2 01 80614141123458 21 6789 -> 22 data bytes
  const out = decode(new HidPosDecoder(), [report64([0x02, 22, 0x5d, 0x64, 0x32, ...ascii('0180614141123458216789')])]);
  t.same(out, ['item https://id.gs1.org/01/80614141123458/21/6789']);
});

t.test('HID POS: a barcode over two reports (continuation flag in byte 63), AIM from the first', async (t) => {
  const link = 'https://id.gs1.org/01/80614141123458/21/6789?linkType=gs1:pip&x=0123456789';
  const first = report64([0x02, 56, 0x5d, 0x51, 0x31, ...ascii(link.slice(0, 56))], 0x01);
  const second = report64([0x02, link.length - 56, 0x5d, 0x51, 0x31, ...ascii(link.slice(56))], 0x00);
  t.same(decode(new HidPosDecoder(), [first, second]), ['item https://id.gs1.org/01/80614141123458/21/6789']);
  t.same(
    encodeHidPosReports(link, ']Q1').map((r) => Array.from(r)),
    [first, second],
    'the fixture encoder writes the same bytes',
  );
});

t.test('HID POS: AIM identifiers off (zeros), other report IDs, bad and truncated reports', async (t) => {
  t.same(
    decode(new HidPosDecoder(), [report64([0x02, 16, 0, 0, 0, ...ascii('4600123456789012')])]),
    ['item 4600123456789012'],
    'no AIM: 16 digits are a Hainan code',
  );
  const d = new HidPosDecoder();
  t.same(decode(d, [report64([0x04, 1, 2, 3])]), [], 'report ID 4 carries no barcode');
  t.equal(d.ignored, 1, 'but it is counted as ignored');
  t.same(decode(new HidPosDecoder(), [[0x02, 0x10, 0x5d, 0x64, 0x32, 0x30]]), ['undecodable hid-pos-truncated-report']);
  t.same(
    decode(new HidPosDecoder(), [report64([0x02, 57, 0x5d, 0x64, 0x32])]),
    ['undecodable hid-pos-bad-length'],
    'more than 56 data bytes claimed',
  );
  t.same(
    decode(new HidPosDecoder(), [report64([0x02, 4, 0x5d, 0x64, 0x32, ...ascii('0180')], 0x01)]),
    ['undecodable hid-pos-incomplete'],
    'the last report never came',
  );
  t.same(decode(new HidPosDecoder(), [report64([0x02, 2, 0x5d, 0x45, 0x30, ...ascii('12')])]), [
    'undecodable gtin-without-serial',
  ]);
  t.same(decode(new HidPosDecoder(), [[]]), [], 'an empty read is not a report');
  const long = Array.from({ length: 80 }, () => report64([0x02, 56, 0x5d, 0x51, 0x31, ...ascii('A'.repeat(56))], 0x01));
  t.same(decode(new HidPosDecoder(), long), ['undecodable barcode-too-long'], 'reassembly is bounded');
});

// The frame a module sends for the test vector tag: BB type=02 cmd=22 PL=0011 RSSI=C8 PC=3000 EPC CRC=AAF9 checksum=51 7E.
const TEST_FRAME = [
  0xbb, 0x02, 0x22, 0x00, 0x11, 0xc8, 0x30, 0x00, 0x30, 0x74, 0x25, 0x7b, 0xf7, 0x19, 0x4e, 0x40, 0x00, 0x00, 0x1a,
  0x85, 0xaa, 0xf9, 0x51, 0x7e,
];

t.test('M100: checksum and tag CRC match bytes captured from real modules', async (t) => {
  // Published captures of M100 modules: PC+EPC followed by the tag's CRC, then the frame checksum.
  t.equal(
    gen2Crc16(Uint8Array.from([0x30, 0x00, 0x34, 0x08, 0x33, 0xb2, 0xdd, 0xd9, 0x01, 0x40, 0x00, 0x00, 0x00, 0x00])),
    0x346f,
  );
  const captured = [
    0xbb, 0x02, 0x22, 0x00, 0x11, 0xd6, 0x34, 0x00, 0xe2, 0x80, 0x11, 0x70, 0x40, 0x00, 0x02, 0x1d, 0x35, 0xae, 0x40,
    0x08, 0xd4, 0x44, 0xc4, 0x7e,
  ];
  t.same(
    decode(new M100Decoder(), [captured]),
    ['undecodable epc-unknown-header'],
    'a valid frame from an unprogrammed (non-GS1) tag',
  );
  t.same(
    Array.from(encodeM100TagNotification('3074257BF7194E4000001A85')),
    TEST_FRAME,
    'the fixture encoder writes the literal frame',
  );
});

t.test('M100: the test vector frame, alone, split at every byte, and joined with others', async (t) => {
  t.same(decode(new M100Decoder(), [TEST_FRAME]), [`item ${TEST_URN}`]);
  for (let cut = 1; cut < TEST_FRAME.length; cut++) {
    t.same(
      decode(new M100Decoder(), [TEST_FRAME.slice(0, cut), TEST_FRAME.slice(cut)]),
      [`item ${TEST_URN}`],
      `split after byte ${cut}`,
    );
  }
  t.same(
    decode(new M100Decoder(), [[...TEST_FRAME, ...TEST_FRAME, ...TEST_FRAME]]),
    [`item ${TEST_URN}`, 'repeat', 'repeat'],
    'three frames in one chunk',
  );
});

t.test('M100: garbage, bad checksum, bad CRC, truncation, toggle bit, non-inventory frames', async (t) => {
  t.same(
    decode(new M100Decoder(), [[0x00, 0x7e, 0x13, ...TEST_FRAME]]),
    ['undecodable m100-noise', `item ${TEST_URN}`],
    'noise before a frame is reported once, the frame still read',
  );
  const badSum = [...TEST_FRAME];
  badSum[22] = 0x52;
  t.same(
    decode(new M100Decoder(), [[...badSum, ...TEST_FRAME]]),
    ['undecodable m100-bad-checksum', `item ${TEST_URN}`],
    'a bad frame is reported once and the next good one found',
  );
  const badCrc = [...TEST_FRAME];
  badCrc[19] = 0x86; // EPC changed in flight ...
  badCrc[22] = (badCrc[22]! + 1) & 0xff; // ... and the frame checksum fixed up, so only the tag CRC catches it
  t.same(decode(new M100Decoder(), [badCrc]), ['undecodable epc-crc-mismatch']);
  t.same(
    decode(new M100Decoder(), [TEST_FRAME.slice(0, 15)]),
    ['undecodable m100-truncated-frame'],
    'cut short at the end of input',
  );
  const hugeLength = [0xbb, 0x02, 0x22, 0xff, 0xff];
  t.same(decode(new M100Decoder(), [[...hugeLength, ...TEST_FRAME]]), [
    'undecodable m100-bad-length',
    `item ${TEST_URN}`,
  ]);
  const lying = [0xbb, 0x02, 0x22, 0x00, 0x40];
  t.same(
    decode(new M100Decoder(), [[...lying, ...TEST_FRAME]]),
    ['undecodable m100-truncated-frame', `item ${TEST_URN}`],
    'a plausible but false length hides a frame only until the input ends',
  );
  const toggle = encodeM100TagNotification('3074257BF7194E4000001A85');
  toggle[6] = 0x31; // PC toggle bit: ISO UII, not a GS1 EPC
  toggle.writeUInt16BE(gen2Crc16(toggle, 6, 20), 20);
  toggle[22] = toggle.subarray(1, 22).reduce((a, b) => a + b, 0) & 0xff;
  t.same(decode(new M100Decoder(), [toggle]), ['undecodable epc-not-gs1-toggle']);
  const d = new M100Decoder();
  t.same(decode(d, [[0xbb, 0x01, 0xff, 0x00, 0x01, 0x15, 0x16, 0x7e]]), [], '"no tag" error response: not a read');
  t.equal(d.ignored, 1);
  t.same(decode(new M100Decoder(), [[0xbb, 0x02, 0x22, 0x00, 0x03, 0xc8, 0x30, 0x00, 0x1f, 0x7e]]), [
    'undecodable m100-short-notification',
  ]);
  const random = Array.from({ length: 5000 }, (_, i) => (i * 7919 + 13) & 0xff);
  const garbage = decode(new M100Decoder(), [random]);
  t.ok(
    garbage.length > 0 && garbage.every((l) => l.startsWith('undecodable')),
    'pseudo-random bytes: only undecodable reads, no crash',
  );
});

t.test('M100 host commands: start and stop continuous inventory', async (t) => {
  t.same(Array.from(m100StartInventoryCommand()), [0xbb, 0x00, 0x27, 0x00, 0x03, 0x22, 0xff, 0xff, 0x4a, 0x7e]);
  t.same(Array.from(m100StopInventoryCommand()), [0xbb, 0x00, 0x28, 0x00, 0x00, 0x28, 0x7e]);
});

t.test('CP2110: report ID = number of UART bytes; frames cross report boundaries', async (t) => {
  const r1 = [0x0a, ...TEST_FRAME.slice(0, 10), ...new Array<number>(53).fill(0xee)]; // padding after the 10 bytes is ignored
  const r2 = [0x0e, ...TEST_FRAME.slice(10), ...new Array<number>(49).fill(0)];
  t.same(decode(new Cp2110M100Decoder(), [r1, r2]), [`item ${TEST_URN}`]);
  const d = new Cp2110M100Decoder();
  t.same(decode(d, [[0x46, 0x01, 0x02]]), [], 'report 0x46 (version information) is not UART data');
  t.equal(d.ignored, 1);
  t.same(
    decode(new Cp2110M100Decoder(), [[0x18, ...TEST_FRAME.slice(0, 12)]]),
    ['undecodable cp2110-truncated-report', 'undecodable m100-truncated-frame'],
    'a report shorter than its ID says',
  );
  t.same(
    encodeCp2110Reports(Uint8Array.from(TEST_FRAME)).map((r) => r[0]),
    [24],
    'the encoder: one report, ID 24',
  );
  t.same(
    Array.from(cp2110UartConfigReport(115200)),
    [0x50, 0x00, 0x01, 0xc2, 0x00, 0x00, 0x00, 0x03, 0x00],
    'UART config: 115200 8N1, no flow control',
  );
});

t.test('TSL ASCII: EP: lines are reads, other responses are ignored, the rest is undecodable', async (t) => {
  const text =
    'CS: .iv\r\nEP: 3074257BF7194E4000001A85\r\nRI: -55\r\nEP: 30ZZ\r\nhello\r\nOK:\r\nEP: 3074257BF7194E4000001A85';
  const d = new TslAsciiDecoder();
  t.same(decode(d, [ascii(text.slice(0, 17)), ascii(text.slice(17))]), [
    `item ${TEST_URN}`,
    'undecodable epc-not-hex',
    'undecodable tsl-unrecognised-line',
    'repeat',
  ]);
  t.equal(d.ignored, 3, 'CS:, RI:, OK:');
});

t.test('lines: CR, LF or CRLF end a read; empty lines are not reads; overlong lines are bounded', async (t) => {
  const d = new LinesDecoder();
  t.same(decode(d, [ascii('(01)80614141123458(21)6789\r'), ascii('\n\n3074257BF7194E4000001A85\nhello')]), [
    'item https://id.gs1.org/01/80614141123458/21/6789',
    `item ${TEST_URN}`,
    'undecodable unrecognised',
  ]);
  t.same(decode(new LinesDecoder(), [ascii(`${'9'.repeat(5000)}\n4600123456789012\n`)]), [
    'undecodable line-too-long',
    'item 4600123456789012',
  ]);
});

t.test('one item read as a tag and as a barcode has one key', async (t) => {
  const epc = new EpcReadDecoder();
  const keys: string[] = [];
  const sink = (r: Read): void => void (r.kind === 'item' && keys.push(r.key));
  new M100Decoder(epc).push(Uint8Array.from(TEST_FRAME), sink);
  new HidPosDecoder(epc).push(
    Uint8Array.from(report64([0x02, 22, 0x5d, 0x64, 0x32, ...ascii('0180614141123458216789')])),
    sink,
  );
  new LinesDecoder(epc).push(Uint8Array.from(ascii('https://example.com/01/80614141123458/21/6789\n')), sink);
  t.same(keys, [TEST_KEY, TEST_KEY, TEST_KEY]);
});
