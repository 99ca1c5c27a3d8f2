/**
 * The decisions of the `goods` transactions: from the decoded request, what the ledger holds and the rules in force,
 * the new item states, records, book movements and EPCIS events, or a refusal with its code. Pure: no ledger access;
 * the contract loads, decides and commits (ledger/commit.ts).
 */
import {
  ChaincodeError,
  ErrorCode,
  gtinOfSgtin,
  HEX64,
  int,
  list,
  locationOf,
  newAlreadyExists,
  newInvalidArgument,
  newNotFound,
  obj,
  parseSgtin,
  shanghaiMonth,
  str,
  TRACE_CODE,
  unique,
  eventIdOf as requestEventIdOf,
  type AssociateRequest,
  type EndOfLifeRequest,
  type EnterRequest,
  type ExitRequest,
  type Fields,
  type ProcessingRequest,
  type ProductFacts,
  type ReceiveRequest,
  type ShipRequest,
} from '@hainan/ledger-model';
import { enterpriseCredit } from './credit';
import { present, presentOne, type CodeClaim, type Decision, type Loaded, type RecordWrite, type Tx } from './decision';
import {
  BizTxType,
  DocumentUrn,
  epcisBase,
  eventIdOf,
  locationId,
  objectEvent,
  partyId,
  traceCodeId,
  type EpcisEvent,
} from './epcis';
import { checkBatchExit, checkConsolidation, checkPort, isTariffExempt, valueAddedBp } from './exit-rules';
import { MovementBatch, next, requireHolder, requireNotHeld, requireStatus } from './lifecycle';
import type {
  DeclarationRecord,
  EnterpriseRecord,
  ExitRecord,
  ItemRecord,
  ProcessingRecord,
  SeedRecord,
  StocktakeRecord,
} from './records';
import type { RuleSet } from './rules';
import { riskRulesAt, screenExit, type RiskRuleSet } from './risk';
import { exitContainers } from './container-exit';
import type { ContainerRecord } from './containers';
import { KeyType } from '../ledger/keys';

/**
 * Claims of 16-digit traceability codes within one transaction: a code belongs to one item, and a code claimed
 * earlier in the same transaction counts as taken.
 */
class CodeClaims {
  readonly claims: CodeClaim[] = [];
  readonly #owners: Map<string, string>;

  constructor(owners: ReadonlyMap<string, string>) {
    this.#owners = new Map(owners);
  }

  claim(code: unknown, sgtin: string): void {
    if (typeof code !== 'string' || !TRACE_CODE.test(code))
      throw newInvalidArgument(`traceability code for ${sgtin} must be 16 digits`);
    const owner = this.#owners.get(code);
    if (owner && owner !== sgtin)
      throw newAlreadyExists(`traceability code ${code} is already associated with ${owner}`);
    this.#owners.set(code, sgtin);
    this.claims.push({ code, sgtin });
  }
}

/** The traceability codes a request may claim, as the ledger needs them looked up (well-formed ones only). */
export function claimableCodes(codes: readonly unknown[]): string[] {
  return codes.filter((c): c is string => typeof c === 'string' && TRACE_CODE.test(c));
}

/** Items the caller holds in stock, moved by `change`: checks, transitions, book movements. */
function moveHeld(
  items: readonly ItemRecord[],
  enterprise: string,
  step: string,
  change: (i: ItemRecord) => Partial<ItemRecord>,
  eventTime: string,
  tx: Tx,
  batch: MovementBatch,
): ItemRecord[] {
  return items.map((item) => {
    requireNotHeld(item, step);
    requireStatus(item, ['IN_STOCK'], step);
    requireHolder(item, enterprise, step);
    const after = next(item, change(item), eventTime, tx.id);
    batch.add(item, after);
    return after;
  });
}

/** A new item on the caller's book (first-line entry or processing output). */
function newItem(
  sgtin: string,
  product: ProductFacts,
  fields: Pick<ItemRecord, 'regime' | 'valueFen' | 'importedMaterialsFen' | 'cumulativeCode' | 'traceCode'>,
  holder: string,
  location: string,
  declarationNo: string,
  eventTime: string,
  tx: Tx,
): ItemRecord {
  const { cumulativeCode, traceCode, ...rest } = fields;
  return {
    sgtin,
    product,
    ...rest,
    ...(cumulativeCode === undefined ? {} : { cumulativeCode }),
    ...(traceCode === undefined ? {} : { traceCode }),
    status: 'IN_STOCK',
    holder,
    location,
    entry: { declarationNo, enteredAt: eventTime, enteredBy: holder },
    lastEventTime: eventTime,
    lastTxId: tx.id,
  };
}

