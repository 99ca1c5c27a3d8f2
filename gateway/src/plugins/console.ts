/**
 * The web console at `/console/`: the static bundle that Vite builds from `gateway/console/` into
 * `gateway/dist/console/` (part of `npm run build`), served by @fastify/static. Public files only: the console asks
 * for an API key on its sign-in form and calls `/v1` with it, so everything it shows is what that key may read.
 *
 * Hashed assets are cached for a year (immutable); `index.html` is revalidated on every load, so a new build is
 * picked up at once. Gzip/Brotli files written by the build are served to clients that accept them. A strict
 * Content-Security-Policy allows only the console's own scripts, styles and `/v1` calls.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type {} from '@fastify/swagger'; // its `schema.hide`, to keep these routes out of the API document
import type { FastifyInstance } from 'fastify';
import { newProblem } from '../errors';

/** Where the build writes the bundle (from gateway/src/plugins under ts-node, or gateway/dist/plugins). */
export const CONSOLE_DIR = join(__dirname, '..', '..', 'dist', 'console');

/** URL prefix of the console. */
export const CONSOLE_PREFIX = '/console/';

/** Only the console's own files and API; no inline script, no framing. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Options of the console plugin. */
export interface ConsoleOptions {
  /** The built bundle; default {@link CONSOLE_DIR}. */
  root?: string;
}

/** Register without fastify-plugin: @fastify/static's decorators stay inside this scope. */
export default async function webConsole(fastify: FastifyInstance, options: ConsoleOptions): Promise<void> {
  const root = options.root ?? CONSOLE_DIR;
  fastify.get('/console', { schema: { hide: true } }, async (_request, reply) => reply.redirect(CONSOLE_PREFIX, 301));
  if (!existsSync(join(root, 'index.html'))) {
    // A gateway started from a tree where the console was not built (e.g. `tsc -b` alone): say so, do not 404.
    fastify.get(`${CONSOLE_PREFIX}*`, { schema: { hide: true } }, async () => {
      throw newProblem('UNAVAILABLE', 'the web console is not built: run `npm run build` (it runs vite build)', {
        expose: true,
      });
    });
    return;
  }
  const securityHeaders = {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  // The page itself: read per request (a few hundred bytes), so a rebuild is served without a restart. Served here
  // rather than as @fastify/static's directory index, which its preCompressed mode answers with 404.
  fastify.get(CONSOLE_PREFIX, { schema: { hide: true } }, async (_request, reply) =>
    reply
      .headers({ ...securityHeaders, 'cache-control': 'no-cache' })
      .type('text/html; charset=utf-8')
      .send(await readFile(join(root, 'index.html'))),
  );
  await fastify.register(fastifyStatic, {
    root,
    prefix: CONSOLE_PREFIX,
    decorateReply: false,
    preCompressed: true,
    index: false,
    cacheControl: false, // set per file below
    setHeaders(res, path) {
      const hashed = path.startsWith(join(root, 'assets'));
      res.setHeader('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      for (const [name, value] of Object.entries(securityHeaders)) res.setHeader(name, value);
    },
  });
}
