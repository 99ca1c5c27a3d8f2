/**
 * Generates capture files: one small fixture per supported report layout (committed under
 * tests/fixtures/scanner/), and large stocktake captures for the end-to-end tests and the benchmark.
 *
 *   node scanner-agent/dist/tools/make-fixture.js <dir>                       the per-layout fixtures
 *   node scanner-agent/dist/tools/make-fixture.js --stocktake <file> <items> <repeats> [layout]
 *
 * EPCs are encoded with the epc-tds library (an encoder independent of the agent's decoder), reports with
 * the layout encoders next to each decoder. Output is deterministic (fixed start time, seeded shuffle).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tds } from '@hainan/epc-decoders';
import { formatCaptureHeader, formatCaptureLine } from '../capture';
import { encodeCp2110Reports } from '@hainan/epc-decoders';
import { GS } from '@hainan/epc-decoders';
import { encodeHidPosReports } from '@hainan/epc-decoders';
import { LayoutName } from '@hainan/epc-decoders';
import { encodeM100Frame, encodeM100TagNotification } from '@hainan/epc-decoders';

/** Start time written into generated captures. */
export const FIXTURE_STARTED = '2026-01-01T00:00:00.000Z';
/** Most items a generated stocktake capture may have (bounds the generator). */
export const GENERATED_ITEMS_MAX = 10_000_000;

/** The GS1 test vector: `urn:epc:id:sgtin:0614141.812345.6789`, GTIN 80614141123458, serial 6789. */
export const TEST_VECTOR_EPC = '3074257BF7194E4000001A85';

/**
 * @param companyPrefix GS1 company prefix digits (its length picks the partition)
 * @param itemRef indicator digit + item reference (13 digits together with the prefix)
 * @param serial numeric serial (< 2^38)
 * @returns SGTIN-96 EPC hex, filter 1 (point-of-sale item)
 */
export function sgtin96Hex(companyPrefix: string, itemRef: string, serial: number): string {
  return new tds.Sgtin96()
    .setFilter(1)
    .setPartition(12 - companyPrefix.length)
    .setCompanyPrefix(Number(companyPrefix))
    .setItemReference(Number(itemRef))
    .setSerial(serial)
    .toHexString();
}

/** @returns SGTIN-198 EPC hex (26 bytes, word aligned as read from a tag) with an alphanumeric serial */
export function sgtin198Hex(companyPrefix: string, itemRef: string, serial: string): string {
  const hex = new tds.Sgtin198()
    .setFilter(1)
    .setPartition(12 - companyPrefix.length)
    .setCompanyPrefix(Number(companyPrefix))
    .setItemReference(Number(itemRef))
    .setSerial(serial)
    .toHexString();
  return `${hex}00`;
}

/** Seeded PRNG (mulberry32), so generated captures are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Builds capture text from reports, 5 ms apart. */
export function captureText(layout: LayoutName, device: string, reports: readonly Uint8Array[], stepMs = 5): string {
  let text = formatCaptureHeader({ layout, device, started: FIXTURE_STARTED });
  reports.forEach((r, i) => {
    text += formatCaptureLine(i * stepMs, r);
  });
  return text;
}

/** Splits a byte stream into chunks of varying size, as a serial port delivers it. */
function chunked(stream: Buffer, sizes: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < stream.length; i++) {
    const size = sizes[i % sizes.length] ?? 16;
    out.push(stream.subarray(at, at + size));
    at += size;
  }
  return out;
}

