/**
 * The `goods` contract: one goods, one chain. First-line entry, traceability-code association, shipment and
 * receipt, processing, second-line exit with consolidated declarations, destruction, return abroad, and
 * stocktake attestation. Each transaction: decode the request, check the caller, load what the decision reads,
 * decide (domain/goods.ts, pure), and commit (ledger/commit.ts: the writes and the one event).
 */
import { Info, Returns, Transaction } from 'fabric-contract-api';
import {
  decodeContainerReceiveRequest,
  decodeContainerShipRequest,
  decodePackRequest,
  decodeAssociateRequest,
  decodeDeclareErrorRequest,
  decodeObserveRequest,
  decodeEndOfLifeRequest,
  decodeEnterRequest,
  decodeExitRequest,
  decodeReceiveRequest,
  decodeShipRequest,
  list,
  newInvalidArgument,
  PERIOD,
  REF,
  str,
  unique,
  decodeProcessingRequest,
} from '@hainan/ledger-model';
import { encodeToString } from '../ledger-codec';
import {
  claimableCodes,
  decideAssociation,
  decideDeclaration,
  decideEndOfLife,
  decideEntry,
  decideExit,
  decideProcessing,
  decideReceipt,
  decideShipment,
  decideStocktake,
  decodeStocktake,
  END_OF_LIFE,
} from '../domain/goods';
import type { EpcisEvent } from '../domain/epcis';
import {
  decideContainerReceipt,
  decideContainerShipment,
  decidePack,
  decideUnpack,
  type ContainerRecord,
  type PackState,
} from '../domain/containers';
import {
  decideErrorDeclarations,
  decideObservations,
  sgtinsOfEvent,
  type DeclarableEvent,
  type Recorder,
} from '../domain/observation';
import type { ErrorMark, EventRef, ExitRecord, ObservationRecord, SeedRecord } from '../domain/records';
import { eventIdKey, KeyType } from '../ledger/keys';
import { itemsExist } from '../ledger/item-runs';
import { codeOwners } from '../ledger/trace-code-runs';
import { LedgerContract } from '../ledger/ledger-contract';
import { isCustoms, loadEnterprise, requireEnterprise } from '../ledger/access';
import { commit } from '../ledger/commit';
import {
  BATCH_ITEMS_MAX,
  parseSubmission,
  eventTimeOf,
  findItems,
  inOrder,
  loadAll,
  ledgerRiskRuleSets,
  loadItemsDeferred,
  requireUnused,
  rulesAt,
  txClockOf,
  txOf,
} from '../ledger/posting';
// A value import (not `import type`): decorator metadata must name the class so the contract API skips ctx.
import { TraceContext } from '../ledger/trace-context';

/** Most places on the chain one event id is looked up in (two tenants may use one id; a bound on the scan). */
const EVENT_OCCURRENCES_MAX = 100;

/** Customs, or the caller's enterprise (verified against its MSP). */
async function recorderOf(ctx: TraceContext, what: string): Promise<Recorder> {
  if (isCustoms(ctx)) return { mspId: ctx.caller.mspId, enterpriseId: ctx.caller.enterpriseId, customs: true };
  const ent = await requireEnterprise(ctx, undefined, what);
  return { mspId: ctx.caller.mspId, enterpriseId: ent.id, customs: false };
}

/** Every place an event with this id is on the chain: its reference, the stored event and its error mark. */
async function eventsWithId(ctx: TraceContext, eventId: string): Promise<DeclarableEvent[]> {
  const key = eventIdKey(eventId);
  const refs = await ctx.store.scan<EventRef>(KeyType.eventRef, [key], EVENT_OCCURRENCES_MAX);
  return inOrder(refs, async ({ attrs, value }) => {
    const [, txId = '', index = '0'] = attrs;
    const event = await ctx.store.get<EpcisEvent>(KeyType.event, [txId, index]);
    const mark = await ctx.store.get<ErrorMark>(KeyType.errorMark, [key, txId, index]);
    return { ref: value, txId, index: Number(index), event, mark };
  });
}

