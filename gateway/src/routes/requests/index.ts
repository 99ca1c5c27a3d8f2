/**
 * One call, one response (一呼一应, issue 18 Must 5) under `/v1`: an enterprise or operator files a request with customs
 * for itself (`POST /v1/requests`: inspection booking, hold release, record correction, reinstatement); customs answers
 * it (`POST /v1/requests/{requestId}/answers`: accept with a slot, refuse with a reason, done). Both are chaincode
 * transactions (`requests:FileRequest`, `AnswerRequest`) with their times on the ledger. `GET /v1/requests` lists
 * requests per party and status from the projection, each flagged `overdue` when still open past its due time.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { parseInstant } from '@hainan/ledger-model';
import type { Role } from '../../domain/principal';
import { newRequestsService } from '../../services/requests/requests-service';
import { Problem, authenticatedErrors } from '../schemas';
import { postStep } from '../steps/submit-step';
import { decodeRequestToken, encodeRequestToken } from './page-token';
import {
  AnswerBody,
  DEFAULT_REQUESTS_PER_PAGE,
  FileRequestBody,
  ListRequestsQuery,
  ListRequestsResponse,
  RequestParams,
  RequestResult,
  RequestView,
} from './schema';

const ENTERPRISES: readonly Role[] = ['enterprise', 'operator'];
const CUSTOMS: readonly Role[] = ['customs'];
const TAG = 'requests';

const requestsRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const requests = newRequestsService({ requests: fastify.repositories.requests });

  postStep(fastify, {
    url: '/requests',
    tag: TAG,
    summary:
      'File a request with customs for your enterprise; its answer is due after the answer time in working hours',
    roles: ENTERPRISES,
    body: FileRequestBody,
    result: RequestResult,
    contract: 'requests',
    transaction: 'FileRequest',
    gs1: (b) => [['/place', b.place, 'location']],
  });
  postStep(fastify, {
    url: '/requests/:requestId/answers',
    tag: TAG,
    summary: 'Answer a request: ACCEPT (an inspection booking with a slot), REFUSE with a reason, or DONE',
    roles: CUSTOMS,
    params: RequestParams,
    body: AnswerBody,
    result: RequestResult,
    contract: 'requests',
    transaction: 'AnswerRequest',
    gs1: (b) => [['/slot/place', b.slot?.place, 'location']],
    build: (b, params) => ({ request: { ...b, requestId: params.requestId } }),
  });

  fastify.get(
    '/requests',
    {
      schema: {
        tags: [TAG],
        summary:
          'Requests to customs per party and status, oldest first, each flagged overdue when open past its due time',
        querystring: ListRequestsQuery,
        response: { 200: ListRequestsResponse, ...authenticatedErrors },
      },
    },
    async (request, reply) => {
      const query = request.query;
      const perPage = query.perPage ?? DEFAULT_REQUESTS_PER_PAGE;
      const page = await requests.list(
        request.principal,
        {
          party: query.party,
          status: query.status,
          overdue: query.overdue,
          after: query.nextPageToken === undefined ? undefined : decodeRequestToken(query.nextPageToken),
          limit: perPage,
        },
        query.at === undefined ? new Date() : new Date(parseInstant(query.at)),
      );
      const nextPageToken = page.next === undefined ? undefined : encodeRequestToken(page.next);
      if (nextPageToken !== undefined) {
        const next = new URLSearchParams(
          Object.entries(query).flatMap(([k, v]): [string, string][] => (v === undefined ? [] : [[k, String(v)]])),
        );
        next.set('nextPageToken', nextPageToken);
        reply.header('link', `</v1/requests?${next.toString()}>; rel="next"`);
      }
      return { requests: page.requests, ...(nextPageToken === undefined ? {} : { nextPageToken }) };
    },
  );

  fastify.get(
    '/requests/:requestId',
    {
      schema: {
        tags: [TAG],
        summary: 'One request with its answers (customs, or the enterprise that filed it)',
        params: RequestParams,
        response: { 200: RequestView, 404: Problem, ...authenticatedErrors },
      },
    },
    async (request) => requests.get(request.principal, request.params.requestId, new Date()),
  );
};

export default requestsRoutes;
