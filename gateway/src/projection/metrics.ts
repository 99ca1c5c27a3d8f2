/**
 * Prometheus gauges of the projection: the last projected block (compare it with the chain height for the lag),
 * whether the event stream is open, and consecutive failures.
 */
import { Gauge, type Registry } from 'prom-client';
import type { ProjectionFollower } from './follower';

/**
 * Register the projection's gauges in the app's registry (read from the follower at scrape time).
 *
 * @param registry - `fastify.metrics`.
 * @param follower - The running follower.
 */
export function registerProjectionMetrics(registry: Registry, follower: ProjectionFollower): void {
  new Gauge({
    name: 'projection_last_block',
    help: 'Last block whose ledger events are projected into PostgreSQL (-1 before the first)',
    registers: [registry],
    collect() {
      const block = follower.status().lastBlock;
      this.set(block === undefined ? -1 : Number(block));
    },
  });
  new Gauge({
    name: 'projection_streaming',
    help: '1 while the projection has an open chaincode event stream',
    registers: [registry],
    collect() {
      this.set(follower.status().streaming ? 1 : 0);
    },
  });
  new Gauge({
    name: 'projection_consecutive_failures',
    help: 'Event stream or write failures in a row since the last projected batch',
    registers: [registry],
    collect() {
      this.set(follower.status().consecutiveFailures);
    },
  });
}
