/**
 * Repository port: Anomalies: items missed by stocktakes and steps the ledger refused. The row types live here with
 * the interface; adapters/pg implements it.
 */

/** A closed stocktake whose report lists the item as missing. */
export interface StocktakeMiss {
  readonly stocktakeId: string;
  readonly enterprise: string;
  readonly location: string;
  readonly closedAt: Date;
  /** The goods:AttestStocktake transaction. */
  readonly txId: string;
}

/** A capture chunk the chaincode refused, which named the item. */
export interface RefusedStep {
  readonly captureId: string;
  readonly seq: number;
  /** The chaincode function, e.g. `goods:Receive`. */
  readonly fn: string;
  /** The chaincode's stable code, e.g. `INVALID_TRANSITION`. */
  readonly code: string | null;
  readonly message: string | null;
  readonly receivedAt: Date;
}

/** Repository of an item's anomalies. */
export interface AnomaliesRepository {
  /**
   * Closed stocktakes of enterprises that held the item whose report lists it as missing, oldest first.
   *
   * @param enterpriseId - Only this enterprise's stocktakes; null for all (customs).
   */
  missedAtStocktakes(sgtin: string, enterpriseId: string | null, limit: number): Promise<StocktakeMiss[]>;
  /**
   * Refused capture chunks that name the item by one of `ids` (its SGTIN, its 16-digit code), oldest first.
   *
   * @param enterpriseId - Only this enterprise's captures; null for all (customs).
   */
  refusedSteps(ids: readonly string[], enterpriseId: string | null, limit: number): Promise<RefusedStep[]>;
}
