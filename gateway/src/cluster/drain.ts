/**
 * Draining: a process asked to stop (SIGTERM) first tells the load balancer it is no longer ready (`/readyz` 503,
 * reason `draining`) while still serving every request, for `DRAIN_DELAY_MS`, so that the balancer stops sending it
 * new requests before its listener closes; then the server closes and requests in flight complete.
 */

let draining = false;

/** Whether this process is draining (the health plugin answers `/readyz` 503 `draining`). */
export function isDraining(): boolean {
  return draining;
}

/**
 * Start draining and wait `delayMs` (the requests keep being served meanwhile).
 *
 * @param delayMs - How long the balancer needs to notice (a few of its readiness probe periods).
 */
export async function drain(delayMs: number): Promise<void> {
  draining = true;
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
}

/** For tests: serve as ready again. */
export function resetDraining(): void {
  draining = false;
}