/**
 * Whether an item named for creation is already on the ledger, as the transaction learnt it: its record (a point read)
 * or just true (its run lists it: ledger/item-runs.ts). Truthy refuses.
 */
export type Existing = ItemRecord | boolean | undefined;

/** First-line entry: every item new, every traceability code free. */
export function decideEntry(
  req: EnterRequest,
  enterprise: string,
  existing: readonly Existing[],
  codeOwners: ReadonlyMap<string, string>,
  tx: Tx,
): Decision {
  const {
    eventTime: { iso: eventTime },
    declarationNo,
    location,
    regime,
    product,
    unitValueFen,
    traceCodes: codes,
  } = req;
  const claims = new CodeClaims(codeOwners);
  const batch = new MovementBatch();
  const items = req.items.map((sgtin, i) => {
    if (existing[i]) throw newAlreadyExists(`item ${sgtin} already entered`);
    const code = codes[sgtin];
    if (code !== undefined) claims.claim(code, sgtin);
    const fields = {
      regime,
      valueFen: unitValueFen,
      importedMaterialsFen: unitValueFen,
      ...(typeof code === 'string' ? { traceCode: code } : {}),
    };
    const item = newItem(sgtin, product, fields, enterprise, location, declarationNo, eventTime, tx);
    batch.add(undefined, item);
    return item;
  });
  const epcis = objectEvent(tx, eventTime, req.eventId, 'ADD', [...req.items], {
    bizStep: 'entering_exiting',
    disposition: 'active',
    readPoint: { id: locationId(location) },
    bizLocation: { id: locationId(location) },
    bizTransactionList: [
      { type: BizTxType.importDeclaration, bizTransaction: `${DocumentUrn.importDeclaration}${declarationNo}` },
    ],
    destinationList: [{ type: 'owning_party', destination: partyId(enterprise) }],
    'hn:line': 'first',
    'hn:regime': regime,
    'hn:unitValueFen': unitValueFen,
    'hn:hsCode': product.hsCode,
    // The rest of the declared product, so the event captures back as this entry (gateway capture/event-mapping.ts).
    'hn:category': product.category,
    ...(product.volumeMl === undefined ? {} : { 'hn:volumeMl': product.volumeMl }),
  });
  return {
    type: 'ENTRY',
    eventTime,
    items,
    created: req.items,
    movements: batch.movements(),
    codes: claims.claims,
    epcis: [epcis],
  };
}

/** Association of traceability codes with items the caller holds, pair by pair; one AssociationEvent per pair. */
export function decideAssociation(
  req: AssociateRequest,
  enterprise: string,
  loaded: readonly Loaded<ItemRecord>[],
  codeOwners: ReadonlyMap<string, string>,
  tx: Tx,
): Decision {
  const eventTime = req.eventTime.iso;
  const claims = new CodeClaims(codeOwners);
  const items: ItemRecord[] = [];
  const epcis: EpcisEvent[] = [];
  for (const [k, { sgtin, code }] of req.pairs.entries()) {
    const item = presentOne(loaded[k]!);
    requireHolder(item, enterprise, 'association');
    if (item.traceCode && item.traceCode !== code)
      throw newAlreadyExists(`item ${sgtin} already carries traceability code ${item.traceCode}`);
    claims.claim(code, sgtin);
    items.push(next(item, { traceCode: code }, eventTime, tx.id));
    epcis.push({
      type: 'AssociationEvent',
      ...epcisBase(tx, eventTime),
      eventID: `${eventIdOf(tx.id)}#${k}`,
      parentID: traceCodeId(code),
      childEPCs: [sgtin],
      action: 'ADD',
      bizStep: 'encoding',
      bizLocation: { id: locationId(item.location) },
    });
  }
  return { type: 'ASSOCIATION', eventTime, items, movements: [], codes: claims.claims, epcis };
}

