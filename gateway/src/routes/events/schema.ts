/**
 * Schemas of the EPCIS query subset `GET /v1/events`.
 */
import { Type, type Static } from '@fastify/type-provider-typebox';

/** Page size when `perPage` is absent. */
export const DEFAULT_PER_PAGE = 100;
/** Largest `perPage`. */
export const MAX_PER_PAGE = 1_000;
/** Most values in one list parameter (`MATCH_epc`, `EQ_bizStep`, `EQ_bizLocation`). */
export const MAX_LIST_VALUES = 100;

const list = (description: string) =>
  Type.Optional(
    Type.String({ minLength: 1, maxLength: 20_000, description: `${description}; several values separated by | or ,` }),
  );

/** Query parameters (EPCIS 2.0 SimpleEventQuery names). */
export const EventsQuery = Type.Object(
  {
    MATCH_epc: list('EPC URNs named by the event (epcList, childEPCs, inputEPCList, outputEPCList); no patterns'),
    EQ_bizStep: list('CBV bizStep, short (`shipping`) or full URI'),
    EQ_bizLocation: list('bizLocation id (SGLN URN)'),
    GE_eventTime: Type.Optional(Type.String({ format: 'date-time' })),
    LT_eventTime: Type.Optional(Type.String({ format: 'date-time' })),
    perPage: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PER_PAGE, default: DEFAULT_PER_PAGE })),
    nextPageToken: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'Opaque token from the previous page' }),
    ),
  },
  { additionalProperties: false },
);
/** Query parameters of `GET /v1/events`. */
export type EventsQuery = Static<typeof EventsQuery>;

/** The page: an EPCIS query document, plus the token of the next page when there is one. */
export const EventsResponse = Type.Object(
  {
    '@context': Type.Array(Type.Unknown()),
    type: Type.Literal('EPCISQueryDocument'),
    schemaVersion: Type.String(),
    creationDate: Type.String({ format: 'date-time' }),
    epcisBody: Type.Unknown(),
    nextPageToken: Type.Optional(Type.String()),
  },
  { description: 'EPCIS 2.0 EPCISQueryDocument; also a Link header rel="next" when more events match' },
);
