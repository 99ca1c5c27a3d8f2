/**
 * Sentences a user can act on for the ledger failures that only an administrator can fix: the peer refusing the
 * signing identity (its MSP not in the channel, a revoked certificate, not a reader) and ledger settings that name a
 * channel or chaincode the peer does not know. The peer's own text says "creator org unknown"; the sentence says
 * which identity, which MSP, and what to change. The peer's text stays in `cause`, for the logs.
 */
import { X509Certificate } from 'node:crypto';
import { LedgerError, LedgerErrorCode } from './errors';

/** Who signs and where: what the sentence names. */
export interface SigningContext {
  readonly mspId: string;
  /** The signing certificate (PEM or DER), to name the identity by its subject's common name. */
  readonly certificate?: string | Uint8Array;
  readonly channel: string;
  readonly chaincode: string;
}

/**
 * The identity's name for a sentence: the certificate subject's CN, else its whole subject, else "of MSP <id>".
 *
 * @param context - The signing context.
 * @returns e.g. `enterprise-admin`.
 */
export function identityName(context: Pick<SigningContext, 'certificate' | 'mspId'>): string {
  if (context.certificate === undefined) return `(certificate of ${context.mspId})`;
  try {
    const subject = new X509Certificate(Buffer.from(context.certificate)).subject;
    return /^CN=(.*)$/m.exec(subject)?.[1] ?? subject.replace(/\n/g, ', ');
  } catch {
    return `(certificate of ${context.mspId})`;
  }
}

/**
 * Rewrite an identity refusal or a settings mismatch as a sentence naming what to fix; any other error is returned
 * unchanged.
 *
 * @param err - The adapter's error.
 * @param context - Who signed, on which channel and chaincode.
 * @returns The explained error (same code, kind and retryability; `explained` set; `cause` kept).
 */
export function explainLedgerError(err: LedgerError, context: Readonly<SigningContext>): LedgerError {
  if (err.explained === true) return err;
  const sentence = sentenceFor(err, context);
  if (sentence === undefined) return err;
  return new LedgerError({
    code: err.code,
    kind: err.kind,
    retryable: err.retryable,
    message: sentence,
    cause: err.cause,
    explained: true,
    ...(err.transactionId === undefined ? {} : { transactionId: err.transactionId }),
    ...(err.grpcCode === undefined ? {} : { grpcCode: err.grpcCode }),
    ...(err.identityRefusal === undefined ? {} : { identityRefusal: err.identityRefusal }),
  });
}

function sentenceFor(err: LedgerError, context: Readonly<SigningContext>): string | undefined {
  const { mspId, channel, chaincode } = context;
  const who = identityName(context);
  if (err.code === LedgerErrorCode.IDENTITY_REFUSED) {
    switch (err.identityRefusal) {
      case 'msp-unknown':
        return (
          `the channel ${channel} does not know MSP ${mspId} (identity ${who}): add it to Application.Organizations ` +
          `of the channel, or give the gateway an identity issued by ${mspId}'s CA`
        );
      case 'signature-refused':
        return `the peer refused identity ${who} of MSP ${mspId}: its certificate is revoked or expired, or its private key does not match it`;
      case 'not-reader':
        return `identity ${who} of MSP ${mspId} is not a reader of channel ${channel}: the channel's Readers policy must include ${mspId}`;
      default:
        return `the peer refused identity ${who} of MSP ${mspId} on channel ${channel}`;
    }
  }
  if (err.code === LedgerErrorCode.LEDGER_MISCONFIGURED) {
    // The peer's words for an unknown channel (evaluate, events); anything else here is an unknown chaincode.
    const peerText = `${err.cause instanceof Error ? err.cause.message : ''} ${err.message}`;
    if (/failed to get config for channel|Failed to get policy manager for channel/.test(peerText)) {
      return `the peer does not know channel ${channel}: correct the channel in the gateway's ledger settings (connection profile)`;
    }
    return (
      `the peer knows no chaincode ${chaincode} on channel ${channel}: correct the chaincode in the gateway's ledger ` +
      `settings, or commit the chaincode's definition on the channel`
    );
  }
  return undefined;
}