/** Shipment of items the caller holds to a registered enterprise; it must change the enterprise or the location. */
export function decideShipment(
  req: ShipRequest,
  enterprise: string,
  to: string,
  loaded: readonly ItemRecord[],
  tx: Tx,
): Decision {
  const {
    eventTime: { iso: eventTime },
    shipmentId,
    toLocation,
  } = req;
  const batch = new MovementBatch();
  const transit = (i: ItemRecord) => ({ shipmentId, to, toLocation, from: enterprise, fromLocation: i.location });
  const items = moveHeld(
    loaded,
    enterprise,
    'shipment',
    (i) => ({ status: 'IN_TRANSIT', transit: transit(i) }),
    eventTime,
    tx,
    batch,
  );
  if (to === enterprise && items.every((i) => i.location === toLocation))
    throw newInvalidArgument('a shipment must change the enterprise or the location');
  const from = items[0]!.transit!.fromLocation;
  const epcis = objectEvent(
    tx,
    eventTime,
    req.eventId,
    'OBSERVE',
    items.map((i) => i.sgtin),
    {
      bizStep: 'shipping',
      disposition: 'in_transit',
      readPoint: { id: locationId(from) },
      bizTransactionList: [{ type: BizTxType.shipment, bizTransaction: `urn:hn:shipment:${shipmentId}` }],
      sourceList: [
        { type: 'owning_party', source: partyId(enterprise) },
        { type: 'location', source: locationId(from) },
      ],
      destinationList: [
        { type: 'owning_party', destination: partyId(to) },
        { type: 'location', destination: locationId(toLocation) },
      ],
    },
  );
  return { type: 'SHIPMENT', eventTime, items, movements: batch.movements(), epcis: [epcis] };
}

/** Receipt of a shipment by the enterprise, at the location and under the shipment id it was sent with. */
export function decideReceipt(
  req: ReceiveRequest,
  enterprise: string,
  loaded: readonly ItemRecord[],
  tx: Tx,
): Decision {
  const {
    eventTime: { iso: eventTime },
    shipmentId,
    location,
  } = req;
  const batch = new MovementBatch();
  const items = loaded.map((item) => {
    requireNotHeld(item, 'receipt');
    requireStatus(item, ['IN_TRANSIT'], 'receipt');
    const t = item.transit!;
    if (t.to !== enterprise)
      throw new ChaincodeError(ErrorCode.WRONG_RECEIPT, `${item.sgtin} was shipped to ${t.to}, not to ${enterprise}`);
    if (t.toLocation !== location)
      throw new ChaincodeError(
        ErrorCode.WRONG_RECEIPT,
        `${item.sgtin} was shipped to location ${t.toLocation}, not to ${location}`,
      );
    if (t.shipmentId !== shipmentId)
      throw new ChaincodeError(
        ErrorCode.WRONG_RECEIPT,
        `${item.sgtin} travels under shipment ${t.shipmentId}, not ${shipmentId}`,
      );
    const { transit: _done, ...rest } = item;
    const after = next(
      { ...rest, status: 'IN_STOCK', holder: enterprise, location } as ItemRecord,
      {},
      eventTime,
      tx.id,
    );
    batch.add(item, after);
    return after;
  });
  const epcis = objectEvent(
    tx,
    eventTime,
    req.eventId,
    'OBSERVE',
    items.map((i) => i.sgtin),
    {
      bizStep: 'receiving',
      disposition: 'in_progress',
      readPoint: { id: locationId(location) },
      bizLocation: { id: locationId(location) },
      bizTransactionList: [{ type: BizTxType.shipment, bizTransaction: `urn:hn:shipment:${shipmentId}` }],
    },
  );
  return { type: 'RECEIPT', eventTime, items, movements: batch.movements(), epcis: [epcis] };
}

/**
 * Processing on the island: inputs the processor holds at the location are consumed, new outputs created, and the
 * value added kept. With the upstream cumulative code, inputs count at the imported materials they embody, so the
 * value added upstream accumulates; without it they count at their full value.
 */
