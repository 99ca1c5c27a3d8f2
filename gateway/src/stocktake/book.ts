/**
 * The stocktake's view of the book (the projection of the chain kept in PostgreSQL by the projector): which items
 * the book places at a location, and which SGTIN a barcode or a 16-digit code names. A port, so that routes and
 * tests depend on these two functions, not on the projection's tables.
 */

/** Read access to the book, as stocktakes need it. */
export interface StocktakeBook {
  /**
   * SGTIN URNs the book says are IN_STOCK at `location` on `enterprise`'s book (held or not).
   *
   * @param enterprise - Holder (unified social credit code).
   * @param location - GLN or SGLN URN.
   * @returns The SGTINs, in no particular order.
   */
  itemsAtLocation(enterprise: string, location: string): Promise<string[]>;
  /**
   * Which of the given identifiers (SGTIN URNs or 16-digit traceability codes) the book knows, and their SGTIN.
   *
   * @param ids - Candidate identifiers, at most {@link BOOK_LOOKUP_IDS_MAX}.
   * @returns Identifier -> SGTIN URN, for the known ones only.
   */
  itemsByAnyId(ids: readonly string[]): Promise<Map<string, string>>;
}

/** Most identifiers one {@link StocktakeBook.itemsByAnyId} call takes (7 SGTIN candidates x 5,000 barcode reads). */
export const BOOK_LOOKUP_IDS_MAX = 35_000;

/** Most items the book may place at one location for one stocktake (bounds memory of a close). */
export const BOOK_ITEMS_AT_LOCATION_MAX = 500_000;
