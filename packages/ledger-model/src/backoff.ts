/**
 * Capped exponential backoff with full jitter, the retry wait of every ledger client (the gateway's Fabric calls, the
 * scanner agent's uploads): a uniformly random wait in [0, min(maxMs, baseMs × 2^doublings)), which spreads out
 * clients that failed together instead of having them retry in step.
 */

/** Most doublings applied, so that 2^doublings stays finite whatever the attempt count. */
export const BACKOFF_DOUBLINGS_MAX = 30;

/**
 * @param doublings how often the base wait has doubled (0 for the first retry of a policy that starts at `baseMs`)
 * @param baseMs the ceiling before any doubling, in milliseconds
 * @param maxMs the largest ceiling, in milliseconds
 * @param random a uniform random number in [0, 1) (clamped into [0, 1])
 * @returns a wait in whole milliseconds, in [0, min(maxMs, baseMs × 2^doublings)]
 */
export function fullJitterBackoffMs(doublings: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(doublings, 0), BACKOFF_DOUBLINGS_MAX));
  return Math.floor(Math.min(Math.max(random(), 0), 1) * ceiling);
}