export function decideProcessing(
  req: ProcessingRequest,
  enterprise: string,
  inputs: readonly ItemRecord[],
  existingOutputs: readonly Existing[],
  tx: Tx,
): Decision & { record: ProcessingRecord } {
  const { processingId, eventTime, location, product, outputUnitValueFen, cumulativeCode } = req;
  if (cumulativeCode && !inputs.some((i) => i.cumulativeCode === cumulativeCode)) {
    throw newInvalidArgument(`cumulative code ${cumulativeCode} belongs to none of the inputs`);
  }
  const importedMaterialsFen = inputs.reduce(
    (sum, i) => sum + (cumulativeCode && i.cumulativeCode === cumulativeCode ? i.importedMaterialsFen : i.valueFen),
    0,
  );
  const batch = new MovementBatch();
  const consumed = inputs.map((item) => {
    requireNotHeld(item, 'processing');
    requireStatus(item, ['IN_STOCK'], 'processing');
    requireHolder(item, enterprise, 'processing');
    if (item.location !== location)
      throw newInvalidArgument(
        `input ${item.sgtin} is at ${item.location}, not at the processing location ${location}`,
      );
    const after = next(item, { status: 'TRANSFORMED' }, eventTime, tx.id);
    batch.add(item, after);
    return after;
  });
  const n = req.outputs.length;
  const share = Math.floor(importedMaterialsFen / n);
  const outputs = req.outputs.map((sgtin, k) => {
    if (gtinOfSgtin(parseSgtin(sgtin)!) !== product.gtin)
      throw newInvalidArgument(`output ${sgtin} does not encode GTIN ${product.gtin}`);
    if (existingOutputs[k]) throw newAlreadyExists(`item ${sgtin} already exists`);
    const fields = {
      regime: 'PROCESSED' as const,
      valueFen: outputUnitValueFen,
      importedMaterialsFen: share + (k < importedMaterialsFen % n ? 1 : 0),
      cumulativeCode: processingId,
    };
    const item = newItem(sgtin, product, fields, enterprise, location, `processing:${processingId}`, eventTime, tx);
    batch.add(undefined, item);
    return item;
  });
  const outputValueFen = outputUnitValueFen * n;
  const record: ProcessingRecord = {
    processingId,
    processor: enterprise,
    location,
    inputs: inputs.map((i) => i.sgtin),
    outputs: [...req.outputs],
    importedMaterialsFen,
    outputValueFen,
    valueAddedBp: importedMaterialsFen > 0 ? valueAddedBp(outputValueFen, importedMaterialsFen) : 0,
    usedCumulativeCode: cumulativeCode !== undefined,
    processedAt: eventTime,
    txId: tx.id,
  };
  const epcis: EpcisEvent = {
    type: 'TransformationEvent',
    ...epcisBase(tx, eventTime, req.eventId),
    inputEPCList: record.inputs,
    outputEPCList: record.outputs,
    bizStep: 'commissioning',
    disposition: 'active',
    bizLocation: { id: locationId(location) },
    bizTransactionList: [{ type: BizTxType.processing, bizTransaction: `urn:hn:processing:${processingId}` }],
    // The request's figures, under the names an entry's event uses, so the event captures back as this processing
    // (gateway capture/event-mapping.ts); the value added is the chain's result, kept beside them.
    'hn:hsCode': product.hsCode,
    'hn:category': product.category,
    ...(product.volumeMl === undefined ? {} : { 'hn:volumeMl': product.volumeMl }),
    'hn:unitValueFen': outputUnitValueFen,
    ...(cumulativeCode === undefined ? {} : { 'hn:cumulativeCode': cumulativeCode }),
    'hn:valueAddedBp': record.valueAddedBp,
    'hn:importedMaterialsFen': importedMaterialsFen,
  };
  const writes = [{ type: KeyType.processing, attrs: [processingId], value: record }];
  return {
    type: 'PROCESSING',
    eventTime,
    items: [...consumed, ...outputs],
    created: req.outputs,
    movements: batch.movements(),
    writes,
    records: { processing: record },
    epcis: [epcis],
    record,
  };
}

