/**
 * Keyboard-wedge transport: the scanner types each read followed by Enter, and the agent reads them from
 * standard input (run it in the terminal the scanner types into, or pipe a file in). Slow by nature: the OS
 * keyboard driver delivers keystroke by keystroke (typically tens of reads per second at best), and a
 * scanner cannot type the GS that separates GS1 fields unless it is configured to send it (Ctrl+]) or the
 * bracketed `(01)…(21)…` form. node-hid cannot read keyboards (the OS owns them), hence this transport.
 */
import { RawReport } from '@hainan/epc-decoders';
import { LayoutName } from '@hainan/epc-decoders';
import { ReportQueue } from './report-queue';
import { Transport } from './transport';

class StdinTransport implements Transport {
  readonly slow = true;
  readonly description = 'stdin (keyboard wedge: slow, one read per line)';
  private readonly queue: ReportQueue;
  private readonly onData = (data: Buffer): void => this.queue.push({ atMs: Date.now(), bytes: data });
  private readonly onEnd = (): void => this.queue.end();

  constructor(
    private readonly input: NodeJS.ReadableStream,
    readonly layout: LayoutName,
  ) {
    this.queue = new ReportQueue((paused) => (paused ? input.pause() : input.resume()));
    input.on('data', this.onData);
    input.on('end', this.onEnd);
  }

  reports(): AsyncIterable<readonly RawReport[]> {
    return this.queue.batches();
  }

  async close(): Promise<void> {
    this.input.off('data', this.onData);
    this.input.off('end', this.onEnd);
    this.input.pause();
    this.queue.end();
  }
}

/**
 * @param input the stream to read (standard input by default)
 * @param layout how to decode it (`lines` unless told otherwise)
 */
export function openStdinTransport(
  input: NodeJS.ReadableStream = process.stdin,
  layout: LayoutName = 'lines',
): Transport {
  return new StdinTransport(input, layout);
}
