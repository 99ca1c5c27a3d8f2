/**
 * Repository port: enterprises' requests to customs and customs' answers (一呼一应), as the projection of the chain
 * holds them (table `customs_requests`, written by the projection's batch). Read side only; adapters/pg implements it.
 */

/** A request as read back. */
export interface RequestRow {
  readonly requestId: string;
  readonly enterprise: string;
  readonly kind: string;
  /** OPEN, ACCEPTED, REFUSED or DONE. */
  readonly status: string;
  readonly filedAt: Date;
  readonly dueAt: Date;
  readonly answeredAt: Date | null;
  readonly closedAt: Date | null;
  /** The last transaction that changed the request. */
  readonly lastTxId: string;
  /** The chaincode's request record, whole (detail, answers with their times and slots). */
  readonly record: Record<string, unknown>;
}

/** Where a page of requests ends, in filing order: the keyset of `GET /v1/requests` pages. */
export interface RequestKey {
  readonly filedAt: Date;
  readonly requestId: string;
}

/** Which requests to list. */
export interface RequestFilter {
  /** Only this enterprise's requests; undefined: all (customs). */
  readonly enterprise?: string;
  /** Only these statuses; undefined: all. */
  readonly statuses?: readonly string[];
  /** Only OPEN requests due before this instant (overdue at it). */
  readonly overdueAt?: Date;
  /** Resume after this request. */
  readonly after?: RequestKey;
  readonly limit: number;
}

/** Repository of the projected requests. */
export interface RequestsRepository {
  /** Requests in filing order (oldest first), at most `limit`. */
  list(filter: RequestFilter): Promise<RequestRow[]>;
  find(requestId: string): Promise<RequestRow | undefined>;
}
