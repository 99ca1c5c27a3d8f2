/**
 * Renders every error as RFC 9457 `application/problem+json` (type, title, status, detail, instance, plus `code`
 * and `requestId`), including schema validation failures (400 `VALIDATION_FAILED` with the ajv errors), unknown
 * routes (404 `NOT_FOUND`) and ledger errors (by chaincode or adapter code). The text of a 5xx is logged with the
 * request id and replaced by a generic detail, since it may hold internals (peer addresses, SQL, stack traces),
 * unless the gateway wrote it for the client (`expose`, e.g. which dependency `/readyz` found down).
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { LedgerError } from '../ledger/ledger-error-type';
import { PROBLEM_TYPE_PREFIX, ProblemError, newProblem, problemFromClientError } from '../errors';
import { problemFromLedgerError } from '../ledger-error';

/** The media type of every error response. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** Most validation errors listed in one response (the rest are counted). */
export const MAX_VALIDATION_ERRORS_LISTED = 50;

/** One schema violation as listed in a `VALIDATION_FAILED` problem. */
export interface ValidationIssue {
  /** Where: `body`, `params`, `querystring` or `headers`, then a JSON pointer into it. */
  readonly in: string;
  readonly instancePath: string;
  readonly keyword: string;
  readonly message: string;
  readonly params: unknown;
}

interface AjvIssue {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: unknown;
}

/**
 * Turn anything thrown during a request into a {@link ProblemError}.
 *
 * @param error - What was thrown.
 * @returns The problem; an unknown error becomes `INTERNAL`.
 */
export function toProblem(error: unknown): ProblemError {
  if (error instanceof ProblemError) {
    return error;
  }
  if (error instanceof LedgerError) {
    return problemFromLedgerError(error);
  }
  const fastifyError = error as Partial<FastifyError> & { validation?: AjvIssue[]; validationContext?: string };
  if (Array.isArray(fastifyError.validation)) {
    const where = fastifyError.validationContext ?? 'request';
    const issues: ValidationIssue[] = fastifyError.validation.slice(0, MAX_VALIDATION_ERRORS_LISTED).map((issue) => ({
      in: where,
      instancePath: issue.instancePath ?? '',
      keyword: issue.keyword ?? 'unknown',
      message: issue.message ?? 'is invalid',
      params: issue.params ?? {},
    }));
    const count = fastifyError.validation.length;
    const detail = issues
      .slice(0, 3)
      .map((issue) => `${issue.in}${issue.instancePath} ${issue.message}`)
      .join('; ');
    return newProblem('VALIDATION_FAILED', count > 3 ? `${detail}; and ${count - 3} more` : detail, {
      extensions: { errors: issues, ...(count > issues.length ? { errorsOmitted: count - issues.length } : {}) },
    });
  }
  const statusCode = fastifyError.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return problemFromClientError(statusCode, fastifyError.message ?? 'bad request');
  }
  if (isUnstorableText(error)) {
    // Input checks refuse these characters first; this catches any path they do not cover.
    return newProblem(
      'UNSUPPORTED_CHARACTER',
      'a value holds a character the database cannot store (NUL or a lone surrogate)',
      {
        cause: error,
        extensions: { in: 'request' },
      },
    );
  }
  if (isDependencyUnavailable(error)) {
    return newProblem('UNAVAILABLE', 'the database or the queue is unreachable; retry later', {
      cause: error,
      expose: true,
      headers: { 'retry-after': String(DEPENDENCY_RETRY_AFTER_S) },
    });
  }
  return newProblem('INTERNAL', 'internal error', { cause: error });
}

/**
 * PostgreSQL SQLSTATEs of text it cannot store: `22P05` untranslatable character (a `\u0000` in JSON or text) and
 * `22021` character not in repertoire.
 */
const UNSTORABLE_TEXT_CODES = new Set(['22P05', '22021']);

function isUnstorableText(error: unknown): boolean {
  const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && UNSTORABLE_TEXT_CODES.has(code);
}

/** Retry-After, in seconds, when the database or Redis is unreachable (a restart takes a few seconds). */
export const DEPENDENCY_RETRY_AFTER_S = 5;

/** Socket error codes of a server that is down or restarting. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);

/**
 * Whether `error` says that PostgreSQL or Redis is unreachable (not that a query is wrong): a socket error, a
 * PostgreSQL connection-exception or operator-intervention SQLSTATE (classes 08 and 57P), the pool's connect
 * timeout, or ioredis giving up on a command while reconnecting. Judged by shape, so no driver is imported here.
 *
 * @param error - What a route threw.
 * @returns True for "retry later" failures.
 */