/** What an exit decision reads from the ledger besides the items. */
export interface ExitState {
  readonly enterprise: EnterpriseRecord;
  readonly rules: RuleSet;
  /** Months with batch exits of the enterprise not yet declared (read for a batch exit only). */
  readonly undeclaredMonths: readonly string[];
  readonly items: readonly Loaded<ItemRecord>[];
  readonly seeds: readonly SeedRecord[];
  /** Risk rule sets customs put on the ledger (none: the exit is not screened). */
  readonly riskRuleSets?: readonly RiskRuleSet[];
  /** The request's cases and pallets, in its order (undefined where not on the ledger); their own keys only. */
  readonly containers?: readonly (ContainerRecord | undefined)[];
}

/**
 * Second-line exit through a port with a release list: the port and (for a batch exit) the enterprise's credit and
 * undeclared months are checked first, then every item; a processed item is tariff-exempt when its value added
 * reaches the rule. The exit records the inspection rate of the credit class and the seed in force, and, when risk
 * rules are in force, its screening (domain/risk.ts): the random draw still applies to every exit, so a
 * key-attention enterprise keeps its rate whatever the rules say. A screening action HOLD holds the exit's items.
 * Cases and pallets leave whole (domain/container-exit.ts): checked after the items, posted off the book per product
 * line, screened on their own facts, held whole by a HOLD action.
 */
export function decideExit(req: ExitRequest, state: ExitState, tx: Tx): Decision & { record: ExitRecord } {
  const {
    eventTime: { iso: eventTime },
    releaseListNo,
    port,
    batch: isBatch,
    lines,
  } = req;
  const { rules, enterprise: ent } = state;
  checkPort(rules, port);
  const credit = enterpriseCredit(rules, ent, eventTime);
  const creditClass = credit.class;
  const period = shanghaiMonth(eventTime);
  if (isBatch) checkBatchExit(rules, { creditClass, undeclaredMonths: [...state.undeclaredMonths] }, eventTime);
  const items = present(state.items);
  unique(
    items.map((i) => i.sgtin),
    'item',
  );
  const batch = new MovementBatch();
  const exitLines: ExitRecord['items'] = [];
  const after = items.map((item, k) => {
    const exitValueFen = lines[k]!.exitValueFen;
    requireNotHeld(item, 'exit');
    requireStatus(item, ['IN_STOCK'], 'exit');
    requireHolder(item, ent.id, 'exit');
    if (item.regime === 'DUTY_PAID')
      throw newInvalidArgument(`${item.sgtin} is duty-paid: it leaves without a second-line customs exit`);
    const processed = item.regime === 'PROCESSED';
    const tariffExempt = processed && isTariffExempt(rules, exitValueFen, item.importedMaterialsFen);
    const va = processed ? { valueAddedBp: valueAddedBp(exitValueFen, item.importedMaterialsFen) } : {};
    exitLines.push({ sgtin: item.sgtin, exitValueFen, tariffExempt, regime: item.regime, ...va });
    const out = next(
      item,
      { status: 'EXITED', exit: { releaseListNo, port, exitValueFen, tariffExempt, ...va, exitedAt: eventTime } },
      eventTime,
      tx.id,
    );
    batch.add(item, out);
    return out;
  });
  const packed = exitContainers(req.containers ?? [], state.containers ?? [], ent.id, {
    releaseListNo,
    port,
    eventTime,
    txId: tx.id,
  });
  for (const c of packed.lines)
    for (const l of c.lines)
      batch.post({ enterprise: ent.id, gtin: l.gtin, regime: l.regime, location: c.location }, -l.qty);
  const riskRules = riskRulesAt(state.riskRuleSets ?? [], eventTime);
  const screening = riskRules
    ? screenExit(riskRules, {
        creditClass,
        enterpriseDiscrepancies: ent.inspectionDiscrepancies ?? 0,
        items: [
          ...items.map((item, k) => ({
            sgtin: item.sgtin,
            regime: item.regime,
            hsCode: item.product.hsCode,
            exitValueFen: exitLines[k]!.exitValueFen,
            ...(exitLines[k]!.valueAddedBp === undefined ? {} : { valueAddedBp: exitLines[k]!.valueAddedBp }),
            holds: item.holds ?? 0,
            discrepancies: item.discrepancies ?? 0,
          })),
          ...packed.facts,
        ],
      })
    : undefined;
  const containers = packed.after;
  if (screening?.action === 'HOLD') {
    const reason = `risk screening: ${screening.fired.map((f) => f.ruleId).join(', ') || `score ${screening.score}`}`;
    const hold = { reason, heldAt: eventTime, by: 'risk-screening' };
    for (let k = 0; k < after.length; k++) {
      after[k] = { ...after[k]!, hold, holds: (after[k]!.holds ?? 0) + 1 };
    }
    for (let k = 0; k < containers.length; k++) containers[k] = { ...containers[k]!, hold };
  }
  const seed = state.seeds
    .filter((s) => s.validFrom <= eventTime && eventTime < s.validTo)
    .sort((a, b) => (a.committedAt < b.committedAt ? 1 : -1))[0];
  const record: ExitRecord = {
    releaseListNo,
    enterprise: ent.id,
    port,
    batch: isBatch,
    period,
    items: exitLines,
    ...(packed.lines.length > 0 ? { containers: packed.lines } : {}),
    creditClass,
    ...(credit.source === 'DISCREPANCIES'
      ? { creditBasis: { source: 'DISCREPANCIES', rule: credit.discrepancyRule, discrepancies: credit.discrepancies } }
      : {}),
    inspection: { rateBp: rules.inspectionRateBp[creditClass], ...(seed ? { seedId: seed.seedId } : {}) },
    ...(screening ? { screening } : {}),
    exitedAt: eventTime,
    txId: tx.id,
  };
  const writes: RecordWrite[] = [
    { type: KeyType.exit, attrs: [releaseListNo], value: record },
    ...containers.map((c) => ({ type: KeyType.container, attrs: [c.id], value: c })),
  ];
  if (isBatch) writes.push({ type: KeyType.batchExit, attrs: [ent.id, period, releaseListNo], value: '' });
  const epcis = objectEvent(
    tx,
    eventTime,
    req.eventId,
    'OBSERVE',
    [...after.map((i) => i.sgtin), ...containers.map((c) => c.id)],
    {
      bizStep: 'entering_exiting',
      disposition: 'in_transit',
      readPoint: { id: `urn:hn:port:${port}` },
      bizTransactionList: [
        { type: BizTxType.releaseList, bizTransaction: `${DocumentUrn.releaseList}${releaseListNo}` },
      ],
      'hn:line': 'second',
      'hn:batch': isBatch,
      ...(screening
        ? {
            'hn:riskAction': screening.action,
            'hn:riskScore': screening.score,
            'hn:riskRules': screening.fired.map((f) => f.ruleId),
          }
        : {}),
      // Provenance: why the enterprise was key-attention at this exit (the discrepancies that reached the rule).
      ...(record.creditBasis
        ? {
            'hn:creditClass': creditClass,
            'hn:creditBasis': record.creditBasis.discrepancies.map((d) => `${d.releaseListNo}@${d.atIso}`),
          }
        : {}),
    },
  );
  return {
    type: 'EXIT',
    eventTime,
    items: after,
    movements: batch.movements(),
    writes,
    // The exited cases too: the gateway's projection shows them (and the items inside) EXITED from the event alone.
    records: { exit: record, ...(containers.length > 0 ? { containers } : {}) },
    epcis: [epcis],
    record,
  };
}

