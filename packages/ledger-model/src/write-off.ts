/**
 * Write-off of the account book (底账核销, issue 18 Must 4): for a closed period, the enterprise's book is matched
 * against its customs documents. Every movement of a first- or second-line transaction (entry, exit) must carry its
 * document (import declaration, release list), and every document must have its movements: a release list its exit's
 * lines and a gate release, a batch release list its consolidated declaration, a consolidated declaration the
 * movements of each release list it lists. What matches is written off under one hash; what does not is listed with
 * the transactions behind it.
 *
 * Pure and defined once: the chaincode (account:WriteOffPeriod) runs it over what it reads from the ledger and
 * records the result, so anyone holding the ledger can recompute the same hash. Movements of on-island transactions
 * (transfers, sales, processing, stocktake adjustments, holds) carry no customs document: they are counted as out of
 * scope, not matched.
 */
import { createHash } from 'node:crypto';
import { encodeCanonicalJson } from './canonical-json';

/** The customs documents a write-off matches movements against. */
export const WRITE_OFF_DOCUMENT_TYPES = ['IMPORT_DECLARATION', 'RELEASE_LIST', 'CONSOLIDATED_DECLARATION'] as const;
/** One of {@link WRITE_OFF_DOCUMENT_TYPES}. */
export type WriteOffDocumentType = (typeof WRITE_OFF_DOCUMENT_TYPES)[number];

/** Transaction types whose movements need a customs document, and the document their event carries. */
export const DOCUMENTED_TRANSACTION_TYPES: Readonly<Record<string, WriteOffDocumentType>> = {
  ENTRY: 'IMPORT_DECLARATION',
  EXIT: 'RELEASE_LIST',
};

/** Why a document or a movement is not written off; stable, for clients to branch on. */
export const WRITE_OFF_REASONS = [
  /** A documented transaction whose event carries no document number. */
  'NO_DOCUMENT',
  /** The release list an exit's event names is not an exit of this enterprise by that transaction. */
  'RELEASE_LIST_UNKNOWN',
  /** The release list's lines (GTIN, regime, count) differ from the movements its transaction posted. */
  'QUANTITY_MISMATCH',
  /** The release list never passed a second-line gate (customs:ReleaseAtGate): its goods are booked out, not out. */
  'NOT_RELEASED_AT_GATE',
  /** A batch release list that no consolidated declaration includes. */
  'NOT_DECLARED',
  /** A document of the period without movements in the period's book. */
  'NO_MOVEMENTS',
] as const;
/** One of {@link WRITE_OFF_REASONS}. */
export type WriteOffReason = (typeof WRITE_OFF_REASONS)[number];

/** Transactions listed behind one unmatched document; the rest are counted (`eventCount`). */
export const WRITE_OFF_EVENTS_PER_EXCEPTION_MAX = 50;

/** One movement of the period, as the book holds it. */
export interface WriteOffMovement {
  readonly txId: string;
  readonly eventType: string;
  readonly eventTime: string;
  readonly gtin: string;
  readonly regime: string;
  readonly location: string;
  readonly qty: number;
}

/** A release list (exit) as the ledger holds it, reduced to what the match reads. */
export interface WriteOffReleaseList {
  readonly releaseListNo: string;
  readonly enterprise: string;
  /** The exit transaction. */
  readonly txId: string;
  readonly exitedAt: string;
  readonly batch: boolean;
  /**
   * Its lines: one per item (GTIN and regime), and one per product line of each case or pallet that left whole, with
   * its count (`qty`, absent: 1).
   */
  readonly lines: readonly { readonly gtin: string; readonly regime: string; readonly qty?: number }[];
  readonly declarationNo?: string;
  readonly gateRelease?: { readonly txId: string; readonly releasedAt: string };
}

/** A consolidated declaration as the ledger holds it. */
export interface WriteOffDeclaration {
  readonly declarationNo: string;
  readonly enterprise: string;
  readonly period: string;
  readonly releaseLists: readonly string[];
  readonly declaredAt: string;
  readonly txId: string;
}

