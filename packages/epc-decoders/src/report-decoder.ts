/**
 * The interface every report decoder implements: raw reports in, reads out. A decoder keeps only the state
 * needed to reassemble a read that spans reports (a long barcode over several HID reports, an RFID frame
 * split across serial chunks), and that state is bounded.
 */
import { ReadSink } from './reads';

/** Bytes -> reads for one report layout. Never throws on bad input: bad input becomes undecodable reads. */
export interface ReportDecoder {
  /** Reports or frames that were well-formed but carried no read (status, command responses, other report IDs). */
  readonly ignored: number;
  /** Feeds one raw report; reads are passed to `sink` as they complete. */
  push(report: Uint8Array, sink: ReadSink): void;
  /** End of input: a read left half-assembled becomes an undecodable read. */
  end(sink: ReadSink): void;
}
