/**
 * USB HID transport through node-hid's `HIDAsync`: HID POS barcode scanners (usage page 0x8C) and RFID
 * modules behind a CP2110 HID-to-UART bridge. node-hid is loaded with a dynamic `require` inside a try, and
 * its native library only when first used, so a machine without libusb/libudev, or without node-hid at all,
 * gets an explanation and a fix instead of a crash.
 *
 * Keyboards are not drivable here: the OS owns them (node-hid cannot read a keyboard's reports), so
 * keyboard-wedge scanners use the stdin transport.
 */
import { newAgentError, AgentError } from '../errors';
import {
  CP2110_PRODUCT_ID,
  CP2110_UART_ENABLE_REPORT,
  CP2110_VENDOR_ID,
  cp2110UartConfigReport,
  encodeCp2110Reports,
} from '@hainan/epc-decoders';
import { LayoutName } from '@hainan/epc-decoders';
import { m100StartInventoryCommand, m100StopInventoryCommand } from '@hainan/epc-decoders';
import { RawReport } from '@hainan/epc-decoders';
import { ReportQueue } from './report-queue';
import { Transport } from './transport';

/** What node-hid reports about a device (a local view of its `Device` type). */
export interface HidDeviceInfo {
  readonly vendorId: number;
  readonly productId: number;
  readonly path?: string | undefined;
  readonly serialNumber?: string | undefined;
  readonly manufacturer?: string | undefined;
  readonly product?: string | undefined;
  readonly interface: number;
  readonly usagePage?: number | undefined;
  readonly usage?: number | undefined;
}

/** The part of node-hid's `HIDAsync` the agent uses. */
export interface HidHandle {
  on(event: 'data', listener: (data: Buffer) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  pause(): void;
  resume(): void;
  close(): Promise<void>;
  sendFeatureReport(data: number[] | Buffer): Promise<number>;
  write(data: number[] | Buffer): Promise<number>;
}

/** The part of the node-hid module the agent uses. */
export interface HidLibrary {
  devicesAsync(): Promise<HidDeviceInfo[]>;
  readonly HIDAsync: { open(path: string): Promise<HidHandle> };
}

/** Loads the HID library; injectable so tests can play "library missing" or "device present". */
export type HidLibraryLoader = () => HidLibrary;

/** Usage page of HID POS barcode scanners. */
export const HID_POS_USAGE_PAGE = 0x8c;
const GENERIC_DESKTOP_PAGE = 0x01;
const KEYBOARD_USAGE = 0x06;
const VENDOR_PAGE_MIN = 0xff00;

const UDEV_HINT =
  'give your user access to the device: create /etc/udev/rules.d/70-scanner-agent.rules with\n' +
  '  SUBSYSTEM=="hidraw", ATTRS{idVendor}=="<vid>", ATTRS{idProduct}=="<pid>", MODE="0660", GROUP="plugdev"\n' +
  'then `udevadm control --reload && udevadm trigger`, add yourself to the plugdev group, and replug the device';

/**
 * Turns a failure to load or use node-hid into an explanation.
 *
 * @param err what node-hid threw
 * @returns an AgentError HID_UNAVAILABLE with the fix
 */
export function hidUnavailable(err: unknown): AgentError {
  const message = (err as Error).message ?? String(err);
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'MODULE_NOT_FOUND' && /node-hid/.test(message)) {
    return newAgentError(
      'HID_UNAVAILABLE',
      'the node-hid package is not installed',
      'run `npm install -w scanner-agent node-hid`, or use --device serial:<path> or --device stdin',
    );
  }
  if (/libusb|libudev|shared object|cannot open shared/i.test(message)) {
    return newAgentError(
      'HID_UNAVAILABLE',
      `node-hid cannot load its native library (${message})`,
      'install the USB libraries: `apt-get install libusb-1.0-0 libudev1` (Debian/Ubuntu), then run again',
    );
  }
  return newAgentError(
    'HID_UNAVAILABLE',
    `node-hid does not work here (${message})`,
    'check that node-hid has a prebuilt binary for this platform, or use --device serial:<path> or --device stdin',
  );
}

/** Loads node-hid with a dynamic require, so its absence is an explained error, not a crash at start-up. */
export const loadNodeHid: HidLibraryLoader = () => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('node-hid') as HidLibrary;
  } catch (err) {
    throw hidUnavailable(err);
  }
};

/**
 * @param load how to load node-hid
 * @returns every HID device the OS shows
 * @throws AgentError HID_UNAVAILABLE with a fix if node-hid or its native library is missing
 */
export async function listHidDevices(load: HidLibraryLoader = loadNodeHid): Promise<HidDeviceInfo[]> {
  const lib = load();
  try {
    return await lib.devicesAsync();
  } catch (err) {
    throw hidUnavailable(err);
  }
}

/** How the agent sees a HID device. */
export interface HidClassification {
  /** The layout the agent drives it with, if it recognises it. */
  readonly layout: LayoutName | undefined;
  readonly role: string;
}

/** @returns what the device is and whether the agent can drive it */
export function classifyHidDevice(d: HidDeviceInfo): HidClassification {
  if (d.usagePage === HID_POS_USAGE_PAGE) return { layout: 'hid-pos', role: 'HID POS barcode scanner' };
  if (d.vendorId === CP2110_VENDOR_ID && d.productId === CP2110_PRODUCT_ID)
    return { layout: 'cp2110-m100', role: 'CP2110 HID-to-UART bridge (RFID module)' };
  if (d.usagePage === GENERIC_DESKTOP_PAGE && d.usage === KEYBOARD_USAGE) {
    return {
      layout: undefined,
      role: 'keyboard (a keyboard-wedge scanner? use --device stdin: the OS owns keyboards, node-hid cannot read them)',
    };
  }
  if ((d.usagePage ?? 0) >= VENDOR_PAGE_MIN)
    return { layout: undefined, role: 'vendor-defined HID (drivable with --layout if it follows a supported layout)' };
  return { layout: undefined, role: 'not a counter' };
}

