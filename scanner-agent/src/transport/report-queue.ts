/**
 * A bounded hand-over queue between a push-style device (events) and the pull-style async iterable a
 * {@link Transport} exposes. When it fills up the device is paused (node-hid and serialport both support
 * pause/resume), so memory stays bounded while the pipeline catches up.
 */
import { RawReport } from '@hainan/epc-decoders';

/** Reports buffered before the device is paused. */
export const REPORT_QUEUE_MAX = 10_000;

/** Queue of reports with pause/resume back-pressure. */
export class ReportQueue {
  private items: RawReport[] = [];
  private ended = false;
  private failure: Error | undefined;
  private paused = false;
  private waiting: (() => void) | undefined;

  /**
   * @param setPaused pauses (true) or resumes (false) the device
   * @param capacity reports held before pausing
   */
  constructor(
    private readonly setPaused: (paused: boolean) => void,
    private readonly capacity = REPORT_QUEUE_MAX,
  ) {}

  /** Adds a report from the device. */
  push(report: RawReport): void {
    if (this.ended) return;
    this.items.push(report);
    if (this.items.length >= this.capacity && !this.paused) {
      this.paused = true;
      this.setPaused(true);
    }
    this.waiting?.();
  }

  /** No more reports; with an error, the iterator throws it after handing over what was queued. */
  end(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error;
    this.waiting?.();
  }

  async *batches(): AsyncGenerator<readonly RawReport[]> {
    for (;;) {
      if (this.items.length > 0) {
        const batch = this.items;
        this.items = [];
        if (this.paused) {
          this.paused = false;
          this.setPaused(false);
        }
        yield batch;
        continue;
      }
      if (this.ended) {
        if (this.failure !== undefined) throw this.failure;
        return;
      }
      await new Promise<void>((resolve) => {
        this.waiting = () => {
          this.waiting = undefined;
          resolve();
        };
      });
    }
  }
}
