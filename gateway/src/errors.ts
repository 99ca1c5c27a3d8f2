/**
 * Every error code the HTTP API can answer with, in one place (after fastify's `lib/errors.js`), and the one error
 * type routes and plugins throw: {@link ProblemError}, rendered as an RFC 9457 `application/problem+json` body by
 * the problem-details plugin.
 *
 * Codes are stable: never renamed or reused; add new ones at the end. Chaincode codes (e.g. `INVALID_TRANSITION`)
 * and Fabric adapter codes (e.g. `LEDGER_CONFLICT`) pass through unchanged as `code`; ledger-error.ts picks their HTTP
 * status. This module imports no adapter, so every module that throws a problem can load without the Fabric client.
 */
/** What the client sees for one code: HTTP status and a short, fixed title (RFC 9457 `title`). */
export interface ErrorSpec {
  readonly status: number;
  readonly title: string;
}

/** The gateway's own error codes. */
export const ErrorCodes = {
  /** The request does not match the route's schema; `errors` lists what ajv found. */
  VALIDATION_FAILED: { status: 400, title: 'Request validation failed' },
  /** The body is not parseable (bad JSON, empty JSON body). */
  BAD_REQUEST: { status: 400, title: 'Bad request' },
  /** No or an unknown, malformed or revoked API key. */
  UNAUTHENTICATED: { status: 401, title: 'Authentication required' },
  /** The key's role may not call this route. */
  FORBIDDEN_ROLE: { status: 403, title: 'Role not allowed' },
  /** The key belongs to another enterprise than the resource. */
  FORBIDDEN_TENANT: { status: 403, title: 'Resource belongs to another enterprise' },
  /** The gateway holds no Fabric identity that may sign for the caller's organisation. */
  LEDGER_IDENTITY_MISSING: { status: 403, title: 'No ledger identity for this organisation' },
  /** No such route, or no such resource. */
  NOT_FOUND: { status: 404, title: 'Not found' },
  /** The route exists but not with this method. */
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  /** The resource to create already exists. */
  ALREADY_EXISTS: { status: 409, title: 'Already exists' },
  /** A request with the same Idempotency-Key is still being processed. */
  IDEMPOTENCY_IN_PROGRESS: { status: 409, title: 'Request with this Idempotency-Key in progress' },
  /** The body is larger than the gateway accepts. */
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  /** The Content-Type is not one the route accepts. */
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  /** The request is well-formed but a rule refuses it (a reference to something unknown, a role not granted). */
  UNPROCESSABLE: { status: 422, title: 'Request refused by a business rule' },
  /** The Idempotency-Key was already used for a different request. */
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'Idempotency-Key reused with a different request' },
  /** Too many requests for this API key in the current window; see Retry-After. */
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  /** A bug or an unexpected failure; the detail is in the server log under the request id. */
  INTERNAL: { status: 500, title: 'Internal server error' },
  /** The route's ledger transaction is not wired into this gateway build yet. */
  /** The ledger failed in a way that is not the caller's doing. */
  LEDGER_FAILURE: { status: 502, title: 'Ledger failure' },
  /** A dependency (ledger, database, queue) is down or busy; retry after Retry-After. */
  UNAVAILABLE: { status: 503, title: 'Service unavailable' },
  /** Not every dependency the gateway needs is reachable; `checks` names them. */
  NOT_READY: { status: 503, title: 'Not ready' },
  /** A ledger call ran out of time; the transaction may or may not commit. */
  LEDGER_TIMEOUT: { status: 504, title: 'Ledger timed out' },
  /** An item id is none of: SGTIN URN, SGTIN EPC hex, GS1 Digital Link with GTIN and serial, 16-digit code. */
  INVALID_ITEM_ID: { status: 400, title: 'Not an item identifier' },
  /** A `nextPageToken` that this gateway did not issue. */
  INVALID_PAGE_TOKEN: { status: 400, title: 'Invalid page token' },
  /** A capture document is not EPCIS 2.0 by the standard's JSON schema; `errors` lists where and why. */
  EPCIS_SCHEMA_INVALID: { status: 400, title: 'Not a valid EPCIS 2.0 document' },
  /** A captured event asks for no ledger step this gateway records (see the capture mapping). */
  EPCIS_EVENT_UNSUPPORTED: { status: 422, title: 'EPCIS event not supported' },
  /** A captured event lacks a field its ledger step needs (declaration, shipment, location, ...). */
  EPCIS_EVENT_INCOMPLETE: { status: 422, title: 'EPCIS event incomplete' },
  /** An EPC is not an SGTIN (URN or EPC hex) with a valid GTIN, nor a 16-digit traceability code. */
  INVALID_EPC: { status: 422, title: 'Invalid EPC' },
  /** Items of a GTIN that no entry declared (neither on the ledger nor in an accepted capture). */
  UNKNOWN_GTIN: { status: 422, title: 'Unknown GTIN' },
  /** A capture or one of its events exceeds a size limit (events, items, items of an indivisible event). */
  CAPTURE_TOO_LARGE: { status: 413, title: 'Capture too large' },
  /** A retry of a capture that is done (every chunk committed or refused): nothing to retry. */
  CAPTURE_FINISHED: { status: 409, title: 'Capture already finished' },
  /** The body's bytes are not UTF-8 (JSON on the wire must be). */
  BODY_INVALID_UTF8: { status: 400, title: 'Body is not valid UTF-8' },
  /**
   * The body's shape exceeds a limit checked before any other work: nesting depth, array length, string length,
   * keys per object or values in all; `limit`, `max` and `pointer` say which and where.
   */
  BODY_LIMIT_EXCEEDED: { status: 413, title: 'Body exceeds a structural limit' },
  /**
   * A string (body value or key, query or path parameter) holds a character the gateway cannot store: NUL or a lone
   * UTF-16 surrogate; `in` and `pointer` say where.
   */
  UNSUPPORTED_CHARACTER: { status: 400, title: 'Unsupported character' },
  /** The URL path is not valid percent-encoded UTF-8. */
  INVALID_URL: { status: 400, title: 'Invalid URL' },
  /** A path parameter is longer than the router accepts. */
  URL_TOO_LONG: { status: 414, title: 'URL too long' },
  /** The client did not send the whole request in time. */
  REQUEST_TIMEOUT: { status: 408, title: 'Request timeout' },
  /** The request's headers exceed the server's size limit. */
  HEADERS_TOO_LARGE: { status: 431, title: 'Request header fields too large' },
  /** The request is not well-formed HTTP/1.1 (a bad header name or value, e.g. a NUL; a bad request line). */
  MALFORMED_REQUEST: { status: 400, title: 'Malformed HTTP request' },
  /** Too many failed authentications from this client address; see Retry-After. Checked before any key lookup. */
  TOO_MANY_AUTH_FAILURES: { status: 429, title: 'Too many failed authentications' },
  /** A value is nested deeper than a codec accepts (canonical JSON). */
  NESTING_TOO_DEEP: { status: 422, title: 'Value nested too deep' },
  /** Onboarding: the gateway has no certificate authority for this MSP (see README, "Identities"). */
  UNKNOWN_MSP: { status: 422, title: 'No certificate authority for this MSP' },
  /** Onboarding: the CSR is not a PEM PKCS#10 request with an ECDSA P-256 key, CN = the enterprise id, valid signature. */
  CSR_REJECTED: { status: 422, title: 'Certificate signing request refused' },
  /** Onboarding or renewal: the organisation's CA is unreachable or busy; nothing was stored, retry after Retry-After. */
  CA_UNAVAILABLE: { status: 503, title: 'Certificate authority unavailable' },
  /** The CA refused the gateway's registrar (wrong secret, or no right to register clients with these attributes). */
  CA_REGISTRAR_NOT_AUTHORIZED: { status: 502, title: 'Certificate authority refused the registrar' },
  /** The CA already has an identity with this enrollment id that the gateway cannot enroll (another secret or attributes). */
  CA_IDENTITY_CONFLICT: { status: 409, title: 'Identity already registered at the certificate authority' },
  /** The CA answered with another failure (misconfigured CA name, server error, unreadable answer). */
  CA_FAILURE: { status: 502, title: 'Certificate authority failure' },
  /** The enterprise keeps its own key (it enrolled with a CSR): the gateway cannot sign for it. */
  LEDGER_IDENTITY_EXTERNAL: { status: 403, title: 'Enterprise signs with its own key' },
  /** The enterprise's certificate has expired and was not renewed yet. */
  LEDGER_IDENTITY_EXPIRED: { status: 403, title: 'Ledger identity expired' },
  /** The enterprise's certificate was revoked. */
  LEDGER_IDENTITY_REVOKED: { status: 403, title: 'Ledger identity revoked' },
  /** The peer refused the enterprise's certificate (revoked by a CRL, or not trusted by the channel). */
  LEDGER_IDENTITY_REFUSED: { status: 403, title: 'Ledger identity refused by the peer' },
  /** A stored identity's key cannot be opened (its key-encryption key is not configured, or it is damaged). */
  IDENTITY_KEY_UNAVAILABLE: { status: 500, title: 'Identity key unavailable' },
  /** Customs suspended the key's enterprise: its API keys are refused until it is reinstated (the chain refuses it too). */
  ENTERPRISE_SUSPENDED: { status: 403, title: 'Enterprise suspended' },
  /** A new identity for an enterprise still suspended: reinstate it first (`DELETE /v1/enterprises/{id}/suspension`). */
  STILL_SUSPENDED: { status: 409, title: 'Enterprise still suspended' },
  /** A re-issue for an enterprise whose certificate is not revoked: it has a working identity. */
  IDENTITY_CURRENT: { status: 409, title: 'Identity not revoked' },
  /** A re-issue for an enterprise that keeps its key: it must send a CSR whose common name is the given enrollment id. */
  CSR_REQUIRED: { status: 422, title: 'Certificate signing request required' },
  /** A bring-your-own-key signature does not verify against the enterprise's certificate for the digest handed out. */
  SIGNATURE_INVALID: { status: 422, title: 'Signature does not verify' },
  /** A signing session past its expiry: prepare the transaction again. */
  SIGNING_SESSION_EXPIRED: { status: 410, title: 'Signing session expired' },
  /** A signing session that already ended (committed or failed): nothing more to sign. */
  SIGNING_SESSION_FINISHED: { status: 409, title: 'Signing session finished' },
  /** The channel refuses the identity the gateway signs with (e.g. its MSP is not a channel member): an administrator must act. */
  IDENTITY_REFUSED: { status: 503, title: 'Ledger identity not accepted by the channel' },
  /** The ledger settings name a channel or chaincode the peer does not know. */
  LEDGER_MISCONFIGURED: { status: 503, title: 'Ledger settings do not match the channel' },
  /** A Digital Link's GTIN is on record with more than one company-prefix split: name the item by its SGTIN URN. */
  GTIN_PREFIX_AMBIGUOUS: { status: 422, title: 'GTIN company prefix ambiguous' },
  /** A GS1 key the ledger recognises but records no item for (SSCC, GRAI, GIAI, SGLN, a product class, ...). */
  EPC_SCHEME_UNSUPPORTED: { status: 422, title: 'EPC scheme not recorded on the ledger' },
  /** An EPCIS query parameter that is unknown, unsupported, malformed or contradicts another (QueryParameterException). */
  EPCIS_QUERY_PARAMETER: { status: 400, title: 'EPCIS query parameter refused' },
  /** More events match than the query's `maxEventCount` allows (QueryTooLargeException). */
  EPCIS_QUERY_TOO_LARGE: { status: 413, title: 'EPCIS query result too large' },
  /** A subscription request the repository cannot honour: no `stream`, a schedule, a refused `dest` (SubscriptionControlsException). */
  EPCIS_SUBSCRIPTION_CONTROLS: { status: 400, title: 'EPCIS subscription refused' },
  /** The GS1-EPCIS-Min/Max or GS1-CBV-Min/Max headers exclude the 2.0.0 this repository speaks (NotAcceptableException). */
  EPCIS_VERSION_NOT_ACCEPTABLE: { status: 406, title: 'EPCIS or CBV version not acceptable' },
} as const satisfies Record<string, ErrorSpec>;

