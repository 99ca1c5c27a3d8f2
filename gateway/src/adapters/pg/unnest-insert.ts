/**
 * Multi-row inserts as `INSERT ... SELECT ... FROM unnest($1::t1[], $2::t2[], ...)`: one statement writes many rows,
 * with one array parameter per column, so the statement text (and its plan) does not depend on the row count. A
 * table is described once as a column list; {@link insertRows} sends its rows in chunks of at most
 * {@link MAX_ROWS_PER_STATEMENT}.
 *
 * JSON columns do not travel as `jsonb[]`: PostgreSQL (before 17) reads an array literal's quoted elements by moving
 * the rest of the element at every backslash, so a large JSON document with many escaped quotes costs quadratic time
 * (20 payloads of 300 kB: 460 ms as jsonb[], 60 ms as below or one INSERT each). A JSON column is one `json`
 * parameter holding the column's values as a JSON array, split with `json_array_elements` in order.
 */
import { queryPrepared, type PreparedStatement, type Queryable } from './pool';

/**
 * Most rows in one statement. A follower batch (5,000 items by default) fits in one statement per table; the bound
 * keeps one statement's parameters to a few megabytes when a caller passes more.
 */
export const MAX_ROWS_PER_STATEMENT = 5_000;

/** PostgreSQL element types a column array is cast to. */
export type UnnestType = 'text' | 'bigint' | 'int' | 'boolean' | 'timestamptz' | 'jsonb';

/** One column: its name in the table, the element type of its array, and how a row gives its value (for `jsonb`: any JSON value, not its text). */
export interface UnnestColumn<Row> {
  readonly name: string;
  readonly type: UnnestType;
  readonly value: (row: Row) => unknown;
  /**
   * SQL that computes the stored value from `u.<name>` (the unnested element), when it is not stored as is:
   * e.g. a text[] column, which cannot be unnested from a 2-D array of ragged rows, travels as a JSON array.
   */
  readonly expression?: string;
  /** For `jsonb`: the value may be a shared base plus one member of the row (see {@link SharedJson}). */
  readonly shared?: SharedJson<Row>;
}

/**
 * A JSON column whose value is, for many rows, one shared object plus the row's key: `{ ...base, [member]: key }`
 * (the items of one group of a chaincode event: payload version 2). Each distinct base (by identity) is sent once
 * per statement and PostgreSQL adds the member, so a 1,000-item group costs one JSON text instead of 1,000 (in the
 * gateway's stringify, on the wire and in PostgreSQL's JSON parser). Rows without a base send their value whole.
 * The stored value is the same either way (jsonb does not keep key order).
 */
export interface SharedJson<Row> {
  /** The row's base, or undefined when the row's value travels whole. */
  readonly base: (row: Row) => object | undefined;
  /** Name of the member added to the base; without it the value is the base itself (rows share it by identity). */
  readonly member?: string;
  /** The (text) column of the table whose value the member takes. */
  readonly keyColumn?: string;
}

