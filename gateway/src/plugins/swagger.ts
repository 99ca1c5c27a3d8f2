/**
 * OpenAPI 3.1 document generated from the routes' TypeBox schemas (@fastify/swagger), served with Swagger UI at
 * `/docs` and as JSON at `/docs/json`. Register before the routes: it collects them as they are added.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

async function openApi(fastify: FastifyInstance): Promise<void> {
  await fastify.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Hainan duty-free traceability gateway',
        description:
          'Provenance queries (customs), capture and stocktakes (operators), and the one-account ledger ' +
          '(enterprises). Errors are application/problem+json (RFC 9457) with a stable `code`.',
        version: '0.1.0',
      },
      components: {
        securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'API key issued by customs' } },
      },
      security: [{ apiKey: [] }],
    },
  });
  await fastify.register(swaggerUi, { routePrefix: '/docs' });
}

/** The OpenAPI plugin. */
export default fp(openApi, { name: 'openapi', fastify: '5.x' });
