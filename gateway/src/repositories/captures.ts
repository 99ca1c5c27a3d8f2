/**
 * Repository port: EPCIS captures and their chunks: acceptance, progress and the outcome of each chunk. The row types
 * live here with the interface; adapters/pg implements it.
 */

/** Life of a capture. */
export type CaptureState = 'accepted' | 'processing' | 'done' | 'parked';

/** Who sent a capture (the ledger identity its chunks are signed with). */
export interface CaptureOwner {
  readonly mspId: string;
  readonly enterpriseId: string | null;
  readonly apiKeyId: string;
}

/** A capture to store. */
export interface NewCapture {
  readonly id: string;
  readonly owner: CaptureOwner;
  /** Event ids in document order (duplicates within the document already removed). */
  readonly eventIds: readonly string[];
  readonly itemCount: number;
  /** GTINs declared by the capture's entry events. */
  readonly declaredGtins: readonly string[];
  /** Company-prefix length (digits) of declared GTINs, as the entries' SGTIN URNs split them (for Digital Links). */
  readonly companyPrefixDigits?: Readonly<Record<string, number>>;
  /**
   * Build the chunks from the events this capture owns (an event already owned by an earlier capture is left out:
   * re-posting an event changes nothing).
   */
  readonly chunksFor: (ownedSeqs: ReadonlySet<number>) => readonly NewChunk[];
}

/** A chunk to store. */
export interface NewChunk {
  readonly seq: number;
  readonly wave: number;
  readonly fn: string;
  readonly request: Readonly<Record<string, unknown>>;
  readonly itemCount: number;
  readonly eventSeqs: readonly number[];
}

/** A stored chunk. */
export interface ChunkRow extends NewChunk {
  readonly state: 'pending' | 'committed' | 'refused';
  readonly txId: string | null;
  readonly errorCode: string | null;
  readonly error: string | null;
}

/** A stored capture. */
export interface CaptureRow {
  readonly id: string;
  readonly owner: CaptureOwner;
  readonly state: CaptureState;
  readonly receivedAt: Date;
  readonly updatedAt: Date;
  readonly eventCount: number;
  readonly itemCount: number;
  readonly duplicates: readonly { eventID: string; captureId: string }[];
  readonly parkReason: string | null;
  /** Consecutive waits for the ledger (or the database) since the capture last made progress; 0 when not waiting. */
  readonly waits: number;
  /** What the capture waits for, while it waits. */
  readonly waitReason: string | null;
  readonly waitingSince: Date | null;
  readonly retryAt: Date | null;
}

/** Where a page of unfinished captures ends: arrival time (as PostgreSQL's exact text, microseconds kept) and id. */
export interface UnfinishedCursor {
  readonly receivedAt: string;
  readonly id: string;
}

/** A page of unfinished captures for the resume sweep: keyset by arrival. */
export interface UnfinishedPage {
  readonly captures: readonly { id: string; state: CaptureState; updatedAt: Date }[];
  /** Pass back as `after` for the next page; undefined on the last page. */
  readonly next: UnfinishedCursor | undefined;
}

/** Repository of captures. */
export interface CapturesRepository {
  /**
   * Store a capture with its events and chunks, unless a capture with that id exists (a re-posted document).
   *
   * @returns Whether it was created.
   */
  insert(capture: NewCapture): Promise<{ created: boolean }>;
  find(id: string): Promise<CaptureRow | undefined>;
  /**
   * Event ids of a capture, indexed by their position in the capture (`seq`). An event an earlier capture of the same
   * owner already owns is not stored with this one: its position is a hole (it is listed in `duplicates`).
   */
  eventIds(id: string): Promise<string[]>;
  chunks(id: string): Promise<ChunkRow[]>;
  /** GTINs out of `gtins` that an accepted entry or the projection knows. */
  knownGtins(gtins: readonly string[]): Promise<Set<string>>;
  /** Company-prefix lengths on record for `gtins`: an accepted entry's, and one projected item's. */
  companyPrefixDigits(gtins: readonly string[]): Promise<Map<string, Set<number>>>;
  markChunk(
    id: string,
    seq: number,
    outcome: { state: 'committed'; txId: string } | { state: 'refused'; code: string; message: string },
  ): Promise<void>;
  setState(id: string, state: CaptureState, parkReason?: string): Promise<void>;
  /**
   * Record one more wait for something outside the capture (the ledger is unreachable, ...).
   *
   * @returns The number of consecutive waits, this one included (the job's backoff grows with it).
   */
  recordWait(id: string, reason: string, retryAt: Date): Promise<number>;
  /** The capture makes progress again: forget its waits. */
  clearWaits(id: string): Promise<void>;
  /**
   * Captures not finished (accepted, processing or parked), oldest first, `limit` at most per page, for the resume
   * sweep.
   */
  unfinished(limit: number, after?: UnfinishedCursor): Promise<UnfinishedPage>;
}