/** snake_case column name to the camelCase row field that holds its value (`payload_sha256` to `payloadSha256`). */
type FieldOf<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<FieldOf<T>>}` : S;

/** A column in {@link columnsOf}: its array element type, or that and the SQL computing the stored value. */
export type ColumnSpec =
  | UnnestType
  | { readonly type: UnnestType; readonly expression: string }
  | { readonly type: 'jsonb'; readonly shared: SharedJson<never> };

/** Only columns whose camelCase name is a field of `Row` type-check. */
export type ColumnSpecs<Row, S> = {
  [K in keyof S]: K extends string ? (FieldOf<K> extends keyof Row ? ColumnSpec : never) : never;
};

const fieldOf = (column: string): string => column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * The columns of a table, in order, each read from the row field of its camelCase name; bigints travel as text.
 * A column name that is no field of `Row` is a type error.
 *
 * @returns A function of the column specs (curried so that `Row` is given and the specs are inferred).
 */
export function columnsOf<Row>() {
  return <S extends Record<string, ColumnSpec>>(specs: S & ColumnSpecs<Row, S>): UnnestColumn<Row>[] =>
    Object.entries(specs as Record<string, ColumnSpec>).map(([name, spec]) => {
      const field = fieldOf(name);
      const value = (row: Row): unknown => {
        const v = (row as Record<string, unknown>)[field];
        return typeof v === 'bigint' ? v.toString() : v;
      };
      if (typeof spec === 'string') return { name, type: spec, value };
      return 'shared' in spec
        ? { name, type: spec.type, value, shared: spec.shared as SharedJson<Row> }
        : { name, type: spec.type, value, expression: spec.expression };
    });
}

/** A table written by {@link insertRows}. */
export interface UnnestInsert<Row> {
  /** Prepared statement name: unique in the process. */
  readonly name: string;
  readonly table: string;
  readonly columns: readonly UnnestColumn<Row>[];
  /** The `ON CONFLICT ...` clause, whole. */
  readonly onConflict: string;
}

/** A table description compiled once: its statement text and column readers. */
export interface CompiledInsert<Row> {
  readonly statement: PreparedStatement;
  readonly columns: readonly UnnestColumn<Row>[];
}

/**
 * Build the statement of a table (once, at module load).
 *
 * @param spec - Table, columns and conflict clause.
 * @returns The statement and its columns.
 */
export function compileInsert<Row>(spec: Readonly<UnnestInsert<Row>>): CompiledInsert<Row> {
  const names = spec.columns.map((c) => c.name);
  // A shared JSON column travels as int[] (per row: the base's index, or -1 - the index of a whole value) and its
  // list of bases and whole values as one jsonb parameter after the column parameters (parsed once, at bind).
  let extra = spec.columns.length;
  const arrays = spec.columns.map((c, i) =>
    c.shared !== undefined
      ? `$${i + 1}::int[]`
      : c.type === 'jsonb'
        ? `ARRAY(SELECT e::jsonb FROM json_array_elements($${i + 1}::json) WITH ORDINALITY AS x(e, n) ORDER BY n)`
        : `$${i + 1}::${c.type}[]`,
  );
  const selects = spec.columns.map((c) => {
    if (c.shared === undefined) return c.expression ?? `u.${c.name}`;
    const list = `$${++extra}::jsonb`;
    const { member, keyColumn } = c.shared;
    const based =
      member === undefined
        ? `${list} -> u.${c.name}`
        : `(${list} -> u.${c.name}) || jsonb_build_object('${member}', u.${keyColumn})`;
    return `CASE WHEN u.${c.name} >= 0 THEN ${based} ELSE ${list} -> (-1 - u.${c.name}) END`;
  });
  const text =
    `INSERT INTO ${spec.table} (${names.join(', ')}) SELECT ${selects.join(', ')} ` +
    `FROM unnest(${arrays.join(', ')}) AS u(${names.join(', ')}) ${spec.onConflict}`;
  return { statement: { name: spec.name, text }, columns: spec.columns };
}

/**
 * Insert rows with one statement per {@link MAX_ROWS_PER_STATEMENT} rows (none for no rows), in row order.
 *
 * @param db - The transaction (or pool) to write with.
 * @param insert - The compiled table.
 * @param rows - The rows; with `ON CONFLICT DO UPDATE`, no two may have the same conflict key (PostgreSQL refuses
 *   to update one row twice in one statement): deduplicate first.
 * @param maxRows - Rows per statement (tests pass a small one to cross chunk boundaries).
 * @returns How many statements were sent.
 */
export async function insertRows<Row>(
  db: Queryable,
  insert: CompiledInsert<Row>,
  rows: readonly Row[],
  maxRows: number = MAX_ROWS_PER_STATEMENT,
): Promise<number> {
  if (!Number.isInteger(maxRows) || maxRows < 1)
    throw new RangeError(`maxRows must be a positive integer, not ${maxRows}`);
  let statements = 0;
  for (let start = 0; start < rows.length; start += maxRows) {
    const chunk = rows.slice(start, start + maxRows);
    const lists: string[] = [];
    const values = insert.columns.map((c) => {
      if (c.shared === undefined) return c.type === 'jsonb' ? JSON.stringify(chunk.map(c.value)) : chunk.map(c.value);
      const { positions, list } = sharedJson(chunk, c.value, c.shared.base);
      lists.push(JSON.stringify(list));
      return positions;
    });
    await queryPrepared(db, insert.statement, [...values, ...lists]);
    statements++;
  }
  return statements;
}

/** A shared JSON column's parameters: per row its position (see {@link compileInsert}), and the list of values. */
function sharedJson<Row>(
  rows: readonly Row[],
  value: (row: Row) => unknown,
  baseOf: (row: Row) => object | undefined,
): { positions: number[]; list: unknown[] } {
  const list: unknown[] = [];
  const bases = new Map<object, number>();
  const positions = rows.map((row) => {
    const base = baseOf(row);
    if (base === undefined) return -1 - (list.push(value(row)) - 1);
    let at = bases.get(base);
    if (at === undefined) {
      at = list.push(base) - 1;
      bases.set(base, at);
    }
    return at;
  });
  return { positions, list };
}

/**
 * Keep one row per key: the last one that `isBefore` does not place before the one kept (so among equals the last in
 * array order wins, as successive upserts would leave it). Order of first appearance is kept.
 *
 * @param rows - Rows, in the order they were produced.
 * @param key - The conflict key of a row.
 * @param isBefore - Whether `a` precedes `b` (an upsert of `a` after `b` would be refused).
 * @returns At most one row per key.
 */
export function lastPerKey<Row>(
  rows: readonly Row[],
  key: (row: Row) => string,
  isBefore: (a: Row, b: Row) => boolean,
): Row[] {
  const kept = new Map<string, Row>();
  for (const row of rows) {
    const k = key(row);
    const current = kept.get(k);
    if (current === undefined || !isBefore(row, current)) kept.set(k, row);
  }
  return rows.length === kept.size ? (rows as Row[]) : Array.from(kept.values());
}
