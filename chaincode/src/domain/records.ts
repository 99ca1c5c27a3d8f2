/**
 * The shapes the chaincode keeps on the ledger: items (one goods, one chain), enterprises and their credit,
 * persons (one person, one code), account movements (one enterprise, one account), periods, sales, exits,
 * declarations, stocktakes and inspection seeds. Plain data only; money is integer fen, times ISO-8601.
 */
import type { ProductFacts, Regime } from '@hainan/ledger-model';
import type { CreditRecord, KeyAttentionReason, PersonClass } from './credit';
import type { PickupMode, ProductCategory } from './sale-rules';
import type { Screening } from './risk';
import type { InspectionResult } from './inspection-result';
import type { ContainerLine } from './containers';

// Regimes and product facts are request vocabulary too (the gateway checks captures with them): defined once in
// @hainan/ledger-model.
export { REGIMES, type ProductFacts, type Regime } from '@hainan/ledger-model';

/** Where an item is in its life. HELD is an overlay (`hold`), not a status, so the book keeps counting it. */
export type ItemStatus =
  | 'IN_STOCK'
  | 'IN_TRANSIT'
  | 'TRANSFORMED'
  | 'SOLD'
  | 'PICKED_UP'
  | 'MAILED'
  | 'EXITED'
  | 'DESTROYED'
  | 'RETURNED_ABROAD'
  | 'SEIZED';

/** Statuses after which nothing but queries may touch an item. */
export const TERMINAL_STATUSES: readonly ItemStatus[] = [
  'TRANSFORMED',
  'PICKED_UP',
  'MAILED',
  'EXITED',
  'DESTROYED',
  'RETURNED_ABROAD',
  'SEIZED',
];

/** One serialized item. */
export interface ItemRecord {
  sgtin: string;
  product: ProductFacts;
  regime: Regime;
  /** Declared customs value (entry) or output value (processing), fen. */
  valueFen: number;
  /** Value of the imported materials embodied in the item, fen (entry: its declared value). */
  importedMaterialsFen: number;
  /** Processing record that produced the item, usable as an upstream cumulative code. */
  cumulativeCode?: string;
  /** The 16-digit traceability code associated with the item, if any. */
  traceCode?: string;
  status: ItemStatus;
  /** Enterprise (unified social credit code) that holds the item. */
  holder: string;
  /** GLN or SGLN URI of where the item is (or was last). */
  location: string;
  transit?: { shipmentId: string; to: string; toLocation: string; from: string; fromLocation: string };
  hold?: { reason: string; heldAt: string; by: string };
  /** Times customs held the item (a fact risk screening reads); absent until the first hold. */
  holds?: number;
  /** Inspection discrepancies that named the item; absent until the first. */
  discrepancies?: number;
  sale?: { saleId: string; personCode: string; pickupMode: PickupMode; unitPriceFen: number; soldAt: string };
  exit?: {
    releaseListNo: string;
    port: string;
    exitValueFen: number;
    tariffExempt: boolean;
    valueAddedBp?: number;
    exitedAt: string;
  };
  entry: { declarationNo: string; enteredAt: string; enteredBy: string };
  /**
   * The case or pallet (SSCC or GRAI URN) the item is packed in (issue 15). While set, the item's holder, location,
   * status and transit are those of the top container of its chain (containers move, the item's key is not written).
   */
  container?: string;
  /** Event time of the last event that touched the item. */
  lastEventTime: string;
  lastTxId: string;
}

/** Enterprise roles in the trade. */
export type EnterpriseRole = 'importer' | 'processor' | 'logistics' | 'operator';
export const ENTERPRISE_ROLES: readonly EnterpriseRole[] = ['importer', 'processor', 'logistics', 'operator'];

/** An enterprise registered by customs. */
export interface EnterpriseRecord {
  id: string;
  name: string;
  mspId: string;
  roles: EnterpriseRole[];
  registeredAt: string;
  credit: CreditRecord;
  /** Inspection results with a discrepancy on the enterprise's exits (feeds risk rules); absent until the first. */
  inspectionDiscrepancies?: number;
  /**
   * The most recent inspection results with a discrepancy verdict, oldest first, at most DISCREPANCY_COUNT_MAX:
   * the basis of a key-attention class derived from discrepancies (domain/credit.ts). Absent until the first.
   */
  discrepancyLog?: DiscrepancyEntry[];
}

/** One inspection result with a discrepancy verdict, as the enterprise's credit counts it. */
export interface DiscrepancyEntry {
  releaseListNo: string;
  /** The transaction that recorded the result. */
  txId: string;
  /** The inspection's time (its event time): the window is measured from it. */
  atIso: string;
  kinds: string[];
}

/** A person code (keyed hash) and what the ledger knows about it. */
export interface PersonRecord {
  personCode: string;
  credit?: {
    class: PersonClass;
    listedAtIso?: string;
    reason?: string;
    history: { class: PersonClass; atIso: string; by: string; reason?: string }[];
  };
  /** Sales under buy-now-pick-up or guarantee pick-up that oblige the person to depart by a date. */
  departureObligations: { saleId: string; saleTime: string; mustDepartBy: string }[];
  /** Confirmed departures off the island. */
  departures: { departedAt: string; port?: string; ref?: string }[];
}

