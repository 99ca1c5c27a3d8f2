/**
 * The patterns of request fields (identifiers and reference numbers), one definition each, shared by the chaincode's
 * requests and every client that builds them. GS1 identifiers (SGTIN, GTIN, GLN) are in gs1.ts.
 */

/** 18-character unified social credit code (GB 32100-2015 character set). */
export const USCC = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;
/** Hainan 16-digit traceability code. */
export const TRACE_CODE = /^\d{16}$/;
/** Document / reference numbers: customs declaration, release list, shipment, sale ids. */
export const REF = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/;
/** Person code: hex of an HMAC-SHA-256. */
export const PERSON_CODE = /^[0-9a-f]{64}$/;
/** HS code: 6 to 10 digits. */
export const HS_CODE = /^\d{6,10}$/;
/** Hex of a SHA-256 (Merkle roots). */
export const HEX64 = /^[0-9a-f]{64}$/;
/**
 * Port codes as the sale rules list them (e.g. `HAIKOU_MEILAN_AIRPORT`): upper case, at most 40 characters, so that a
 * port a rule set names is always a port a sale or an exit can name.
 */
export const PORT_CODE = /^[A-Z][A-Z0-9_]{0,39}$/;
/** An account period: one Asia/Shanghai calendar month, `yyyy-mm`. */
export const PERIOD = /^\d{4}-(?:0[1-9]|1[0-2])$/;
/** A calendar date, `yyyy-mm-dd` (birth dates; the day's validity is checked where it is parsed). */
export const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/;
