/**
 * Serial transport (USB CDC-ACM or USB-serial chips like CH340/CP210x/FTDI) through the `serialport`
 * package: RFID sleds and modules in serial mode (M100 frames, TSL ASCII), barcode sleds that send one
 * line per scan. `serialport` is loaded with a dynamic `require` so a missing native binding is explained.
 */
import { newAgentError, AgentError } from '../errors';
import { LayoutName } from '@hainan/epc-decoders';
import { m100StartInventoryCommand, m100StopInventoryCommand } from '@hainan/epc-decoders';
import { RawReport } from '@hainan/epc-decoders';
import { ReportQueue } from './report-queue';
import { Transport } from './transport';

/** What `SerialPort.list()` reports (local view). */
export interface SerialPortInfo {
  readonly path: string;
  readonly manufacturer?: string | undefined;
  readonly serialNumber?: string | undefined;
  readonly vendorId?: string | undefined;
  readonly productId?: string | undefined;
}

/** The part of a `SerialPort` stream the agent uses. */
export interface SerialPortLike {
  open(callback: (err: Error | null) => void): void;
  on(event: 'data', listener: (data: Buffer) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  pause(): unknown;
  resume(): unknown;
  write(data: Buffer, callback?: (err: Error | null | undefined) => void): unknown;
  close(callback?: (err: Error | null) => void): void;
  readonly isOpen: boolean;
}

/** The part of the `serialport` module the agent uses. */
export interface SerialLibrary {
  readonly SerialPort: {
    new (options: { path: string; baudRate: number; autoOpen: false }): SerialPortLike;
    list(): Promise<SerialPortInfo[]>;
  };
}

/** Loads the serial library; injectable so tests can use serialport's mock binding. */
export type SerialLibraryLoader = () => SerialLibrary;

function serialUnavailable(err: unknown): AgentError {
  return newAgentError(
    'SERIAL_UNAVAILABLE',
    `the serialport package does not work here (${(err as Error).message})`,
    'run `npm install -w scanner-agent serialport`; or use a HID device or --device stdin',
  );
}

/** Loads `serialport` with a dynamic require. */
export const loadSerialPort: SerialLibraryLoader = () => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('serialport') as SerialLibrary;
  } catch (err) {
    throw serialUnavailable(err);
  }
};

/**
 * @returns the serial ports the OS shows
 * @throws AgentError SERIAL_UNAVAILABLE with a fix (on Linux listing needs `udevadm`, from the udev package)
 */
export async function listSerialPorts(load: SerialLibraryLoader = loadSerialPort): Promise<SerialPortInfo[]> {
  try {
    return await load().SerialPort.list();
  } catch (err) {
    if (/udevadm/.test((err as Error).message)) {
      throw newAgentError(
        'SERIAL_UNAVAILABLE',
        `cannot list serial ports (${(err as Error).message})`,
        'install udev (`apt-get install udev`), or name the port directly: --device serial:/dev/ttyACM0',
      );
    }
    throw serialUnavailable(err);
  }
}

/** Settings of {@link openSerialTransport}. */
export interface SerialTransportOptions {
  readonly path: string;
  readonly baudRate: number;
  readonly layout: LayoutName;
  /** Send the M100 "start continuous inventory" command on open (m100 layout only). */
  readonly inventory: boolean;
  readonly load?: SerialLibraryLoader;
}

/**
 * Opens a serial port.
 *
 * @throws AgentError DEVICE_OPEN_FAILED with a fix (permissions: the dialout group)
 */
export async function openSerialTransport(options: SerialTransportOptions): Promise<Transport> {
  const lib = (options.load ?? loadSerialPort)();
  const port = new lib.SerialPort({ path: options.path, baudRate: options.baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) =>
    port.open((err) =>
      err
        ? reject(
            newAgentError(
              'DEVICE_OPEN_FAILED',
              `cannot open ${options.path}: ${err.message}`,
              'check the path (`scanner-agent devices`), that no other program holds the port, and that your user is in the dialout group (`usermod -aG dialout $USER`, then log in again)',
            ),
          )
        : resolve(),
    ),
  );
  const inventory = options.inventory && options.layout === 'm100';
  if (inventory) await write(port, m100StartInventoryCommand());
  return new SerialTransport(port, options.layout, `serial ${options.path} @${options.baudRate}`, inventory);
}

function write(port: SerialPortLike, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => port.write(data, (err) => (err ? reject(err) : resolve())));
}

class SerialTransport implements Transport {
  readonly slow = false;
  private readonly queue: ReportQueue;
  private closed = false;

  constructor(
    private readonly port: SerialPortLike,
    readonly layout: LayoutName,
    readonly description: string,
    private readonly stopInventoryOnClose: boolean,
  ) {
    this.queue = new ReportQueue((paused) => (paused ? port.pause() : port.resume()));
    port.on('data', (data) => this.queue.push({ atMs: Date.now(), bytes: data }));
    port.on('error', (err) => {
      if (!this.closed)
        this.queue.end(
          newAgentError(
            'DEVICE_OPEN_FAILED',
            `${description} failed: ${err.message}`,
            'was it unplugged? plug it back in and run again; every read so far is spooled',
          ),
        );
    });
    port.on('close', () => this.queue.end());
  }

  reports(): AsyncIterable<readonly RawReport[]> {
    return this.queue.batches();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.stopInventoryOnClose && this.port.isOpen)
      await write(this.port, m100StopInventoryCommand()).catch(() => undefined);
    if (this.port.isOpen) await new Promise<void>((resolve) => this.port.close(() => resolve()));
    this.queue.end();
  }
}