/**
 * Consolidated declaration of a month's batch exits: each release list a batch exit of the enterprise not yet
 * declared, the months consolidated as the rules allow. Marks every exit and its batch marker declared.
 */
export function decideDeclaration(
  declarationNo: string,
  period: string,
  releaseLists: readonly string[],
  exits: readonly (ExitRecord | undefined)[],
  enterprise: string,
  rules: RuleSet,
  eventTime: string,
  tx: Tx,
): Decision & { record: DeclarationRecord } {
  const declared = releaseLists.map((no, k) => {
    const exit = exits[k];
    if (!exit || exit.enterprise !== enterprise)
      throw newNotFound(`release list ${no} is not an exit of ${enterprise}`);
    if (!exit.batch) throw newInvalidArgument(`release list ${no} was not a batch exit`);
    if (exit.declarationNo) throw newAlreadyExists(`release list ${no} is already declared in ${exit.declarationNo}`);
    return exit;
  });
  checkConsolidation(
    rules,
    declared.map((e) => e.period),
    period,
  );
  const record: DeclarationRecord = {
    declarationNo,
    enterprise,
    period,
    releaseLists: [...releaseLists],
    declaredAt: eventTime,
    txId: tx.id,
  };
  const writes: RecordWrite[] = declared.flatMap((exit) => [
    { type: KeyType.exit, attrs: [exit.releaseListNo], value: { ...exit, declarationNo } },
    { type: KeyType.batchExit, attrs: [enterprise, exit.period, exit.releaseListNo], value: declarationNo },
  ]);
  writes.push({ type: KeyType.declaration, attrs: [declarationNo], value: record });
  return { type: 'DECLARATION', eventTime, writes, records: { declaration: record }, record };
}