/** What the match reads, all of it from the ledger. */
export interface WriteOffInput {
  readonly enterprise: string;
  readonly period: string;
  /** Every movement of the enterprise whose event time falls into the period. */
  readonly movements: readonly WriteOffMovement[];
  /** The document number the event of each documented transaction (by id) carries; absent: none. */
  readonly documentOf: Readonly<Record<string, string | undefined>>;
  /** Release lists by number: those the exits name and the period's batch release lists (absent: not on the ledger). */
  readonly releaseLists: Readonly<Record<string, WriteOffReleaseList | undefined>>;
  /** The enterprise's batch release lists of the period (the chain's batch-exit markers). */
  readonly batchReleaseLists: readonly string[];
  /** The consolidated declarations those batch release lists are in, by number. */
  readonly declarations: Readonly<Record<string, WriteOffDeclaration | undefined>>;
}

/** A transaction behind a document. */
export interface WriteOffEvent {
  readonly txId: string;
  readonly eventType: string;
  readonly eventTime: string;
}

/** A net book line a document moved. */
export interface WriteOffLine {
  readonly gtin: string;
  readonly regime: string;
  readonly location: string;
  readonly qty: number;
}

/** A document written off: its transactions and the net lines they moved. */
export interface WriteOffMatch {
  readonly type: WriteOffDocumentType;
  readonly no: string;
  readonly txIds: readonly string[];
  readonly lines: readonly WriteOffLine[];
}

/** A document (or a documented transaction without one) that is not written off, with the transactions behind it. */
export interface WriteOffException {
  readonly type: WriteOffDocumentType;
  /** Null for a transaction whose event carries no document. */
  readonly no: string | null;
  readonly reason: WriteOffReason;
  readonly detail: string;
  /** The transactions behind it (the first {@link WRITE_OFF_EVENTS_PER_EXCEPTION_MAX}, in chain-independent order). */
  readonly events: readonly WriteOffEvent[];
  readonly eventCount: number;
}

/** The counts of a write-off. */
export interface WriteOffCounts {
  readonly matchedDocuments: number;
  /** Movements (book line × transaction) of the matched documents. */
  readonly matchedMovements: number;
  readonly unmatchedDocuments: number;
  /** Movements of documented transactions that are not written off. */
  readonly unmatchedMovements: number;
  /** Movements of on-island transactions, which carry no customs document. */
  readonly outOfScopeMovements: number;
}

/** The result of the match. */
export interface WriteOffResult {
  readonly matched: readonly WriteOffMatch[];
  /** sha256 (hex) of the canonical JSON of `{ enterprise, period, matched }`. */
  readonly matchedHash: string;
  readonly unmatched: readonly WriteOffException[];
  readonly counts: WriteOffCounts;
}

/** A write-off as the chain records it (account:WriteOffPeriod) and the gateway reads it back. */
export interface WriteOffRecord extends WriteOffResult {
  readonly enterprise: string;
  readonly period: string;
  /** The snapshot hash of the closed period the write-off is of. */
  readonly periodSnapshotHash: string;
  readonly writtenOffAt: string;
  readonly writtenOffBy: string;
  readonly txId: string;
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const lineKey = (l: { gtin: string; regime: string; location?: string }) =>
  `${l.gtin}\u0000${l.regime}\u0000${l.location ?? ''}`;

/** Net lines of movements, zero lines dropped, in line order. */
function netLines(movements: readonly WriteOffMovement[]): WriteOffLine[] {
  const lines = new Map<string, WriteOffLine>();
  for (const m of movements) {
    const k = lineKey(m);
    const line = lines.get(k);
    lines.set(k, { gtin: m.gtin, regime: m.regime, location: m.location, qty: (line?.qty ?? 0) + m.qty });
  }
  return Array.from(lines.entries())
    .filter(([, l]) => l.qty !== 0)
    .sort(([a], [b]) => byText(a, b))
    .map(([, l]) => l);
}

/** Items a release list lists: one per item line, the count of a container's product line. */
function listedCount(rl: WriteOffReleaseList): number {
  return rl.lines.reduce((n, l) => n + (l.qty ?? 1), 0);
}

/** Counts by (GTIN, regime), the granularity a release list and its movements share (an exit has no location). */
function countsByProduct(entries: readonly { gtin: string; regime: string; qty: number }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(lineKey(e), (counts.get(lineKey(e)) ?? 0) + e.qty);
  for (const [k, v] of Array.from(counts.entries())) if (v === 0) counts.delete(k);
  return counts;
}

function sameCounts(a: Map<string, number>, b: Map<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of Array.from(a.entries())) if (b.get(k) !== v) return false;
  return true;
}

