/**
 * The identity part of the gateway's configuration: the key-encryption key(s) of stored identity keys, the CAs given
 * by environment (the connection profile may name them too), and the bounds of the identity registry and renewal.
 * Read by config.ts with its helpers, so every bad variable is listed together with the others.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readEnvironmentCas, type CaSettings } from './ca-settings';
import { parseKekList } from './key-vault';

/** The identity settings. */
export interface IdentityConfig {
  /**
   * KEKs from `IDENTITY_KEY_ENCRYPTION_KEY` (comma-separated: the first encrypts, the others only decrypt during a
   * rotation) or `IDENTITY_KEY_ENCRYPTION_KEY_FILE`; unset: the embedded default's `<data>/identity-kek`.
   */
  readonly keyEncryptionKeys: readonly Buffer[] | undefined;
  /** CAs from `FABRIC_CA_*`; they replace the profile's CA of the same MSP. */
  readonly certificateAuthorities: readonly CaSettings[];
  /** Most enterprise identities connected at once (`IDENTITY_MAX_ACTIVE`). */
  readonly maxActive: number;
  /** Renew certificates ending within this many days (`IDENTITY_RENEW_BEFORE_DAYS`). */
  readonly renewBeforeDays: number;
  /** Time between renewal rounds (`IDENTITY_RENEWAL_INTERVAL_MS`). */
  readonly renewalIntervalMs: number;
  /** Renewals per round (`IDENTITY_RENEWALS_PER_ROUND`). */
  readonly renewalsPerRound: number;
}

/**
 * Read the identity settings.
 *
 * @param read - Trimmed non-empty variable or undefined.
 * @param integer - config.ts's bounded integer reader.
 * @param cwd - Folder relative paths are resolved against.
 * @param problems - Where to add what is wrong (never echoing a key).
 */
export function readIdentityConfig(
  read: (name: string) => string | undefined,
  integer: (name: string, fallback: number, min: number, max: number) => number,
  cwd: string,
  problems: string[],
): IdentityConfig {
  const inline = read('IDENTITY_KEY_ENCRYPTION_KEY');
  const file = read('IDENTITY_KEY_ENCRYPTION_KEY_FILE');
  let keyEncryptionKeys: Buffer[] | undefined;
  if (inline !== undefined && file !== undefined) {
    problems.push('IDENTITY_KEY_ENCRYPTION_KEY: set either it or IDENTITY_KEY_ENCRYPTION_KEY_FILE, not both');
  } else if (inline !== undefined || file !== undefined) {
    const name = inline !== undefined ? 'IDENTITY_KEY_ENCRYPTION_KEY' : 'IDENTITY_KEY_ENCRYPTION_KEY_FILE';
    let text = inline;
    if (file !== undefined) {
      const path = resolve(cwd, file);
      if (existsSync(path)) text = readFileSync(path, 'utf8');
      else problems.push(`${name}: file ${path} does not exist`);
    }
    if (text !== undefined) {
      const { keks, problems: keyProblems } = parseKekList(text);
      for (const problem of keyProblems) problems.push(`${name}: ${problem}`);
      if (keyProblems.length === 0) keyEncryptionKeys = keks;
    }
  }
  return {
    keyEncryptionKeys,
    certificateAuthorities: readEnvironmentCas(read, cwd, problems),
    maxActive: integer('IDENTITY_MAX_ACTIVE', 1_000, 1, 1_000_000),
    renewBeforeDays: integer('IDENTITY_RENEW_BEFORE_DAYS', 30, 1, 3_650),
    renewalIntervalMs: integer('IDENTITY_RENEWAL_INTERVAL_MS', 3_600_000, 1_000, 86_400_000),
    renewalsPerRound: integer('IDENTITY_RENEWALS_PER_ROUND', 50, 1, 500),
  };
}
