/**
 * The run of serials an item belongs to: the chaincode keeps one index key per run (its `irun` keys) and checks a
 * first-line entry's items one run at a time, so transactions creating items in one run conflict at commit; the
 * gateway keeps such transactions in different waves. One rule for both sides.
 */
import { parseSgtin } from './gs1';

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
