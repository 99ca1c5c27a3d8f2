/**
 * The enterprise identifier: the 18-character unified social credit code (统一社会信用代码, GB 32100-2015), with its
 * check character. Pure; no framework imports.
 */

/** The 31 characters of the code alphabet, in value order (digits, then letters without I, O, S, V, Z). */
export const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** Weights of positions 1..17 in the check character computation: 3^(i-1) mod 31. */
const USCC_WEIGHTS: readonly number[] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** Number of characters of a code. */
export const USCC_LENGTH = 18;

/**
 * Shape of a code, without the check: registration authority and type (alphabet), 6-digit administrative division,
 * 9-character organisation code and the check character (alphabet). Also used as the JSON Schema `pattern`.
 */
export const USCC_PATTERN = '^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$';

const USCC_REGEXP = new RegExp(USCC_PATTERN);

/**
 * The check character (position 18) for the first 17 characters of a code.
 *
 * @param body17 - The first 17 characters, from {@link USCC_ALPHABET}.
 * @returns The check character.
 * @throws RangeError if `body17` is not 17 characters of the alphabet (a programmer error: validate first).
 */
export function usccCheckCharacter(body17: string): string {
  if (body17.length !== USCC_LENGTH - 1) {
    throw new RangeError(`expected 17 characters, got ${body17.length}`);
  }
  let sum = 0;
  for (let i = 0; i < USCC_WEIGHTS.length; i++) {
    const value = USCC_ALPHABET.indexOf(body17.charAt(i));
    if (value < 0) {
      throw new RangeError(`character ${JSON.stringify(body17.charAt(i))} at position ${i + 1} is not in the alphabet`);
    }
    sum += value * (USCC_WEIGHTS[i] ?? 0);
  }
  const check = (31 - (sum % 31)) % 31;
  return USCC_ALPHABET.charAt(check);
}

/** Why a string is not a valid code, or `undefined` when it is. */
export function usccProblem(code: string): string | undefined {
  if (code.length !== USCC_LENGTH) {
    return `must be ${USCC_LENGTH} characters, got ${code.length}`;
  }
  if (!USCC_REGEXP.test(code)) {
    return 'must be upper-case digits and letters of the GB 32100-2015 alphabet (no I, O, S, V, Z), with 6 digits at positions 3-8';
  }
  const expected = usccCheckCharacter(code.slice(0, USCC_LENGTH - 1));
  if (code.charAt(USCC_LENGTH - 1) !== expected) {
    return `check character must be ${expected}, got ${code.charAt(USCC_LENGTH - 1)}`;
  }
  return undefined;
}

/**
 * Whether `code` is a well-formed unified social credit code with a correct check character.
 *
 * @param code - Candidate code (case-sensitive: codes are upper case).
 * @returns True when valid.
 */
export function isValidUscc(code: string): boolean {
  return usccProblem(code) === undefined;
}
