/**
 * The EPCIS 2.0 query use cases against the EPCIS repository port: a page of events for a query (keyset pages,
 * `eventCountLimit` carried across pages, `maxEventCount` checked before the first), the vocabulary resources
 * (standard CBV values merged with those the events use), and named queries per owner. Tenancy is decided here once:
 * customs sees every event, an enterprise or operator the events naming an item it held or was sent, and a named
 * query or subscription belongs to its owner (customs as a whole, or one enterprise).
 */
import type { Principal } from '../../domain/principal';
import { EpcisQueryError, parseEpcisQuery, type EpcisQuery } from '../../domain/epcis-query';
import { newProblem } from '../../errors';
import { decodePageToken, encodePageToken } from '../../page-token';
import type { EpcisMatch, EpcisRepository, EpcisVocabulary, NamedQueryRow } from '../../repositories/epcis';
import { decodeCursor, encodeCursor } from './cursor';
import { CBV_BIZ_STEPS, CBV_DISPOSITIONS } from './cbv';

/** The owner of named queries and subscriptions: '' for customs, else the caller's enterprise. */
export function ownerOf(principal: Principal): string {
  return principal.role === 'customs' ? '' : (principal.enterpriseId ?? '\u0000none');
}

/** Whose events an owner sees: undefined for customs (all). */
export function visibleToOf(owner: string): string | undefined {
  return owner === '' ? undefined : owner;
}

/**
 * Parse a query; a refused parameter becomes the problem.
 *
 * @throws ProblemError `EPCIS_QUERY_PARAMETER`
 */
export function parseQuery(parameters: Readonly<Record<string, unknown>>): EpcisQuery {
  try {
    return parseEpcisQuery(parameters);
  } catch (err: unknown) {
    if (err instanceof EpcisQueryError) throw newProblem('EPCIS_QUERY_PARAMETER', err.message);
    throw err;
  }
}

/** A page of events. */
export interface EventsPage {
  readonly events: readonly EpcisMatch[];
  /** Token of the next page; absent on the last. */
  readonly nextPageToken?: string;
}

/** A page of vocabulary values. */
export interface ValuesPage {
  readonly values: readonly string[];
  readonly nextPageToken?: string;
}

/** Names of named queries: what a URL path segment can carry safely. */
export const QUERY_NAME = /^[A-Za-z0-9][A-Za-z0-9._~-]{0,99}$/;

/** The EPCIS use cases. */
export interface EpcisService {
  /**
   * One page of the events matching `query` that the owner may see.
   *
   * @throws ProblemError `INVALID_PAGE_TOKEN`, `EPCIS_QUERY_TOO_LARGE`
   */
  eventsPage(owner: string, query: EpcisQuery, perPage: number, token: string | undefined): Promise<EventsPage>;
  /** One page of a vocabulary's values. @throws ProblemError `INVALID_PAGE_TOKEN` */
  valuesPage(
    owner: string,
    vocabulary: EpcisVocabulary,
    perPage: number,
    token: string | undefined,
  ): Promise<ValuesPage>;
  /**
   * Store a named query (parsed first: a query that cannot run is refused now, not at each use).
   *
   * @throws ProblemError `EPCIS_QUERY_PARAMETER`, `ALREADY_EXISTS`
   */
  createQuery(owner: string, name: string, query: Record<string, unknown>): Promise<void>;
  /** @throws ProblemError `NOT_FOUND` */
  namedQuery(owner: string, name: string): Promise<NamedQueryRow & { parsed: EpcisQuery }>;
  listQueries(
    owner: string,
    perPage: number,
    token: string | undefined,
  ): Promise<{ queries: NamedQueryRow[]; nextPageToken?: string }>;
  /** @throws ProblemError `NOT_FOUND` */
  deleteQuery(owner: string, name: string): Promise<void>;
}

/** The token of vocabulary and named-query pages: the last value of a page, tagged `v` (no version of its own). */
const valueToken = (value: string) => encodePageToken('v', [value]);

function decodeValueToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  return decodePageToken(token, 'v', 1, ([value]) => (typeof value === 'string' ? value : undefined));
}

/** Standard values of the vocabularies the CBV defines, sorted. */
const STANDARD: Partial<Record<EpcisVocabulary, readonly string[]>> = {
  bizStep: [...CBV_BIZ_STEPS].sort(),
  disposition: [...CBV_DISPOSITIONS].sort(),
};

/**
 * Create the service.
 *
 * @param repository - The EPCIS repository port.
 * @returns The service.
 */
export function newEpcisService(repository: EpcisRepository): EpcisService {
  return {
    async eventsPage(owner, query, perPage, token) {
      const visibleTo = visibleToOf(owner);
      const cursor = token === undefined ? undefined : decodeCursor(query, token);
      if (cursor === undefined && query.maxEventCount !== undefined) {
        const count = await repository.countUpTo(
          { query, ...(visibleTo === undefined ? {} : { visibleTo }) },
          query.maxEventCount + 1,
        );
        if (count > query.maxEventCount) {
          throw newProblem('EPCIS_QUERY_TOO_LARGE', `more than maxEventCount (${query.maxEventCount}) events match`);
        }
      }
      const remaining = cursor?.remaining ?? query.eventCountLimit;
      const limit = Math.min(perPage, remaining ?? perPage);
      const rows = await repository.events({
        query,
        ...(visibleTo === undefined ? {} : { visibleTo }),
        ...(cursor === undefined ? {} : { after: cursor.after }),
        limit: limit + 1,
      });
      const events = rows.slice(0, limit);
      const last = events[events.length - 1];
      const left = remaining === undefined ? undefined : remaining - events.length;
      const more = rows.length > limit && last !== undefined && (left === undefined || left > 0);
      return {
        events,
        ...(more
          ? { nextPageToken: encodeCursor(query, { after: last, ...(left === undefined ? {} : { remaining: left }) }) }
          : {}),
      };
    },

    async valuesPage(owner, vocabulary, perPage, token) {
      const after = decodeValueToken(token);
      const fromEvents = await repository.distinct(vocabulary, visibleToOf(owner), after, perPage + 1);
      const standard = (STANDARD[vocabulary] ?? []).filter((v) => after === undefined || v > after);
      const merged = Array.from(new Set([...standard, ...fromEvents])).sort();
      // The standard list is complete past `after`; events' values are complete only up to their last one.
      const lastFromEvents = fromEvents.length > perPage ? fromEvents[fromEvents.length - 1] : undefined;
      const bounded = lastFromEvents === undefined ? merged : merged.filter((v) => v <= lastFromEvents);
      const values = bounded.slice(0, perPage);
      const last = values[values.length - 1];
      return {
        values,
        ...(bounded.length > perPage && last !== undefined ? { nextPageToken: valueToken(last) } : {}),
      };
    },

    async createQuery(owner, name, query) {
      parseQuery(query);
      if (!(await repository.createQuery(owner, name, query))) {
        throw newProblem('ALREADY_EXISTS', `a query named ${name} exists`);
      }
    },

    async namedQuery(owner, name) {
      const row = await repository.findQuery(owner, name);
      if (row === undefined) throw newProblem('NOT_FOUND', `no query named ${name}`);
      return { ...row, parsed: parseQuery(row.query) };
    },

    async listQueries(owner, perPage, token) {
      const rows = await repository.listQueries(owner, decodeValueToken(token), perPage + 1);
      const queries = rows.slice(0, perPage);
      const last = queries[queries.length - 1];
      return { queries, ...(rows.length > perPage && last ? { nextPageToken: valueToken(last.name) } : {}) };
    },

    async deleteQuery(owner, name) {
      if (!(await repository.deleteQuery(owner, name))) throw newProblem('NOT_FOUND', `no query named ${name}`);
    },
  };
}
