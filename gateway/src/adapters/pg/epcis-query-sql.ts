/**
 * EPCIS 2.0 query conditions as SQL over the projection's `epcis_events` (alias `e`): columns where the table has
 * them (event_id, event_time, biz_location, epcs: indexed), the stored event's JSON for the rest. Every value is a
 * bind parameter; the only text spliced in comes from this file's own tables.
 */
import type { EpcField, EpcisCondition, EqualityField, TypedList } from '../../domain/epcis-query';

/** Collects bind values; `add` answers the placeholder. */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** A CBV bare-word field with its Web URI / URN prefixes stripped, as the parser strips the query's values. */
const bareWord = (expression: string, kind: string, urn: string) =>
  `regexp_replace(${expression}, '^(https://ref\\.gs1\\.org/cbv/${kind}-|urn:epcglobal:cbv:${urn}:)', '')`;

const EQUALITY_SQL: Readonly<Record<EqualityField, string>> = {
  type: `e.event->>'type'`,
  action: `e.event->>'action'`,
  bizStep: bareWord('e.biz_step', 'BizStep', 'bizstep'),
  disposition: bareWord(`e.event->>'disposition'`, 'Disp', 'disp'),
  readPoint: `e.event->'readPoint'->>'id'`,
  bizLocation: 'e.biz_location',
  transformationID: `e.event->>'transformationID'`,
  eventID: 'e.event_id',
  errorReason: bareWord(`e.event->'errorDeclaration'->>'reason'`, 'ER', 'er'),
};

/** The JSON arrays each MATCH_ field looks in (parentID, a single value, is handled apart). */
const EPC_LISTS: Readonly<Record<EpcField, readonly string[]>> = {
  epc: ['epcList', 'childEPCs'],
  parentID: [],
  inputEPC: ['inputEPCList'],
  outputEPC: ['outputEPCList'],
  anyEPC: ['epcList', 'childEPCs', 'inputEPCList', 'outputEPCList'],
};

/** Member holding the value in each typed list, and the CBV type vocabulary's URI forms. */
const TYPED: Readonly<Record<TypedList, { member: string; web: string; urn: string }>> = {
  bizTransactionList: { member: 'bizTransaction', web: 'https://ref.gs1.org/cbv/BTT-', urn: 'urn:epcglobal:cbv:btt:' },
  sourceList: { member: 'source', web: 'https://ref.gs1.org/cbv/SDT-', urn: 'urn:epcglobal:cbv:sdt:' },
  destinationList: { member: 'destination', web: 'https://ref.gs1.org/cbv/SDT-', urn: 'urn:epcglobal:cbv:sdt:' },
};

/** A LIKE pattern matching every string that starts with `prefix`. */
function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function matchSql(condition: Extract<EpcisCondition, { kind: 'match' }>, p: SqlParams): string {
  const exact = p.add(condition.exact);
  const likes = p.add(condition.prefixes.map(likePrefix));
  const valueMatches = (v: string) => `(${v} = ANY(${exact}::text[]) OR ${v} LIKE ANY(${likes}::text[]))`;
  const parts: string[] = [];
  const lists = EPC_LISTS[condition.field];
  if (lists.length > 0) {
    const arrays = lists.map((l) => `coalesce(e.event->'${l}', '[]'::jsonb)`).join(' || ');
    parts.push(`EXISTS (SELECT 1 FROM jsonb_array_elements_text(${arrays}) AS m(v) WHERE ${valueMatches('m.v')})`);
  }
  if (condition.field === 'parentID' || condition.field === 'anyEPC')
    parts.push(valueMatches(`(e.event->>'parentID')`));
  const precise = `(${parts.join(' OR ')})`;
  // Whole EPCs of the lists `epcs` holds: its GIN index narrows the rows first.
  if (condition.prefixes.length === 0 && condition.field !== 'parentID' && condition.field !== 'anyEPC') {
    return `e.epcs && ${exact}::text[] AND ${precise}`;
  }
  return precise;
}

/**
 * One condition as a SQL boolean expression.
 *
 * @param condition - From the parser.
 * @param p - Bind values.
 * @returns SQL text.
 */
export function conditionSql(condition: EpcisCondition, p: SqlParams): string {
  switch (condition.kind) {
    case 'equals':
      return `${EQUALITY_SQL[condition.field]} = ANY(${p.add(condition.values)}::text[])`;
    case 'time': {
      const column = condition.field === 'eventTime' ? 'e.event_time' : `(e.event->>'recordTime')::timestamptz`;
      return `${column} ${condition.op === 'GE' ? '>=' : '<'} ${p.add(condition.value)}::timestamptz`;
    }
    case 'match':
      return matchSql(condition, p);
    case 'typed': {
      const typed = TYPED[condition.list];
      const types = p.add([condition.type, `${typed.web}${condition.type}`, `${typed.urn}${condition.type}`]);
      return (
        `EXISTS (SELECT 1 FROM jsonb_array_elements(coalesce(e.event->'${condition.list}', '[]'::jsonb)) AS t(x) ` +
        `WHERE t.x->>'type' = ANY(${types}::text[]) AND t.x->>'${typed.member}' = ANY(${p.add(condition.values)}::text[]))`
      );
    }
    case 'exists':
      return `e.event ? 'errorDeclaration'`;
  }
}

/**
 * The tenancy condition: events naming an item the enterprise held or was sent, and the events it captured itself (a
 * partner's observations of goods the ledger does not know name no item anyone holds; their capturer still sees them).
 * The second test is an index-only lookup (ledger_transactions_history_idx carries the actor).
 */
export function visibleToSql(enterprise: string, p: SqlParams): string {
  const who = p.add(enterprise);
  return (
    `(EXISTS (SELECT 1 FROM item_parties ip WHERE ip.enterprise = ${who} AND ip.sgtin = ANY(e.epcs)) ` +
    `OR EXISTS (SELECT 1 FROM ledger_transactions lt WHERE lt.tx_id = e.tx_id AND lt.actor->>'enterpriseId' = ${who}))`
  );
}