/** Distinct transactions, sorted by event time then id (an order every endorser computes alike). */
function eventsOf(events: readonly WriteOffEvent[]): WriteOffEvent[] {
  const seen = new Map<string, WriteOffEvent>();
  for (const e of events) if (!seen.has(e.txId)) seen.set(e.txId, e);
  return Array.from(seen.values()).sort((a, b) => byText(a.eventTime, b.eventTime) || byText(a.txId, b.txId));
}

function exception(
  type: WriteOffDocumentType,
  no: string | null,
  reason: WriteOffReason,
  detail: string,
  behind: readonly WriteOffEvent[],
): WriteOffException {
  const events = eventsOf(behind);
  return {
    type,
    no,
    reason,
    detail,
    events: events.slice(0, WRITE_OFF_EVENTS_PER_EXCEPTION_MAX),
    eventCount: events.length,
  };
}

/** The transactions of movements, one per transaction. */
function movementEvents(movements: readonly WriteOffMovement[]): WriteOffEvent[] {
  return movements.map((m) => ({ txId: m.txId, eventType: m.eventType, eventTime: m.eventTime }));
}

/** Why a release list with movements in the period is not written off, or undefined when it matches. */
function releaseListProblem(
  no: string,
  enterprise: string,
  rl: WriteOffReleaseList | undefined,
  movements: readonly WriteOffMovement[],
  declarations: WriteOffInput['declarations'],
): { reason: WriteOffReason; detail: string; extra: WriteOffEvent[] } | undefined {
  const txIds = Array.from(new Set(movements.map((m) => m.txId))).sort(byText);
  if (!rl || rl.enterprise !== enterprise || txIds.length !== 1 || txIds[0] !== rl.txId) {
    return {
      reason: 'RELEASE_LIST_UNKNOWN',
      detail: `release list ${no} is not an exit of ${enterprise} by transaction ${txIds.join(', ')}`,
      extra: [],
    };
  }
  const exitEvent: WriteOffEvent = { txId: rl.txId, eventType: 'EXIT', eventTime: rl.exitedAt };
  const listed = countsByProduct(rl.lines.map((l) => ({ gtin: l.gtin, regime: l.regime, qty: l.qty ?? 1 })));
  const booked = countsByProduct(movements.map((m) => ({ gtin: m.gtin, regime: m.regime, qty: -m.qty })));
  if (!sameCounts(listed, booked)) {
    return {
      reason: 'QUANTITY_MISMATCH',
      detail: `release list ${no} lists ${listedCount(rl)} items; its transaction booked out ${movements.reduce((s, m) => s - m.qty, 0)}`,
      extra: [exitEvent],
    };
  }
  if (rl.batch) {
    const decl = rl.declarationNo === undefined ? undefined : declarations[rl.declarationNo];
    if (!decl?.releaseLists.includes(no)) {
      return {
        reason: 'NOT_DECLARED',
        detail: `batch release list ${no} is in no consolidated declaration`,
        extra: [exitEvent],
      };
    }
  }
  if (!rl.gateRelease) {
    return {
      reason: 'NOT_RELEASED_AT_GATE',
      detail: `release list ${no} booked its goods out at ${rl.exitedAt} but never passed a second-line gate`,
      extra: [exitEvent],
    };
  }
  return undefined;
}

/**
 * Matches a closed period's book against its documents.
 *
 * @param input - Everything the match reads, from the ledger (see {@link WriteOffInput}).
 * @returns The matched documents and their hash, the unmatched ones with the transactions behind them, the counts.
 */
