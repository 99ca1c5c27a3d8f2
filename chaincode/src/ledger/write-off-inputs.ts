/**
 * What a write-off (account:WriteOffPeriod) reads from the ledger, loaded into the shape @hainan/ledger-model's
 * matchWriteOff takes: the period's movements, the document each entry and exit transaction's stored EPCIS event
 * carries, the release lists (exits) those name and the period's batch-exit markers name, and the consolidated
 * declarations the markers point to. Bounded: a period with more documented transactions than
 * {@link WRITE_OFF_TRANSACTIONS_MAX} is refused rather than matched in part.
 */
import {
  DOCUMENTED_TRANSACTION_TYPES,
  gtinOfSgtin,
  newInvalidArgument,
  parseSgtin,
  type WriteOffDeclaration,
  type WriteOffInput,
  type WriteOffReleaseList,
} from '@hainan/ledger-model';
import { BizTxType, DocumentUrn, type EpcisEvent } from '../domain/epcis';
import type { DeclarationRecord, ExitRecord, MovementRecord } from '../domain/records';
import { KeyType } from './keys';
import { inOrder } from './in-order';
import type { TraceContext } from './trace-context';

/** Most entry and exit transactions one period's write-off reads (one event each). */
export const WRITE_OFF_TRANSACTIONS_MAX = 20_000;

/** The document type and URN prefix each documented transaction's event carries its number under. */
const DOCUMENT_URN: Readonly<Record<string, { type: string; prefix: string }>> = {
  IMPORT_DECLARATION: { type: BizTxType.importDeclaration, prefix: DocumentUrn.importDeclaration },
  RELEASE_LIST: { type: BizTxType.releaseList, prefix: DocumentUrn.releaseList },
};

/** The document number an event carries, or undefined. */
function documentNumberOf(event: EpcisEvent | undefined, eventType: string): string | undefined {
  const urn = DOCUMENT_URN[DOCUMENTED_TRANSACTION_TYPES[eventType] ?? ''];
  if (!event || !urn) return undefined;
  const entry = (event.bizTransactionList ?? []).find(
    (b) => b.type === urn.type && b.bizTransaction.startsWith(urn.prefix),
  );
  return entry?.bizTransaction.slice(urn.prefix.length);
}

/** An exit as the write-off match reads it: a line per item, and per product line of each case that left whole. */
export function toReleaseList(exit: ExitRecord): WriteOffReleaseList {
  return {
    releaseListNo: exit.releaseListNo,
    enterprise: exit.enterprise,
    txId: exit.txId,
    exitedAt: exit.exitedAt,
    batch: exit.batch,
    lines: [
      ...exit.items.map((i) => {
        const parsed = parseSgtin(i.sgtin);
        return { gtin: parsed ? gtinOfSgtin(parsed) : i.sgtin, regime: i.regime };
      }),
      // Cases and pallets that left whole: declared per product line of their contents.
      ...(exit.containers ?? []).flatMap((c) => c.lines.map((l) => ({ gtin: l.gtin, regime: l.regime, qty: l.qty }))),
    ],
    ...(exit.declarationNo === undefined ? {} : { declarationNo: exit.declarationNo }),
    ...(exit.gateRelease === undefined
      ? {}
      : { gateRelease: { txId: exit.gateRelease.txId, releasedAt: exit.gateRelease.releasedAt } }),
  };
}

function toDeclaration(d: DeclarationRecord): WriteOffDeclaration {
  return {
    declarationNo: d.declarationNo,
    enterprise: d.enterprise,
    period: d.period,
    releaseLists: d.releaseLists,
    declaredAt: d.declaredAt,
    txId: d.txId,
  };
}

/**
 * Loads what the write-off of (enterprise, period) matches.
 *
 * @throws ChaincodeError INVALID_ARGUMENT when the period has more than {@link WRITE_OFF_TRANSACTIONS_MAX} entry and
 * exit transactions
 */
export async function loadWriteOffInput(ctx: TraceContext, enterprise: string, period: string): Promise<WriteOffInput> {
  const movements = (await ctx.store.scan<MovementRecord>(KeyType.movement, [enterprise]))
    .map((e) => e.value)
    .filter((m) => m.period === period);
  const documented = new Map<string, string>(); // txId -> event type
  for (const m of movements) if (DOCUMENTED_TRANSACTION_TYPES[m.eventType]) documented.set(m.txId, m.eventType);
  if (documented.size > WRITE_OFF_TRANSACTIONS_MAX)
    throw newInvalidArgument(
      `period ${period} of ${enterprise} has ${documented.size} entry and exit transactions; a write-off reads at most ${WRITE_OFF_TRANSACTIONS_MAX}`,
    );
  const txs = Array.from(documented.entries()).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // Entries and exits store exactly one EPCIS event, index 0 (domain/goods.ts).
  const events = await inOrder(txs, ([txId]) => ctx.store.get<EpcisEvent>(KeyType.event, [txId, '0']));
  const documentOf: Record<string, string | undefined> = {};
  const named = new Set<string>();
  txs.forEach(([txId, eventType], k) => {
    const no = documentNumberOf(events[k], eventType);
    documentOf[txId] = no;
    if (no !== undefined && DOCUMENTED_TRANSACTION_TYPES[eventType] === 'RELEASE_LIST') named.add(no);
  });
  const markers = await ctx.store.scan<string>(KeyType.batchExit, [enterprise, period]);
  const batchReleaseLists = markers.map((m) => m.attrs[2]!);
  for (const no of batchReleaseLists) named.add(no);
  const numbers = Array.from(named).sort();
  const exits = await inOrder(numbers, (no) => ctx.store.get<ExitRecord>(KeyType.exit, [no]));
  const releaseLists: Record<string, WriteOffReleaseList | undefined> = {};
  numbers.forEach((no, k) => {
    const exit = exits[k];
    releaseLists[no] = exit ? toReleaseList(exit) : undefined;
  });
  const declarationNos = Array.from(new Set(markers.map((m) => m.value).filter((v) => v !== ''))).sort();
  const loaded = await inOrder(declarationNos, (no) => ctx.store.get<DeclarationRecord>(KeyType.declaration, [no]));
  const declarations: Record<string, WriteOffDeclaration | undefined> = {};
  declarationNos.forEach((no, k) => {
    const d = loaded[k];
    declarations[no] = d ? toDeclaration(d) : undefined;
  });
  return {
    enterprise,
    period,
    movements: movements.map((m) => ({
      txId: m.txId,
      eventType: m.eventType,
      eventTime: m.eventTime,
      gtin: m.gtin,
      regime: m.regime,
      location: m.location,
      qty: m.qty,
    })),
    documentOf,
    releaseLists,
    batchReleaseLists,
    declarations,
  };
}
