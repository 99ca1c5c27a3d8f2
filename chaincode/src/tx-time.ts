/**
 * Transaction time, the only clock chaincode may read.
 *
 * Endorsers run at different moments, so `Date.now()` would differ between them and break endorsement.
 * The proposal header carries the time the client built the proposal; every endorser sees the same value
 * through `stub.getTxTimestamp()`. This module turns that protobuf timestamp into ISO-8601.
 */

/** Seconds as the shim gives them: a `Long` from `getTxTimestamp()`, a plain number in history entries. */
export type TimestampSeconds = number | { toNumber(): number };

/** A protobuf Timestamp as exposed by fabric-shim. */
export interface ProtoTimestamp {
  readonly seconds: TimestampSeconds;
  readonly nanos: number;
}

/**
 * Converts a protobuf timestamp to an ISO-8601 UTC string with millisecond precision
 * (Fabric clients stamp proposals in whole milliseconds, so nothing is lost in practice).
 *
 * @param timestamp from `ctx.stub.getTxTimestamp()` or a history entry
 * @returns for example `2026-11-25T10:00:00.123Z`
 */
export function timestampToIso(timestamp: ProtoTimestamp): string {
  const seconds = typeof timestamp.seconds === 'number' ? timestamp.seconds : timestamp.seconds.toNumber();
  const millis = seconds * 1000 + Math.floor(timestamp.nanos / 1_000_000);
  return new Date(millis).toISOString();
}