/** How an item's life ends: destruction under customs supervision, or return abroad through the first line. */
export const END_OF_LIFE = {
  DESTRUCTION: { status: 'DESTROYED', bizStep: 'destroying', disposition: 'destroyed' },
  RETURN_ABROAD: { status: 'RETURNED_ABROAD', bizStep: 'entering_exiting', disposition: 'returned' },
} as const;

/** End of life of items the caller holds in stock. */
export function decideEndOfLife(
  type: keyof typeof END_OF_LIFE,
  req: EndOfLifeRequest,
  enterprise: string,
  loaded: readonly ItemRecord[],
  tx: Tx,
): Decision {
  const { status, bizStep, disposition } = END_OF_LIFE[type];
  const {
    eventTime: { iso: eventTime },
    reference,
  } = req;
  const batch = new MovementBatch();
  const items = moveHeld(loaded, enterprise, type.toLowerCase(), () => ({ status }), eventTime, tx, batch);
  const epcis = objectEvent(
    tx,
    eventTime,
    req.eventId,
    'DELETE',
    items.map((i) => i.sgtin),
    {
      bizStep,
      disposition,
      bizLocation: { id: locationId(items[0]!.location) },
      bizTransactionList: [{ type: BizTxType.importDeclaration, bizTransaction: `urn:hn:ref:${reference}` }],
    },
  );
  return { type, eventTime, items, movements: batch.movements(), epcis: [epcis] };
}

/** Reads a stocktake attestation after its id (which the contract checks is unused first). */
export function decodeStocktake(
  f: Fields,
  stocktakeId: string,
  enterprise: string,
  eventTime: string,
  tx: Tx,
): { record: StocktakeRecord; eventId: string | undefined } {
  const location = locationOf(f, 'location');
  const c = obj(f, 'counts');
  const record: StocktakeRecord = {
    stocktakeId,
    enterprise,
    location,
    counts: { matched: int(c, 'matched', 0), missing: int(c, 'missing', 0), unexpected: int(c, 'unexpected', 0) },
    merkleRoot: str(f, 'merkleRoot', { pattern: HEX64 }),
    deviceIds: list(
      f,
      'deviceIds',
      DEVICES_MAX,
      (v, i) => {
        if (typeof v !== 'string' || v.length === 0 || v.length > DEVICE_ID_LENGTH_MAX)
          throw newInvalidArgument(`deviceIds[${i}] is malformed`);
        return v;
      },
      0,
    ),
    closedAt: eventTime,
    txId: tx.id,
  };
  return { record, eventId: requestEventIdOf(f) };
}

/** A closed stocktake: its record and an EPCIS stock-taking event over no EPCs (the Merkle root stands for them). */
export function decideStocktake(record: StocktakeRecord, eventId: string | undefined, tx: Tx): Decision {
  const { closedAt: eventTime, location } = record;
  const epcis = objectEvent(tx, eventTime, eventId, 'OBSERVE', [], {
    bizStep: 'stock_taking',
    bizLocation: { id: locationId(location) },
    readPoint: { id: locationId(location) },
    'hn:merkleRoot': record.merkleRoot,
    'hn:counts': record.counts,
    'hn:deviceIds': record.deviceIds,
  });
  const writes = [{ type: KeyType.stocktake, attrs: [record.stocktakeId], value: record }];
  return { type: 'STOCKTAKE', eventTime, writes, records: { stocktake: record }, epcis: [epcis] };
}

/** Most scanning devices a stocktake names, and the longest device id. */
const DEVICES_MAX = 100;
const DEVICE_ID_LENGTH_MAX = 100;
