/**
 * `GET /`: a small page that points at what a person opening the gateway's address wants — the web console and the
 * API documentation — instead of a bare 404. A client asking for JSON gets the same links as JSON. Static and
 * public: it shows no data and needs no key.
 */
import type {} from '@fastify/swagger'; // its `schema.hide`, to keep this page out of the API document
import type { FastifyInstance } from 'fastify';
import { CONSOLE_PREFIX } from './console';

/** Where the index page points. */
export const INDEX_LINKS = {
  console: CONSOLE_PREFIX,
  docs: '/docs',
  openapi: '/docs/json',
  health: '/healthz',
  readiness: '/readyz',
} as const;

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Hainan traceability gateway</title></head>
<body>
<h1>Hainan traceability gateway</h1>
<ul>
<li><a href="${INDEX_LINKS.console}">Web console</a> (sign in with an API key)</li>
<li><a href="${INDEX_LINKS.docs}">API documentation</a> (<a href="${INDEX_LINKS.openapi}">OpenAPI JSON</a>)</li>
<li><a href="${INDEX_LINKS.health}">Liveness</a> and <a href="${INDEX_LINKS.readiness}">readiness</a></li>
</ul>
</body>
</html>
`;

/** No script, no style, no framing: the page is links only. */
const CONTENT_SECURITY_POLICY = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Register without fastify-plugin: one route, nothing to share. */
export default async function indexPage(fastify: FastifyInstance): Promise<void> {
  fastify.get('/', { schema: { hide: true } }, async (request, reply) => {
    reply.headers({ 'cache-control': 'no-cache', vary: 'accept', 'x-content-type-options': 'nosniff' });
    const accept = request.headers.accept ?? '';
    // A browser sends text/html first; a client that names JSON and not HTML wants the links as data.
    if (accept.includes('application/json') && !accept.includes('text/html')) {
      return reply.type('application/json; charset=utf-8').send(INDEX_LINKS);
    }
    return reply.header('content-security-policy', CONTENT_SECURITY_POLICY).type('text/html; charset=utf-8').send(PAGE);
  });
}
