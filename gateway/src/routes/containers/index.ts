/**
 * `GET /v1/containers/{id}` (issue 15 Must 3): a case or pallet (SSCC or GRAI EPC URN) as the chain holds it: its
 * state (where its top container is), its book lines (items inside per GTIN and regime, through its cases), its cases
 * and its history (pack, ship, receive, unpack: every version of its key with the events of that transaction), read
 * from the chain as the caller (`query:GetContainer`): customs sees every container, an enterprise those it held or was
 * sent (else the chain's 403 `ACCESS_DENIED`); one not on the chain is 404.
 *
 * And the items inside, one page at a time (`perPage`, `nextPageToken`), from the projection: the chain's record counts
 * them per product line and never lists them (a pallet of 1,000 items is one key), and a page of 1,000 SGTINs is a
 * projection read. Each item comes with the case it is directly in. Tenancy as for items: an enterprise sees the items
 * it may read (held or was sent, directly or in a container); the list is as far as the projection has followed the
 * chain.
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CONTAINER_ID } from '@hainan/ledger-model';
import { Problem, authenticatedErrors } from '../schemas';
import { decodeContentsToken, encodeContentsToken } from './page-token';

/** Items of a container listed per page unless the caller asks for another number. */
export const DEFAULT_CONTENTS_PER_PAGE = 100;
/** Most items of a container listed in one page. */
export const MAX_CONTENTS_PER_PAGE = 1_000;

const ContainerParams = Type.Object({
  id: Type.String({ pattern: CONTAINER_ID.source, maxLength: 120, description: 'SSCC or GRAI EPC URN' }),
});

const ContainerQuery = Type.Object(
  {
    perPage: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_CONTENTS_PER_PAGE,
        default: DEFAULT_CONTENTS_PER_PAGE,
        description: 'Items inside listed in this page',
      }),
    ),
    nextPageToken: Type.Optional(
      Type.String({ minLength: 1, maxLength: 400, description: 'Opaque token from the previous page' }),
    ),
  },
  { additionalProperties: false },
);

const ContentItem = Type.Object({
  id: Type.String({ description: 'SGTIN URN of an item inside' }),
  container: Type.String({ description: 'The container it is directly in: this one, or one of its cases' }),
});

const containersRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/containers/:id',
    {
      schema: {
        tags: ['provenance'],
        summary:
          'A case or pallet: its state, the items inside per product line, its cases and its history (from the chain)',
        params: ContainerParams,
        querystring: ContainerQuery,
        response: {
          // The chain's record as it is (container, containers, history); its shape is chaincode/src/domain/containers.ts.
          // Then one page of the items inside, from the projection.
          200: Type.Object(
            {
              container: Type.Unknown(),
              containers: Type.Array(Type.Unknown()),
              history: Type.Array(Type.Unknown()),
              items: Type.Array(ContentItem),
              nextPageToken: Type.Optional(Type.String({ description: 'Present when more items are inside' })),
            },
            { additionalProperties: true },
          ),
          404: Problem,
          502: Problem,
          503: Problem,
          504: Problem,
          ...authenticatedErrors,
        },
      },
    },
    async (request, reply) => {
      const { principal, query } = request;
      const after = query.nextPageToken === undefined ? undefined : decodeContentsToken(query.nextPageToken);
      // The chain decides whether the caller may read the container (403, 404) before anything inside is listed.
      const answer = await fastify.ledgers
        .forCaller(principal, 'query')
        .evaluate<{ container: unknown; containers: unknown[]; history: unknown[] }>('GetContainer', [
          JSON.stringify({ id: request.params.id }),
        ]);
      if (answer === undefined) throw new Error('query:GetContainer answered nothing');
      const perPage = query.perPage ?? DEFAULT_CONTENTS_PER_PAGE;
      // One more than the page, to know whether another follows.
      const rows = await fastify.repositories.projection.containerContents(request.params.id, {
        ...(after === undefined ? {} : { after }),
        limit: perPage + 1,
        ...(principal.role === 'customs' ? {} : { visibleTo: principal.enterpriseId ?? '' }),
      });
      const page = rows.slice(0, perPage);
      const last = page[page.length - 1];
      const nextPageToken = rows.length > perPage && last !== undefined ? encodeContentsToken(last.sgtin) : undefined;
      if (nextPageToken !== undefined) {
        const next = new URLSearchParams({ perPage: String(perPage), nextPageToken });
        reply.header(
          'link',
          `</v1/containers/${encodeURIComponent(request.params.id)}?${next.toString()}>; rel="next"`,
        );
      }
      return {
        ...answer,
        items: page.map((r) => ({ id: r.sgtin, container: r.container })),
        ...(nextPageToken === undefined ? {} : { nextPageToken }),
      };
    },
  );
};

export default containersRoutes;
