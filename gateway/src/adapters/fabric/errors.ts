/**
 * Turns whatever the Fabric Gateway client throws into one {@link LedgerError} with a stable code.
 *
 * The rest of the gateway branches on `code`, `kind` and `retryable` only; it never sees a gRPC status, a Fabric
 * validation code or a client error class. The shapes recognised here are those a real Fabric 2.5 peer produces
 * (see docs/fabric-peer-behaviour.md):
 * - chaincode failures arrive as a detail (or, on evaluate, also the message) `chaincode response <status>, <text>`;
 *   our chaincode starts `<text>` with a stable `CODE: ` prefix, which becomes the error code;
 * - `CommitError` carries the transaction validation code (11 MVCC_READ_CONFLICT, 12 PHANTOM_READ_CONFLICT, ...);
 * - `GatewayError` and its stage subclasses (`EndorseError`, `SubmitError`, `CommitStatusError`) carry the gRPC code.
 */
import { CommitError, GatewayError, StatusCode } from '@hyperledger/fabric-gateway';
import {
  LedgerError,
  LedgerErrorCode,
  type IdentityRefusal,
  type LedgerErrorCodeValue,
  type LedgerErrorKind,
} from '../../ledger/ledger-error-type';

// The error type is the ledger port's (ledger/ledger-error-type.ts); re-exported for the adapter's importers.
export { LedgerError, LedgerErrorCode, type IdentityRefusal, type LedgerErrorCodeValue, type LedgerErrorKind };
export type { LedgerErrorProperties } from '../../ledger/ledger-error-type';

/** gRPC status codes used below (see https://grpc.io/docs/guides/status-codes/). */
const GrpcStatus = {
  CANCELLED: 1,
  DEADLINE_EXCEEDED: 4,
  PERMISSION_DENIED: 7,
  FAILED_PRECONDITION: 9,
  UNAVAILABLE: 14,
} as const;

/** `chaincode response <status>, <message>`, as the peer words a chaincode failure (message may be empty). */
const CHAINCODE_RESPONSE_PATTERN = /chaincode response (\d{3}), ([\s\S]*)$/;

/** Our chaincode's stable prefix: upper-case code, colon, space, text. */
const CHAINCODE_CODE_PATTERN = /^([A-Z][A-Z0-9_]{0,63}): ([\s\S]*)$/;

/** Peer texts that mean our identity was refused (unknown CA / mspId, wrong signing key, not a channel reader). */
const IDENTITY_REFUSED_PATTERNS: readonly (readonly [RegExp, IdentityRefusal])[] = [
  [/creator org unknown/, 'msp-unknown'],
  [/access denied: channel \[[^\]]*\] creator org/, 'signature-refused'],
  [/Failed evaluating policy on signed data/, 'not-reader'],
];

/** Peer texts that mean the channel or chaincode name is wrong. */
const MISCONFIGURED_PATTERNS: readonly RegExp[] = [
  /failed to get config for channel/,
  /No metadata was found for chaincode/,
  /no peers available to evaluate chaincode/,
  /Failed to get policy manager for channel/,
];

/** Peer text for a replayed proposal. */
const DUPLICATE_TRANSACTION_PATTERN = /duplicate transaction found/;

/** Peer text when the chaincode never answers an endorsement. */
const CHAINCODE_TIMEOUT_PATTERN = /timeout expired while executing transaction/;

/** Details examined per error: a real peer sends one per endorser; more would only be repeats. */
const MAX_ERROR_DETAILS_EXAMINED = 16;

/** The stage subclasses of `GatewayError`, identified by `name` because `SubmitError` is exported as a type only. */
const SUBMIT_ERROR_NAME = 'SubmitError';
const ENDORSE_ERROR_NAME = 'EndorseError';
const COMMIT_STATUS_ERROR_NAME = 'CommitStatusError';

