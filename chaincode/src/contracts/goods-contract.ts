/**
 * The `goods` contract: one goods, one chain. First-line entry, traceability-code association, shipment and
 * receipt, processing, second-line exit with consolidated declarations, destruction, return abroad, and
 * stocktake attestation. Each transaction: validate the request, check the caller, load items, apply the
 * state machine, post the book movements, write, and emit one event.
 */
import { Info, Returns, Transaction } from 'fabric-contract-api';
import {
  decodeAssociateRequest,
  decodeEndOfLifeRequest,
  decodeEnterRequest,
  decodeExitRequest,
  decodeReceiveRequest,
  decodeShipRequest,
  locationOf,
  productOf,
  sgtinOf,
} from '@hainan/ledger-model';
import { newAlreadyExists, newInvalidArgument, newNotFound, ChaincodeError, ErrorCode } from '../errors';
import { encodeToString } from '../ledger-codec';
import { gtinOfSgtin, parseSgtin } from '../domain/gs1';
import { BizTxType, EpcisEvent, locationId, partyId, traceCodeId } from '../domain/epcis';
import { MovementBatch, next, requireHolder, requireNotHeld, requireStatus } from '../domain/lifecycle';
import type { DeclarationRecord, ExitRecord, ItemRecord, ProcessingRecord, StocktakeRecord, SeedRecord } from '../domain/records';
import { HEX64, int, itemIdOf, list, obj, optStr, REF, str, TRACE_CODE, unique } from '../domain/validate';
import { shanghaiMonth } from '../domain/time';
import { checkBatchExit, checkConsolidation, checkPort, isTariffExempt, valueAddedBp } from '../domain/exit-rules';
import { effectiveEnterpriseClass } from '../domain/credit';
import { KeyType } from '../ledger/keys';
import { LedgerContract } from '../ledger/ledger-contract';
import { loadEnterprise, requireEnterprise } from '../ledger/access';
import { BATCH_ITEMS_MAX, emit, parseSubmission, epcisBase, eventTimeOf, findItem, findItems, loadItem, loadItems, postMovements, rulesAt, saveItems, txClockOf } from '../ledger/posting';
// A value import (not `import type`): decorator metadata must name the class so the contract API skips ctx.
import { TraceContext } from '../ledger/trace-context';


/** Loads items for a step, refusing duplicates and unknown ids. */
async function loadAll(ctx: TraceContext, ids: string[]): Promise<ItemRecord[]> {
  const items = await loadItems(ctx, ids);
  unique(items.map((i) => i.sgtin), 'item');
  return items;
}

/** Applies a move of items the caller holds in stock: checks, transition, book movements. */
function moveHeldItems(items: ItemRecord[], enterprise: string, step: string, change: (i: ItemRecord) => Partial<ItemRecord>, eventTime: string, txId: string, batch: MovementBatch): ItemRecord[] {
  return items.map((item) => {
    requireNotHeld(item, step);
    requireStatus(item, ['IN_STOCK'], step);
    requireHolder(item, enterprise, step);
    const after = next(item, change(item), eventTime, txId);
    batch.add(item, after);
    return after;
  });
}

@Info({ title: 'goods', description: 'One goods, one chain: entry, circulation, processing, exit' })
export class GoodsContract extends LedgerContract {
  constructor() {
    super('goods');
  }