/** One of the gateway's own codes. */
export type ErrorCode = keyof typeof ErrorCodes;

/** RFC 9457 base URI for `type`: one URN per code, stable and not dereferenced. */
export const PROBLEM_TYPE_PREFIX = 'urn:hainan-trace:problem:';

/** Construction options of {@link ProblemError}. */
export interface ProblemOptions {
  /** Extension members of the problem body, e.g. `errors` or `checks`. Keys must not clash with the standard ones. */
  extensions?: Readonly<Record<string, unknown>>;
  /** Response headers, e.g. `Retry-After`. */
  headers?: Readonly<Record<string, string>>;
  /** The error behind this one, for logs only. */
  cause?: unknown;
  /**
   * Show `detail` to the client even for a 5xx. Only for details the gateway wrote itself for the client (e.g.
   * which dependency is down); never for texts that come from a library, a driver or the peer.
   */
  expose?: boolean;
}

/** An error that becomes one problem+json response. `detail` is shown to the client unless the status is 5xx. */
export class ProblemError extends Error {
  /** Stable code: a gateway {@link ErrorCode}, a chaincode code or a Fabric adapter code. */
  readonly code: string;
  /** HTTP status. */
  readonly statusCode: number;
  /** RFC 9457 `title`: fixed per code. */
  readonly title: string;
  /** RFC 9457 extension members. */
  readonly extensions: Readonly<Record<string, unknown>>;
  /** Response headers. */
  readonly headers: Readonly<Record<string, string>>;
  /** Whether `detail` may be shown to the client (always for 4xx; for 5xx only when the gateway wrote it). */
  readonly expose: boolean;
  override readonly cause: unknown;