/** The per-layout fixtures: file name -> content. Each exercises good reads, repeats and failures. */
export function layoutFixtures(): Record<string, string> {
  const sgtin198 = sgtin198Hex('0614141', '712345', '32a/b');
  const nonGs1 = 'E28011704000021D35AE4008';

  // HID POS: GS1 DataMatrix with expiry, lot and serial; a long Digital Link over two reports; a Hainan
  // code in a plain QR; the same DataMatrix again; an EAN-13 (GTIN only); garbage; a truncated report.
  const dataMatrix = `01806141411234581726123110ABC123${GS}216789`;
  const longLink =
    'https://brand.example.com/products/perfume/01/09506000134352/21/SN-0001?linkType=all&17=271231&extra=padding-to-go-past-one-report';
  const hidPos = [
    ...encodeHidPosReports(dataMatrix, ']d2'),
    ...encodeHidPosReports(longLink, ']Q1'),
    ...encodeHidPosReports('4600123456789012', ']Q1'),
    ...encodeHidPosReports(dataMatrix, ']d2'),
    ...encodeHidPosReports('9506000134352', ']E0'),
    ...encodeHidPosReports('not a GS1 code', ']C0'),
    Buffer.from([0x02, 0x10, 0x5d, 0x64, 0x32, 0x30, 0x31]), // cut short by the transport
    Buffer.concat([Buffer.from([0x04]), Buffer.alloc(63)]), // another report ID: not a barcode
  ];

  // M100 frames: the test vector, an SGTIN-198, the test vector again, a non-GS1 tag, a "no tag" error
  // response, a frame with a bad checksum, and an SSCC (not an item).
  const badChecksum = encodeM100TagNotification(sgtin96Hex('0614141', '812345', 1));
  badChecksum.writeUInt8((badChecksum.readUInt8(badChecksum.length - 2) + 1) & 0xff, badChecksum.length - 2);
  const m100Stream = Buffer.concat([
    encodeM100TagNotification(TEST_VECTOR_EPC),
    encodeM100TagNotification(sgtin198),
    encodeM100TagNotification(TEST_VECTOR_EPC, 0xb0),
    encodeM100TagNotification(nonGs1),
    encodeM100Frame(0x01, 0xff, Buffer.from([0x15])),
    badChecksum,
    encodeM100TagNotification('3174257BF7194E4000001A85'),
    encodeM100TagNotification(sgtin96Hex('0614141', '812345', 2)),
  ]);
  const cp2110 = [...encodeCp2110Reports(m100Stream), Buffer.concat([Buffer.from([0x46]), Buffer.alloc(63)])];
  // On a serial port the module also answers the host's start command; frames arrive split and joined.
  const started = encodeM100Frame(0x01, 0x27, Buffer.from([0x00]));
  const serialM100 = chunked(Buffer.concat([started, m100Stream]), [7, 30, 1, 64, 13]);

  const tsl = [
    'CS: .iv',
    `EP: ${TEST_VECTOR_EPC}`,
    'RI: -55',
    `EP: ${sgtin198}`,
    `EP: ${TEST_VECTOR_EPC}`,
    'EP: 30ZZ',
    'OK:',
    'garbage line',
    `EP: ${sgtin96Hex('0614141', '812345', 3)}`,
    'ER: 005',
  ]
    .map((l) => `${l}\r\n`)
    .join('');
  const tslChunks = chunked(Buffer.from(tsl, 'latin1'), [20, 5, 50]);

  const wedge = [
    '(01)80614141123458(21)6789',
    `]C1018061414112345821ABC${GS}10LOT7`,
    'https://id.gs1.org/01/80614141123458/21/6789',
    '4600123456789012',
    TEST_VECTOR_EPC,
    'urn:epc:id:sgtin:0614141.812345.6790',
    '(01)80614141123459(21)1',
    'hello',
  ].map((l) => Buffer.from(`${l}\r\n`, 'latin1'));

  return {
    'hid-pos.capture': captureText('hid-pos', 'hid 0c2e:0b8f (generated: Honeywell-style HID POS)', hidPos),
    'cp2110-m100.capture': captureText('cp2110-m100', 'hid 10c4:ea80 (generated: CP2110 + M100 module)', cp2110),
    'm100.capture': captureText('m100', 'serial /dev/ttyUSB0 @115200 (generated: M100 module)', serialM100),
    'tsl-ascii.capture': captureText('tsl-ascii', 'serial /dev/ttyACM0 (generated: TSL 1128)', tslChunks),
    'lines.capture': captureText('lines', 'stdin (generated: keyboard wedge)', wedge),
  };
}

