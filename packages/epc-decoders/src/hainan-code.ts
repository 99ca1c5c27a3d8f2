/**
 * Hainan 16-digit traceability codes: the code printed (as digits and as a QR code) on the code-in-code
 * anti-tear label of a duty-free item. It is a second identifier of the item, linked to its SGTIN on the
 * ledger by an association event, so the agent uploads it as it is and the gateway resolves it. Pure.
 *
 * No check digit or internal structure has been published for it, so the only test is the shape: exactly
 * sixteen ASCII digits (no spaces or separators; a label's human-readable grouping is not part of the code).
 */

const HAINAN_CODE = /^\d{16}$/;

/** Length of a Hainan traceability code. */
export const HAINAN_CODE_DIGITS = 16;

/** @returns true if `text` is a Hainan 16-digit traceability code */
export function isHainanCode(text: string): boolean {
  return HAINAN_CODE.test(text);
}
