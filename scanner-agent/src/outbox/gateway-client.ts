/**
 * HTTP client for the gateway's stocktake API (JSON; errors are application/problem+json with a stable
 * `code`; auth `Authorization: Bearer <api key>`):
 *
 * - `POST /v1/stocktakes` `{ location, deviceIds? }` -> 201 `{ id, location, status }`
 * - `POST /v1/stocktakes/{id}/reads` `{ batchId, deviceId, reads }` -> 200/202 `{ batchId, accepted, duplicateBatch, uniqueItems }`
 * - `POST /v1/stocktakes/{id}/close` -> 200 `{ id, matched, missing, unexpected, counts, merkleRoot, txId }`
 * - `GET /v1/stocktakes/{id}` -> `{ id, status, uniqueItems, ... }`
 *
 * Every failure becomes a {@link GatewayError} that says whether trying again can help: network errors,
 * timeouts, 408/425/429 and 5xx can; a 4xx problem document with a `code` is the gateway's final word on
 * that request; 401/403 and answers that break the contract are reported as such (and, since uploads are
 * idempotent, simply retried later).
 */

/** Most time one request may take. */
export const REQUEST_TIMEOUT_MS = 15_000;
/** Largest response body read (a close report lists every item of a location). */
const RESPONSE_BYTES_MAX = 64 * 1024 * 1024;

/** Acknowledgement of one batch of reads. */
export interface ReadsAck {
  readonly batchId: string;
  readonly accepted: number;
  readonly duplicateBatch: boolean;
  readonly uniqueItems: number;
}

/** An open stocktake. */
export interface Stocktake {
  readonly id: string;
  readonly location: string;
  readonly status: string;
}

/** The reconciliation the gateway returns when a stocktake is closed. */
export interface CloseReport {
  readonly id: string;
  readonly matched: readonly string[];
  readonly missing: readonly string[];
  readonly unexpected: readonly string[];
  readonly counts: { readonly matched: number; readonly missing: number; readonly unexpected: number };
  readonly merkleRoot: string;
  readonly txId: string;
}

/** What `GET /v1/stocktakes/{id}` returns (extra fields kept). */
export interface StocktakeStatus {
  readonly id: string;
  readonly status: string;
  readonly uniqueItems: number;
  readonly [field: string]: unknown;
}

/** Body of `POST /v1/stocktakes/{id}/reads`. */
export interface ReadsBatch {
  readonly batchId: string;
  readonly deviceId: string;
  readonly reads: readonly string[];
}

/** How a gateway call failed. */
export type GatewayFailure = 'unreachable' | 'timeout' | 'server' | 'throttled' | 'auth' | 'rejected' | 'protocol';

/** A failed gateway call. `retryable` says whether the same request may succeed later. */
export class GatewayError extends Error {
  /**
   * @param failure the kind of failure
   * @param detail human-readable detail, starting with the HTTP status if there was one
   * @param status HTTP status, if the gateway answered
   * @param code the problem document's stable `code`, if any
   * @param problem the problem document, if any
   * @param retryAfterMs the gateway's Retry-After, if it sent one
   */
  constructor(
    readonly failure: GatewayFailure,
    detail: string,
    readonly status?: number,
    readonly code?: string,
    readonly problem?: unknown,
    readonly retryAfterMs?: number,
  ) {
    super(`gateway ${failure}: ${detail}`);
    Object.setPrototypeOf(this, new.target.prototype); // see AgentError: keeps instanceof working when compiled to ES5
    this.name = 'GatewayError';
  }

  /** True if sending the same request again may succeed. */
  get retryable(): boolean {
    return this.failure !== 'rejected';
  }
}

/** The calls the agent makes, as a port so tests and the uploader can use any implementation. */
export interface GatewayClient {
  openStocktake(location: string, deviceIds: readonly string[]): Promise<Stocktake>;
  postReads(stocktakeId: string, batch: ReadsBatch): Promise<ReadsAck>;
  closeStocktake(stocktakeId: string): Promise<CloseReport>;
  getStocktake(stocktakeId: string): Promise<StocktakeStatus>;
}

/** Settings of {@link newGatewayClient}. */
export interface GatewayClientOptions {
  /** e.g. `https://gateway.example:8443` (a path prefix is kept). */
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly requestTimeoutMs?: number;
  /** Injectable for tests; defaults to the global fetch. */
  readonly fetch?: typeof fetch;
}

function isString(v: unknown): v is string {
  return typeof v === 'string';
}
function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every(isString);
}

function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * @param options base URL, API key, timeout
 * @returns a client for the gateway's stocktake API
 */