export function matchWriteOff(input: WriteOffInput): WriteOffResult {
  const { enterprise, period } = input;
  const documented = new Map<string, WriteOffMovement[]>(); // `${type}\u0000${no}` -> movements
  const undocumented = new Map<string, WriteOffMovement[]>(); // txId -> movements
  let outOfScopeMovements = 0;
  for (const m of input.movements) {
    const type = DOCUMENTED_TRANSACTION_TYPES[m.eventType];
    if (type === undefined) {
      outOfScopeMovements++;
      continue;
    }
    const no = input.documentOf[m.txId];
    const target = no === undefined ? undocumented : documented;
    const k = no === undefined ? m.txId : `${type}\u0000${no}`;
    const group = target.get(k);
    if (group) group.push(m);
    else target.set(k, [m]);
  }

  const matched: WriteOffMatch[] = [];
  const unmatched: WriteOffException[] = [];
  let matchedMovements = 0;
  let unmatchedMovements = 0;
  /** Release lists of the period that matched, with their movements (consolidated declarations read them). */
  const releaseListMovements = new Map<string, WriteOffMovement[]>();

  for (const [txId, movements] of Array.from(undocumented.entries()).sort(([a], [b]) => byText(a, b))) {
    const type = DOCUMENTED_TRANSACTION_TYPES[movements[0]!.eventType]!;
    unmatchedMovements += movements.length;
    unmatched.push(
      exception(
        type,
        null,
        'NO_DOCUMENT',
        `transaction ${txId} (${movements[0]!.eventType}) carries no document`,
        movementEvents(movements),
      ),
    );
  }

  for (const [k, movements] of Array.from(documented.entries()).sort(([a], [b]) => byText(a, b))) {
    const [type, no] = k.split('\u0000') as [WriteOffDocumentType, string];
    const txIds = Array.from(new Set(movements.map((m) => m.txId))).sort(byText);
    if (type === 'RELEASE_LIST') {
      releaseListMovements.set(no, movements);
      const problem = releaseListProblem(no, enterprise, input.releaseLists[no], movements, input.declarations);
      if (problem) {
        unmatchedMovements += movements.length;
        unmatched.push(
          exception(type, no, problem.reason, problem.detail, [...movementEvents(movements), ...problem.extra]),
        );
        continue;
      }
    }
    matchedMovements += movements.length;
    matched.push({ type, no, txIds, lines: netLines(movements) });
  }

  // Every batch release list of the period has its movements in the period.
  for (const no of Array.from(new Set(input.batchReleaseLists)).sort(byText)) {
    if (releaseListMovements.has(no)) continue;
    const rl = input.releaseLists[no];
    unmatched.push(
      exception(
        'RELEASE_LIST',
        no,
        'NO_MOVEMENTS',
        `batch release list ${no} of ${period} has no movements in the period's book`,
        rl ? [{ txId: rl.txId, eventType: 'EXIT', eventTime: rl.exitedAt }] : [],
      ),
    );
  }

  // Every consolidated declaration of the period: each release list it lists has its movements in the period.
  for (const no of Object.keys(input.declarations).sort(byText)) {
    const decl = input.declarations[no];
    if (!decl || decl.enterprise !== enterprise || decl.period !== period) continue;
    const declEvent: WriteOffEvent = { txId: decl.txId, eventType: 'DECLARATION', eventTime: decl.declaredAt };
    const missing = decl.releaseLists.filter((rl) => !releaseListMovements.has(rl));
    const movements = decl.releaseLists.flatMap((rl) => releaseListMovements.get(rl) ?? []);
    if (missing.length > 0) {
      unmatched.push(
        exception(
          'CONSOLIDATED_DECLARATION',
          no,
          'NO_MOVEMENTS',
          `consolidated declaration ${no} lists release lists without movements in ${period}: ${missing.join(', ')}`,
          [declEvent, ...movementEvents(movements)],
        ),
      );
      continue;
    }
    const txIds = Array.from(new Set([decl.txId, ...movements.map((m) => m.txId)])).sort(byText);
    matched.push({ type: 'CONSOLIDATED_DECLARATION', no, txIds, lines: netLines(movements) });
  }

  matched.sort((a, b) => byText(a.type, b.type) || byText(a.no, b.no));
  unmatched.sort((a, b) => byText(a.type, b.type) || byText(a.no ?? '', b.no ?? '') || byText(a.reason, b.reason));
  const matchedHash = createHash('sha256').update(encodeCanonicalJson({ enterprise, period, matched })).digest('hex');
  return {
    matched,
    matchedHash,
    unmatched,
    counts: {
      matchedDocuments: matched.length,
      matchedMovements,
      unmatchedDocuments: unmatched.length,
      unmatchedMovements,
      outOfScopeMovements,
    },
  };
}
