/**
 * One call, one response (一呼一应) read side: the requests enterprises filed with customs and customs' answers, from
 * the projection of the chain (RequestsRepository port). Customs reads every party's requests; an enterprise or
 * operator key only its own. A request is overdue when it is still OPEN after its due time (the chain computed the due
 * time at filing from the rules' answer time in working hours: @hainan/ledger-model working-hours.ts).
 */
import { mayAccessEnterprise, type Principal } from '../../domain/principal';
import { newProblem } from '../../errors';
import type { RequestKey, RequestRow, RequestsRepository } from '../../repositories/requests';

/** What the list use case depends on. */
export interface RequestsServiceDeps {
  readonly requests: RequestsRepository;
}

/** Statuses a list can ask for, as the API spells them. */
export const REQUEST_STATUS_FILTERS = ['open', 'accepted', 'refused', 'done'] as const;
export type RequestStatusFilter = (typeof REQUEST_STATUS_FILTERS)[number];

/** A list query, already validated by the route's schema. */
export interface ListRequestsInput {
  /** Whose requests: an enterprise id; absent: the caller's own (all parties for customs). */
  readonly party?: string | undefined;
  readonly status?: RequestStatusFilter | undefined;
  /** Only overdue requests (OPEN past their due time). */
  readonly overdue?: boolean | undefined;
  readonly after?: RequestKey | undefined;
  readonly limit: number;
}

/** A request as the API shows it. */
export interface RequestView {
  readonly requestId: string;
  readonly enterprise: string;
  readonly kind: string;
  readonly status: string;
  readonly filedAt: string;
  readonly dueAt: string;
  readonly answeredAt: string | null;
  readonly closedAt: string | null;
  /** OPEN past its due time at the moment of reading. */
  readonly overdue: boolean;
  /** Whether the first answer came after the due time; null while unanswered. */
  readonly answeredLate: boolean | null;
  readonly detail: unknown;
  readonly answers: unknown[];
  readonly lastTxId: string;
}

/** The read use cases. */
export interface RequestsService {
  /**
   * One page of requests in filing order (at most `limit`), with where the next page starts when there is one.
   *
   * @throws ProblemError `FORBIDDEN_TENANT` for another enterprise's requests (not customs)
   */
  list(caller: Principal, input: ListRequestsInput, now: Date): Promise<{ requests: RequestView[]; next?: RequestKey }>;
  /**
   * One request.
   *
   * @throws ProblemError `NOT_FOUND` (also for another enterprise's request: its existence is not told)
   */
  get(caller: Principal, requestId: string, now: Date): Promise<RequestView>;
}

/** Whether a request is overdue at `now`: still OPEN after its due time. */
export function isOverdue(row: Pick<RequestRow, 'status' | 'dueAt'>, now: Date): boolean {
  return row.status === 'OPEN' && row.dueAt.getTime() < now.getTime();
}

function toView(row: RequestRow, now: Date): RequestView {
  const record = row.record as { detail?: unknown; answers?: unknown[]; answeredLate?: boolean };
  return {
    requestId: row.requestId,
    enterprise: row.enterprise,
    kind: row.kind,
    status: row.status,
    filedAt: row.filedAt.toISOString(),
    dueAt: row.dueAt.toISOString(),
    answeredAt: row.answeredAt?.toISOString() ?? null,
    closedAt: row.closedAt?.toISOString() ?? null,
    overdue: isOverdue(row, now),
    answeredLate: record.answeredLate ?? null,
    detail: record.detail ?? {},
    answers: record.answers ?? [],
    lastTxId: row.lastTxId,
  };
}

/**
 * Create the service.
 *
 * @param deps - The requests repository.
 * @returns The service.
 */
export function newRequestsService(deps: RequestsServiceDeps): RequestsService {
  return {
    async list(caller, input, now) {
      const party = input.party ?? (caller.role === 'customs' ? undefined : (caller.enterpriseId ?? undefined));
      if (party === undefined && caller.role !== 'customs') {
        throw new Error(`api key ${caller.keyId} of role ${caller.role} has no enterprise`); // the schema forbids it
      }
      if (party !== undefined && !mayAccessEnterprise(caller, party)) {
        throw newProblem('FORBIDDEN_TENANT', "these requests belong to another enterprise than the caller's");
      }
      const rows = await deps.requests.list({
        ...(party === undefined ? {} : { enterprise: party }),
        ...(input.status === undefined ? {} : { statuses: [input.status.toUpperCase()] }),
        ...(input.overdue === true ? { overdueAt: now } : {}),
        ...(input.after === undefined ? {} : { after: input.after }),
        // One more than the page: whether a next page exists, without counting.
        limit: input.limit + 1,
      });
      const page = rows.slice(0, input.limit);
      const last = page[page.length - 1];
      return {
        requests: page.map((r) => toView(r, now)),
        ...(rows.length > input.limit && last ? { next: { filedAt: last.filedAt, requestId: last.requestId } } : {}),
      };
    },

    async get(caller, requestId, now) {
      const row = await deps.requests.find(requestId);
      if (row === undefined || !mayAccessEnterprise(caller, row.enterprise)) {
        throw newProblem('NOT_FOUND', `no request ${requestId} is on the ledger for this caller`);
      }
      return toView(row, now);
    },
  };
}
