/**
 * Counts failures per client (failed authentications per IP address) in fixed windows, in bounded memory: at most
 * `maxClients` clients are tracked, the least recently failing one is forgotten first (a Map keeps insertion order;
 * a failure moves its client to the end). Forgetting a client only ever lets it try again sooner; it cannot block
 * anyone by mistake.
 */

/** Options of {@link newFailureLimiter}. */
export interface FailureLimiterOptions {
  /** Failures allowed per client and window; the next attempt is refused until the window ends. */
  readonly max: number;
  /** Window length, in milliseconds. */
  readonly windowMs: number;
  /** Most clients tracked at once. */
  readonly maxClients: number;
  /** Clock, in milliseconds (tests pass their own). */
  readonly now?: () => number;
}

/** A failure counter. */
export interface FailureLimiter {
  /** Milliseconds until `client` may try again, or 0 when it may now. */
  blockedForMs(client: string): number;
  /** Count one failure of `client`. */
  fail(client: string): void;
  /** Clients tracked (for tests and metrics). */
  size(): number;
}

interface Window {
  startedAt: number;
  failures: number;
}

/**
 * Create a failure limiter.
 *
 * @param options - Limits and clock.
 * @returns The limiter.
 */
export function newFailureLimiter(options: FailureLimiterOptions): FailureLimiter {
  const now = options.now ?? Date.now;
  const windows = new Map<string, Window>();
  return {
    blockedForMs(client) {
      const window = windows.get(client);
      if (window === undefined) return 0;
      const left = window.startedAt + options.windowMs - now();
      if (left <= 0) {
        windows.delete(client);
        return 0;
      }
      return window.failures >= options.max ? left : 0;
    },
    fail(client) {
      const at = now();
      let window = windows.get(client);
      if (window === undefined || at - window.startedAt >= options.windowMs) {
        window = { startedAt: at, failures: 0 };
      }
      window.failures += 1;
      windows.delete(client);
      windows.set(client, window);
      while (windows.size > options.maxClients) {
        const oldest = windows.keys().next().value as string;
        windows.delete(oldest);
      }
    },
    size: () => windows.size,
  };
}
