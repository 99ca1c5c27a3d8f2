import { createHash } from 'node:crypto';

/**
 * Composite-key layout of the world state. Every record type has its own object type; account movements and
 * quota usages are append-only keys that are unique per transaction, so no shared balance key becomes an MVCC
 * hot spot.
 */
export const KeyType = {
  item: 'item', // [sgtin]
  traceCode: 'tcode', // [16-digit code] -> sgtin (legacy: written until the code-run index is complete)
  enterprise: 'ent', // [id]
  person: 'person', // [personCode]
  movement: 'mv', // [enterprise, gtin, regime, location, txId]
  period: 'period', // [enterprise, yyyy-mm]
  quota: 'quota', // [personCode, year, txId]
  sale: 'sale', // [saleId]
  exit: 'exit', // [releaseListNo]
  batchExit: 'bexit', // [enterprise, yyyy-mm, releaseListNo] -> declarationNo or ''
  declaration: 'decl', // [declarationNo]
  processing: 'proc', // [processingId]
  stocktake: 'stk', // [stocktakeId]
  rules: 'rules', // [effectiveFrom epoch ms, zero-padded]
  seed: 'seed', // [seedId]
  riskRules: 'riskrules', // [effectiveFrom epoch ms, zero-padded] -> RiskRuleSet
  event: 'evt', // [txId, index] -> EPCIS events of the transaction
  submission: 'sub', // [submissionId] -> { txId } of the transaction that carried it
  writeOff: 'woff', // [enterprise, yyyy-mm] -> WriteOffRecord (account:WriteOffPeriod, once per period)
  suspension: 'susp', // [enterprise] -> SuspensionRecord (own key: the access check reads it on every enterprise call)
  request: 'req', // [requestId] -> CustomsRequestRecord (一呼一应: an enterprise's request and customs' answers)
  observation: 'obs', // [CBV event hash id] -> ObservationRecord (an event that is no customs step)
  itemNote: 'inote', // [sgtin, txId] -> ItemNote: a transaction on the item's chain that left the item unchanged
  eventRef: 'evtref', // [sha256(eventID), txId, index] -> EventRef: where an event is and who captured it
  errorMark: 'everr', // [sha256(eventID), txId, index] -> ErrorMark: the event was declared erroneous
  container: 'cont', // [SSCC or GRAI URN] -> ContainerRecord: a case or pallet, its own state and content counts
  itemRun: 'irun', // [companyPrefix.itemRef, run] -> sorted serials on the ledger (item-runs.ts: entry reads runs)
  itemRunIndex: 'irunidx', // [] -> ItemRunIndexState: backfill cursor; `complete` once every item is in its run
  traceCodeRun: 'tcrun', // [code without its last 2 digits] -> { last 2 digits: sgtin } (trace-code-runs.ts)
  traceCodeRunIndex: 'tcrunidx', // [] -> ItemRunIndexState of the `tcode` keys: `complete` once all are in runs
} as const;

/**
 * The key attribute of an EPCIS eventID (its SHA-256, hex): event ids are chosen by senders, up to 200 characters of
 * anything, while composite-key attributes must be short and free of U+0000.
 */
export function eventIdKey(eventId: string): string {
  return createHash('sha256').update(eventId, 'utf8').digest('hex');
}
