/**
 * Schemas of the capture routes. The body of `POST /v1/capture` is checked against the standard's EPCIS 2.0 JSON
 * schema in the handler (gateway/src/capture/epcis-schema.ts), so its route schema only says "a JSON object".
 */
import { Type } from '@fastify/type-provider-typebox';

/** Body of `POST /v1/capture`: an EPCISDocument (JSON or JSON-LD). */
export const CaptureBody = Type.Object(
  {},
  {
    additionalProperties: true,
    description:
      'A GS1 EPCIS 2.0 EPCISDocument (application/json or application/ld+json), checked against the standard JSON schema',
  },
);

/** Path of one capture. */
export const CaptureParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

/** `202 Accepted` body. */
export const CaptureAccepted = Type.Object({
  captureId: Type.String({ format: 'uuid' }),
  created: Type.Boolean({ description: 'False when the same document was captured before: nothing changed' }),
  eventCount: Type.Integer(),
  status: Type.String({ description: 'Where to follow it: GET the Location' }),
});

const EventError = Type.Object({ eventID: Type.String(), code: Type.String(), message: Type.String() });

/** Status of one capture. */
export const CaptureStatus = Type.Object({
  id: Type.String({ format: 'uuid' }),
  state: Type.Union([
    Type.Literal('accepted'),
    Type.Literal('processing'),
    Type.Literal('done'),
    Type.Literal('parked'),
  ]),
  outcome: Type.Union(
    [
      Type.Literal('pending'),
      Type.Literal('committed'),
      Type.Literal('partially_refused'),
      Type.Literal('refused'),
      Type.Literal('nothing_new'),
    ],
    {
      description:
        'committed: every event on the ledger; refused / partially_refused: see errors; nothing_new: every event was captured before',
    },
  ),
  receivedAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  eventCount: Type.Integer(),
  itemCount: Type.Integer(),
  counts: Type.Object({
    committed: Type.Integer(),
    refused: Type.Integer(),
    pending: Type.Integer(),
    duplicate: Type.Integer(),
  }),
  transactions: Type.Array(
    Type.Object({
      seq: Type.Integer(),
      fn: Type.String(),
      items: Type.Integer(),
      state: Type.String(),
      txId: Type.Union([Type.String(), Type.Null()]),
      signingSession: Type.Optional(
        Type.String({
          description:
            'A sender that keeps its own key signs this transaction here (GET it, sign its digest, post the signature)',
        }),
      ),
    }),
  ),
  errors: Type.Array(EventError),
  events: Type.Array(Type.Object({ eventID: Type.String(), state: Type.String(), txIds: Type.Array(Type.String()) })),
  duplicates: Type.Array(Type.Object({ eventID: Type.String(), captureId: Type.String() })),
  parkReason: Type.Optional(
    Type.String({
      description: 'Why the capture is parked: a cause no retry fixes by itself; fix it, then POST .../retry',
    }),
  ),
  waiting: Type.Optional(
    Type.Object(
      {
        reason: Type.String({
          description: 'What the capture waits for (the ledger or the database unreachable, ...)',
        }),
        since: Type.String({ format: 'date-time' }),
        waits: Type.Integer({ description: 'Consecutive waits; the wait between tries doubles up to 15 s' }),
        retryAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      },
      { description: 'Present while the capture waits out an outage: it resumes by itself, nothing is lost' },
    ),
  ),
});

/** Answer of `POST /v1/capture/{id}/retry`. */
export const CaptureRetried = Type.Object({
  id: Type.String({ format: 'uuid' }),
  retried: Type.Boolean({
    description:
      'true: the parked capture is queued again; false: it was not parked (still in flight), nothing changed',
  }),
  status: Type.String({ description: 'Where to follow it' }),
});
