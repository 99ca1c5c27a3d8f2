/**
 * One person, one code: the person code is HMAC-SHA-256, keyed with the service secret, of the identity document's
 * type and number. The raw document data never reaches the shared ledger; the same document always gives the same
 * code (64 lower-case hex digits, as the chaincode expects), and without the secret nobody can recompute it.
 */
import { createHmac } from 'node:crypto';

/** Document type: upper-case name such as `ID_CARD`, `PASSPORT`, `HK_MACAO_PERMIT`. */
export const DOCUMENT_TYPE_PATTERN = /^[A-Z][A-Z0-9_]{1,31}$/;

/** Longest document number accepted, in characters. */
export const MAX_DOCUMENT_NUMBER_LENGTH = 64;

/** Computes person codes with one secret. */
export interface PersonCoder {
  /**
   * The person code of a document. The number is normalised (spaces removed, upper case) so that `g1234 5678`
   * and `G12345678` give the same code.
   *
   * @throws RangeError on a malformed type or an empty or too long number (validate input first).
   */
  codeFor(documentType: string, documentNumber: string): string;
}

/**
 * Create a person coder.
 *
 * @param secret - The service secret (`PERSON_CODE_SECRET`); changing it changes every code.
 * @returns The coder.
 */
export function newPersonCoder(secret: string): PersonCoder {
  if (secret.length === 0) {
    throw new RangeError('person code secret is empty');
  }
  return {
    codeFor(documentType, documentNumber) {
      if (!DOCUMENT_TYPE_PATTERN.test(documentType)) {
        throw new RangeError(`document type must match ${DOCUMENT_TYPE_PATTERN.source}`);
      }
      const number = documentNumber.replace(/\s+/g, '').toUpperCase();
      if (number.length === 0 || number.length > MAX_DOCUMENT_NUMBER_LENGTH) {
        throw new RangeError(`document number must be 1..${MAX_DOCUMENT_NUMBER_LENGTH} characters`);
      }
      return createHmac('sha256', secret).update(`${documentType}\u0000${number}`, 'utf8').digest('hex');
    },
  };
}
