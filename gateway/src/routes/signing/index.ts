/**
 * Bring-your-own-key signing sessions: `GET /v1/signing-sessions/{id}` shows where a session is and what to sign;
 * `POST /v1/signing-sessions/{id}/signatures` takes the next signature (proposal, then transaction). Sessions are
 * started by the step routes when the caller keeps its own key (routes/steps/submit-step.ts); the flow is in
 * ledger/signing-sessions.ts.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { newProblem } from '../../errors';
import { findSigningSession, signSigningSession, viewOf, type ExternalSigning } from '../../ledger/signing-sessions';
import { requireRole } from '../../plugins/auth';
import { Problem, authenticatedErrors } from '../schemas';
import { SignatureBody, SigningSessionParams, SigningSessionView } from './schema';

const signingRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const signing = (): ExternalSigning => {
    const configured = fastify.ports.externalSigning;
    if (!configured)
      throw newProblem('NOT_FOUND', 'this gateway offers no signing sessions (no enterprise keeps its own key here)');
    return configured;
  };

  fastify.get(
    '/signing-sessions/:id',
    {
      schema: {
        tags: ['signing'],
        summary: 'A bring-your-own-key signing session: its state and what to sign next',
        params: SigningSessionParams,
        response: { 200: SigningSessionView, 404: Problem, ...authenticatedErrors },
      },
    },
    async (request) => viewOf(await findSigningSession(signing(), request.principal, request.params.id)),
  );

  fastify.post(
    '/signing-sessions/:id/signatures',
    {
      onRequest: requireRole('enterprise', 'operator'),
      schema: {
        tags: ['signing'],
        summary:
          "Post the signature of the digest handed out: the proposal's (the gateway endorses), then the transaction's (the gateway submits and waits for the commit)",
        params: SigningSessionParams,
        body: SignatureBody,
        response: {
          200: SigningSessionView,
          404: Problem,
          409: Problem,
          410: Problem,
          422: Problem,
          ...authenticatedErrors,
        },
      },
    },
    async (request) =>
      signSigningSession(
        signing(),
        request.principal,
        request.params.id,
        Buffer.from(request.body.signature, 'base64'),
      ),
  );
};

export default signingRoutes;
