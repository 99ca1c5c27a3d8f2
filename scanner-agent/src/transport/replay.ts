/**
 * Replays a capture file (see capture.ts) through the same decoders a live device uses: as fast as
 * possible (tests, benchmarks) or at the recorded speed, or any multiple of it (demos).
 */
import { CaptureEvent, CaptureHeader, openCapture } from '../capture';
import { LayoutName } from '@hainan/epc-decoders';
import { RawReport } from '@hainan/epc-decoders';
import { Transport } from './transport';

/** Settings of {@link openReplayTransport}. */
export interface ReplayOptions {
  /** 0: as fast as possible; 1: recorded speed; 2: twice as fast; ... */
  readonly speed: number;
  /** Told about each malformed capture line (the agent counts it as undecodable). */
  readonly onMalformedLine?: (lineNumber: number, line: string) => void;
}

/** Longest single wait at recorded speed, so a capture with a long pause still stops promptly on close. */
const WAIT_SLICE_MS = 250;

class ReplayTransport implements Transport {
  readonly slow = false;
  readonly layout: LayoutName;
  readonly description: string;
  private closed = false;
  private wakeUp: (() => void) | undefined;

  constructor(
    path: string,
    readonly header: CaptureHeader,
    private readonly events: AsyncGenerator<CaptureEvent>,
    private readonly options: ReplayOptions,
  ) {
    this.layout = header.layout;
    this.description = `replay ${path} (${header.device}, ${options.speed === 0 ? 'as fast as possible' : `${options.speed}x recorded speed`})`;
  }

  async *reports(): AsyncGenerator<readonly RawReport[]> {
    const wallStartMs = Date.now();
    try {
      for await (const event of this.events) {
        if (this.closed) return;
        if (event.kind === 'malformed') {
          this.options.onMalformedLine?.(event.lineNumber, event.line);
          continue;
        }
        if (this.options.speed === 0) {
          yield event.entries; // entries are RawReports already
          continue;
        }
        let batch: RawReport[] = [];
        for (const entry of event.entries) {
          const dueMs = wallStartMs + entry.offsetMs / this.options.speed;
          while (!this.closed && Date.now() < dueMs) {
            if (batch.length > 0) {
              yield batch;
              batch = [];
            }
            await this.sleep(Math.min(WAIT_SLICE_MS, dueMs - Date.now()));
          }
          if (this.closed) return;
          batch.push(entry);
        }
        if (batch.length > 0) yield batch;
      }
    } finally {
      await this.events.return(undefined);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakeUp?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.wakeUp = undefined;
        resolve();
      }
      this.wakeUp = done;
    });
  }
}

/**
 * Opens a capture for replay.
 *
 * @param path the capture file
 * @param options speed and the malformed-line callback
 * @throws AgentError CAPTURE_INVALID if it is not a capture
 */
export async function openReplayTransport(
  path: string,
  options: ReplayOptions,
): Promise<Transport & { readonly header: CaptureHeader }> {
  const { header, events } = await openCapture(path);
  return new ReplayTransport(path, header, events, options);
}
