/**
 * Untrusted input checked before any work depends on it:
 *
 * - every JSON body (`application/json`, and `application/ld+json` where a route scope adds {@link jsonBodyParser})
 *   is read as bytes, refused unless UTF-8 (`BODY_INVALID_UTF8`), its values counted on the bytes a slice at a time
 *   (json-prescan.ts: a hostile body is refused before `JSON.parse` blocks on it), parsed with fastify's own parser (secure-json-parse:
 *   `__proto__` and `constructor.prototype` keys refused), then walked once against the route's structural limits
 *   (`BODY_LIMIT_EXCEEDED`, `UNSUPPORTED_CHARACTER`; see input-limits.ts). Routes that take larger documents raise
 *   the limits with `config: { jsonLimits }`;
 * - every query-string and path parameter is refused when it holds NUL or a lone surrogate (`UNSUPPORTED_CHARACTER`),
 *   in an `onRequest` hook that runs before authentication, so such a value never reaches PostgreSQL.
 */
import { isUtf8 } from 'node:buffer';
import type { FastifyBodyParser, FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { newProblem } from '../errors';
import {
  DEFAULT_JSON_LIMITS,
  hasUnsupportedCharacter,
  jsonLimitViolation,
  refuseLimit,
  type JsonLimits,
} from '../input-limits';
import { prescanJson } from '../json-prescan';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** This route's JSON body limits, each defaulting to {@link DEFAULT_JSON_LIMITS}. */
    jsonLimits?: Partial<JsonLimits>;
  }
}

/** The limits a request's body is held to. */
function limitsOf(request: FastifyRequest): JsonLimits {
  const own = request.routeOptions.config?.jsonLimits;
  return own === undefined ? DEFAULT_JSON_LIMITS : { ...DEFAULT_JSON_LIMITS, ...own };
}

/**
 * A body parser for JSON media types: UTF-8 check, fastify's secure parse, structural limits.
 *
 * @param fastify - The instance whose default JSON parser does the parsing.
 * @returns The parser, for `addContentTypeParser(type, { parseAs: 'buffer' }, parser)`.
 */
export function jsonBodyParser(fastify: FastifyInstance): FastifyBodyParser<Buffer> {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  return (request, body, done) => {
    // The default parser would decode invalid bytes to U+FFFD and store them; the client meant something else.
    if (!isUtf8(body)) {
      done(newProblem('BODY_INVALID_UTF8', 'the body is not valid UTF-8'), undefined);
      return;
    }
    const limits = limitsOf(request);
    // Counted on the bytes first, a slice at a time: a hostile body is refused before JSON.parse holds the event
    // loop for its whole length.
    prescanJson(body, limits).then(
      (violation) => {
        if (violation) {
          done(refuseLimit(violation.limit, violation.max, violation.path, violation.what), undefined);
          return;
        }
        parse(request, body.toString('utf8'), (error, value: unknown) => {
          if (error) {
            done(error, undefined);
            return;
          }
          const problem = jsonLimitViolation(value, limits);
          if (problem) {
            done(problem, undefined);
            return;
          }
          done(null, value);
        });
      },
      (err: unknown) => done(err as Error, undefined),
    );
  };
}

/** The parameters of one request part, for the character check. */
function firstUnsupported(values: unknown): string | undefined {
  if (typeof values !== 'object' || values === null) return undefined;
  for (const [name, value] of Object.entries(values as Record<string, unknown>)) {
    if (hasUnsupportedCharacter(name)) return '(a parameter name)';
    const list = Array.isArray(value) ? value : [value];
    for (const item of list) {
      if (typeof item === 'string' && hasUnsupportedCharacter(item)) return name;
    }
  }
  return undefined;
}

async function jsonBody(fastify: FastifyInstance): Promise<void> {
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, jsonBodyParser(fastify));

  fastify.addHook('onRequest', async (request) => {
    for (const [part, values] of [
      ['querystring', request.query],
      ['params', request.params],
    ] as const) {
      const name = firstUnsupported(values);
      if (name !== undefined) {
        throw newProblem(
          'UNSUPPORTED_CHARACTER',
          `the ${part} parameter ${name.slice(0, 100)} holds a NUL character or a lone UTF-16 surrogate`,
          {
            extensions: { in: part, name: name.slice(0, 100) },
          },
        );
      }
    }
  });
}

/** The JSON body plugin: register it at the root, before any route. */
export default fp(jsonBody, { name: 'json-body', fastify: '5.x' });