export function newGatewayClient(options: GatewayClientOptions): GatewayClient {
  const doFetch = options.fetch ?? fetch;
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;

  async function call(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    okStatuses: readonly number[],
  ): Promise<unknown> {
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${options.apiKey}`,
          accept: 'application/json, application/problem+json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError')
        throw new GatewayError('timeout', `${method} ${path} took longer than ${timeoutMs} ms`);
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new GatewayError(
        'unreachable',
        `${method} ${path}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
      );
    }
    const length = Number(response.headers.get('content-length') ?? '0');
    if (length > RESPONSE_BYTES_MAX)
      throw new GatewayError(
        'protocol',
        `${response.status} response of ${length} bytes is larger than ${RESPONSE_BYTES_MAX}`,
        response.status,
      );
    let text: string;
    try {
      text = await response.text();
    } catch (err) {
      throw new GatewayError(
        'unreachable',
        `${method} ${path}: connection lost while reading the answer (${(err as Error).message})`,
      );
    }
    let json: unknown;
    try {
      json = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (okStatuses.includes(response.status)) {
      if (json === undefined)
        throw new GatewayError(
          'protocol',
          `${response.status} answer to ${method} ${path} is not JSON`,
          response.status,
        );
      return json;
    }
    const status = response.status;
    const problem = json as { code?: unknown; title?: unknown; detail?: unknown } | undefined;
    const code = isString(problem?.code) ? problem.code : undefined;
    const what = [
      `${status}`,
      code,
      isString(problem?.detail) ? problem.detail : isString(problem?.title) ? problem.title : undefined,
    ]
      .filter(Boolean)
      .join(' ');
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    if (status === 401 || status === 403) throw new GatewayError('auth', what, status, code, json);
    if (status === 408 || status === 425 || status === 429)
      throw new GatewayError('throttled', what, status, code, json, retryAfterMs);
    if (status >= 500) throw new GatewayError('server', what, status, code, json, retryAfterMs);
    const isProblem = (response.headers.get('content-type') ?? '').includes('application/problem+json');
    if (status >= 400 && isProblem && code !== undefined) throw new GatewayError('rejected', what, status, code, json);
    throw new GatewayError('protocol', `unexpected ${what} for ${method} ${path}`, status, code, json);
  }

  function broken(path: string, what: string): GatewayError {
    return new GatewayError('protocol', `answer to ${path} lacks ${what}`);
  }

  return {
    async openStocktake(location, deviceIds) {
      const path = '/v1/stocktakes';
      const body = (await call('POST', path, { location, deviceIds }, [200, 201])) as Partial<Stocktake>;
      if (!isString(body.id) || !isString(body.status)) throw broken(path, 'id and status');
      return { id: body.id, location: isString(body.location) ? body.location : location, status: body.status };
    },
    async postReads(stocktakeId, batch) {
      const path = `/v1/stocktakes/${encodeURIComponent(stocktakeId)}/reads`;
      const body = (await call('POST', path, batch, [200, 202])) as Partial<ReadsAck>;
      if (body.batchId !== batch.batchId) throw broken(path, `the batch id ${batch.batchId}`);
      if (!isCount(body.accepted) || typeof body.duplicateBatch !== 'boolean' || !isCount(body.uniqueItems))
        throw broken(path, 'accepted, duplicateBatch and uniqueItems');
      return {
        batchId: body.batchId,
        accepted: body.accepted,
        duplicateBatch: body.duplicateBatch,
        uniqueItems: body.uniqueItems,
      };
    },
    async closeStocktake(stocktakeId) {
      const path = `/v1/stocktakes/${encodeURIComponent(stocktakeId)}/close`;
      const body = (await call('POST', path, undefined, [200])) as Partial<CloseReport>;
      const counts = body.counts;
      if (
        !isString(body.id) ||
        !isStringArray(body.matched) ||
        !isStringArray(body.missing) ||
        !isStringArray(body.unexpected)
      )
        throw broken(path, 'id, matched, missing and unexpected');
      if (counts === undefined || !isCount(counts.matched) || !isCount(counts.missing) || !isCount(counts.unexpected))
        throw broken(path, 'counts');
      return {
        id: body.id,
        matched: body.matched,
        missing: body.missing,
        unexpected: body.unexpected,
        counts: { matched: counts.matched, missing: counts.missing, unexpected: counts.unexpected },
        merkleRoot: isString(body.merkleRoot) ? body.merkleRoot : '',
        txId: isString(body.txId) ? body.txId : '',
      };
    },
    async getStocktake(stocktakeId) {
      const path = `/v1/stocktakes/${encodeURIComponent(stocktakeId)}`;
      const body = (await call('GET', path, undefined, [200])) as Partial<StocktakeStatus> & {
        counts?: { uniqueItems?: unknown };
      };
      // The contract puts uniqueItems at the top; the gateway as built nests it in `counts`: accept both.
      const uniqueItems = body.uniqueItems ?? body.counts?.uniqueItems;
      if (!isString(body.id) || !isString(body.status) || !isCount(uniqueItems))
        throw broken(path, 'id, status and uniqueItems');
      return { ...body, id: body.id, status: body.status, uniqueItems } as StocktakeStatus;
    },
  };
}
