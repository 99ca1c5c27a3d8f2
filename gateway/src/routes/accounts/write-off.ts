/**
 * Write-off of the account book (底账核销, issue 18 Must 4), customs only: `POST
 * /v1/enterprises/{id}/account/periods/{period}/write-off` writes a closed period off on the chain
 * (`account:WriteOffPeriod`: the chain matches the period's movements against its documents and records the matched
 * set's hash, counts and the unmatched documents with the transactions behind each); `GET` of the same path answers
 * the status of (enterprise, period) from the projection, and with `?preview=true` what a write-off would record now
 * (evaluated on the chain, not submitted); `POST ?expectedMatchedHash=` then records that very matched set or is 409
 * `WRITE_OFF_CHANGED`. An open period is 409 `PERIOD_NOT_CLOSED`, a second write-off 409 `ALREADY_WRITTEN_OFF`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { WriteOffRecord } from '@hainan/ledger-model';
import { submissionIdFor } from '../../ledger/submission';
import { requireRole } from '../../plugins/auth';
import { IDEMPOTENCY_KEY_HEADER } from '../../plugins/idempotency';
import { newWriteOffService } from '../../services/accounts/write-off-service';
import { IdempotencyHeaders, Problem, authenticatedErrors } from '../schemas';
import { PeriodParams } from './schema';
import { WriteOffQuery, WriteOffResponse, WriteOffStatusQuery, WriteOffStatusResponse } from './write-off-schema';

const TAG = 'accounts';

/** The record as answered: the chain's fields, in the response's shape. */
function toWriteOffView(record: WriteOffRecord, blockNumber?: bigint) {
  return {
    txId: record.txId,
    ...(blockNumber === undefined ? {} : { blockNumber: blockNumber.toString() }),
    writtenOffAt: record.writtenOffAt,
    writtenOffBy: record.writtenOffBy,
    periodSnapshotHash: record.periodSnapshotHash,
    matchedHash: record.matchedHash,
    counts: record.counts,
    matched: record.matched.map((m) => ({ type: m.type, no: m.no, txIds: [...m.txIds], lines: [...m.lines] })),
    unmatched: record.unmatched.map((u) => ({ ...u, events: [...u.events] })),
  };
}

/** A preview: the match alone (the evaluated transaction's id, time and author are not a write-off's). */
function toPreview(record: WriteOffRecord) {
  const { txId: _txId, writtenOffAt: _at, writtenOffBy: _by, ...match } = toWriteOffView(record);
  return match;
}

const writeOffRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const writeOffs = newWriteOffService({ accounts: fastify.repositories.accounts, ledgers: fastify.ledgers });
  const url = '/enterprises/:id/account/periods/:period/write-off';

  fastify.post(
    url,
    {
      onRequest: requireRole('customs'),
      config: { idempotent: true },
      schema: {
        tags: [TAG],
        summary:
          'Write off a closed period (核销, customs): the chain matches its movements against its declarations and release lists, records the matched set under a hash and lists what does not match; chaincode account:WriteOffPeriod; honours Idempotency-Key',
        params: PeriodParams,
        querystring: WriteOffQuery,
        headers: IdempotencyHeaders,
        response: {
          201: WriteOffResponse,
          200: WriteOffResponse,
          404: Problem,
          409: Problem,
          422: Problem,
          502: Problem,
          503: Problem,
          504: Problem,
          ...authenticatedErrors,
        },
      },
    },
    async (request, reply) => {
      const { id: enterprise, period } = request.params;
      const header = request.headers[IDEMPOTENCY_KEY_HEADER];
      // Scoped to the API key like the idempotency plugin's records: two clients' keys never collide on the chain.
      const submissionId = typeof header === 'string' ? submissionIdFor(request.principal.keyId, header) : undefined;
      const done = await writeOffs.writeOff(
        request.principal,
        enterprise,
        period,
        submissionId === undefined ? undefined : { id: submissionId, key: String(header) },
        request.query.expectedMatchedHash,
      );
      request.log.info(
        {
          enterprise,
          period,
          txId: done.txId,
          duplicateSubmission: done.duplicateSubmission,
          unmatched: done.record?.counts.unmatchedDocuments,
        },
        'account period written off',
      );
      return reply.code(done.duplicateSubmission ? 200 : 201).send({
        enterprise,
        period,
        duplicateSubmission: done.duplicateSubmission,
        txId: done.txId,
        writeOff: done.record ? toWriteOffView(done.record) : null,
      });
    },
  );

  fastify.get(
    url,
    {
      onRequest: requireRole('customs'),
      schema: {
        tags: [TAG],
        summary:
          'Write-off status of (enterprise, period), customs: OPEN, CLOSED or WRITTEN_OFF with the matched count, hash, transaction and the unmatched documents with the transactions behind each',
        params: PeriodParams,
        querystring: WriteOffStatusQuery,
        response: {
          200: WriteOffStatusResponse,
          404: Problem,
          409: Problem,
          502: Problem,
          503: Problem,
          504: Problem,
          ...authenticatedErrors,
        },
      },
    },
    async (request) => {
      const { id: enterprise, period } = request.params;
      const { status, closed, writeOff } = await writeOffs.status(enterprise, period);
      let preview: ReturnType<typeof toPreview> | null | undefined;
      if (request.query.preview === true) {
        preview =
          status === 'CLOSED' ? toPreview(await writeOffs.preview(request.principal, enterprise, period)) : null;
      }
      return {
        enterprise,
        period,
        status,
        closed: closed ? { closedAt: closed.closedAt, snapshotHash: closed.snapshotHash, txId: closed.txId } : null,
        writeOff: writeOff ? toWriteOffView(writeOff.record as unknown as WriteOffRecord, writeOff.blockNumber) : null,
        ...(preview === undefined ? {} : { preview }),
      };
    },
  );
};

export default writeOffRoutes;
