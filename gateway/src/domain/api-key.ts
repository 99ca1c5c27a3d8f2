/**
 * API key secrets: generation, the stored digest, and the `Authorization: Bearer` header format.
 *
 * Why SHA-256 and not bcrypt/argon2: a key is 256 random bits, so guessing it from a leaked digest is infeasible at
 * any hash speed; slow password hashes only help low-entropy secrets chosen by people. A fast, unsalted digest also
 * lets the gateway find the key with one indexed lookup per request instead of a ~100 ms hash plus a key-id prefix.
 */
import { createHash, randomBytes } from 'node:crypto';

/** Prefix of every key, so that secret scanners and people recognise one. */
export const API_KEY_PREFIX = 'htk_';

/** Random bytes in a key. */
export const API_KEY_RANDOM_BYTES = 32;

/** Length of a key: prefix plus base64url of {@link API_KEY_RANDOM_BYTES} bytes (no padding). */
export const API_KEY_LENGTH = API_KEY_PREFIX.length + Math.ceil((API_KEY_RANDOM_BYTES * 4) / 3);

/** Shortest bootstrap key accepted from the environment (chosen by a person, so ask for enough characters). */
export const MIN_BOOTSTRAP_KEY_LENGTH = 32;

/** Longest bearer token looked at; anything longer is refused without hashing. */
export const MAX_BEARER_TOKEN_LENGTH = 256;

/**
 * A new random API key.
 *
 * @returns `htk_` followed by 43 base64url characters.
 */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(API_KEY_RANDOM_BYTES).toString('base64url');
}

/**
 * The digest stored for a key and used to look it up.
 *
 * @param key - The plaintext key.
 * @returns SHA-256 of its UTF-8 bytes.
 */
export function apiKeyDigest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/**
 * The token of an `Authorization: Bearer <token>` header.
 *
 * @param header - The header value, if any.
 * @returns The token, or undefined when the header is absent, not Bearer, empty or too long.
 */
export function parseBearerToken(header: string | undefined): string | undefined {
  if (header === undefined) {
    return undefined;
  }
  const match = /^Bearer +(\S+) *$/i.exec(header);
  const token = match?.[1];
  if (token === undefined || token.length > MAX_BEARER_TOKEN_LENGTH) {
    return undefined;
  }
  return token;
}
