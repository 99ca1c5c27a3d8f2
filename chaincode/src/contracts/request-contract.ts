/**
 * The `requests` contract: one call, one response (一呼一应, issue 18 Must 5). An enterprise files a request with
 * customs for itself (FileRequest); customs answers it (AnswerRequest). Decisions in domain/requests.ts; the answer time
 * comes from the rules in force at filing. A suspended enterprise is refused before either runs (ledger/access.ts).
 */
import { Info, Returns, Transaction } from 'fabric-contract-api';
import { decodeAnswerRequest, decodeFileRequest } from '@hainan/ledger-model';
import { encodeToString } from '../ledger-codec';
import { answerWorkingMinutesOf, decideAnswer, decideFiling, type CustomsRequestRecord } from '../domain/requests';
import { KeyType } from '../ledger/keys';
import { LedgerContract } from '../ledger/ledger-contract';
import { requireCustoms, requireEnterprise } from '../ledger/access';
import { commit } from '../ledger/commit';
import { loadAll, parseSubmission, requireUnused, rulesAt, txClockOf, txOf } from '../ledger/posting';
// A value import (not `import type`): decorator metadata must name the class so the contract API skips ctx.
import { TraceContext } from '../ledger/trace-context';

@Info({ title: 'requests', description: "Enterprises' requests to customs and customs' answers (一呼一应)" })
export class RequestContract extends LedgerContract {
  constructor() {
    super('requests');
  }

  /**
   * Files a request for the caller's enterprise: INSPECTION_BOOKING `{place, window}`, HOLD_RELEASE `{items}`,
   * RECORD_CORRECTION `{ref, reason}`, REINSTATEMENT `{reason}`; answer due after the rules' working minutes.
   */
  @Transaction()
  @Returns('string')
  async FileRequest(ctx: TraceContext, requestJson: string): Promise<string> {
    const ent = await requireEnterprise(ctx, undefined, 'file requests to customs');
    const f = await parseSubmission(ctx, requestJson);
    const req = decodeFileRequest(f, txClockOf(ctx));
    const requestId = req.requestId ?? ctx.txId;
    await requireUnused(ctx, KeyType.request, [requestId], `request ${requestId} is already filed`);
    const items = req.items === undefined ? [] : await loadAll(ctx, req.items);
    const rules = await rulesAt(ctx, ctx.txTime);
    const decision = decideFiling(
      req,
      { enterprise: ent.id, by: ctx.caller.id, items, answerWorkingMinutes: answerWorkingMinutesOf(rules) },
      txOf(ctx),
    );
    await commit(ctx, decision);
    return encodeToString({ txId: ctx.txId, request: decision.records?.request });
  }

  /** Customs answers a request: ACCEPT (an inspection booking with a slot), REFUSE with a reason, or DONE. */
  @Transaction()
  @Returns('string')
  async AnswerRequest(ctx: TraceContext, requestJson: string): Promise<string> {
    requireCustoms(ctx, 'answer requests');
    const f = await parseSubmission(ctx, requestJson);
    const req = decodeAnswerRequest(f, txClockOf(ctx));
    const prev = await ctx.store.get<CustomsRequestRecord>(KeyType.request, [req.requestId]);
    const decision = decideAnswer(prev, req, ctx.caller.id, txOf(ctx));
    await commit(ctx, decision);
    return encodeToString({ txId: ctx.txId, request: decision.records?.request });
  }
}
