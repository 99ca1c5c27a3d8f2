/**
 * How long the GS1 company prefix of each GTIN is, as far as the ledger knows, so that an item named by a GS1 Digital
 * Link (GTIN-14 + serial) lands on the item the chain keys by its SGTIN URN. A Digital Link does not say where the
 * company prefix ends; the URN does, and the chain's keys are URNs. The length is taken from the URNs the GTIN was
 * declared with (its entries: on the ledger, in an accepted capture, or in the same document), never guessed: GS1's
 * prefix-length table is neither complete (prefixes are assigned every day) nor what a partner used when it first
 * entered the goods, and a wrong guess would make a second, different item.
 */
import { gtinOfSgtin, parseSgtin } from '@hainan/ledger-model';
import { parseItemId } from '../domain/item-id';

/** Company-prefix lengths (digits) on record per GTIN-14. More than one means the GTIN was written with several splits. */
export type CompanyPrefixBook = ReadonlyMap<string, ReadonlySet<number>>;

/** Where the lengths of GTINs not named by a URN in the document are looked up (the capture repository). */
export interface CompanyPrefixRegistry {
  /** Company-prefix lengths on record for each of `gtins` (a GTIN nobody declared is absent). */
  companyPrefixDigits(gtins: readonly string[]): Promise<ReadonlyMap<string, ReadonlySet<number>>>;
}

type Fields = Readonly<Record<string, unknown>>;

/** The EPC lists of an event that may name items. */
const ITEM_LISTS = ['epcList', 'childEPCs', 'inputEPCList', 'outputEPCList'] as const;

function add(book: Map<string, Set<number>>, gtin: string, digits: number): void {
  const lengths = book.get(gtin) ?? new Set<number>();
  lengths.add(digits);
  book.set(gtin, lengths);
}

/**
 * The book for one capture document: the splits its own SGTIN URNs (and tag URIs, hex) show, and the registry's for
 * every GTIN it names by Digital Link. No lookup at all when the document has no Digital Link.
 *
 * @param events - The document's events (list lengths already bounded by the capture limits).
 */
export async function companyPrefixBook(
  registry: CompanyPrefixRegistry,
  events: readonly Fields[],
): Promise<CompanyPrefixBook> {
  const book = new Map<string, Set<number>>();
  const linked = new Set<string>();
  // First the Digital Links alone (a prefix test per EPC): a document without any costs nothing more.
  forEachEpc(events, (epc) => {
    if (!/^https?:/i.test(epc)) return;
    const ref = parseItemId(epc);
    if (ref?.kind === 'gtinSerial') linked.add(ref.gtin);
  });
  if (linked.size === 0) return book;
  forEachEpc(events, (epc) => {
    if (/^https?:/i.test(epc)) return;
    const ref = parseItemId(epc);
    const sgtin = ref?.kind === 'sgtin' ? parseSgtin(ref.sgtin) : undefined;
    if (sgtin === undefined) return;
    const gtin = gtinOfSgtin(sgtin);
    if (linked.has(gtin)) add(book, gtin, sgtin.companyPrefix.length);
  });
  // Asked even for a GTIN the document splits itself: a different split on record makes its links ambiguous.
  for (const [gtin, lengths] of await registry.companyPrefixDigits([...linked])) {
    for (const digits of lengths) add(book, gtin, digits);
  }
  return book;
}

/** Every string in the item lists of the events. */
function forEachEpc(events: readonly Fields[], visit: (epc: string) => void): void {
  for (const event of events) {
    for (const field of ITEM_LISTS) {
      const list = event[field];
      if (!Array.isArray(list)) continue;
      for (const epc of list) if (typeof epc === 'string') visit(epc);
    }
  }
}
