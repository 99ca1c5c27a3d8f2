/**
 * Stream tokens: short-lived, single-use, signed tickets that stand in for an API key where a client cannot send an
 * `Authorization` header (a browser's `EventSource`). The raw API key never goes into a URL: a client holding the key
 * asks `POST /v1/stream-tokens` for a ticket bound to the key's id, then opens `...?access_token=<ticket>`.
 *
 * A ticket is `st1.<keyId>.<expiresAtMs>.<nonce>.<mac>`, the MAC an HMAC-SHA-256 under a secret of this process. It
 * opens one stream, once, before it expires; the stream then lives on as long as its own bounds allow. Redeemed nonces
 * are remembered until their expiry (and no longer), so replaying a ticket read from a log or a proxy fails.
 * Pure apart from node:crypto; the caller supplies the clock.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Version prefix of a ticket. */
const PREFIX = 'st1';

/** How long a ticket may be redeemed after issue, in milliseconds. */
export const STREAM_TOKEN_TTL_MS = 60_000;

/** Most tickets issued and not yet expired (the redeemed-nonce memory is bounded by it). */
export const STREAM_TOKENS_OUTSTANDING_MAX = 100_000;

/** Longest ticket looked at; anything longer is refused without computing a MAC. */
export const STREAM_TOKEN_MAX_LENGTH = 200;

/** A ticket as issued. */
export interface IssuedStreamToken {
  readonly token: string;
  readonly expiresAt: Date;
}

/** Why a ticket was refused. */
export type StreamTokenRefusal = 'malformed' | 'bad-signature' | 'expired' | 'already-used';

/** The outcome of redeeming a ticket. */
export type RedeemedStreamToken =
  | { readonly ok: true; readonly keyId: string }
  | { readonly ok: false; readonly reason: StreamTokenRefusal };

/** Issues and redeems tickets. */
export interface StreamTokens {
  /**
   * A new ticket for this API key id.
   *
   * @throws Error when {@link STREAM_TOKENS_OUTSTANDING_MAX} unexpired tickets are outstanding (a caller loop).
   */
  issue(keyId: string): IssuedStreamToken;
  /** Check a ticket and mark it used (in this process). */
  redeem(token: string): RedeemedStreamToken;
  /**
   * Check a ticket's form, signature and expiry only, without marking it used: for several processes that share the
   * secret and mark nonces used in a shared store (cluster/shared-limits.ts).
   */
  check(token: string): CheckedStreamToken;
}

/** A ticket that is well formed, signed with the secret and unexpired, or why not. */
export type CheckedStreamToken =
  | { readonly ok: true; readonly keyId: string; readonly nonce: string; readonly expiresAtMs: number }
  | { readonly ok: false; readonly reason: Exclude<StreamTokenRefusal, 'already-used'> };

/** Construction options of {@link newStreamTokens}. */
export interface StreamTokenOptions {
  /**
   * HMAC key; default 32 random bytes, so tickets are valid only in the process that issued them. Several gateway
   * processes share one from their configuration (`STREAM_TOKEN_SECRET`).
   */
  secret?: Buffer;
  ttlMs?: number;
  outstandingMax?: number;
  /** Clock, in milliseconds since the epoch. */
  now?: () => number;
}

/**
 * Create the ticket office.
 *
 * @param options - Secret, lifetime, bound, clock.
 * @returns Issue and redeem.
 */
export function newStreamTokens(options: StreamTokenOptions = {}): StreamTokens {
  const secret = options.secret ?? randomBytes(32);
  const ttlMs = options.ttlMs ?? STREAM_TOKEN_TTL_MS;
  const outstandingMax = options.outstandingMax ?? STREAM_TOKENS_OUTSTANDING_MAX;
  const now = options.now ?? Date.now;
  /** Issued, unexpired nonces: false until redeemed. Insertion order is expiry order (constant ttl). */
  const outstanding = new Map<string, { expiresAtMs: number; used: boolean }>();

  const mac = (body: string) => createHmac('sha256', secret).update(body, 'utf8').digest();

  function prune(at: number): void {
    for (const [nonce, entry] of outstanding) {
      if (entry.expiresAtMs > at) break; // the rest expire later
      outstanding.delete(nonce);
    }
  }

  return {
    issue(keyId) {
      if (!/^[!-~]{1,100}$/.test(keyId) || keyId.includes('.')) {
        throw new Error(`a key id must be 1..100 visible ASCII characters without '.', got ${JSON.stringify(keyId)}`);
      }
      const at = now();
      prune(at);
      if (outstanding.size >= outstandingMax) {
        throw new Error(`${outstandingMax} stream tokens are outstanding; refusing to issue more`);
      }
      const expiresAtMs = at + ttlMs;
      const nonce = randomBytes(16).toString('base64url');
      const body = `${PREFIX}.${keyId}.${expiresAtMs}.${nonce}`;
      outstanding.set(nonce, { expiresAtMs, used: false });
      return { token: `${body}.${mac(body).toString('base64url')}`, expiresAt: new Date(expiresAtMs) };
    },

    redeem(token) {
      const checked = check(token);
      if (!checked.ok) return checked;
      const entry = outstanding.get(checked.nonce);
      // Signed by us and unexpired but unknown: issued before a restart with the same secret, or forged by
      // someone holding it; either way it cannot be proven unused.
      if (entry === undefined || entry.used) return { ok: false, reason: 'already-used' };
      entry.used = true;
      return { ok: true, keyId: checked.keyId };
    },

    check,
  };

  function check(token: string): CheckedStreamToken {
    if (token.length > STREAM_TOKEN_MAX_LENGTH) return { ok: false, reason: 'malformed' };
    const parts = token.split('.');
    if (parts.length !== 5 || parts[0] !== PREFIX) return { ok: false, reason: 'malformed' };
    const [, keyId, expiry, nonce, signature] = parts as [string, string, string, string, string];
    if (!/^\d{1,15}$/.test(expiry) || keyId.length === 0) return { ok: false, reason: 'malformed' };
    const expected = mac(`${PREFIX}.${keyId}.${expiry}.${nonce}`);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return { ok: false, reason: 'bad-signature' };
    const at = now();
    prune(at);
    if (Number(expiry) <= at) return { ok: false, reason: 'expired' };
    return { ok: true, keyId, nonce, expiresAtMs: Number(expiry) };
  }
}