/** Containers by id, in order (undefined where not on the ledger). */
function findContainers(ctx: TraceContext, ids: readonly string[]): Promise<(ContainerRecord | undefined)[]> {
  return inOrder(ids, (id) => ctx.store.get<ContainerRecord>(KeyType.container, [id]));
}

/** What goods:Pack and goods:Unpack read: the parent, the child items (own records) and the child containers. */
async function packState(
  ctx: TraceContext,
  req: { parent: string; items: readonly string[]; containers: readonly string[] },
): Promise<PackState> {
  const [parent] = await findContainers(ctx, [req.parent]);
  return { parent, items: await findItems(ctx, req.items), containers: await findContainers(ctx, req.containers) };
}

/** The current owners (SGTINs) of the well-formed traceability codes among `codes` (one read per run of codes). */
function ownersOf(ctx: TraceContext, codes: readonly unknown[]): Promise<Map<string, string>> {
  return codeOwners(ctx, claimableCodes(codes));
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
    const existing = await itemsExist(ctx, req.items);
    const owners = await ownersOf(
      ctx,
      req.items.map((sgtin) => req.traceCodes[sgtin]),
    );
    const decision = decideEntry(req, ent.id, existing, owners, txOf(ctx));
    const movements = await commit(ctx, decision);
    return encodeToString({ txId: ctx.txId, items: req.items.length, movements });
  }

  /** Associates 16-digit traceability codes (code-in-code anti-tear labels) with items the caller holds. */
  @Transaction()
  @Returns('string')
  async Associate(ctx: TraceContext, requestJson: string): Promise<string> {
    const f = await parseSubmission(ctx, requestJson);
    const ent = await requireEnterprise(ctx, undefined, 'associate traceability codes');
    const req = decodeAssociateRequest(f, txClockOf(ctx));
    const items = await loadItemsDeferred(
      ctx,
      req.pairs.map((p) => p.sgtin),
    );
    const owners = await ownersOf(
      ctx,
      req.pairs.map((p) => p.code),
    );
    await commit(ctx, decideAssociation(req, ent.id, items, owners, txOf(ctx)));
    return encodeToString({ txId: ctx.txId, associated: req.pairs.length });
  }

  /** Ships items the caller holds to another enterprise or location; the receiver confirms with Receive. */
  @Transaction()
  @Returns('string')
  async Ship(ctx: TraceContext, requestJson: string): Promise<string> {
    const f = await parseSubmission(ctx, requestJson);
    const ent = await requireEnterprise(ctx, undefined, 'ship goods');
    const req = decodeShipRequest(f, txClockOf(ctx));
    const to = await loadEnterprise(ctx, req.toEnterprise);
    const items = await loadAll(ctx, req.items);
    const movements = await commit(ctx, decideShipment(req, ent.id, to.id, items, txOf(ctx)));
    return encodeToString({ txId: ctx.txId, shipped: items.length, movements });
  }

  /** The receiver confirms a shipment at the location it was sent to. */
  @Transaction()
  @Returns('string')
  async Receive(ctx: TraceContext, requestJson: string): Promise<string> {
    const f = await parseSubmission(ctx, requestJson);
    const ent = await requireEnterprise(ctx, undefined, 'receive goods');
    const req = decodeReceiveRequest(f, txClockOf(ctx));
    const items = await loadAll(ctx, req.items);
    const movements = await commit(ctx, decideReceipt(req, ent.id, items, txOf(ctx)));
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
    await requireUnused(ctx, KeyType.processing, [processingId], `processing ${processingId} already recorded`);
    const req = decodeProcessingRequest(f, processingId, eventTime);
    const inputs = await loadAll(ctx, req.inputs);
    const decision = decideProcessing(req, ent.id, inputs, await itemsExist(ctx, req.outputs), txOf(ctx));
    const movements = await commit(ctx, decision);
    return encodeToString({ txId: ctx.txId, processing: decision.record, movements });
  }

  /**
   * Second-line exit to the mainland through one of the ports, with a release list; batch exits are consolidated
   * monthly. Cases and pallets leave whole, each by its own key whatever it holds (domain/container-exit.ts).
   */
  @Transaction()
  @Returns('string')
  async Exit(ctx: TraceContext, requestJson: string): Promise<string> {
    const f = await parseSubmission(ctx, requestJson);
    const ent = await requireEnterprise(ctx, undefined, 'declare second-line exit');
    const req = decodeExitRequest(f, txClockOf(ctx));
    const rules = await rulesAt(ctx, req.eventTime.iso);
    await requireUnused(ctx, KeyType.exit, [req.releaseListNo], `release list ${req.releaseListNo} already used`);
    const markers = req.batch ? await ctx.store.scan<string>(KeyType.batchExit, [ent.id]) : [];
    const undeclaredMonths = [...new Set(markers.filter((m) => m.value === '').map((m) => m.attrs[1]!))].sort();
    const items = await loadItemsDeferred(
      ctx,
      req.lines.map((l) => l.id),
    );
    // Cases and pallets by their own keys: what is inside is in their book lines, not read item by item.
    const containers = await findContainers(
      ctx,
      (req.containers ?? []).map((c) => c.id),
    );
    const seeds = (await ctx.store.scan<SeedRecord>(KeyType.seed, [])).map((s) => s.value);
    const riskRuleSets = await ledgerRiskRuleSets(ctx);
    const decision = decideExit(
      req,
      { enterprise: ent, rules, undeclaredMonths, items, seeds, riskRuleSets, containers },
      txOf(ctx),
    );
    const movements = await commit(ctx, decision);
    return encodeToString({ txId: ctx.txId, exit: decision.record, movements });
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
    await requireUnused(ctx, KeyType.declaration, [declarationNo], `declaration ${declarationNo} already filed`);
    const period = str(f, 'period', { pattern: PERIOD });
    const releaseLists = list(f, 'releaseLists', BATCH_ITEMS_MAX, (v, i) => {
      if (typeof v !== 'string' || !REF.test(v)) throw newInvalidArgument(`releaseLists[${i}] is malformed`);
      return v;
    });
    unique(releaseLists, 'release list');
    const exits = await inOrder(releaseLists, (no) => ctx.store.get<ExitRecord>(KeyType.exit, [no]));
    const decision = decideDeclaration(declarationNo, period, releaseLists, exits, ent.id, rules, eventTime, txOf(ctx));
    await commit(ctx, decision);
    return encodeToString(decision.record);
  }

  /** Destruction of items the caller holds (under customs supervision). */
  @Transaction()
  @Returns('string')
  async Destroy(ctx: TraceContext, requestJson: string): Promise<string> {
    return this.#endOfLife(ctx, requestJson, 'DESTRUCTION');
  }

  /** Return of items abroad through the first line. */
  @Transaction()
  @Returns('string')
  async ReturnAbroad(ctx: TraceContext, requestJson: string): Promise<string> {
    return this.#endOfLife(ctx, requestJson, 'RETURN_ABROAD');
  }

  async #endOfLife(ctx: TraceContext, requestJson: string, type: keyof typeof END_OF_LIFE): Promise<string> {
    const f = await parseSubmission(ctx, requestJson);
    const ent = await requireEnterprise(ctx, undefined, type.toLowerCase());
    const req = decodeEndOfLifeRequest(f, txClockOf(ctx));
    const items = await loadAll(ctx, req.items);
    const movements = await commit(ctx, decideEndOfLife(type, req, ent.id, items, txOf(ctx)));
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
    await requireUnused(ctx, KeyType.stocktake, [stocktakeId], `stocktake ${stocktakeId} already attested`);
    const { record, eventId } = decodeStocktake(f, stocktakeId, ent.id, eventTime, txOf(ctx));
    await commit(ctx, decideStocktake(record, eventId, txOf(ctx)));
    return encodeToString(record);
  }

  /**
   * EPCIS events that are no customs step (readings, inspections, sensor data, transformations, ...): each anchored by
   * its event hash id and noted on the chain of every item it names, which stays as it is (issue 15).
   */
  @Transaction()
  @Returns('string')
  async Observe(ctx: TraceContext, requestJson: string): Promise<string> {
    const f = await parseSubmission(ctx, requestJson);
    const recorder = await recorderOf(ctx, 'record observations');
    const req = decodeObserveRequest(f, txClockOf(ctx));
    // Items packed in a case are observed too: an observation changes nothing of theirs.
    const items = await inOrder(req.observations, (o) => loadItemsDeferred(ctx, o.items, 'allow'));
    const recorded = await inOrder(req.observations, (o) =>
      ctx.store.get<ObservationRecord>(KeyType.observation, [o.eventHash]),
    );
    await commit(ctx, decideObservations(req, recorder, items, recorded, txOf(ctx)));
    return encodeToString({ txId: ctx.txId, observations: req.observations.length });
  }

  /** EPCIS error declarations: the declared events are marked erroneous (their capturer or customs only). */
  @Transaction()
  @Returns('string')
  async DeclareError(ctx: TraceContext, requestJson: string): Promise<string> {
    const f = await parseSubmission(ctx, requestJson);
    const recorder = await recorderOf(ctx, 'declare events erroneous');
    const req = decodeDeclareErrorRequest(f, txClockOf(ctx));
    const found = await inOrder(req.declarations, (d) => eventsWithId(ctx, d.declaredEventId));
    const sgtins = [...new Set(found.flat().flatMap((c) => (c.event ? sgtinsOfEvent(c.event as never) : [])))];
    const loaded = await findItems(ctx, sgtins);
    const items = new Map(loaded.flatMap((item) => (item ? [[item.sgtin, item] as const] : [])));
    const decision = decideErrorDeclarations(req, recorder, found, items, txOf(ctx));
    await commit(ctx, decision);
    return encodeToString({ txId: ctx.txId, declared: req.declarations.length });
  }

  /** Packs items and cases into a case or pallet (EPCIS AggregationEvent ADD); a new container is created. */
  @Transaction()
  @Returns('string')
  async Pack(ctx: TraceContext, requestJson: string): Promise<string> {
    const f = await parseSubmission(ctx, requestJson);
    const ent = await requireEnterprise(ctx, undefined, 'pack goods');
    const req = decodePackRequest(f, txClockOf(ctx));
    await commit(ctx, decidePack(req, ent.id, await packState(ctx, req), txOf(ctx)));
    return encodeToString({ txId: ctx.txId, container: req.parent, packed: req.items.length + req.containers.length });
  }

  /** Unpacks named items and cases from a case or pallet (EPCIS AggregationEvent DELETE). */
  @Transaction()
  @Returns('string')
  async Unpack(ctx: TraceContext, requestJson: string): Promise<string> {
    const f = await parseSubmission(ctx, requestJson);
    const ent = await requireEnterprise(ctx, undefined, 'unpack goods');
    const req = decodePackRequest(f, txClockOf(ctx));
    await commit(ctx, decideUnpack(req, ent.id, await packState(ctx, req), txOf(ctx)));
    return encodeToString({
      txId: ctx.txId,
      container: req.parent,
      unpacked: req.items.length + req.containers.length,
    });
  }

  /** Ships cases or pallets with everything in them: one key per container, whatever it holds. */
  @Transaction()
  @Returns('string')
  async ShipContainer(ctx: TraceContext, requestJson: string): Promise<string> {
    const f = await parseSubmission(ctx, requestJson);
    const ent = await requireEnterprise(ctx, undefined, 'ship goods');
    const req = decodeContainerShipRequest(f, txClockOf(ctx));
    const to = await loadEnterprise(ctx, req.toEnterprise);
    const containers = await findContainers(ctx, req.containers);
    const movements = await commit(ctx, decideContainerShipment(req, ent.id, to.id, containers, txOf(ctx)));
    return encodeToString({ txId: ctx.txId, shipped: req.containers.length, movements });
  }

  /** The receiver confirms cases or pallets at the location they were sent to. */
  @Transaction()
  @Returns('string')
  async ReceiveContainer(ctx: TraceContext, requestJson: string): Promise<string> {
    const f = await parseSubmission(ctx, requestJson);
    const ent = await requireEnterprise(ctx, undefined, 'receive goods');
    const req = decodeContainerReceiveRequest(f, txClockOf(ctx));
    const containers = await findContainers(ctx, req.containers);
    const movements = await commit(ctx, decideContainerReceipt(req, ent.id, containers, txOf(ctx)));
    return encodeToString({ txId: ctx.txId, received: req.containers.length, movements });
  }
}