/** Which HID device to open. */
export type HidSelector =
  | { readonly kind: 'auto' }
  | { readonly kind: 'id'; readonly vendorId: number; readonly productId: number }
  | { readonly kind: 'path'; readonly path: string };

/** Settings of {@link openHidTransport}. */
export interface HidTransportOptions {
  readonly selector: HidSelector;
  /** Overrides the layout the device's classification suggests. */
  readonly layout?: LayoutName;
  /** UART speed behind a CP2110. */
  readonly baudRate: number;
  /** Send the M100 "start continuous inventory" command on open (modules without their own trigger). */
  readonly inventory: boolean;
  readonly load?: HidLibraryLoader;
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/**
 * Finds, opens and initialises a HID counter.
 *
 * @throws AgentError HID_UNAVAILABLE, DEVICE_NOT_FOUND, DEVICE_OPEN_FAILED or CONFIG_INVALID, each with a fix
 */
export async function openHidTransport(options: HidTransportOptions): Promise<Transport> {
  const load = options.load ?? loadNodeHid;
  const devices = await listHidDevices(load);
  const candidates = devices.filter((d) => {
    const s = options.selector;
    if (s.kind === 'path') return d.path === s.path;
    if (s.kind === 'id' && (d.vendorId !== s.vendorId || d.productId !== s.productId)) return false;
    return (
      (options.layout ?? classifyHidDevice(d).layout) !== undefined &&
      classifyHidDevice(d).role.startsWith('keyboard') === false
    );
  });
  const device = candidates[0];
  if (device === undefined || device.path === undefined) {
    const seen =
      devices.length === 0
        ? 'no HID devices at all'
        : devices
            .map((d) =>
              `${hex4(d.vendorId)}:${hex4(d.productId)} page 0x${(d.usagePage ?? 0).toString(16)} ${d.product ?? ''}`.trim(),
            )
            .join(', ');
    throw newAgentError(
      'DEVICE_NOT_FOUND',
      `no drivable HID counter matches ${JSON.stringify(options.selector)} (seen: ${seen})`,
      'plug the counter in and switch it to USB HID POS mode (barcode) or HID mode (RFID); `scanner-agent devices` lists what is attached; if it is there but not marked drivable, pass --layout; if nothing is listed on Linux, check permissions (udev rules)',
    );
  }
  const layout = options.layout ?? classifyHidDevice(device).layout;
  if (layout === undefined)
    throw newAgentError(
      'CONFIG_INVALID',
      `${device.path} has no known report layout`,
      'pass --layout hid-pos or --layout cp2110-m100',
    );
  if (layout !== 'hid-pos' && layout !== 'cp2110-m100')
    throw newAgentError(
      'CONFIG_INVALID',
      `layout ${layout} is not carried over HID`,
      'use --layout hid-pos or cp2110-m100 with a HID device',
    );

  const lib = load();
  let handle: HidHandle;
  try {
    handle = await lib.HIDAsync.open(device.path);
  } catch (err) {
    throw newAgentError(
      'DEVICE_OPEN_FAILED',
      `cannot open ${device.path} (${hex4(device.vendorId)}:${hex4(device.productId)}): ${(err as Error).message}`,
      UDEV_HINT.replace('<vid>', hex4(device.vendorId)).replace('<pid>', hex4(device.productId)),
    );
  }
  const description = `hid ${hex4(device.vendorId)}:${hex4(device.productId)} ${device.path}${device.product ? ` (${device.product})` : ''}`;
  try {
    if (layout === 'cp2110-m100') {
      await handle.sendFeatureReport([CP2110_UART_ENABLE_REPORT, 0x01]);
      await handle.sendFeatureReport(cp2110UartConfigReport(options.baudRate));
      if (options.inventory)
        for (const report of encodeCp2110Reports(m100StartInventoryCommand())) await handle.write(report);
    }
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw newAgentError(
      'DEVICE_OPEN_FAILED',
      `cannot initialise ${description}: ${(err as Error).message}`,
      'is it really a CP2110 bridge? pass --layout to override',
    );
  }
  return new HidTransport(handle, layout, description, layout === 'cp2110-m100' && options.inventory);
}

class HidTransport implements Transport {
  readonly slow = false;
  private readonly queue: ReportQueue;
  private closed = false;

  constructor(
    private readonly handle: HidHandle,
    readonly layout: LayoutName,
    readonly description: string,
    private readonly stopInventoryOnClose: boolean,
  ) {
    this.queue = new ReportQueue((paused) => (paused ? handle.pause() : handle.resume()));
    handle.on('error', (err) => {
      if (!this.closed)
        this.queue.end(
          newAgentError(
            'DEVICE_OPEN_FAILED',
            `${description} stopped: ${err.message}`,
            'was it unplugged? plug it back in and run again; every read so far is spooled',
          ),
        );
    });
    handle.on('data', (data) => this.queue.push({ atMs: Date.now(), bytes: data }));
  }

  reports(): AsyncIterable<readonly RawReport[]> {
    return this.queue.batches();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.stopInventoryOnClose) {
      for (const report of encodeCp2110Reports(m100StopInventoryCommand()))
        await this.handle.write(report).catch(() => undefined);
    }
    await this.handle.close().catch(() => undefined);
    this.queue.end();
  }
}
