// Proves every transport delivers raw reports behind the one Transport interface (HID via node-hid, serial, stdin, capture replay), that a missing HID library or device is explained with a fix instead of a crash, and that record -> replay round-trips.
// How: a stand-in node-hid module (no HID devices exist on the test machine), serialport's own mock binding, a PassThrough stream as stdin, and capture files in a temp directory.
import t from 'tap';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPortMock } from 'serialport';
import { CaptureWriter, openCapture, parseCaptureLine } from '../../scanner-agent/src/capture';
import { encodeHidPosReports } from '../../packages/epc-decoders/src/hid-pos';
import { encodeCp2110Reports } from '../../packages/epc-decoders/src/cp2110';
import { encodeM100TagNotification } from '../../packages/epc-decoders/src/m100';
import {
  HidDeviceInfo,
  HidHandle,
  HidLibrary,
  classifyHidDevice,
  hidUnavailable,
  listHidDevices,
  openHidTransport,
} from '../../scanner-agent/src/transport/hid';
import { openReplayTransport } from '../../scanner-agent/src/transport/replay';
import { ReportQueue } from '../../scanner-agent/src/transport/report-queue';
import { SerialLibrary, openSerialTransport } from '../../scanner-agent/src/transport/serial';
import { openStdinTransport } from '../../scanner-agent/src/transport/stdin';
import { Transport } from '../../scanner-agent/src/transport/transport';
import { RawReport } from '../../packages/epc-decoders/src/reads';

