/**
 * The opaque `nextPageToken` of every list: `[version, ...fields]` as base64url JSON, the fields being the keyset
 * position of a page's last row (chain position, filing time and id, SGTIN, ...). Keysets, not offsets, so pages
 * neither skip nor repeat rows while new ones are appended; a list bumps its version when its keyset changes, so an
 * old token is refused, never misread. Each list names its version and checks its own fields; this module owns the
 * format and the refusal, which is `INVALID_PAGE_TOKEN` whatever a client sends.
 */
import { newProblem } from './errors';

/** What a token field may hold. */
export type PageTokenField = string | number | null;

/**
 * A token for the page after the row at `fields`.
 *
 * @param version - The list's token version (a number, or a tag for lists without versions).
 */
export function encodePageToken(version: number | string, fields: readonly PageTokenField[]): string {
  return Buffer.from(JSON.stringify([version, ...fields])).toString('base64url');
}

/**
 * The position a token made by {@link encodePageToken} holds: its version must be `version`, its fields `arity`, and
 * `read` must accept them (undefined when a field is not what the list gives out).
 *
 * @throws ProblemError `INVALID_PAGE_TOKEN` with `message`
 */
export function decodePageToken<T>(
  token: string,
  version: number | string,
  arity: number,
  read: (fields: readonly unknown[]) => T | undefined,
  message = 'nextPageToken was not issued by this endpoint',
): T {
  let position: T | undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === arity + 1 && parsed[0] === version) position = read(parsed.slice(1));
  } catch {
    // not JSON, or a field `read` could not convert: not a token of this list
  }
  if (position === undefined) throw newProblem('INVALID_PAGE_TOKEN', message);
  return position;
}
