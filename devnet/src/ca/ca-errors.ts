/**
 * Fabric CA's error codes and HTTP errors (lib/caerrors/servererror.go of fabric-ca 1.5). An error has a
 * "local" code and text (for the server's log) and a "remote" code and text (for the client): authentication
 * and authorization failures are reported to the client only as code 20 "Authentication failure" or 71
 * "Authorization failure", exactly as fabric-ca-server does, so that a caller cannot probe which check failed.
 */

/** The codes this dev CA can return (names as in fabric-ca's caerrors package). */
export const CaErrorCode = {
  Unknown: 0,
  MethodNotAllowed: 1,
  NoAuthHdr: 2,
  ReadingReqBody: 3,
  EmptyReqBody: 4,
  BadReqBody: 5,
  NotRevoker: 7,
  RevCertNotFound: 8,
  CertWrongOwner: 9,
  RevokeIDNotFound: 10,
  MissingRevokeArgs: 15,
  CANotFound: 19,
  AuthenticationFailure: 20,
  NoUserPass: 21,
  InvalidUser: 23,
  InvalidPass: 24,
  InvalidToken: 25,
  UntrustedCertificate: 26,
  CertExpired: 27,
  CertRevoked: 28,
  CertNotFound: 30,
  BadCSR: 31,
  CallerIsNotAuthenticated: 33,
  NoGenCRLAuth: 35,
  InvalidRevokedAfter: 36,
  InvalidExpiredAfter: 37,
  RegAttrAuth: 42,
  MissingRegAttr: 43,
  CallerNotAffiliated: 44,
  GettingUser: 49,
  DBGet: 63,
  CertAlreadyRevoked: 66,
  AuthorizationFailure: 71,
  PasswordAttempts: 73,
  DupIdentityReg: 74,
  RegistrarRegAuth: 76,
  CNInvalidEnroll: 77,
  InvokerMissAttr: 78,
  InputValidCSR: 80,
  InvalidMaxEnroll: 82,
} as const;

/** An error answered over HTTP with fabric-ca-server's status, code and text. */
export class CaHttpError extends Error {
  remoteCode: number;
  remoteMessage: string;

  constructor(
    readonly status: number,
    readonly localCode: number,
    localMessage: string,
  ) {
    super(localMessage);
    this.name = 'CaHttpError';
    this.remoteCode = localCode;
    this.remoteMessage = localMessage;
  }

  /** Replaces what the client sees, keeping the local code and text for the log. */
  remote(code: number, message: string): this {
    this.remoteCode = code;
    this.remoteMessage = message;
    return this;
  }
}

/** `caerrors.NewHTTPErr`. */
export function newHttpErr(status: number, code: number, message: string): CaHttpError {
  return new CaHttpError(status, code, message);
}

/** `caerrors.NewAuthenticationErr`: 401, and the client sees only code 20 "Authentication failure". */
export function newAuthenticationErr(code: number, message: string): CaHttpError {
  return new CaHttpError(401, code, message).remote(CaErrorCode.AuthenticationFailure, 'Authentication failure');
}

/** `caerrors.NewAuthorizationErr`: 403, and the client sees only code 71 "Authorization failure". */
export function newAuthorizationErr(code: number, message: string): CaHttpError {
  return new CaHttpError(403, code, message).remote(CaErrorCode.AuthorizationFailure, 'Authorization failure');
}

/** Any other error becomes what fabric-ca-server makes of an error without an HTTP cause: 500, code 0, its text. */
export function toCaHttpError(err: unknown): CaHttpError {
  if (err instanceof CaHttpError) return err;
  return new CaHttpError(500, CaErrorCode.Unknown, err instanceof Error ? err.message : String(err));
}
