/**
 * Text lines: what keyboard-wedge scanners type, what serial (CDC) barcode sleds send, and what RFID
 * handhelds in "keyboard output" mode send (one EPC in hex per line). Each line is one read, decoded as
 * text (text-read.ts). Lines end with CR, LF or CRLF; empty lines are not reads. Pure apart from the bounded
 * partial-line buffer.
 */
import { ReadSink, undecodable } from './reads';
import { EpcReadDecoder } from './epc-read';
import { ReportDecoder } from './report-decoder';
import { decodeTextRead } from './text-read';

/** Longest line kept; longer ones are reported once as undecodable and skipped to their end. */
export const LINE_BYTES_MAX = 4096;

/** Splits a byte stream into lines (latin1, so GS and every byte survive) and hands each to `onLine`. */
export class LineSplitter {
  private partial = '';
  private overlong = false;

  /**
   * @param onLine receives each complete, non-empty line
   * @param onOverlong called once per line longer than {@link LINE_BYTES_MAX}, with its start
   */
  constructor(
    private readonly onLine: (line: string) => void,
    private readonly onOverlong: (head: string) => void,
  ) {}

  push(chunk: Uint8Array): void {
    const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
    let from = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 0x0a && c !== 0x0d) continue;
      this.take(text.slice(from, i));
      this.emit();
      from = i + 1;
    }
    this.take(text.slice(from));
  }

  /** End of input: a last line without line ending still counts. */
  finish(): void {
    this.emit();
  }

  private take(piece: string): void {
    if (this.overlong) return;
    if (this.partial.length + piece.length > LINE_BYTES_MAX) {
      this.onOverlong(this.partial + piece.slice(0, 64));
      this.overlong = true;
      this.partial = '';
      return;
    }
    this.partial += piece;
  }

  private emit(): void {
    const line = this.partial;
    this.partial = '';
    const wasOverlong = this.overlong;
    this.overlong = false;
    if (!wasOverlong && line.length > 0) this.onLine(line);
  }
}

/** Decoder for line-oriented text input. */
export class LinesDecoder implements ReportDecoder {
  ignored = 0;
  private sink: ReadSink = () => undefined;
  private readonly splitter: LineSplitter;

  /** @param epc shared EPC decoder with its memo */
  constructor(private readonly epc: EpcReadDecoder = new EpcReadDecoder()) {
    this.splitter = new LineSplitter(
      (line) => this.sink(decodeTextRead(line, this.epc)),
      (head) => this.sink(undecodable('line-too-long', head)),
    );
  }

  push(report: Uint8Array, sink: ReadSink): void {
    this.sink = sink;
    this.splitter.push(report);
  }

  end(sink: ReadSink): void {
    this.sink = sink;
    this.splitter.finish();
  }
}
