/**
 * TSL (Technology Solutions UK) RFID handhelds (1128, 1153, 1166, 2128 families) speaking the TSL ASCII 2
 * protocol over USB CDC serial or Bluetooth SPP. Responses are text lines of the form `XX: value`; an
 * inventory (`.iv`, or a trigger pull) answers one `EP: <EPC hex>` line per transponder, with optional
 * `RI:` (RSSI), `PC:` and `CR:` lines, and ends with `OK:` or `ER: <code>`. Only `EP:` lines are reads; every
 * other well-formed line is counted as ignored. Pure apart from the bounded partial-line buffer.
 */
import { ReadSink, undecodable } from './reads';
import { EpcReadDecoder } from './epc-read';
import { LineSplitter } from './lines';
import { ReportDecoder } from './report-decoder';

const EPC_LINE = /^EP:\s*([0-9A-Fa-f]+)\s*$/;
const RESPONSE_LINE = /^[A-Z][A-Z0-9]:/;

/** Decoder for TSL ASCII 2 response lines. */
export class TslAsciiDecoder implements ReportDecoder {
  ignored = 0;
  private sink: ReadSink = () => undefined;
  private readonly splitter: LineSplitter;

  /** @param epc shared EPC decoder with its memo */
  constructor(private readonly epc: EpcReadDecoder = new EpcReadDecoder()) {
    this.splitter = new LineSplitter(
      (line) => this.onLine(line),
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

  private onLine(line: string): void {
    const m = EPC_LINE.exec(line);
    if (m !== null) this.sink(this.epc.decodeHex(m[1] ?? ''));
    else if (line.startsWith('EP:')) this.sink(undecodable('epc-not-hex', line));
    else if (RESPONSE_LINE.test(line)) this.ignored++;
    else this.sink(undecodable('tsl-unrecognised-line', line));
  }
}