/** Net change of one account line caused by one transaction. */
export interface Movement {
  enterprise: string;
  gtin: string;
  regime: Regime;
  location: string;
  qty: number;
}

/** A movement as stored (unique key per transaction and line). */
export interface MovementRecord extends Movement {
  txId: string;
  eventType: string;
  eventTime: string;
  /** Asia/Shanghai month of the event time, `yyyy-mm`: the account period it belongs to. */
  period: string;
}

/** A closed account period: its shape is the model's (the gateway reads it back from ClosePeriod). */
import type { PeriodRecord } from '@hainan/ledger-model';
export type { PeriodRecord };

/** A duty-free sale. */
export interface SaleRecord {
  saleId: string;
  operator: string;
  personCode: string;
  location: string;
  pickupMode: PickupMode;
  lines: { sgtin: string; unitPriceFen: number; category: ProductCategory }[];
  totalFen: number;
  dutyFreeFen: number;
  taxableFen: number;
  quotaYear: number;
  mustDepartBy?: string;
  soldAt: string;
  txId: string;
}

/** A second-line exit (one release list). */
export interface ExitRecord {
  releaseListNo: string;
  enterprise: string;
  port: string;
  batch: boolean;
  period: string;
  items: { sgtin: string; exitValueFen: number; tariffExempt: boolean; valueAddedBp?: number; regime: Regime }[];
  /** Cases and pallets that left whole (absent when none), each declared per product line of its contents. */
  containers?: ExitContainerLine[];
  creditClass: string;
  /**
   * Why `creditClass` is KEY_ATTENTION when the discrepancy rule made it so (domain/credit.ts), not customs' record:
   * the rule and the discrepancies that reached it. Absent otherwise.
   */
  creditBasis?: {
    source: 'DISCREPANCIES';
    rule: { count: number; windowDays: number };
    discrepancies: DiscrepancyEntry[];
  };
  inspection: { seedId?: string; rateBp: number };
  /** Risk screening at the exit; absent when no risk rules were in force (the exit then has only the random draw). */
  screening?: Screening;
  /** The inspection result customs recorded (RecordInspection); at most one per exit. */
  inspectionResult?: InspectionResult;
  /** Where and when the release list passed a second-line gate (customs:ReleaseAtGate); at most once. */
  gateRelease?: { gate: string; releasedAt: string; releasedBy: string; txId: string };
  declarationNo?: string;
  exitedAt: string;
  txId: string;
}

/** A case or pallet on an exit: its declared value and the book lines (GTIN x regime counts) of its contents. */
export interface ExitContainerLine {
  id: string;
  exitValueFen: number;
  /** Where it left from (its book lines were posted off there). */
  location: string;
  lines: ContainerLine[];
}

/** A consolidated monthly declaration of batch exits. */
export interface DeclarationRecord {
  declarationNo: string;
  enterprise: string;
  period: string;
  releaseLists: string[];
  declaredAt: string;
  txId: string;
}

/** A processing (transformation) record; its id serves as the cumulative code of its outputs. */
export interface ProcessingRecord {
  processingId: string;
  processor: string;
  location: string;
  inputs: string[];
  outputs: string[];
  importedMaterialsFen: number;
  outputValueFen: number;
  valueAddedBp: number;
  usedCumulativeCode: boolean;
  processedAt: string;
  txId: string;
}

/** A stocktake attestation. */
export interface StocktakeRecord {
  stocktakeId: string;
  enterprise: string;
  location: string;
  counts: { matched: number; missing: number; unexpected: number };
  merkleRoot: string;
  deviceIds: string[];
  closedAt: string;
  txId: string;
}

/** An inspection seed commitment (and later its reveal). */
export interface SeedRecord {
  seedId: string;
  commitment: string;
  validFrom: string;
  validTo: string;
  committedAt: string;
  seed?: string;
  revealedAt?: string;
}

export type { KeyAttentionReason };

/** An EPCIS event that is no customs step, anchored on the chain by its CBV 2.0 event hash id. */
export interface ObservationRecord {
  eventId: string;
  eventHash: string;
  type: string;
  bizStep: string | null;
  eventTime: string;
  /** The SGTINs whose chains carry it. */
  items: string[];
  capturedBy: { mspId: string; enterpriseId: string | null };
  recordedAt: string;
  txId: string;
}

/** A transaction on an item's chain that left the item unchanged, with the positions of its events naming it. */
export interface ItemNote {
  recordedAt: string;
  events: number[];
}

/** Where an EPCIS event is on the chain (its transaction and position: the key) and who captured it. */
export interface EventRef {
  eventId: string;
  capturedBy: { mspId: string; enterpriseId: string | null };
}

/** An event declared erroneous: who declared it, when, why, and which events correct it. */
export interface ErrorMark {
  eventId: string;
  /** The transaction and position of the declared event. */
  txId: string;
  index: number;
  declaredBy: { mspId: string; enterpriseId: string | null };
  declarationTime: string;
  reason: string | null;
  correctiveEventIds: string[];
  recordedAt: string;
  declarationTxId: string;
}
