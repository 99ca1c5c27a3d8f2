/**
 * Bounded polling for tests: wait until a condition holds, checking a limited number of times. It asserts no
 * duration; it only fails when the condition never holds within the bound.
 */

/** Default number of checks. */
export const WAIT_POLLS = 300;
/** Default pause between checks, in milliseconds. */
export const WAIT_POLL_INTERVAL_MS = 100;

/**
 * Resolve with the first truthy value of `probe`, checking at most `polls` times.
 *
 * @param what - Said in the error when the condition never holds.
 * @param probe - Returns a truthy value when the condition holds; errors count as "not yet".
 * @param polls - Most checks.
 * @param intervalMs - Pause between checks.
 * @returns The truthy value.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  polls = WAIT_POLLS,
  intervalMs = WAIT_POLL_INTERVAL_MS,
): Promise<T> {
  let lastError: unknown;
  for (let poll = 0; poll < polls; poll++) {
    try {
      const value = await probe();
      if (value) {
        return value;
      }
    } catch (err: unknown) {
      lastError = err;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(
    `gave up waiting for ${what} after ${polls} checks${lastError ? ` (last error: ${String(lastError)})` : ''}`,
  );
}
