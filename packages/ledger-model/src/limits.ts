/**
 * Bounds of one ledger transaction that every client must respect to be accepted: defined once here, read by the
 * chaincode when it refuses and by the gateway when it splits work into transactions.
 */

/** Most items one transaction may carry (entry, shipment, receipt, exit, sale, ...). */
export const ITEMS_PER_TRANSACTION_MAX = 1_000;
/** How far an event time may lie after the transaction time (clock skew of handhelds and gateways). */
export const EVENT_TIME_SKEW_MS_MAX = 5 * 60_000;
/** Longest client-chosen EPCIS `eventId` the chain records as its event's id. */
export const EVENT_ID_LENGTH_MAX = 200;
/** Largest volume per unit, in millilitres, a product may declare. */
export const VOLUME_ML_MAX = 100_000;
