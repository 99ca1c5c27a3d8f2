/**
 * Repository port: Bring-your-own-key signing sessions. The row types live here with the interface; adapters/pg
 * implements it.
 */

/** Where a session is. */
export type SigningState = 'proposed' | 'endorsed' | 'committed' | 'failed';

/** One session. */
export interface SigningSession {
  readonly id: string;
  readonly apiKeyId: string;
  readonly enterpriseId: string;
  readonly mspId: string;
  /** `contract:Transaction`. */
  readonly fn: string;
  readonly transactionId: string;
  readonly state: SigningState;
  readonly proposal: Buffer;
  readonly proposalDigest: Buffer;
  readonly endorsed: Buffer | undefined;
  readonly endorsedDigest: Buffer | undefined;
  readonly result: unknown;
  readonly blockNumber: string | undefined;
  readonly errorCode: string | undefined;
  readonly error: string | undefined;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  /** The capture chunk this session signs, when the capture job opened it. */
  readonly chunk: CaptureChunkRef | undefined;
}

/** A chunk of a capture. */
export interface CaptureChunkRef {
  readonly captureId: string;
  readonly seq: number;
}

/** A session to store. */
export type NewSigningSession = Pick<
  SigningSession,
  | 'id'
  | 'apiKeyId'
  | 'enterpriseId'
  | 'mspId'
  | 'fn'
  | 'transactionId'
  | 'proposal'
  | 'proposalDigest'
  | 'expiresAt'
  | 'chunk'
>;

/** Repository of signing sessions. */
export interface SigningSessionsRepository {
  insert(session: NewSigningSession): Promise<void>;
  find(id: string): Promise<SigningSession | undefined>;
  /** The newest session of each chunk of a capture, by chunk seq. */
  latestOfCapture(captureId: string): Promise<Map<number, SigningSession>>;
  /** proposed → endorsed, with the chaincode's answer; false when the session was not `proposed` any more. */
  markEndorsed(id: string, endorsed: Uint8Array, digest: Uint8Array, result: unknown): Promise<boolean>;
  /** endorsed → committed; false when the session was not `endorsed` any more. */
  markCommitted(id: string, blockNumber: bigint): Promise<boolean>;
  /** proposed/endorsed → failed. */
  markFailed(id: string, code: string, message: string): Promise<void>;
}
