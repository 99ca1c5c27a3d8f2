/**
 * Money as integer fen (1 CNY = 100 fen): checking amounts that arrive as arguments, and writing them for people.
 *
 * Floats cannot hold 0.01 exactly and could round differently along two code paths, so every amount on the ledger
 * is a safe integer number of fen, and ratios are integer basis points.
 */
import { ChaincodeError, ErrorCode } from '@hainan/ledger-model';

/**
 * Checks that an argument is an amount of money: a non-negative safe integer number of fen.
 *
 * @param value the argument as received (arguments come from JSON, so it may be anything)
 * @param name the argument's name, for the message
 * @returns the amount
 * @throws ChaincodeError INVALID_ARGUMENT naming the argument and the value
 */
export function requireFen(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ChaincodeError(
      ErrorCode.INVALID_ARGUMENT,
      `${name} must be a non-negative integer number of fen (1 CNY = 100 fen), got ${JSON.stringify(value) ?? String(value)}`,
    );
  }
  return value;
}

/**
 * Writes an amount for an error message or a report.
 *
 * @param fen integer fen
 * @returns e.g. `19999.99 CNY` for 1,999,999 fen
 */
export function formatFen(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')} CNY`;
}
