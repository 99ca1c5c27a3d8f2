/**
 * Encryption at rest of the private keys the gateway holds for enterprises: AES-256-GCM (node:crypto) under a
 * key-encryption key (KEK) from `IDENTITY_KEY_ENCRYPTION_KEY` / `_FILE` or, in the embedded default, a file made once
 * in the data directory. Each ciphertext names the KEK it was made with (`keyId`, a short hash of the KEK), so the KEK
 * can be rotated: the first configured KEK encrypts, every configured KEK decrypts. The additional authenticated
 * data is the identity id, so a ciphertext copied onto another identity's row does not decrypt.
 *
 * Nothing here logs; keys and plaintexts never leave through an error message.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';

/** Bytes of an AES-256 key. */
export const KEK_BYTES = 32;
/** Bytes of the GCM nonce (the size GCM is designed for). */
const IV_BYTES = 12;
/** Bytes of the GCM tag. */
const TAG_BYTES = 16;
/** Most KEKs configured at once (current + older ones kept for decryption during a rotation). */
export const MAX_KEKS = 8;
/** Format byte at the start of every ciphertext, so the layout can change later. */
const FORMAT_V1 = 1;

/** A sealed private key as stored: which KEK, and `format | iv | ciphertext | tag`. */
export interface SealedKey {
  readonly keyId: string;
  readonly ciphertext: Buffer;
}

/** Encrypts and decrypts identity keys. */
export interface KeyVault {
  /** Id of the KEK that {@link seal} uses. */
  readonly currentKeyId: string;
  /** Encrypt `plaintext` (a PEM private key) for identity `identityId`. */
  seal(plaintext: Buffer, identityId: string): SealedKey;
  /**
   * Decrypt a sealed key of identity `identityId`.
   *
   * @throws KeyVaultError when the KEK is not configured or the ciphertext does not authenticate.
   */
  open(sealed: SealedKey, identityId: string): Buffer;
  /**
   * A secret derived from a KEK for `label` (HMAC-SHA256, base64url): the enrollment secret of an identity, which
   * a retried onboarding can compute again without having stored it. `generation` 0 is the current KEK, 1 the
   * next older one, ...; undefined past the last.
   */
  deriveSecret(label: string, generation?: number): string | undefined;
  /** Number of configured KEKs (current first). */
  readonly generations: number;
}

/** Why a sealed key could not be opened (never carries key material). */
export class KeyVaultError extends Error {
  constructor(message: string) {
    super(message);
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'KeyVaultError';
  }
}

/** The id of a KEK: 16 hex characters of SHA-256 over a fixed label and the key (never the key itself). */
export function kekId(kek: Buffer): string {
  return createHash('sha256').update('hainan-identity-kek\0').update(kek).digest('hex').slice(0, 16);
}

/**
 * Parse one KEK written as 64 hex characters or base64 / base64url of 32 bytes.
 *
 * @returns The key, or a reason why the text is not one.
 */
export function parseKek(text: string): { kek?: Buffer; problem?: string } {
  const value = text.trim();
  let kek: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(value)) kek = Buffer.from(value, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value))
    kek = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (kek?.length !== KEK_BYTES) return { problem: `must be ${KEK_BYTES} bytes as 64 hex characters or base64` };
  return { kek };
}

/**
 * Parse a KEK list: comma-separated, the first one current, the others kept for decryption only.
 *
 * @returns The keys, or the problems (never echoing the text).
 */
export function parseKekList(text: string): { keks: Buffer[]; problems: string[] } {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const problems: string[] = [];
  if (parts.length === 0 || parts.length > MAX_KEKS)
    problems.push(`must hold 1..${MAX_KEKS} keys, got ${parts.length}`);
  const keks: Buffer[] = [];
  parts.slice(0, MAX_KEKS).forEach((part, i) => {
    const { kek, problem } = parseKek(part);
    if (kek) keks.push(kek);
    else problems.push(`key ${i + 1} ${problem ?? 'is invalid'}`);
  });
  return { keks, problems };
}

/**
 * Open a vault over KEKs (the first encrypts).
 *
 * @param keks - 1..{@link MAX_KEKS} keys of 32 bytes.
 */
export function newKeyVault(keks: readonly Buffer[]): KeyVault {
  if (keks.length === 0 || keks.length > MAX_KEKS || keks.some((k) => k.length !== KEK_BYTES)) {
    throw new RangeError(`a key vault needs 1..${MAX_KEKS} keys of ${KEK_BYTES} bytes`);
  }
  const byId = new Map(keks.map((k) => [kekId(k), Buffer.from(k)] as const));
  const current = keks[0] as Buffer;
  const currentKeyId = kekId(current);
  const ordered = keks.map((k) => Buffer.from(k));
  return {
    currentKeyId,
    generations: ordered.length,
    seal(plaintext, identityId) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(identityId, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return {
        keyId: currentKeyId,
        ciphertext: Buffer.concat([Buffer.from([FORMAT_V1]), iv, body, cipher.getAuthTag()]),
      };
    },
    open(sealed, identityId) {
      const kek = byId.get(sealed.keyId);
      if (!kek)
        throw new KeyVaultError(`key-encryption key ${sealed.keyId} is not configured (IDENTITY_KEY_ENCRYPTION_KEY)`);
      const c = sealed.ciphertext;
      if (c.length < 1 + IV_BYTES + TAG_BYTES + 1 || c[0] !== FORMAT_V1)
        throw new KeyVaultError('sealed key has an unknown format');
      const decipher = createDecipheriv('aes-256-gcm', kek, c.subarray(1, 1 + IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(identityId, 'utf8'));
      decipher.setAuthTag(c.subarray(c.length - TAG_BYTES));
      try {
        return Buffer.concat([decipher.update(c.subarray(1 + IV_BYTES, c.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw new KeyVaultError('sealed key does not authenticate (wrong identity or damaged)');
      }
    },
    deriveSecret(label, generation = 0) {
      const kek = ordered[generation];
      if (!kek) return undefined;
      return createHmac('sha256', kek).update('hainan-enrollment-secret\0').update(label).digest('base64url');
    },
  };
}

/**
 * The KEK file of the embedded default: read it, or make one (32 random bytes, base64, mode 0600) the first time.
 *
 * @param path - Where it lives (`<data>/identity-kek`).
 * @returns The file's text (one key).
 */
export async function readOrCreateKekFile(path: string): Promise<string> {
  if (existsSync(path)) return (await readFile(path, 'utf8')).trim();
  const text = randomBytes(KEK_BYTES).toString('base64');
  await writeFile(path, `${text}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(path, 0o600); // a umask cannot widen it, but an existing directory default ACL could
  return text;
}
