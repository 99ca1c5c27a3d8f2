/**
 * The stocktake's own problem codes (409s a client can cause by calling in the wrong state). Kept beside the
 * feature; the codes are stable like those of gateway/src/errors.ts.
 */
import { ProblemError } from '../errors';

/** Reads sent to a stocktake that is closing or closed. */
export function newStocktakeClosed(id: string): ProblemError {
  return new ProblemError(
    'STOCKTAKE_CLOSED',
    { status: 409, title: 'Stocktake closed' },
    `stocktake ${id} is closed: no more reads are taken`,
  );
}

/** A proof asked of a stocktake that is not closed yet (its counted set, so its root, may still change). */
export function newStocktakeOpen(id: string): ProblemError {
  return new ProblemError(
    'STOCKTAKE_OPEN',
    { status: 409, title: 'Stocktake not closed' },
    `stocktake ${id} is not closed: close it before asking for proofs`,
  );
}