const dir = mkdtempSync(join(tmpdir(), 'transports-test-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

async function collect(transport: Transport, count: number): Promise<RawReport[]> {
  const got: RawReport[] = [];
  for await (const batch of transport.reports()) {
    got.push(...batch);
    if (got.length >= count) break;
  }
  await transport.close();
  return got;
}

class FakeHidHandle extends EventEmitter implements HidHandle {
  readonly features: number[][] = [];
  readonly writes: number[][] = [];
  closed = false;
  paused = false;
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  async sendFeatureReport(data: number[] | Buffer): Promise<number> {
    this.features.push(Array.from(data));
    return data.length;
  }
  async write(data: number[] | Buffer): Promise<number> {
    this.writes.push(Array.from(data));
    return data.length;
  }
}

const POS_SCANNER: HidDeviceInfo = {
  vendorId: 0x0c2e,
  productId: 0x0b8f,
  path: '/dev/hidraw3',
  product: 'Voyager 1470g',
  interface: 1,
  usagePage: 0x8c,
  usage: 0x02,
};
const KEYBOARD: HidDeviceInfo = {
  vendorId: 0x0c2e,
  productId: 0x0b8f,
  path: '/dev/hidraw2',
  interface: 0,
  usagePage: 0x01,
  usage: 0x06,
};
const CP2110: HidDeviceInfo = {
  vendorId: 0x10c4,
  productId: 0xea80,
  path: '/dev/hidraw5',
  interface: 0,
  usagePage: 0xff00,
  usage: 0x01,
};

function fakeHid(devices: HidDeviceInfo[], handle: FakeHidHandle): HidLibrary {
  return { devicesAsync: async () => devices, HIDAsync: { open: async () => handle } };
}

t.test('node-hid missing, or its native library missing: an explanation with the fix, not a crash', async (t) => {
  const noLibusb = () => {
    throw hidUnavailable(new Error('libusb-1.0.so.0: cannot open shared object file: No such file or directory'));
  };
  await t.rejects(listHidDevices(noLibusb), { code: 'HID_UNAVAILABLE', hint: /apt-get install libusb-1.0-0 libudev1/ });
  const lazyFailure: HidLibrary = {
    devicesAsync: async () => Promise.reject(new Error('libudev.so.1: cannot open shared object file')),
    HIDAsync: { open: async () => new FakeHidHandle() },
  };
  await t.rejects(
    listHidDevices(() => lazyFailure),
    { code: 'HID_UNAVAILABLE', hint: /apt-get install/ },
    'the native library loads lazily, on first use',
  );
  const notInstalled = Object.assign(new Error("Cannot find module 'node-hid'"), { code: 'MODULE_NOT_FOUND' });
  t.match(hidUnavailable(notInstalled), { code: 'HID_UNAVAILABLE', hint: /npm install -w scanner-agent node-hid/ });
});

t.test('devices are classified: HID POS and CP2110 are drivable, keyboards are not (stdin instead)', async (t) => {
  t.equal(classifyHidDevice(POS_SCANNER).layout, 'hid-pos');
  t.equal(classifyHidDevice(CP2110).layout, 'cp2110-m100');
  t.equal(classifyHidDevice(KEYBOARD).layout, undefined);
  t.match(classifyHidDevice(KEYBOARD).role, /--device stdin/);
  t.match(classifyHidDevice({ ...CP2110, vendorId: 0x1234 }).role, /vendor-defined/);
});

t.test('no matching device: DEVICE_NOT_FOUND lists what is attached and how to fix it', async (t) => {
  const handle = new FakeHidHandle();
  await t.rejects(
    openHidTransport({
      selector: { kind: 'auto' },
      baudRate: 115200,
      inventory: false,
      load: () => fakeHid([KEYBOARD], handle),
    }),
    { code: 'DEVICE_NOT_FOUND', message: /0c2e:0b8f page 0x1/ },
  );
  await t.rejects(
    openHidTransport({
      selector: { kind: 'auto' },
      baudRate: 115200,
      inventory: false,
      load: () => fakeHid([], handle),
    }),
    { code: 'DEVICE_NOT_FOUND', message: /no HID devices at all/, hint: /udev/ },
  );
  const failing: HidLibrary = {
    devicesAsync: async () => [POS_SCANNER],
    HIDAsync: { open: async () => Promise.reject(new Error('cannot open device with path /dev/hidraw3')) },
  };
  await t.rejects(
    openHidTransport({ selector: { kind: 'auto' }, baudRate: 115200, inventory: false, load: () => failing }),
    { code: 'DEVICE_OPEN_FAILED', hint: /ATTRS\{idVendor\}=="0c2e"/ },
  );
});

t.test('HID POS scanner: picks the POS interface (not the keyboard one) and delivers its reports', async (t) => {
  const handle = new FakeHidHandle();
  const transport = await openHidTransport({
    selector: { kind: 'id', vendorId: 0x0c2e, productId: 0x0b8f },
    baudRate: 115200,
    inventory: false,
    load: () => fakeHid([KEYBOARD, POS_SCANNER], handle),
  });
  t.equal(transport.layout, 'hid-pos');
  t.match(transport.description, /\/dev\/hidraw3/);
  const reports = encodeHidPosReports('0180614141123458216789', ']d2');
  setImmediate(() => reports.forEach((r) => handle.emit('data', r)));
  const got = await collect(transport, reports.length);
  t.same(
    got.map((r) => Buffer.from(r.bytes).toString('hex')),
    reports.map((r) => r.toString('hex')),
  );
  t.ok(handle.closed, 'closed when done');
});

t.test('CP2110 bridge: UART enabled and configured on open, inventory started and stopped when asked', async (t) => {
  const handle = new FakeHidHandle();
  const transport = await openHidTransport({
    selector: { kind: 'auto' },
    baudRate: 115200,
    inventory: true,
    load: () => fakeHid([CP2110], handle),
  });
  t.equal(transport.layout, 'cp2110-m100');
  t.same(handle.features, [
    [0x41, 0x01],
    [0x50, 0x00, 0x01, 0xc2, 0x00, 0x00, 0x00, 0x03, 0x00],
  ]);
  t.same(
    handle.writes[0]?.slice(0, 11),
    [10, 0xbb, 0x00, 0x27, 0x00, 0x03, 0x22, 0xff, 0xff, 0x4a, 0x7e],
    'start inventory, wrapped in a CP2110 data report',
  );
  const report = encodeCp2110Reports(encodeM100TagNotification('3074257BF7194E4000001A85'))[0]!;
  setImmediate(() => handle.emit('data', report));
  await collect(transport, 1);
  t.same(handle.writes[1]?.slice(0, 8), [7, 0xbb, 0x00, 0x28, 0x00, 0x00, 0x28, 0x7e], 'stop inventory on close');
});

t.test('a device error (unplugged) ends the stream with an explained error', async (t) => {
  const handle = new FakeHidHandle();
  const transport = await openHidTransport({
    selector: { kind: 'auto' },
    baudRate: 115200,
    inventory: false,
    load: () => fakeHid([POS_SCANNER], handle),
  });
  setImmediate(() => handle.emit('error', new Error('could not read from HID device')));
  await t.rejects(collect(transport, 1), { code: 'DEVICE_OPEN_FAILED', hint: /unplugged/ });
});

t.test('the report queue pauses the device when full and resumes it when drained', async (t) => {
  const states: boolean[] = [];
  const queue = new ReportQueue((paused) => states.push(paused), 3);
  for (let i = 0; i < 5; i++) queue.push({ atMs: i, bytes: Uint8Array.from([i]) });
  queue.end();
  const batches: number[] = [];
  for await (const b of queue.batches()) batches.push(b.length);
  t.same(batches, [5]);
  t.same(states, [true, false]);
});

t.test('serial: chunks from the port are reports; the M100 start command is sent when asked', async (t) => {
  SerialPortMock.binding.createPort('/dev/ttyFAKE0', { record: true });
  const opened: SerialPortMock[] = [];
  // A constructor function rather than a subclass, so it also works when tests are compiled to ES5.
  function RecordingPort(options: { path: string; baudRate: number; autoOpen: false }): SerialPortMock {
    const port = new SerialPortMock(options);
    opened.push(port);
    return port;
  }
  const lib = { SerialPort: RecordingPort } as unknown as SerialLibrary;
  const transport = await openSerialTransport({
    path: '/dev/ttyFAKE0',
    baudRate: 115200,
    layout: 'm100',
    inventory: true,
    load: () => lib,
  });
  t.equal(transport.layout, 'm100');
  const frame = encodeM100TagNotification('3074257BF7194E4000001A85');
  const port = opened[0]!;
  setImmediate(() => port.port?.emitData(frame));
  const got = await collect(transport, 1);
  t.same(Buffer.concat(got.map((r) => Buffer.from(r.bytes))), frame);
  t.match(
    Buffer.from(port.port?.recording ?? Buffer.alloc(0)).toString('hex'),
    /^bb0027000322ffff4a7e/,
    'start inventory written',
  );
  await t.rejects(
    openSerialTransport({ path: '/dev/ttyNOPE', baudRate: 115200, layout: 'lines', inventory: false, load: () => lib }),
    { code: 'DEVICE_OPEN_FAILED', hint: /dialout/ },
  );
});

t.test('stdin (keyboard wedge): labelled slow, each chunk a report', async (t) => {
  const input = new PassThrough();
  const transport = openStdinTransport(input);
  t.equal(transport.slow, true);
  t.equal(transport.layout, 'lines');
  input.write('(01)80614141123458(21)6789\n');
  input.end();
  const got = await collect(transport, 10);
  t.equal(Buffer.concat(got.map((r) => Buffer.from(r.bytes))).toString(), '(01)80614141123458(21)6789\n');
});

t.test('record then replay: the capture file round-trips reports and their timing', async (t) => {
  const path = join(dir, 'rec.capture');
  const started = '2026-01-01T08:00:00.000Z';
  const w = new CaptureWriter(path, { layout: 'hid-pos', device: 'hid 0c2e:0b8f /dev/hidraw3', started });
  const t0 = Date.parse(started);
  w.write(t0 + 0, Uint8Array.from([2, 0, 0]));
  w.write(t0 + 40, Uint8Array.from([2, 1, 0xff]));
  w.write(t0 + 30, Uint8Array.from([2, 2])); // clock went back: offsets never do
  w.close();
  t.same(readFileSync(path, 'utf8').split('\n').slice(0, 7), [
    '# scanner-agent capture v1',
    '# layout: hid-pos',
    '# device: hid 0c2e:0b8f /dev/hidraw3',
    `# started: ${started}`,
    '0 020000',
    '40 0201ff',
    '40 0202',
  ]);
  t.throws(
    () => new CaptureWriter(path, { layout: 'hid-pos', device: 'x', started }),
    { code: 'CONFIG_INVALID' },
    'never overwrites a capture',
  );
  const replay = await openReplayTransport(path, { speed: 0 });
  t.equal(replay.layout, 'hid-pos');
  const got = await collect(replay, 3);
  t.same(
    got.map((r) => [r.atMs - t0, Buffer.from(r.bytes).toString('hex')]),
    [
      [0, '020000'],
      [40, '0201ff'],
      [40, '0202'],
    ],
  );
});

t.test('capture files: malformed lines are reported and skipped, a non-capture is refused', async (t) => {
  t.equal(parseCaptureLine('12 0a0b')?.offsetMs, 12);
  t.equal(parseCaptureLine('12 0a0'), undefined, 'odd hex');
  t.equal(parseCaptureLine('12 0x0b'), undefined, 'not hex');
  t.equal(parseCaptureLine('-1 00'), undefined);
  t.equal(parseCaptureLine('1200'), undefined, 'no space');
  const path = join(dir, 'bad.capture');
  writeFileSync(path, '# scanner-agent capture v1\n# layout: lines\n0 6869\nthis is not a data line\n5 0a\n7 0');
  const malformed: number[] = [];
  const replay = await openReplayTransport(path, { speed: 0, onMalformedLine: (n) => malformed.push(n) });
  const got = await collect(replay, 10);
  t.equal(got.length, 2);
  t.same(malformed, [4, 6], 'the bad line and a last line cut short');
  const notCapture = join(dir, 'not.capture');
  writeFileSync(notCapture, 'hello\n');
  await t.rejects(openCapture(notCapture), { code: 'CAPTURE_INVALID' });
  writeFileSync(notCapture, '# scanner-agent capture v1\n# layout: floppy\n');
  await t.rejects(openCapture(notCapture), { code: 'CAPTURE_INVALID', message: /unknown layout "floppy"/ });
  await t.rejects(openCapture(join(dir, 'missing.capture')), { code: 'CAPTURE_INVALID' });
});
