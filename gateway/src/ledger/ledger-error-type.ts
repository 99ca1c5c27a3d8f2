/**
 * The ledger port's error: what every ledger client (the Fabric adapter, test fakes) throws, with a stable `code`, a
 * coarse `kind` and `retryable`. It is part of the port's contract, not of the adapter, so that the modules that
 * branch on ledger failures (ledger-error.ts, capture/failure.ts, use cases) do not load the Fabric adapter; the
 * adapter (adapters/fabric/errors.ts) builds these from what the Fabric Gateway client throws.
 */

/** Stable codes for failures that do not come from the chaincode itself. Chaincode codes pass through unchanged. */
export const LedgerErrorCode = {
  /** The chaincode failed without a `CODE: ` prefix (contract API errors, wrong argument count, bugs). */
  CHAINCODE_ERROR: 'CHAINCODE_ERROR',
  /** MVCC or phantom read conflict at commit: nothing was written; a fresh transaction may succeed. */
  LEDGER_CONFLICT: 'LEDGER_CONFLICT',
  /** The peer or the ordering service is unreachable or not ready; nothing was ordered. */
  LEDGER_UNAVAILABLE: 'LEDGER_UNAVAILABLE',
  /** A call ran past its deadline (or the chaincode did not answer in time). */
  LEDGER_TIMEOUT: 'LEDGER_TIMEOUT',
  /** The transaction was sent for ordering but its outcome is unknown; do not blindly resubmit. */
  LEDGER_OUTCOME_UNKNOWN: 'LEDGER_OUTCOME_UNKNOWN',
  /** The peer refused our identity: certificate not from the channel MSP's CA, wrong key, or not a reader. */
  IDENTITY_REFUSED: 'IDENTITY_REFUSED',
  /** The channel or chaincode name is unknown to the peer: a configuration mistake, not worth retrying. */
  LEDGER_MISCONFIGURED: 'LEDGER_MISCONFIGURED',
  /** The transaction id was already used (a signed proposal or transaction was replayed). */
  LEDGER_DUPLICATE_TRANSACTION: 'LEDGER_DUPLICATE_TRANSACTION',
  /** The transaction was ordered but marked invalid for a reason other than a read conflict. */
  LEDGER_TRANSACTION_INVALID: 'LEDGER_TRANSACTION_INVALID',
  /** The call or event stream was cancelled on the client (for example by `close()`). */
  LEDGER_CANCELLED: 'LEDGER_CANCELLED',
  /** The chaincode answered with bytes that are not the JSON this gateway expects. */
  LEDGER_BAD_RESULT: 'LEDGER_BAD_RESULT',
  /** The ledger client was used after `close()`. */
  LEDGER_CLOSED: 'LEDGER_CLOSED',
  /** Anything else. */
  LEDGER_FAILURE: 'LEDGER_FAILURE',
} as const;

/** One of the {@link LedgerErrorCode} values. */
export type LedgerErrorCodeValue = (typeof LedgerErrorCode)[keyof typeof LedgerErrorCode];

/**
 * Coarse class of a ledger failure, for callers choosing an HTTP status or a log level.
 * - `chaincode`: a business rule refused the request (4xx material).
 * - `conflict`: a concurrent write won; retryable with a new transaction.
 * - `transient`: the network is briefly unavailable or slow; retryable.
 * - `identity`: the gateway's own credentials are refused (an operator problem).
 * - `outcome-unknown`: the transaction may or may not commit; check by transaction id before acting again.
 * - `ledger`: any other failure of the ledger or of this client.
 */
export type LedgerErrorKind = 'chaincode' | 'conflict' | 'transient' | 'identity' | 'outcome-unknown' | 'ledger';

/** Constructor properties of {@link LedgerError}. */
export interface LedgerErrorProperties {
  /** Stable code: a chaincode's own code (e.g. `INVALID_TRANSITION`) or a {@link LedgerErrorCode}. */
  code: string;
  message: string;
  kind: LedgerErrorKind;
  retryable: boolean;
  transactionId?: string;
  /** gRPC status code, when the failure came from a gRPC call. */
  grpcCode?: number;
  /** Fabric transaction validation code, when the failure came from a `CommitError`. */
  validationCode?: number;
  /** Chaincode response status (400..599), when the chaincode failed. */
  chaincodeStatus?: number;
  /** The original error. */
  cause?: unknown;
  /** For `IDENTITY_REFUSED`: which refusal the peer's text shows. */
  identityRefusal?: IdentityRefusal;
  /** True when `message` is a sentence this gateway wrote for the user (names the MSP, identity or setting to fix). */
  explained?: boolean;
}

/**
 * How the peer refused the signing identity:
 * - `msp-unknown`: `creator org unknown` — the channel has no such MSP, or the certificate is not from its CA;
 * - `signature-refused`: `creator org [<msp>]` — a known MSP, but the certificate is revoked or the key does not match;
 * - `not-reader`: the channel's Readers policy refused a signed request (commit status, events).
 */
export type IdentityRefusal = 'msp-unknown' | 'signature-refused' | 'not-reader';

/** The only error type a ledger client lets out (the Fabric adapter builds it in adapters/fabric/errors.ts). */
export class LedgerError extends Error {
  /** Stable code: a chaincode's own code (e.g. `INVALID_TRANSITION`) or a {@link LedgerErrorCode}. */
  readonly code: string;
  /** Coarse class of failure. */
  readonly kind: LedgerErrorKind;
  /** True only for failures that a new transaction can fix: read conflicts and transient unavailability. */
  readonly retryable: boolean;
  /** Id of the transaction concerned, when the client knew it. */
  readonly transactionId?: string;
  /** gRPC status code, when the failure came from a gRPC call. */
  readonly grpcCode?: number;
  /** Fabric transaction validation code, when the failure came from a `CommitError`. */
  readonly validationCode?: number;
  /** Chaincode response status, when the chaincode failed. */
  readonly chaincodeStatus?: number;
  /** The original error, kept for logs. */
  override readonly cause: unknown;
  /** For `IDENTITY_REFUSED`: which refusal the peer's text shows. */
  readonly identityRefusal?: IdentityRefusal;
  /** True when `message` is a sentence this gateway wrote for the user. */
  readonly explained?: boolean;

  constructor(properties: Readonly<LedgerErrorProperties>) {
    super(properties.message);
    // Restores the prototype chain when this file is compiled to ES5 (tap's ts-node run of the tests does that),
    // where `instanceof LedgerError` would otherwise be false and nothing would be retried.
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'LedgerError';
    this.code = properties.code;
    this.kind = properties.kind;
    this.retryable = properties.retryable;
    this.cause = properties.cause;
    // Assigned only when known, so that logs and deepEqual checks do not carry `undefined` keys.
    if (properties.transactionId !== undefined) this.transactionId = properties.transactionId;
    if (properties.grpcCode !== undefined) this.grpcCode = properties.grpcCode;
    if (properties.validationCode !== undefined) this.validationCode = properties.validationCode;
    if (properties.chaincodeStatus !== undefined) this.chaincodeStatus = properties.chaincodeStatus;
    if (properties.identityRefusal !== undefined) this.identityRefusal = properties.identityRefusal;
    if (properties.explained === true) this.explained = true;
  }
}
