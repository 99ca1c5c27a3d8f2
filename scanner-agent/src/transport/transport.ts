/**
 * The one interface every transport implements (node-hid, serial port, stdin, capture replay): an async
 * iterable of raw reports with their arrival times, plus the layout that says how to decode them.
 */
import { LayoutName } from '@hainan/epc-decoders';
import { RawReport } from '@hainan/epc-decoders';

/** A source of raw reports. */
export interface Transport {
  /** How the reports are to be decoded. */
  readonly layout: LayoutName;
  /** For humans and capture headers, e.g. `hid 0c2e:0b8f /dev/hidraw3`. */
  readonly description: string;
  /** True for keyboard-wedge input: typed by the OS keyboard driver, tens of reads per second at best. */
  readonly slow: boolean;
  /**
   * Reports in arrival order, handed over in batches of whatever arrived since the last pull (a batch is
   * never empty). Ends when the device goes away, the replay ends, or {@link Transport.close} is called;
   * throws an AgentError if the device fails.
   */
  reports(): AsyncIterable<readonly RawReport[]>;
  /** Stops reading and releases the device. Safe to call more than once. */
  close(): Promise<void>;
}
