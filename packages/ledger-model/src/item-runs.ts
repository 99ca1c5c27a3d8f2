/**
 * The run of serials an item belongs to: the chaincode keeps one index key per run (its `irun` keys) and checks a
 * first-line entry's items one run at a time, so transactions creating items in one run conflict at commit; the
 * gateway keeps such transactions in different waves. One rule for both sides.
 */
import { parseSgtin } from './gs1';
import { TRACE_CODE } from './patterns';

/** A serial's run within its product class. */
export interface ItemRun {
  /** `companyPrefix.itemRef`: the product class (one GTIN). */
  readonly cls: string;
  /** The run within the class. */
  readonly run: string;
  readonly serial: string;
}

/**
 * The run of an SGTIN URN. A serial ending in two digits belongs to run `d` + the serial without them (at most 100
 * serials: ...00 to ...99); any other serial to run `c` + the serial without its last character (at most 94: the
 * URN's printable ASCII). Neighbouring serials, which a batch of tags usually carries, share a run, and no run grows
 * past 100 serials whatever the serials look like.
 *
 * @returns undefined when `sgtin` is no SGTIN URN
 */
export function itemRunOf(sgtin: string): ItemRun | undefined {
  const parsed = parseSgtin(sgtin);
  if (!parsed) return undefined;
  const { companyPrefix, itemRef, serial } = parsed;
  const run = /\d\d$/.test(serial) ? `d${serial.slice(0, -2)}` : `c${serial.slice(0, -1)}`;
  return { cls: `${companyPrefix}.${itemRef}`, run, serial };
}

/** A 16-digit traceability code's run: the chaincode keeps one key per run (`tcrun`) mapping its codes to items. */
export interface TraceCodeRun {
  /** The code without its last two digits. */
  readonly run: string;
  /** The code's last two digits: its place in the run (at most 100 codes per run). */
  readonly digits: string;
}

/**
 * The run of a traceability code: the code without its last two digits, so the codes a roll of labels carries
 * (consecutive numbers) share one key and a run never lists more than 100 codes.
 *
 * @returns undefined when `code` is not 16 digits
 */
export function traceCodeRunOf(code: string): TraceCodeRun | undefined {
  if (!TRACE_CODE.test(code)) return undefined;
  return { run: code.slice(0, -2), digits: code.slice(-2) };
}
