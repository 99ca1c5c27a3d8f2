/**
 * The HTTP face of ledger failures: the status of each chaincode code and of each ledger port error, as problems
 * ({@link ProblemError}). Kept apart from errors.ts, which knows nothing of the ledger; it reads the port's
 * {@link LedgerError} (ledger/ledger-error-type.ts), never the Fabric adapter.
 */
import { LedgerError } from './ledger/ledger-error-type';
import { ErrorCodes, ProblemError, type ProblemOptions } from './errors';

/** Retry-After, in seconds, suggested for a ledger conflict or outage that outlived the adapter's own retries. */
export const LEDGER_RETRY_AFTER_S = 2;

/** HTTP status of a chaincode refusal, by chaincode code; any other chaincode code is a rule refusal (422). */
const CHAINCODE_STATUS: Readonly<Record<string, number>> = {
  ACCESS_DENIED: 403,
  NOT_FOUND: 404,
  INVALID_TRANSITION: 409,
  ALREADY_EXISTS: 409,
  ITEM_HELD: 409,
  // The item is held by another enterprise, or was shipped to another receiver or location: the ledger state says no.
  NOT_HOLDER: 409,
  WRONG_RECEIPT: 409,
  // The same submission id (Idempotency-Key, capture chunk) is already on the ledger.
  DUPLICATE_SUBMISSION: 409,
  INVALID_ARGUMENT: 422,
  // Suspension (issue 13): the caller's enterprise is suspended; customs suspends twice or reinstates a non-suspended one.
  ENTERPRISE_SUSPENDED: 403,
  ALREADY_SUSPENDED: 409,
  NOT_SUSPENDED: 409,
  // Issue 18: an inspection result for an exit neither its risk screening nor a revealed draw selected.
  NOT_SELECTED_FOR_INSPECTION: 409,
  // Issue 18 Must 3: gate release of a release list no exit carries, already released, or blocked by its items.
  RELEASE_LIST_UNKNOWN: 404,
  GATE_ALREADY_RELEASED: 409,
  GATE_BLOCKED: 409,
  // Issue 18 Must 4: write-off of a period not closed, a second one, or of a matched set that changed since its preview.
  PERIOD_NOT_CLOSED: 409,
  ALREADY_WRITTEN_OFF: 409,
  WRITE_OFF_CHANGED: 409,
  // Issue 18 Must 5 (一呼一应): an answer to a request never filed, a second accept, an answer to a closed request.
  REQUEST_UNKNOWN: 404,
  // Issue 15 Must 3: a step on an item alone while it is packed in a case or pallet (unpack it first).
  ITEM_IN_CONTAINER: 409,
  REQUEST_ALREADY_ANSWERED: 409,
  REQUEST_CLOSED: 409,
};

/** Status for a chaincode code that is not in {@link CHAINCODE_STATUS}: a domain rule said no. */
const CHAINCODE_RULE_REFUSAL_STATUS = 422;

/**
 * Map a {@link LedgerError} from the Fabric adapter to a problem, keeping its code.
 *
 * - a coded chaincode refusal: 403 / 404 / 409 / 422 by code (see {@link CHAINCODE_STATUS}); the chaincode's text is
 *   the detail, because the chaincode wrote it for the caller;
 * - a chaincode failure without a code (`CHAINCODE_ERROR`): 500, a bug;
 * - a conflict or transient outage that outlived the adapter's retries: 503 with Retry-After;
 * - a timeout or an unknown outcome: 504 (resubmit with the same client-generated id: the chaincode treats
 *   `ALREADY_EXISTS` on retry as success);
 * - our identity refused by the channel, or settings naming an unknown channel or chaincode: 503 with a sentence naming
 *   what to fix (see {@link problemForAdministrator});
 * - anything else: 500 / 502, text hidden.
 *
 * @param err - The adapter's error.
 * @returns The problem to throw.
 */
