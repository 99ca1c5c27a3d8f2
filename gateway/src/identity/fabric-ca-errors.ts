/**
 * Errors of the Fabric CA client, each with a stable code the gateway can map to a problem, the Fabric CA
 * error code and HTTP status when the CA answered (fabric-ca lib/caerrors), and whether a retry can help.
 * fabric-ca-server reports every authentication failure as code 20 and every authorization failure as 71
 * (it hides which check failed), so those two codes are as precise as a client can be.
 */

/** Stable codes of CA failures. */
export const FabricCaErrorCode = {
  /** The CA could not be reached, timed out, or answered 502/503/504: retry later. */
  unavailable: 'CA_UNAVAILABLE',
  /** Fabric CA 20 (or 2): wrong enrollment secret, unknown identity at enroll, bad/revoked/expired token. */
  authenticationFailed: 'CA_AUTHENTICATION_FAILED',
  /** Fabric CA 73: too many wrong secrets; the identity is locked. */
  identityLocked: 'CA_IDENTITY_LOCKED',
  /** Fabric CA 71: the caller may not do this (registrar roles/attributes, hf.Revoker, hf.GenCRL). */
  notAuthorized: 'CA_NOT_AUTHORIZED',
  /** Fabric CA 74: an identity with this enrollment id is already registered. */
  alreadyRegistered: 'CA_IDENTITY_ALREADY_REGISTERED',
  /** Fabric CA 10: no identity with this enrollment id. */
  identityNotFound: 'CA_IDENTITY_NOT_FOUND',
  /** Fabric CA 8: no certificate with this serial and AKI. */
  certificateNotFound: 'CA_CERTIFICATE_NOT_FOUND',
  /** Fabric CA 66: the certificate was already revoked. */
  alreadyRevoked: 'CA_CERTIFICATE_ALREADY_REVOKED',
  /** Fabric CA 19: the server has no CA of this name. */
  unknownCa: 'CA_NAME_UNKNOWN',
  /** Fabric CA 31/77/80, or refused before sending: the CSR is unusable (format, key type, common name). */
  csrRejected: 'CA_CSR_REJECTED',
  /** Another 4xx from the CA. */
  badRequest: 'CA_BAD_REQUEST',
  /** A 500 from the CA (fabric-ca code 0 and others). */
  serverError: 'CA_SERVER_ERROR',
  /** The answer was not Fabric CA's JSON envelope, or too large. */
  invalidResponse: 'CA_INVALID_RESPONSE',
} as const;

/** One of FabricCaErrorCode's values. */
export type FabricCaErrorCode = (typeof FabricCaErrorCode)[keyof typeof FabricCaErrorCode];

/** A failed CA request. */
export class FabricCaError extends Error {
  /**
   * @param code - Stable code.
   * @param message - What happened (the CA's own text when it answered).
   * @param details - Fabric CA error code and HTTP status when the CA answered; whether retrying can help.
   */
  constructor(
    readonly code: FabricCaErrorCode,
    message: string,
    readonly details: { caCode?: number; httpStatus?: number; retryable: boolean; cause?: unknown } = {
      retryable: false,
    },
  ) {
    super(message);
    this.name = 'FabricCaError';
  }

  /** Fabric CA's numeric error code, when the CA answered with one. */
  get caCode(): number | undefined {
    return this.details.caCode;
  }

  /** True when a later retry of the same request can succeed. */
  get retryable(): boolean {
    return this.details.retryable;
  }
}

const BY_CA_CODE: Record<number, FabricCaErrorCode> = {
  2: FabricCaErrorCode.authenticationFailed,
  8: FabricCaErrorCode.certificateNotFound,
  10: FabricCaErrorCode.identityNotFound,
  19: FabricCaErrorCode.unknownCa,
  20: FabricCaErrorCode.authenticationFailed,
  31: FabricCaErrorCode.csrRejected,
  66: FabricCaErrorCode.alreadyRevoked,
  71: FabricCaErrorCode.notAuthorized,
  73: FabricCaErrorCode.identityLocked,
  74: FabricCaErrorCode.alreadyRegistered,
  77: FabricCaErrorCode.csrRejected,
  80: FabricCaErrorCode.csrRejected,
};

/** The error for a Fabric CA error answer. */
export function newFabricCaResponseError(httpStatus: number, caCode: number, message: string): FabricCaError {
  const retryable = httpStatus === 502 || httpStatus === 503 || httpStatus === 504;
  const code = retryable
    ? FabricCaErrorCode.unavailable
    : (BY_CA_CODE[caCode] ?? (httpStatus >= 500 ? FabricCaErrorCode.serverError : FabricCaErrorCode.badRequest));
  return new FabricCaError(code, `Fabric CA error ${caCode} (HTTP ${httpStatus}): ${message}`, {
    caCode,
    httpStatus,
    retryable,
  });
}