/**
 * Map any error thrown by the Fabric Gateway client to a {@link LedgerError}. A `LedgerError` is returned unchanged.
 *
 * Retryable (a new transaction may succeed, and nothing was written):
 * `CommitError` 11 / 12 (read conflicts), gRPC 14 UNAVAILABLE on evaluate, endorse or submit (for example
 * `no orderers could successfully process transaction` right after an orderer restart), and gRPC 4
 * DEADLINE_EXCEEDED on evaluate. Everything else is final.
 *
 * @param err - What the client threw.
 * @returns The mapped error; its `cause` is `err`.
 */
export function toLedgerError(err: unknown): LedgerError {
  if (err instanceof LedgerError) {
    return err;
  }
  if (isCommitError(err)) {
    return fromCommitError(err);
  }
  if (isGatewayError(err)) {
    return fromGatewayError(err);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new LedgerError({
    code: LedgerErrorCode.LEDGER_FAILURE,
    message: `ledger client failure: ${message}`,
    kind: 'ledger',
    retryable: false,
    cause: err,
  });
}

/**
 * Parse a peer's chaincode failure text, `chaincode response <status>, [CODE: ]<text>`.
 *
 * @param text - A gateway error detail or message.
 * @returns The chaincode status, stable code (`CHAINCODE_ERROR` without a prefix) and text, or undefined.
 */
export function parseChaincodeFailure(text: string): { status: number; code: string; message: string } | undefined {
  const response = CHAINCODE_RESPONSE_PATTERN.exec(text);
  if (!response) {
    return undefined;
  }
  const status = Number(response[1]);
  const chaincodeMessage = response[2] ?? '';
  const coded = CHAINCODE_CODE_PATTERN.exec(chaincodeMessage);
  if (coded?.[1] !== undefined) {
    return { status, code: coded[1], message: coded[2] ?? '' };
  }
  return { status, code: LedgerErrorCode.CHAINCODE_ERROR, message: chaincodeMessage };
}

function fromCommitError(err: CommitError): LedgerError {
  const common = { validationCode: err.code, transactionId: err.transactionId, cause: err };
  if (err.code === StatusCode.MVCC_READ_CONFLICT || err.code === StatusCode.PHANTOM_READ_CONFLICT) {
    return new LedgerError({
      ...common,
      code: LedgerErrorCode.LEDGER_CONFLICT,
      message: `transaction conflicted with a concurrent update: ${err.message}`,
      kind: 'conflict',
      retryable: true,
    });
  }
  if (err.code === StatusCode.DUPLICATE_TXID) {
    return new LedgerError({
      ...common,
      code: LedgerErrorCode.LEDGER_DUPLICATE_TRANSACTION,
      message: err.message,
      kind: 'ledger',
      retryable: false,
    });
  }
  return new LedgerError({
    ...common,
    code: LedgerErrorCode.LEDGER_TRANSACTION_INVALID,
    message: err.message,
    kind: 'ledger',
    retryable: false,
  });
}

function fromGatewayError(err: GatewayError): LedgerError {
  const transactionId = readTransactionId(err);
  const common = { grpcCode: err.code, cause: err, ...(transactionId === undefined ? {} : { transactionId }) };
  // Details first: on submit the chaincode text is only there; on evaluate it is in both.
  const texts = [...err.details.slice(0, MAX_ERROR_DETAILS_EXAMINED).map((detail) => detail.message), err.message];

  const chaincodeFailure = firstDefined(texts, parseChaincodeFailure);
  if (chaincodeFailure) {
    return new LedgerError({
      ...common,
      code: chaincodeFailure.code,
      message: chaincodeFailure.message,
      kind: 'chaincode',
      retryable: false,
      chaincodeStatus: chaincodeFailure.status,
    });
  }
  const reason = texts.find((text) => text.length > 0) ?? `gRPC status ${err.code}`;
  const final = (code: LedgerErrorCodeValue, kind: LedgerErrorKind, message: string): LedgerError =>
    new LedgerError({ ...common, code, kind, retryable: false, message });

  const refusal = IDENTITY_REFUSED_PATTERNS.find(([pattern]) => matchesAny(texts, [pattern]))?.[1];
  if (refusal !== undefined) {
    return new LedgerError({
      ...common,
      code: LedgerErrorCode.IDENTITY_REFUSED,
      kind: 'identity',
      retryable: false,
      message: `ledger refused the gateway identity: ${reason}`,
      identityRefusal: refusal,
    });
  }
  if (matchesAny(texts, MISCONFIGURED_PATTERNS)) {
    return final(LedgerErrorCode.LEDGER_MISCONFIGURED, 'ledger', `unknown channel or chaincode: ${reason}`);
  }
  if (matchesAny(texts, [DUPLICATE_TRANSACTION_PATTERN])) {
    return final(LedgerErrorCode.LEDGER_DUPLICATE_TRANSACTION, 'ledger', reason);
  }
  if (err.name === COMMIT_STATUS_ERROR_NAME) {
    // The transaction was accepted for ordering; only its status could not be read.
    return final(LedgerErrorCode.LEDGER_OUTCOME_UNKNOWN, 'outcome-unknown', `commit status unknown: ${reason}`);
  }
  if (err.name === SUBMIT_ERROR_NAME && err.code === GrpcStatus.DEADLINE_EXCEEDED) {
    // An orderer may have received it before the deadline: resubmitting could apply it twice.
    return final(LedgerErrorCode.LEDGER_OUTCOME_UNKNOWN, 'outcome-unknown', `submit timed out: ${reason}`);
  }
  if (err.code === GrpcStatus.UNAVAILABLE) {
    return new LedgerError({
      ...common,
      code: LedgerErrorCode.LEDGER_UNAVAILABLE,
      message: `ledger unavailable: ${reason}`,
      kind: 'transient',
      retryable: true,
    });
  }
  if (err.code === GrpcStatus.DEADLINE_EXCEEDED) {
    // A plain GatewayError is an evaluate (or an event stream): read-only, safe to repeat.
    // An endorse timeout is not retried: it already waited the whole endorse deadline.
    const isReadOnly = err.name !== ENDORSE_ERROR_NAME;
    return new LedgerError({
      ...common,
      code: LedgerErrorCode.LEDGER_TIMEOUT,
      message: `ledger call timed out: ${reason}`,
      kind: isReadOnly ? 'transient' : 'ledger',
      retryable: isReadOnly,
    });
  }
  if (matchesAny(texts, [CHAINCODE_TIMEOUT_PATTERN])) {
    return final(LedgerErrorCode.LEDGER_TIMEOUT, 'ledger', `chaincode did not answer in time: ${reason}`);
  }
  if (err.code === GrpcStatus.CANCELLED) {
    return final(LedgerErrorCode.LEDGER_CANCELLED, 'ledger', `ledger call cancelled: ${reason}`);
  }
  return final(LedgerErrorCode.LEDGER_FAILURE, 'ledger', `ledger failure: ${reason}`);
}

function isCommitError(err: unknown): err is CommitError {
  return err instanceof CommitError;
}

function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError;
}

function readTransactionId(err: GatewayError): string | undefined {
  const transactionId = (err as GatewayError & { transactionId?: unknown }).transactionId;
  return typeof transactionId === 'string' && transactionId.length > 0 ? transactionId : undefined;
}

function matchesAny(texts: readonly string[], patterns: readonly RegExp[]): boolean {
  return texts.some((text) => patterns.some((pattern) => pattern.test(text)));
}

function firstDefined<T>(texts: readonly string[], parse: (text: string) => T | undefined): T | undefined {
  for (const text of texts) {
    const parsed = parse(text);
    if (parsed !== undefined) {
      return parsed;
    }
  }
  return undefined;
}
