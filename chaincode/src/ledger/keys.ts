/**
 * Composite-key layout of the world state. Every record type has its own object type; account movements and
 * quota usages are append-only keys that are unique per transaction, so no shared balance key becomes an MVCC
 * hot spot.
 */
export const KeyType = {
  item: 'item', // [sgtin]
  traceCode: 'tcode', // [16-digit code] -> sgtin
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
} as const;