/** Layouts a stocktake capture can be generated in. */
export type StocktakeLayout = 'cp2110-m100' | 'm100' | 'lines';

/**
 * A stocktake capture: `items` distinct SGTIN-96 tags (a handful of GTINs, consecutive serials) read once
 * each, plus `repeats` extra reads of random tags among them, shuffled.
 *
 * @returns the capture text and the expected set of URNs
 */
export function stocktakeCapture(
  items: number,
  repeats: number,
  layout: StocktakeLayout = 'cp2110-m100',
  seed = 6,
): { text: string; urns: string[]; reads: number } {
  if (
    !Number.isInteger(items) ||
    items < 1 ||
    items > GENERATED_ITEMS_MAX ||
    !Number.isInteger(repeats) ||
    repeats < 0 ||
    repeats > GENERATED_ITEMS_MAX
  ) {
    throw new Error(`items and repeats must be integers from 1 (0 for repeats) to ${GENERATED_ITEMS_MAX}`);
  }
  const random = seededRandom(seed);
  const products = [
    { cp: '0614141', item: '812345' },
    { cp: '0614141', item: '712345' },
    { cp: '6901234', item: '056789' },
    { cp: '69012345', item: '01234' },
  ];
  const epcs: string[] = [];
  const urns: string[] = [];
  for (let i = 0; i < items; i++) {
    const p = products[i % products.length] ?? products[0]!;
    const serial = 100_000 + Math.floor(i / products.length);
    epcs.push(sgtin96Hex(p.cp, p.item, serial));
    urns.push(`urn:epc:id:sgtin:${p.cp}.${p.item}.${serial}`);
  }
  const order: number[] = epcs.map((_, i) => i);
  for (let r = 0; r < repeats; r++) order.push(Math.floor(random() * items));
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] ?? 0, order[i] ?? 0];
  }
  let text = formatCaptureHeader({
    layout,
    device: `generated stocktake: ${items} items, ${repeats} repeats`,
    started: FIXTURE_STARTED,
  });
  const stepUs = 500; // 2,000 reads per second, a fast RFID handheld
  order.forEach((index, n) => {
    const epc = epcs[index] ?? '';
    const notice = encodeM100TagNotification(epc, 0xc0 + (n % 32));
    const report =
      layout === 'lines'
        ? Buffer.from(`${epc}\r\n`)
        : layout === 'm100'
          ? notice
          : (encodeCp2110Reports(notice)[0] ?? Buffer.alloc(0));
    text += formatCaptureLine(Math.floor((n * stepUs) / 1000), report);
  });
  return { text, urns, reads: order.length };
}

function main(argv: readonly string[]): void {
  if (argv[0] === '--stocktake') {
    const [, file, items, repeats, layout] = argv;
    if (file === undefined || items === undefined || repeats === undefined)
      throw new Error('usage: make-fixture --stocktake <file> <items> <repeats> [cp2110-m100|m100|lines]');
    const capture = stocktakeCapture(Number(items), Number(repeats), (layout ?? 'cp2110-m100') as StocktakeLayout);
    writeFileSync(file, capture.text);
    process.stdout.write(`wrote ${file}: ${capture.reads} reads of ${capture.urns.length} items\n`);
    return;
  }
  const dir = argv[0];
  if (dir === undefined) throw new Error('usage: make-fixture <dir> | --stocktake <file> <items> <repeats> [layout]');
  for (const [name, text] of Object.entries(layoutFixtures())) {
    writeFileSync(join(dir, name), text);
    process.stdout.write(`wrote ${join(dir, name)}\n`);
  }
}

if (require.main === module) main(process.argv.slice(2));