export function problemFromLedgerError(err: LedgerError): ProblemError {
  const options = { cause: err, extensions: err.transactionId ? { transactionId: err.transactionId } : {} };
  const administrative = problemForAdministrator(err, options);
  if (administrative !== undefined) return administrative;
  switch (err.kind) {
    case 'chaincode': {
      if (err.code === 'CHAINCODE_ERROR') {
        return new ProblemError(err.code, ErrorCodes.INTERNAL, err.message, options);
      }
      const status = CHAINCODE_STATUS[err.code] ?? CHAINCODE_RULE_REFUSAL_STATUS;
      return new ProblemError(err.code, { status, title: titleForChaincodeStatus(status) }, err.message, options);
    }
    case 'conflict':
    case 'transient':
      return new ProblemError(err.code, ErrorCodes.UNAVAILABLE, err.message, {
        ...options,
        headers: { 'retry-after': String(LEDGER_RETRY_AFTER_S) },
      });
    case 'outcome-unknown':
      return new ProblemError(err.code, ErrorCodes.LEDGER_TIMEOUT, err.message, options);
    case 'identity':
      return new ProblemError(err.code, ErrorCodes.INTERNAL, err.message, options);
    case 'ledger':
      if (err.code === 'LEDGER_TIMEOUT') {
        return new ProblemError(err.code, ErrorCodes.LEDGER_TIMEOUT, err.message, options);
      }
      if (err.code === 'LEDGER_MISCONFIGURED' || err.code === 'LEDGER_BAD_RESULT' || err.code === 'LEDGER_CLOSED') {
        return new ProblemError(err.code, ErrorCodes.INTERNAL, err.message, options);
      }
      return new ProblemError(err.code, ErrorCodes.LEDGER_FAILURE, err.message, options);
  }
}

// --- Ledger identity and channel settings (issue 17 Must 4): 503 with a sentence naming what to fix -----------------

/** A generic sentence when the adapter could not name the identity (no signing context): the logs have the peer's text. */
const ADMINISTRATIVE_FALLBACK: Readonly<Record<string, string>> = {
  IDENTITY_REFUSED: "the ledger refused the identity this gateway signs with; the gateway log names the peer's reason",
  LEDGER_MISCONFIGURED:
    'the ledger settings name a channel or chaincode the peer does not know; the gateway log names it',
};

/**
 * An identity the channel refuses, or settings naming an unknown channel or chaincode: not the caller's fault and not a
 * gateway bug, so 503 (the service cannot work until an administrator acts), with the adapter's sentence naming the
 * MSP, identity or setting (adapters/fabric/explain.ts) shown to the client.
 */
function problemForAdministrator(err: LedgerError, options: Readonly<ProblemOptions>): ProblemError | undefined {
  const code =
    err.kind === 'identity'
      ? 'IDENTITY_REFUSED'
      : err.code === 'LEDGER_MISCONFIGURED'
        ? 'LEDGER_MISCONFIGURED'
        : undefined;
  if (code === undefined) return undefined;
  const detail = err.explained === true ? err.message : (ADMINISTRATIVE_FALLBACK[code] ?? err.message);
  return new ProblemError(err.code, ErrorCodes[code], detail, { ...options, expose: true });
}

/**
 * The problem for a chaincode code the gateway found itself before submitting (a request checked with the ledger
 * model's rules, as the chaincode checks it): the status and title the chaincode's own refusal would get.
 *
 * @param code - The chaincode's stable code, e.g. `INVALID_ARGUMENT`.
 * @param detail - What went wrong (the chaincode's words).
 * @param options - Extensions, headers, cause.
 * @returns The problem to throw.
 */
export function problemFromChaincodeCode(
  code: string,
  detail: string,
  options: Readonly<ProblemOptions> = {},
): ProblemError {
  const status = CHAINCODE_STATUS[code] ?? CHAINCODE_RULE_REFUSAL_STATUS;
  return new ProblemError(code, { status, title: titleForChaincodeStatus(status) }, detail, options);
}

function titleForChaincodeStatus(status: number): string {
  switch (status) {
    case 403:
      return 'Refused by the ledger: access denied';
    case 404:
      return 'Not found on the ledger';
    case 409:
      return 'Conflicts with the ledger state';
    default:
      return 'Refused by a ledger rule';
  }
}

/**
 * Whether `err` is the chaincode refusing with `code` (e.g. `ALREADY_EXISTS` when an earlier attempt already
 * committed the same outcome), so that use cases can tell it apart without importing the Fabric adapter.
 */
export function isChaincodeRefusal(err: unknown, code: string): boolean {
  return err instanceof LedgerError && err.code === code;
}
