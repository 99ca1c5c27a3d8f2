/**
 * Suspension of an enterprise by customs: the decisions (suspend, reinstate) and the one question every access check
 * asks (is this suspension in effect for this transaction?). Pure rules on plain records; the contract loads the
 * record, calls these, and commits what they return.
 *
 * A suspension has an effective time: immediate (the default), or scheduled up to {@link SUSPENSION_AHEAD_MAX_MS}
 * ahead so that customs can announce it. Reinstatement ends it (or cancels a scheduled one); the record keeps every
 * step in `history`, and the key's ledger history keeps every version.
 */
import { ChaincodeError, ErrorCode, newInvalidArgument, parseInstant } from '@hainan/ledger-model';

/** How far before the transaction time an effective time may lie: client clocks drift, but a back-dated suspension
 * would claim to have refused transactions the chain already accepted. */
export const SUSPENSION_BACKDATE_MAX_MS = 5 * 60_000;
/** How far ahead a suspension may be scheduled (one year and a day): beyond that customs decides again. */
export const SUSPENSION_AHEAD_MAX_MS = 366 * 86_400_000;
/** Most history entries kept on the record (the oldest dropped first; the key history keeps them all). */
export const SUSPENSION_HISTORY_MAX = 100;

/** One step in an enterprise's suspension history. */
export interface SuspensionStep {
  action: 'SUSPEND' | 'REINSTATE';
  reason: string;
  /** SUSPEND: when it takes effect; REINSTATE: the transaction time. */
  effectiveAt: string;
  recordedAt: string;
  by: string;
  txId: string;
}

/** The suspension record of one enterprise (`susp~<enterprise>`). */
export interface SuspensionRecord {
  enterprise: string;
  status: 'SUSPENDED' | 'REINSTATED';
  /** Reason of the last suspension. */
  reason: string;
  /** When the last suspension takes (took) effect, ISO-8601 UTC. */
  effectiveAt: string;
  /** Transaction time of the last suspension. */
  recordedAt: string;
  by: string;
  txId: string;
  /** Set while REINSTATED: the reinstatement that ended the last suspension. */
  reinstated?: { at: string; by: string; txId: string; reason: string };
  /** Every suspension and reinstatement, oldest first (bounded by {@link SUSPENSION_HISTORY_MAX}). */
  history: SuspensionStep[];
}

/** The transaction deciding: its time, the caller's id and the transaction id. */
export interface SuspensionTx {
  iso: string;
  ms: number;
  by: string;
  txId: string;
}

function withStep(history: readonly SuspensionStep[], step: SuspensionStep): SuspensionStep[] {
  return [...history, step].slice(-SUSPENSION_HISTORY_MAX);
}

/**
 * Suspends an enterprise, or refuses: ALREADY_SUSPENDED while a suspension stands (in effect or scheduled),
 * INVALID_ARGUMENT for an effective time outside [tx − 5 min, tx + 366 days].
 *
 * @param prev the enterprise's record, if it was ever suspended
 * @param enterprise the enterprise id (already known to be registered)
 * @param reason why, for the enterprise and the audit
 * @param effectiveAtRaw the requested effective time (ISO-8601 with offset), or undefined for now
 * @param tx the deciding transaction
 */
export function decideSuspension(
  prev: SuspensionRecord | undefined,
  enterprise: string,
  reason: string,
  effectiveAtRaw: string | undefined,
  tx: SuspensionTx,
): SuspensionRecord {
  if (prev?.status === 'SUSPENDED') {
    throw new ChaincodeError(
      ErrorCode.ALREADY_SUSPENDED,
      `enterprise ${enterprise} is already suspended (effective ${prev.effectiveAt}, transaction ${prev.txId}); reinstate it first`,
    );
  }
  const effectiveMs = effectiveAtRaw === undefined ? tx.ms : parseInstant(effectiveAtRaw);
  if (effectiveMs < tx.ms - SUSPENSION_BACKDATE_MAX_MS)
    throw newInvalidArgument(`effectiveAt ${effectiveAtRaw} lies before the transaction time ${tx.iso}`);
  if (effectiveMs > tx.ms + SUSPENSION_AHEAD_MAX_MS)
    throw newInvalidArgument(`effectiveAt ${effectiveAtRaw} lies more than 366 days ahead`);
  const effectiveAt = new Date(effectiveMs).toISOString();
  return {
    enterprise,
    status: 'SUSPENDED',
    reason,
    effectiveAt,
    recordedAt: tx.iso,
    by: tx.by,
    txId: tx.txId,
    history: withStep(prev?.history ?? [], {
      action: 'SUSPEND',
      reason,
      effectiveAt,
      recordedAt: tx.iso,
      by: tx.by,
      txId: tx.txId,
    }),
  };
}

/**
 * Reinstates a suspended enterprise (also cancels a suspension not yet in effect), or refuses with NOT_SUSPENDED.
 */
export function decideReinstatement(
  prev: SuspensionRecord | undefined,
  enterprise: string,
  reason: string,
  tx: SuspensionTx,
): SuspensionRecord {
  if (prev?.status !== 'SUSPENDED') {
    throw new ChaincodeError(ErrorCode.NOT_SUSPENDED, `enterprise ${enterprise} is not suspended`);
  }
  return {
    ...prev,
    status: 'REINSTATED',
    reinstated: { at: tx.iso, by: tx.by, txId: tx.txId, reason },
    history: withStep(prev.history, {
      action: 'REINSTATE',
      reason,
      effectiveAt: tx.iso,
      recordedAt: tx.iso,
      by: tx.by,
      txId: tx.txId,
    }),
  };
}

/**
 * Whether a suspension refuses a transaction with proposal time `txMs`.
 *
 * The proposal time is chosen by the client and a Fabric peer does not bound it, so a suspension that took effect
 * when it was recorded (effectiveAt ≤ recordedAt, the default) refuses every later transaction whatever time it
 * claims: a client cannot escape it by back-dating its proposal. A scheduled suspension (effectiveAt after the
 * recording) refuses transactions from its effective time on, judged by the proposal time.
 */
export function suspensionInEffect(record: SuspensionRecord | undefined, txMs: number): boolean {
  if (record?.status !== 'SUSPENDED') return false;
  const effectiveMs = parseInstant(record.effectiveAt);
  return effectiveMs <= parseInstant(record.recordedAt) || txMs >= effectiveMs;
}
