/**
 * Makes fabric-shim's disabled log levels cost nothing.
 *
 * Why: the shim logs through winston 3, whose logger runs its whole format pipeline (timestamp, metadata,
 * colorize, padLevels, printf) on every message and only drops the ones below the level afterwards, at the
 * transport. The shim writes a debug line for every message it exchanges with the peer (two per GetState or
 * PutState), so at the default INFO level a 1,000-item transaction formatted ~4,000 lines nobody sees: about a
 * sixth of the chaincode process's busy CPU in a profile of bench/chaincode-throughput.js. Each shim logger
 * below gets its level methods wrapped to return at once when the level is off (checked on every call, so
 * turning DEBUG on later still works).
 */
// The shim's logger module is not in its public types; it is the one the shim's own files require.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const shimLogger = require('fabric-shim/lib/logger') as { getLogger(name: string): WinstonLike };

interface WinstonLike {
  isLevelEnabled(level: string): boolean;
  [level: string]: unknown;
}

/** The shim loggers on the per-message path (names as the shim's files register them). */
const HOT_LOGGERS = [
  'lib/handler.js',
  'lib/stub.js',
  'lib/iterators.js',
  'lib/chaincode.js',
  'contracts-spi/chaincodefromcontract.js',
];
const QUIETED_LEVELS = ['debug', 'info'];
const quieted = new WeakSet<object>();

/** Wraps the hot shim loggers (idempotent). */
export function quietDisabledShimLogLevels(): void {
  for (const name of HOT_LOGGERS) {
    const logger = shimLogger.getLogger(name);
    if (quieted.has(logger)) continue;
    for (const level of QUIETED_LEVELS) {
      const original = logger[level];
      if (typeof original !== 'function') continue;
      logger[level] = function logIfEnabled(this: WinstonLike, ...args: unknown[]): unknown {
        return logger.isLevelEnabled(level) ? (original as (...a: unknown[]) => unknown).apply(this, args) : this;
      };
    }
    quieted.add(logger);
  }
}