  /** First-line entry of a batch of serialized items into the island (zero-tariff, bonded or duty-paid). */
  @Transaction()
  @Returns('string')
  async Enter(ctx: TraceContext, requestJson: string): Promise<string> {
    const f = await parseSubmission(ctx, requestJson);
    const ent = await requireEnterprise(ctx, undefined, 'declare first-line entry');
    // The request's rules are the ledger model's (the gateway checks captures with the same decoder).
    const req = decodeEnterRequest(f, txClockOf(ctx));
    const { eventTime: { iso: eventTime }, declarationNo, location, regime, product, unitValueFen, traceCodes: codes } = req;
    const sgtins = [...req.items];
    const batch = new MovementBatch();
    const items: ItemRecord[] = [];
    const existing = await findItems(ctx, sgtins);
    for (const [i, sgtin] of sgtins.entries()) {
      if (existing[i]) throw newAlreadyExists(`item ${sgtin} already entered`);
      const code = codes[sgtin];
      if (code !== undefined) await this.#claimCode(ctx, code, sgtin);
      const item: ItemRecord = {
        sgtin,
        product,
        regime,
        valueFen: unitValueFen,
        importedMaterialsFen: unitValueFen,
        ...(typeof code === 'string' ? { traceCode: code } : {}),
        status: 'IN_STOCK',
        holder: ent.id,
        location,
        entry: { declarationNo, enteredAt: eventTime, enteredBy: ent.id },
        lastEventTime: eventTime,
        lastTxId: ctx.txId,
      };
      batch.add(undefined, item);
      items.push(item);
    }
    await saveItems(ctx, items);
    const movements = await postMovements(ctx, batch, 'ENTRY', eventTime);
    const epcis: EpcisEvent = {
      type: 'ObjectEvent',
      ...epcisBase(ctx, eventTime, req.eventId),
      action: 'ADD',
      epcList: sgtins,
      bizStep: 'entering_exiting',
      disposition: 'active',
      readPoint: { id: locationId(location) },
      bizLocation: { id: locationId(location) },
      bizTransactionList: [{ type: BizTxType.importDeclaration, bizTransaction: `urn:hn:decl:${declarationNo}` }],
      destinationList: [{ type: 'owning_party', destination: partyId(ent.id) }],
      'hn:line': 'first',
      'hn:regime': regime,
      'hn:unitValueFen': unitValueFen,
      'hn:hsCode': product.hsCode,
    };
    await emit(ctx, { type: 'ENTRY', eventTime, items, movements, epcis: [epcis] });
    return encodeToString({ txId: ctx.txId, items: items.length, movements });
  }