export function isDependencyUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) {
    return false;
  }
  const code = (error as Error & { code?: unknown }).code;
  if (
    typeof code === 'string' &&
    (UNREACHABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code) || /^57P0[1-3]$/.test(code))
  ) {
    return true;
  }
  return (
    error.name === 'MaxRetriesPerRequestError' ||
    /^Connection terminated|timeout exceeded when trying to connect|Connection is closed|Client has encountered a connection error|Client was closed and is not queryable/.test(
      error.message,
    )
  );
}

/** Query parameters that carry a credential (event-stream tickets): never echoed back in `instance`. */
const CREDENTIAL_PARAMETER = /([?&]access_token=)[^&#]*/gi;

/** The request URL with credential parameters redacted: a problem body ends up in logs, consoles and bug reports. */
function withoutCredentials(url: string): string {
  return url.replace(CREDENTIAL_PARAMETER, '$1REDACTED');
}

/**
 * Send `problem` as the response.
 *
 * @param request - For the request id and the `instance` member.
 * @param reply - Where to send it.
 * @param problem - The problem.
 * @param type - The `type` member; by default the gateway's URN of the code (a standard's routes pass its own).
 * @returns The reply.
 */
export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  problem: ProblemError,
  type = `${PROBLEM_TYPE_PREFIX}${problem.code}`,
): FastifyReply {
  const detail = problem.expose
    ? problem.message
    : `${problem.title}. The error was logged with request id ${request.id}.`;
  const body: Record<string, unknown> = {
    ...problem.extensions,
    type,
    title: problem.title,
    status: problem.statusCode,
    detail,
    instance: withoutCredentials(request.url),
    code: problem.code,
    requestId: request.id,
  };
  return reply.code(problem.statusCode).headers(problem.headers).type(PROBLEM_CONTENT_TYPE).send(body);
}

/** The problem for an error fastify raises before routing (the `frameworkErrors` option). */
function frameworkProblem(error: FastifyError): ProblemError {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return newProblem('INVALID_URL', 'the URL path is not valid percent-encoded UTF-8');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return newProblem('URL_TOO_LONG', 'a path parameter is longer than the gateway accepts');
    default:
      return toProblem(error);
  }
}

/**
 * The `frameworkErrors` option of the fastify factory: errors raised before a route is found (a bad percent-encoding
 * in the path, an overlong path parameter) as problem+json instead of fastify's own JSON.
 *
 * @param error - fastify's error.
 * @param request - The request fastify built for it.
 * @param reply - Its reply.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const problem = frameworkProblem(error);
  request.log.info({ code: problem.code, status: problem.statusCode }, 'request refused');
  void sendProblem(request, reply, problem);
}

/** What a client error at the socket level becomes, by Node's error code. */
function socketProblem(code: string | undefined): ProblemError {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return newProblem('REQUEST_TIMEOUT', 'the request was not received in time');
    case 'HPE_HEADER_OVERFLOW':
      return newProblem('HEADERS_TOO_LARGE', 'the request headers are larger than the server accepts');
    default:
      return newProblem(
        'MALFORMED_REQUEST',
        'the request is not well-formed HTTP/1.1 (request line, header name or value)',
      );
  }
}

/**
 * The `clientErrorHandler` option of the fastify factory: a request Node's HTTP parser refused (a NUL in a header, a
 * malformed request line, headers too large) or that timed out gets a problem+json answer on the raw socket, then
 * the connection is closed, as Node and fastify do by default.
 *
 * @param error - Node's `clientError` (`code` is `HPE_*` or `ERR_HTTP_REQUEST_TIMEOUT`).
 * @param socket - The client's socket.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Duplex): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) {
    return;
  }
  const problem = socketProblem(error.code);
  const body = JSON.stringify({
    type: `${PROBLEM_TYPE_PREFIX}${problem.code}`,
    title: problem.title,
    status: problem.statusCode,
    detail: problem.message,
    code: problem.code,
  });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${problem.statusCode} ${STATUS_CODES[problem.statusCode] ?? 'Bad Request'}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

async function problemDetails(fastify: FastifyInstance): Promise<void> {
  fastify.setErrorHandler((error: unknown, request, reply) => {
    const problem = toProblem(error);
    if (problem.statusCode >= 500) {
      request.log.error({ err: error, code: problem.code }, 'request failed');
    } else {
      request.log.info({ code: problem.code, status: problem.statusCode }, 'request refused');
    }
    return sendProblem(request, reply, problem);
  });
  fastify.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, newProblem('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );
}

/** The problem-details plugin: error and not-found handlers for the whole app. */
export default fp(problemDetails, { name: 'problem-details', fastify: '5.x' });