  constructor(code: string, spec: ErrorSpec, detail: string, options: Readonly<ProblemOptions> = {}) {
    super(detail);
    // Keeps `instanceof` working when this file is compiled to ES5 (tap's ts-node run of the tests).
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'ProblemError';
    this.code = code;
    this.statusCode = spec.status;
    this.title = spec.title;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
    this.expose = options.expose ?? spec.status < 500;
    this.cause = options.cause;
  }
}

/**
 * Create a {@link ProblemError} for one of the gateway's own codes.
 *
 * @param code - The stable code; its status and title come from {@link ErrorCodes}.
 * @param detail - Human-readable explanation of this occurrence.
 * @param options - Extensions, headers, cause.
 * @returns The error, ready to throw.
 */
export function newProblem(code: ErrorCode, detail: string, options: Readonly<ProblemOptions> = {}): ProblemError {
  return new ProblemError(code, ErrorCodes[code], detail, options);
}

/** Code for a fastify client error (4xx) that the gateway did not raise itself, by status. */
const CLIENT_ERROR_CODE_BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'BAD_REQUEST',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/**
 * The problem for a framework 4xx error (bad JSON, wrong content type, body too large). Its message was written
 * by fastify for the client and is safe to show.
 *
 * @param statusCode - The framework's 4xx status.
 * @param message - The framework's message.
 * @returns The problem.
 */
export function problemFromClientError(statusCode: number, message: string): ProblemError {
  const code = CLIENT_ERROR_CODE_BY_STATUS[statusCode];
  if (code !== undefined) {
    return newProblem(code, message);
  }
  return new ProblemError('BAD_REQUEST', { status: statusCode, title: 'Bad request' }, message);
}
