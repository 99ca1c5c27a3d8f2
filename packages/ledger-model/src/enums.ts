/**
 * The closed sets of values the ledger records: customs regimes and product categories. A value outside them is
 * refused by the chaincode (INVALID_ARGUMENT) and, with the same lists, by the gateway before it accepts a capture.
 */

/** Customs regime of an item. PROCESSED: produced on the island by processing. */
export type Regime = 'ZERO_TARIFF' | 'BONDED' | 'DUTY_PAID' | 'PROCESSED';
export const REGIMES: readonly Regime[] = ['ZERO_TARIFF', 'BONDED', 'DUTY_PAID', 'PROCESSED'];

/** Regimes a first-line entry may declare (PROCESSED items come into being by processing, not by entry). */
export type EntryRegime = Exclude<Regime, 'PROCESSED'>;
export const ENTRY_REGIMES: readonly EntryRegime[] = ['ZERO_TARIFF', 'BONDED', 'DUTY_PAID'];

/** What an item is, as far as the per-purchase limits and pick-up lists care. */
export type ProductCategory =
  | 'COSMETICS'
  | 'MOBILE_PHONE'
  | 'ALCOHOL'
  | 'JEWELLERY'
  | 'WATCH'
  | 'ELECTRONICS'
  | 'CLOTHING'
  | 'FOOD'
  | 'OTHER';

/** Every product category, in the order the chaincode has always listed them (its refusal text names them so). */
export const PRODUCT_CATEGORIES: readonly ProductCategory[] = [
  'COSMETICS',
  'MOBILE_PHONE',
  'ALCOHOL',
  'JEWELLERY',
  'WATCH',
  'ELECTRONICS',
  'CLOTHING',
  'FOOD',
  'OTHER',
];