  async #claimCode(ctx: TraceContext, code: unknown, sgtin: string): Promise<void> {
    if (typeof code !== 'string' || !TRACE_CODE.test(code)) throw newInvalidArgument(`traceability code for ${sgtin} must be 16 digits`);
    const owner = await ctx.store.get<string>(KeyType.traceCode, [code]);
    if (owner && owner !== sgtin) throw newAlreadyExists(`traceability code ${code} is already associated with ${owner}`);
    await ctx.store.put(KeyType.traceCode, [code], sgtin);
  }

  /** Associates 16-digit traceability codes (code-in-code anti-tear labels) with items the caller holds. */
  @Transaction()
  @Returns('string')
  async Associate(ctx: TraceContext, requestJson: string): Promise<string> {
    const f = await parseSubmission(ctx, requestJson);
    const ent = await requireEnterprise(ctx, undefined, 'associate traceability codes');
    const {
      eventTime: { iso: eventTime },
      pairs,
    } = decodeAssociateRequest(f, txClockOf(ctx));
    const items: ItemRecord[] = [];
    const epcis: EpcisEvent[] = [];
    for (const { sgtin, code } of pairs) {
      const item = await loadItem(ctx, sgtin);
      requireHolder(item, ent.id, 'association');
      if (item.traceCode && item.traceCode !== code) throw newAlreadyExists(`item ${sgtin} already carries traceability code ${item.traceCode}`);
      await this.#claimCode(ctx, code, sgtin);
      items.push(next(item, { traceCode: code }, eventTime, ctx.txId));
      epcis.push({
        type: 'AssociationEvent',
        ...epcisBase(ctx, eventTime),
        eventID: `${epcisBase(ctx, eventTime).eventID}#${epcis.length}`,
        parentID: traceCodeId(code),
        childEPCs: [sgtin],
        action: 'ADD',
        bizStep: 'encoding',
        bizLocation: { id: locationId(item.location) },
      });
    }
    await saveItems(ctx, items);
    await emit(ctx, { type: 'ASSOCIATION', eventTime, items, movements: [], epcis });
    return encodeToString({ txId: ctx.txId, associated: items.length });
  }

  /** Ships items the caller holds to another enterprise or location; the receiver confirms with Receive. */
  @Transaction()
  @Returns('string')
  async Ship(ctx: TraceContext, requestJson: string): Promise<string> {
    const f = await parseSubmission(ctx, requestJson);
    const ent = await requireEnterprise(ctx, undefined, 'ship goods');
    const req = decodeShipRequest(f, txClockOf(ctx));
    const { eventTime: { iso: eventTime }, shipmentId, toLocation } = req;
    const to = await loadEnterprise(ctx, req.toEnterprise);
    const ids = [...req.items];
    const batch = new MovementBatch();
    const items = moveHeldItems(
      await loadAll(ctx, ids),
      ent.id,
      'shipment',
      (i) => ({ status: 'IN_TRANSIT', transit: { shipmentId, to: to.id, toLocation, from: ent.id, fromLocation: i.location } }),
      eventTime,
      ctx.txId,
      batch,
    );
    if (to.id === ent.id && items.every((i) => i.location === toLocation)) throw newInvalidArgument('a shipment must change the enterprise or the location');
    await saveItems(ctx, items);
    const movements = await postMovements(ctx, batch, 'SHIPMENT', eventTime);
    const from = items[0]!.transit!.fromLocation;
    await emit(ctx, {
      type: 'SHIPMENT',
      eventTime,
      items,
      movements,
      epcis: [
        {
          type: 'ObjectEvent',
          ...epcisBase(ctx, eventTime, req.eventId),
          action: 'OBSERVE',
          epcList: items.map((i) => i.sgtin),
          bizStep: 'shipping',
          disposition: 'in_transit',
          readPoint: { id: locationId(from) },
          bizTransactionList: [{ type: BizTxType.shipment, bizTransaction: `urn:hn:shipment:${shipmentId}` }],
          sourceList: [
            { type: 'owning_party', source: partyId(ent.id) },
            { type: 'location', source: locationId(from) },
          ],
          destinationList: [
            { type: 'owning_party', destination: partyId(to.id) },
            { type: 'location', destination: locationId(toLocation) },
          ],
        },
      ],
    });
    return encodeToString({ txId: ctx.txId, shipped: items.length, movements });
  }

  /** The receiver confirms a shipment at the location it was sent to. */
  @Transaction()
  @Returns('string')
  async Receive(ctx: TraceContext, requestJson: string): Promise<string> {
    const f = await parseSubmission(ctx, requestJson);
    const ent = await requireEnterprise(ctx, undefined, 'receive goods');
    const req = decodeReceiveRequest(f, txClockOf(ctx));
    const { eventTime: { iso: eventTime }, shipmentId, location } = req;
    const ids = [...req.items];
    const batch = new MovementBatch();
    const items = (await loadAll(ctx, ids)).map((item) => {
      requireNotHeld(item, 'receipt');
      requireStatus(item, ['IN_TRANSIT'], 'receipt');
      const t = item.transit!;
      if (t.to !== ent.id) throw new ChaincodeError(ErrorCode.WRONG_RECEIPT, `${item.sgtin} was shipped to ${t.to}, not to ${ent.id}`);
      if (t.toLocation !== location) throw new ChaincodeError(ErrorCode.WRONG_RECEIPT, `${item.sgtin} was shipped to location ${t.toLocation}, not to ${location}`);
      if (t.shipmentId !== shipmentId) throw new ChaincodeError(ErrorCode.WRONG_RECEIPT, `${item.sgtin} travels under shipment ${t.shipmentId}, not ${shipmentId}`);
      const { transit: _done, ...rest } = item;
      const after = next({ ...rest, status: 'IN_STOCK', holder: ent.id, location } as ItemRecord, {}, eventTime, ctx.txId);
      batch.add(item, after);
      return after;
    });
    await saveItems(ctx, items);
    const movements = await postMovements(ctx, batch, 'RECEIPT', eventTime);
    await emit(ctx, {
      type: 'RECEIPT',
      eventTime,
      items,
      movements,
      epcis: [
        {
          type: 'ObjectEvent',
          ...epcisBase(ctx, eventTime, req.eventId),
          action: 'OBSERVE',
          epcList: items.map((i) => i.sgtin),
          bizStep: 'receiving',
          disposition: 'in_progress',
          readPoint: { id: locationId(location) },
          bizLocation: { id: locationId(location) },
          bizTransactionList: [{ type: BizTxType.shipment, bizTransaction: `urn:hn:shipment:${shipmentId}` }],
        },
      ],
    });
    return encodeToString({ txId: ctx.txId, received: items.length, movements });
  }

  /** Processing on the island: inputs consumed, outputs created, value-added ratio computed and kept. */
  @Transaction()
  @Returns('string')
  async Process(ctx: TraceContext, requestJson: string): Promise<string> {
    const f = await parseSubmission(ctx, requestJson);
    const ent = await requireEnterprise(ctx, 'processor', 'process goods');
    const { iso: eventTime } = eventTimeOf(ctx, f);
    const processingId = str(f, 'processingId', { pattern: REF });
    if (await ctx.store.get(KeyType.processing, [processingId])) throw newAlreadyExists(`processing ${processingId} already recorded`);
    const location = locationOf(f, 'location');
    const inputIds = list(f, 'inputs', BATCH_ITEMS_MAX, itemIdOf);
    const outputSgtins = list(f, 'outputs', BATCH_ITEMS_MAX, sgtinOf);
    unique(outputSgtins, 'output');
    const product = productOf(f, 'outputProduct');
    const outputUnitValueFen = int(f, 'outputUnitValueFen', 1);
    const cumulativeCode = optStr(f, 'cumulativeCode', { pattern: REF });
    const batch = new MovementBatch();
    const inputs = await loadAll(ctx, inputIds);
    if (cumulativeCode && !inputs.some((i) => i.cumulativeCode === cumulativeCode)) {
      throw newInvalidArgument(`cumulative code ${cumulativeCode} belongs to none of the inputs`);
    }
    // With the upstream cumulative code, processed inputs count at the imported materials they embody, so the
    // value added upstream accumulates; without it they count at their full value.
    const importedMaterialsFen = inputs.reduce((sum, i) => sum + (cumulativeCode && i.cumulativeCode === cumulativeCode ? i.importedMaterialsFen : i.valueFen), 0);
    const consumed = inputs.map((item) => {
      requireNotHeld(item, 'processing');
      requireStatus(item, ['IN_STOCK'], 'processing');
      requireHolder(item, ent.id, 'processing');
      if (item.location !== location) throw newInvalidArgument(`input ${item.sgtin} is at ${item.location}, not at the processing location ${location}`);
      const after = next(item, { status: 'TRANSFORMED' }, eventTime, ctx.txId);
      batch.add(item, after);
      return after;
    });
    const n = outputSgtins.length;
    const share = Math.floor(importedMaterialsFen / n);
    const outputs: ItemRecord[] = [];
    for (const [k, sgtin] of outputSgtins.entries()) {
      if (gtinOfSgtin(parseSgtin(sgtin)!) !== product.gtin) throw newInvalidArgument(`output ${sgtin} does not encode GTIN ${product.gtin}`);
      if (await findItem(ctx, sgtin)) throw newAlreadyExists(`item ${sgtin} already exists`);
      const item: ItemRecord = {
        sgtin,
        product,
        regime: 'PROCESSED',
        valueFen: outputUnitValueFen,
        importedMaterialsFen: share + (k < importedMaterialsFen % n ? 1 : 0),
        cumulativeCode: processingId,
        status: 'IN_STOCK',
        holder: ent.id,
        location,
        entry: { declarationNo: `processing:${processingId}`, enteredAt: eventTime, enteredBy: ent.id },
        lastEventTime: eventTime,
        lastTxId: ctx.txId,
      };
      batch.add(undefined, item);
      outputs.push(item);
    }
    const outputValueFen = outputUnitValueFen * n;
    const record: ProcessingRecord = {
      processingId,
      processor: ent.id,
      location,
      inputs: inputs.map((i) => i.sgtin),
      outputs: outputSgtins,
      importedMaterialsFen,
      outputValueFen,
      valueAddedBp: importedMaterialsFen > 0 ? valueAddedBp(outputValueFen, importedMaterialsFen) : 0,
      usedCumulativeCode: cumulativeCode !== undefined,
      processedAt: eventTime,
      txId: ctx.txId,
    };
    await ctx.store.put(KeyType.processing, [processingId], record);
    await saveItems(ctx, [...consumed, ...outputs]);
    const movements = await postMovements(ctx, batch, 'PROCESSING', eventTime);
    await emit(ctx, {
      type: 'PROCESSING',
      eventTime,
      items: [...consumed, ...outputs],
      movements,
      records: { processing: record },
      epcis: [
        {
          type: 'TransformationEvent',
          ...epcisBase(ctx, eventTime, optStr(f, 'eventId', { maxLength: 200 })),
          inputEPCList: record.inputs,
          outputEPCList: outputSgtins,
          bizStep: 'commissioning',
          disposition: 'active',
          bizLocation: { id: locationId(location) },
          bizTransactionList: [{ type: BizTxType.processing, bizTransaction: `urn:hn:processing:${processingId}` }],
          'hn:valueAddedBp': record.valueAddedBp,
          'hn:importedMaterialsFen': importedMaterialsFen,
        },
      ],
    });
    return encodeToString({ txId: ctx.txId, processing: record, movements });
  }

  /** Second-line exit to the mainland through one of the ports, with a release list; batch exits are consolidated monthly. */
  @Transaction()
  @Returns('string')
  async Exit(ctx: TraceContext, requestJson: string): Promise<string> {
    const f = await parseSubmission(ctx, requestJson);
    const ent = await requireEnterprise(ctx, undefined, 'declare second-line exit');
    const req = decodeExitRequest(f, txClockOf(ctx));
    const { eventTime: { iso: eventTime }, releaseListNo, port, batch: isBatch, lines } = req;
    const rules = await rulesAt(ctx, eventTime);
    if (await ctx.store.get(KeyType.exit, [releaseListNo])) throw newAlreadyExists(`release list ${releaseListNo} already used`);
    checkPort(rules, port);
    const creditClass = effectiveEnterpriseClass(rules, ent.credit, eventTime);
    const period = shanghaiMonth(eventTime);
    if (isBatch) {
      const markers = await ctx.store.scan<string>(KeyType.batchExit, [ent.id]);
      const undeclaredMonths = [...new Set(markers.filter((m) => m.value === '').map((m) => m.attrs[1]!))].sort();
      checkBatchExit(rules, { creditClass, undeclaredMonths }, eventTime);
    }
    const batch = new MovementBatch();
    const exitLines: ExitRecord['items'] = [];
    const items = await loadAll(ctx, lines.map((l) => l.id));
    const after = items.map((item, k) => {
      const exitValueFen = lines[k]!.exitValueFen;
      requireNotHeld(item, 'exit');
      requireStatus(item, ['IN_STOCK'], 'exit');
      requireHolder(item, ent.id, 'exit');
      if (item.regime === 'DUTY_PAID') throw newInvalidArgument(`${item.sgtin} is duty-paid: it leaves without a second-line customs exit`);
      const processed = item.regime === 'PROCESSED';
      const tariffExempt = processed && isTariffExempt(rules, exitValueFen, item.importedMaterialsFen);
      const va = processed ? valueAddedBp(exitValueFen, item.importedMaterialsFen) : undefined;
      exitLines.push({ sgtin: item.sgtin, exitValueFen, tariffExempt, regime: item.regime, ...(va === undefined ? {} : { valueAddedBp: va }) });
      const out = next(item, { status: 'EXITED', exit: { releaseListNo, port, exitValueFen, tariffExempt, ...(va === undefined ? {} : { valueAddedBp: va }), exitedAt: eventTime } }, eventTime, ctx.txId);
      batch.add(item, out);
      return out;
    });
    const seeds = await ctx.store.scan<SeedRecord>(KeyType.seed, []);
    const seed = seeds.map((s) => s.value).filter((s) => s.validFrom <= eventTime && eventTime < s.validTo).sort((a, b) => (a.committedAt < b.committedAt ? 1 : -1))[0];
    const record: ExitRecord = {
      releaseListNo,
      enterprise: ent.id,
      port,
      batch: isBatch,
      period,
      items: exitLines,
      creditClass,
      inspection: { rateBp: rules.inspectionRateBp[creditClass], ...(seed ? { seedId: seed.seedId } : {}) },
      exitedAt: eventTime,
      txId: ctx.txId,
    };
    await ctx.store.put(KeyType.exit, [releaseListNo], record);
    if (isBatch) await ctx.store.put(KeyType.batchExit, [ent.id, period, releaseListNo], '');
    await saveItems(ctx, after);
    const movements = await postMovements(ctx, batch, 'EXIT', eventTime);
    await emit(ctx, {
      type: 'EXIT',
      eventTime,
      items: after,
      movements,
      records: { exit: record },
      epcis: [
        {
          type: 'ObjectEvent',
          ...epcisBase(ctx, eventTime, req.eventId),
          action: 'OBSERVE',
          epcList: after.map((i) => i.sgtin),
          bizStep: 'entering_exiting',
          disposition: 'in_transit',
          readPoint: { id: `urn:hn:port:${port}` },
          bizTransactionList: [{ type: BizTxType.releaseList, bizTransaction: `urn:hn:release:${releaseListNo}` }],
          'hn:line': 'second',
          'hn:batch': isBatch,
        },
      ],
    });
    return encodeToString({ txId: ctx.txId, exit: record, movements });
  }

  /** Consolidated declaration of a month's batch exits (due by the 25th of the next month). */
  @Transaction()
  @Returns('string')
  async Declare(ctx: TraceContext, requestJson: string): Promise<string> {
    const f = await parseSubmission(ctx, requestJson);
    const ent = await requireEnterprise(ctx, undefined, 'declare batch exits');
    const { iso: eventTime } = eventTimeOf(ctx, f);
    const rules = await rulesAt(ctx, eventTime);
    const declarationNo = str(f, 'declarationNo', { pattern: REF });
    if (await ctx.store.get(KeyType.declaration, [declarationNo])) throw newAlreadyExists(`declaration ${declarationNo} already filed`);
    const period = str(f, 'period', { pattern: /^\d{4}-\d{2}$/ });
    const releaseLists = list(f, 'releaseLists', BATCH_ITEMS_MAX, (v, i) => {
      if (typeof v !== 'string' || !REF.test(v)) throw newInvalidArgument(`releaseLists[${i}] is malformed`);
      return v;
    });
    unique(releaseLists, 'release list');
    const exits: ExitRecord[] = [];
    for (const no of releaseLists) {
      const exit = await ctx.store.get<ExitRecord>(KeyType.exit, [no]);
      if (!exit || exit.enterprise !== ent.id) throw newNotFound(`release list ${no} is not an exit of ${ent.id}`);
      if (!exit.batch) throw newInvalidArgument(`release list ${no} was not a batch exit`);
      if (exit.declarationNo) throw newAlreadyExists(`release list ${no} is already declared in ${exit.declarationNo}`);
      exits.push(exit);
    }
    checkConsolidation(rules, exits.map((e) => e.period), period);
    for (const exit of exits) {
      await ctx.store.put(KeyType.exit, [exit.releaseListNo], { ...exit, declarationNo });
      await ctx.store.put(KeyType.batchExit, [ent.id, exit.period, exit.releaseListNo], declarationNo);
    }
    const record: DeclarationRecord = { declarationNo, enterprise: ent.id, period, releaseLists, declaredAt: eventTime, txId: ctx.txId };
    await ctx.store.put(KeyType.declaration, [declarationNo], record);
    await emit(ctx, { type: 'DECLARATION', eventTime, items: [], movements: [], records: { declaration: record } });
    return encodeToString(record);
  }

  /** Destruction of items the caller holds (under customs supervision). */
  @Transaction()
  @Returns('string')
  async Destroy(ctx: TraceContext, requestJson: string): Promise<string> {
    return this.#endOfLife(ctx, requestJson, 'DESTROYED', 'DESTRUCTION', 'destroying', 'destroyed');
  }

  /** Return of items abroad through the first line. */
  @Transaction()
  @Returns('string')
  async ReturnAbroad(ctx: TraceContext, requestJson: string): Promise<string> {
    return this.#endOfLife(ctx, requestJson, 'RETURNED_ABROAD', 'RETURN_ABROAD', 'entering_exiting', 'returned');
  }

  async #endOfLife(ctx: TraceContext, requestJson: string, status: 'DESTROYED' | 'RETURNED_ABROAD', type: string, bizStep: string, disposition: string): Promise<string> {
    const f = await parseSubmission(ctx, requestJson);
    const ent = await requireEnterprise(ctx, undefined, type.toLowerCase());
    const req = decodeEndOfLifeRequest(f, txClockOf(ctx));
    const { eventTime: { iso: eventTime }, reference } = req;
    const ids = [...req.items];
    const batch = new MovementBatch();
    const items = moveHeldItems(await loadAll(ctx, ids), ent.id, type.toLowerCase(), () => ({ status }), eventTime, ctx.txId, batch);
    await saveItems(ctx, items);
    const movements = await postMovements(ctx, batch, type, eventTime);
    await emit(ctx, {
      type,
      eventTime,
      items,
      movements,
      epcis: [
        {
          type: 'ObjectEvent',
          ...epcisBase(ctx, eventTime, req.eventId),
          action: 'DELETE',
          epcList: items.map((i) => i.sgtin),
          bizStep,
          disposition,
          bizLocation: { id: locationId(items[0]!.location) },
          bizTransactionList: [{ type: BizTxType.importDeclaration, bizTransaction: `urn:hn:ref:${reference}` }],
        },
      ],
    });
    return encodeToString({ txId: ctx.txId, items: items.length, movements });
  }

  /** One transaction per closed stocktake: location, counts, Merkle root of the counted set, devices. */
  @Transaction()
  @Returns('string')
  async AttestStocktake(ctx: TraceContext, requestJson: string): Promise<string> {
    const f = await parseSubmission(ctx, requestJson);
    const ent = await requireEnterprise(ctx, undefined, 'attest a stocktake');
    const { iso: eventTime } = eventTimeOf(ctx, f);
    const stocktakeId = str(f, 'stocktakeId', { pattern: REF });
    if (await ctx.store.get(KeyType.stocktake, [stocktakeId])) throw newAlreadyExists(`stocktake ${stocktakeId} already attested`);
    const location = locationOf(f, 'location');
    const c = obj(f, 'counts');
    const record: StocktakeRecord = {
      stocktakeId,
      enterprise: ent.id,
      location,
      counts: { matched: int(c, 'matched', 0), missing: int(c, 'missing', 0), unexpected: int(c, 'unexpected', 0) },
      merkleRoot: str(f, 'merkleRoot', { pattern: HEX64 }),
      deviceIds: list(f, 'deviceIds', 100, (v, i) => {
        if (typeof v !== 'string' || v.length === 0 || v.length > 100) throw newInvalidArgument(`deviceIds[${i}] is malformed`);
        return v;
      }, 0),
      closedAt: eventTime,
      txId: ctx.txId,
    };
    await ctx.store.put(KeyType.stocktake, [stocktakeId], record);
    await emit(ctx, {
      type: 'STOCKTAKE',
      eventTime,
      items: [],
      movements: [],
      records: { stocktake: record },
      epcis: [
        {
          type: 'ObjectEvent',
          ...epcisBase(ctx, eventTime, optStr(f, 'eventId', { maxLength: 200 })),
          action: 'OBSERVE',
          epcList: [],
          bizStep: 'stock_taking',
          bizLocation: { id: locationId(location) },
          readPoint: { id: locationId(location) },
          'hn:merkleRoot': record.merkleRoot,
          'hn:counts': record.counts,
          'hn:deviceIds': record.deviceIds,
        },
      ],
    });
    return encodeToString(record);
  }
}
