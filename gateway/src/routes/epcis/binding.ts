/**
 * What the EPCIS 2.0 REST binding asks of every response of its routes, in one place: the `GS1-EPCIS-Version` and
 * `GS1-CBV-Version` headers, refusing a client whose `GS1-EPCIS-Min/Max` or `GS1-CBV-Min/Max` exclude 2.0.0 (406),
 * the binding's exception names as the problem `type` (our stable `code` stays beside it), `perPage` bounds and
 * the `Link: <...>; rel="next"` header of paged resources.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { newProblem, type ProblemError } from '../../errors';

/** The EPCIS and CBV versions this repository speaks. */
export const EPCIS_VERSION = '2.0.0';
export const CBV_VERSION = '2.0.0';

/** `perPage` when absent (the binding's default) and its largest value. */
export const DEFAULT_PER_PAGE = 30;
export const MAX_PER_PAGE = 1_000;

/** The binding's exception for each of our codes; anything else keeps the gateway's own `type`. */
const EXCEPTIONS: Readonly<Record<string, string>> = {
  EPCIS_QUERY_PARAMETER: 'QueryParameterException',
  INVALID_PAGE_TOKEN: 'QueryParameterException',
  EPCIS_QUERY_TOO_LARGE: 'QueryTooLargeException',
  EPCIS_SUBSCRIPTION_CONTROLS: 'SubscriptionControlsException',
  EPCIS_VERSION_NOT_ACCEPTABLE: 'NotAcceptableException',
  VALIDATION_FAILED: 'ValidationException',
  BAD_REQUEST: 'ValidationException',
  BODY_LIMIT_EXCEEDED: 'ValidationException',
  UNSUPPORTED_CHARACTER: 'ValidationException',
  UNAUTHENTICATED: 'SecurityException',
  FORBIDDEN_ROLE: 'SecurityException',
  FORBIDDEN_TENANT: 'SecurityException',
  ENTERPRISE_SUSPENDED: 'SecurityException',
  NOT_FOUND: 'NoSuchResourceException',
  ALREADY_EXISTS: 'ResourceAlreadyExistsException',
  UNSUPPORTED_MEDIA_TYPE: 'UnsupportedMediaTypeException',
  URL_TOO_LONG: 'URITooLongException',
  INTERNAL: 'ImplementationException',
  UNAVAILABLE: 'ImplementationException',
};

/** The problem `type` of a problem on an EPCIS route. */
export function epcisProblemType(problem: ProblemError): string | undefined {
  const exception = EXCEPTIONS[problem.code];
  return exception === undefined ? undefined : `epcisException:${exception}`;
}

function versionOf(text: string): number[] | undefined {
  return /^\d+(\.\d+){0,3}$/.test(text) ? text.split('.').map(Number) : undefined;
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Refuse a request whose version range headers exclude 2.0.0.
 *
 * @throws ProblemError `EPCIS_VERSION_NOT_ACCEPTABLE`
 */
export function assertAcceptableVersions(request: FastifyRequest): void {
  for (const [kind, spoken] of [
    ['EPCIS', EPCIS_VERSION],
    ['CBV', CBV_VERSION],
  ] as const) {
    const ours = versionOf(spoken) ?? [];
    const min = request.headers[`gs1-${kind.toLowerCase()}-min`];
    const max = request.headers[`gs1-${kind.toLowerCase()}-max`];
    for (const [bound, value] of [
      ['Min', min],
      ['Max', max],
    ] as const) {
      if (typeof value !== 'string') continue;
      const wanted = versionOf(value.trim());
      if (wanted === undefined) {
        throw newProblem('EPCIS_VERSION_NOT_ACCEPTABLE', `GS1-${kind}-${bound} is not a version number`);
      }
      const order = compare(ours, wanted);
      if ((bound === 'Min' && order < 0) || (bound === 'Max' && order > 0)) {
        throw newProblem('EPCIS_VERSION_NOT_ACCEPTABLE', `this repository speaks ${kind} ${spoken} only`);
      }
    }
  }
}

/** The binding's headers, on every response of the EPCIS routes. */
export function setEpcisHeaders(reply: FastifyReply): void {
  reply.header('gs1-epcis-version', EPCIS_VERSION);
  reply.header('gs1-cbv-version', CBV_VERSION);
}

/**
 * Read `perPage`.
 *
 * @throws ProblemError `EPCIS_QUERY_PARAMETER`
 */
export function perPageOf(value: unknown): number {
  if (value === undefined) return DEFAULT_PER_PAGE;
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== 'string' || !/^\d{1,7}$/.test(text) || Number(text) < 1 || Number(text) > MAX_PER_PAGE) {
    throw newProblem('EPCIS_QUERY_PARAMETER', `perPage is an integer from 1 to ${MAX_PER_PAGE}`);
  }
  return Number(text);
}

/**
 * Read `nextPageToken`.
 *
 * @throws ProblemError `INVALID_PAGE_TOKEN`
 */
export function tokenOf(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > 500) {
    throw newProblem('INVALID_PAGE_TOKEN', 'nextPageToken was not issued by this endpoint');
  }
  return value;
}

/** Set `Link: <same URL with nextPageToken>; rel="next"` when there is a next page. */
export function linkNext(request: FastifyRequest, reply: FastifyReply, nextPageToken: string | undefined): void {
  if (nextPageToken === undefined) return;
  const [path, search] = request.url.split('?', 2) as [string, string | undefined];
  const params = new URLSearchParams(search ?? '');
  params.set('nextPageToken', nextPageToken);
  reply.header('link', `<${path}?${params.toString()}>; rel="next"`);
}

/** Query parameters without the paging ones: what the query parser reads. */
export function queryParameters(
  query: unknown,
  reserved: readonly string[] = ['perPage', 'nextPageToken'],
): Record<string, unknown> {
  const all = { ...(query as Record<string, unknown> | undefined) };
  for (const name of reserved) delete all[name];
  return all;
}
