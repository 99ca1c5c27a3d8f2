/**
 * Request and response schemas of one call, one response (一呼一应, issue 18 Must 5): an enterprise's request to
 * customs, customs' answer, and the lists. The bodies mirror the chaincode's requests (@hainan/ledger-model
 * customs-requests.ts) with the model's vocabularies and patterns, so a malformed body is a 400 before any
 * transaction; which fields a kind needs, and everything about the ledger's state, the chain answers with its code.
 */
import { Type } from '@fastify/type-provider-typebox';
import { RECORD_REF, REF, REQUEST_ANSWERS, REQUEST_KINDS, REQUEST_TEXT_LENGTH_MAX } from '@hainan/ledger-model';
import { REQUEST_STATUS_FILTERS } from '../../services/requests/requests-service';
import { EnterpriseId } from '../schemas';
import { Instant, ItemIds, Location, Ref } from '../steps/schema';

/** Requests per page by default and at most. */
export const DEFAULT_REQUESTS_PER_PAGE = 50;
export const MAX_REQUESTS_PER_PAGE = 500;

const enumOf = (values: readonly string[], description: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    { description },
  );
const Text = Type.String({ minLength: 1, maxLength: REQUEST_TEXT_LENGTH_MAX });
const Window = Type.Object(
  { from: Instant, to: Instant },
  { additionalProperties: false, description: 'INSPECTION_BOOKING: when (at most 7 days, not over, within 183 days)' },
);
const Slot = Type.Object(
  { from: Instant, to: Instant, place: Type.Optional({ ...Location, description: 'Default: the place asked for' }) },
  { additionalProperties: false, description: 'ACCEPT: the appointment' },
);

/** `POST /v1/requests` → `requests:FileRequest`. */
export const FileRequestBody = Type.Object(
  {
    requestId: Type.Optional({ ...Ref, description: 'Your id for the request (default: the transaction id)' }),
    kind: enumOf(REQUEST_KINDS, 'INSPECTION_BOOKING, HOLD_RELEASE, RECORD_CORRECTION or REINSTATEMENT'),
    place: Type.Optional({ ...Location, description: 'INSPECTION_BOOKING: where the goods can be inspected' }),
    window: Type.Optional(Window),
    items: Type.Optional({ ...ItemIds, description: 'HOLD_RELEASE: held items of yours' }),
    releaseListNo: Type.Optional({
      ...Ref,
      description: 'INSPECTION_BOOKING, HOLD_RELEASE: the release list concerned',
    }),
    ref: Type.Optional(
      Type.String({
        maxLength: 200,
        pattern: RECORD_REF.source,
        description: 'RECORD_CORRECTION: the record or event to correct (transaction id, event id, document number)',
      }),
    ),
    reason: Type.Optional({ ...Text, description: 'Why; required for RECORD_CORRECTION and REINSTATEMENT' }),
  },
  { additionalProperties: false, description: 'A request to customs; the fields its kind needs and no others' },
);

export const RequestParams = Type.Object({ requestId: Type.String({ maxLength: 64, pattern: REF.source }) });

/** `POST /v1/requests/{requestId}/answers` → `requests:AnswerRequest`. */
export const AnswerBody = Type.Object(
  {
    answer: enumOf(REQUEST_ANSWERS, 'ACCEPT (an inspection booking with a slot), REFUSE (with a reason) or DONE'),
    slot: Type.Optional(Slot),
    reason: Type.Optional({ ...Text, description: 'REFUSE: why' }),
    note: Type.Optional(Text),
  },
  { additionalProperties: false },
);

/** The chaincode's answer to FileRequest and AnswerRequest (201). */
export const RequestResult = Type.Object(
  { txId: Type.String(), request: Type.Unknown({ description: 'The request record as the ledger now holds it' }) },
  { additionalProperties: true },
);

/** `GET /v1/requests`. */
export const ListRequestsQuery = Type.Object(
  {
    party: Type.Optional({ ...EnterpriseId, description: "Whose requests (default: your own; customs: everyone's)" }),
    status: Type.Optional(enumOf(REQUEST_STATUS_FILTERS, 'open (unanswered), accepted, refused or done')),
    overdue: Type.Optional(Type.Boolean({ description: 'true: only open requests past their due time' })),
    at: Type.Optional({
      ...Instant,
      description:
        'The instant overdue is judged at (default now): a later one shows what falls overdue by then if left unanswered',
    }),
    perPage: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_REQUESTS_PER_PAGE, default: DEFAULT_REQUESTS_PER_PAGE }),
    ),
    nextPageToken: Type.Optional(
      Type.String({ minLength: 1, maxLength: 400, description: 'Opaque token from the previous page' }),
    ),
  },
  { additionalProperties: false },
);

const Time = Type.String({ format: 'date-time' });
const OptionalTime = Type.Union([Time, Type.Null()]);

/** One request as listed. */
export const RequestView = Type.Object({
  requestId: Type.String(),
  enterprise: Type.String(),
  kind: Type.String(),
  status: Type.String({ description: 'OPEN, ACCEPTED, REFUSED or DONE' }),
  filedAt: Time,
  dueAt: { ...Time, description: 'When the first answer is due (answer time in working hours after filing)' },
  answeredAt: OptionalTime,
  closedAt: OptionalTime,
  overdue: Type.Boolean({ description: 'Still OPEN after dueAt, at the instant asked for (default now)' }),
  answeredLate: Type.Union([Type.Boolean(), Type.Null()], { description: 'First answer after dueAt; null: none yet' }),
  detail: Type.Unknown({ description: 'What was asked: place and window, items, record reference, reason' }),
  answers: Type.Array(Type.Unknown(), { description: 'Answers with their times, slots and reasons, oldest first' }),
  lastTxId: Type.String(),
});

export const ListRequestsResponse = Type.Object({
  requests: Type.Array(RequestView, { description: 'In filing order, oldest first' }),
  nextPageToken: Type.Optional(Type.String()),
});
