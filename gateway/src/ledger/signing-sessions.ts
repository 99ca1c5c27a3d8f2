/**
 * Bring-your-own-key transactions as sessions (issue 13 Must 4). A step route called by an enterprise whose key the
 * gateway does not hold answers 202 with a session instead of submitting:
 *
 * 1. `proposed`: the gateway prepared the proposal for the enterprise's certificate; the enterprise signs `digest`
 *    (e.g. `hainan-sign --key key.pem <digest>`) and posts the signature to `/v1/signing-sessions/{id}/signatures`;
 * 2. `endorsed`: the gateway checked the signature, had the proposal endorsed, and hands out the endorsed
 *    transaction's digest (and the chaincode's answer); the enterprise signs it and posts it the same way;
 * 3. `committed` (the chaincode's answer, the block) or `failed` (the ledger's code).
 *
 * Each signature is checked against the enterprise's certificate before anything is sent (`SIGNATURE_INVALID`).
 * A ledger outage leaves the session where it was: posting the same signature again goes on. A chaincode refusal at
 * endorsement or an invalid commit (a read conflict) ends it `failed`; the enterprise starts again with a new request.
 */
import { randomUUID } from 'node:crypto';
import { LedgerError, type CertificateIdentity, type OfflineSigning } from '../adapters/fabric';
import type { CapturesRepository } from '../repositories/captures';
import type { CaptureChunkRef, SigningSession, SigningSessionsRepository } from '../repositories/signing-sessions';
import type { Principal } from '../domain/principal';
import { newProblem } from '../errors';
import type { LedgerCaller } from '../ports';
// Fabric's signature rule, shared with the command the enterprise signs with.
import { verifyDigestSignature } from '@hainan/signer';

/** How long a prepared transaction waits for its signatures. */
export const SIGNING_SESSION_TTL_MS = 15 * 60_000;

/** Where the certificates of enterprises that keep their keys are found (the identity store's `external` rows). */
export interface ExternalIdentities {
  /** The caller's own certificate when it keeps its key; undefined otherwise. */
  find(caller: LedgerCaller): Promise<CertificateIdentity | undefined>;
}

/** What the sessions need. */
export interface ExternalSigning {
  readonly offline: OfflineSigning;
  readonly identities: ExternalIdentities;
  readonly sessions: SigningSessionsRepository;
  /** Where a session that signs a capture chunk records the chunk's outcome (absent: no capture sessions). */
  readonly captures?: Pick<CapturesRepository, 'markChunk'>;
}

/** Who a session is for: the API key that asked and its enterprise. */
export interface SessionOwner {
  readonly keyId: string;
  readonly enterpriseId: string | null;
  readonly mspId: string;
}

/** A session as the API shows it. */
export interface SigningSessionView {
  readonly id: string;
  readonly state: SigningSession['state'];
  readonly fn: string;
  readonly transactionId: string;
  readonly expiresAt: string;
  /** What to sign next, while there is something to sign. */
  readonly sign?: { readonly what: 'proposal' | 'transaction'; readonly digest: string };
  /** The chaincode's answer (from the endorsement). */
  readonly result?: unknown;
  readonly blockNumber?: string;
  readonly error?: { readonly code: string; readonly message: string };
  /** Where to post the next signature (and to read the session). */
  readonly next: string;
}

/** The URL of a session. */
export function sessionUrl(id: string): string {
  return `/v1/signing-sessions/${id}`;
}

/** The API's view of a session. */
export function viewOf(session: SigningSession): SigningSessionView {
  const sign =
    session.state === 'proposed'
      ? { what: 'proposal' as const, digest: session.proposalDigest.toString('base64') }
      : session.state === 'endorsed' && session.endorsedDigest
        ? { what: 'transaction' as const, digest: session.endorsedDigest.toString('base64') }
        : undefined;
  return {
    id: session.id,
    state: session.state,
    fn: session.fn,
    transactionId: session.transactionId,
    expiresAt: session.expiresAt.toISOString(),
    ...(sign === undefined ? {} : { sign }),
    ...(session.state === 'endorsed' || session.state === 'committed' ? { result: session.result } : {}),
    ...(session.blockNumber === undefined ? {} : { blockNumber: session.blockNumber }),
    ...(session.errorCode === undefined ? {} : { error: { code: session.errorCode, message: session.error ?? '' } }),
    next:
      session.state === 'proposed' || session.state === 'endorsed'
        ? `${sessionUrl(session.id)}/signatures`
        : sessionUrl(session.id),
  };
}

/** One chaincode transaction to prepare. */
export interface SessionCall {
  readonly contract: string;
  readonly transaction: string;
  readonly args: readonly string[];
  readonly transientData?: Readonly<Record<string, string>>;
}

function resultOf(bytes: Uint8Array): unknown {
  const text = Buffer.from(bytes).toString('utf8');
  if (text.length === 0) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { text };
  }
}

/**
 * Prepare `call` for the caller to sign.
 *
 * @param signing - Offline flow, certificates, sessions.
 * @param owner - An enterprise that keeps its key (the request's principal, or a capture's sender).
 * @param call - The transaction.
 * @param chunk - The capture chunk the transaction is, when the capture job asks.
 * @returns The new session, with the proposal digest to sign.
 * @throws ProblemError LEDGER_IDENTITY_MISSING when the caller has no certificate of its own.
 */
export async function startSigningSession(
  signing: ExternalSigning,
  owner: SessionOwner,
  call: SessionCall,
  chunk?: CaptureChunkRef,
): Promise<SigningSessionView> {
  const identity = await signing.identities.find(owner);
  if (identity === undefined || owner.enterpriseId === null) {
    throw newProblem(
      'LEDGER_IDENTITY_MISSING',
      `enterprise ${owner.enterpriseId ?? '(none)'} has no certificate of its own to sign with`,
    );
  }
  const prepared = signing.offline.prepare(identity, call.contract, call.transaction, call.args, call.transientData);
  const session = {
    id: randomUUID(),
    apiKeyId: owner.keyId,
    enterpriseId: owner.enterpriseId,
    mspId: identity.mspId,
    fn: `${call.contract}:${call.transaction}`,
    transactionId: prepared.transactionId,
    proposal: Buffer.from(prepared.bytes),
    proposalDigest: Buffer.from(prepared.digest),
    expiresAt: new Date(Date.now() + SIGNING_SESSION_TTL_MS),
    chunk,
  };
  await signing.sessions.insert(session);
  return viewOf({
    ...session,
    state: 'proposed',
    endorsed: undefined,
    endorsedDigest: undefined,
    result: undefined,
    blockNumber: undefined,
    errorCode: undefined,
    error: undefined,
    createdAt: new Date(),
  });
}

/**
 * The caller's session (customs may read every one).
 *
 * @throws ProblemError NOT_FOUND for an unknown session or another enterprise's (the same answer: nothing is told).
 */
export async function findSigningSession(
  signing: ExternalSigning,
  principal: Principal,
  id: string,
): Promise<SigningSession> {
  const session = await signing.sessions.find(id);
  if (!session || (principal.role !== 'customs' && session.enterpriseId !== principal.enterpriseId)) {
    throw newProblem('NOT_FOUND', `no signing session ${id}`);
  }
  return session;
}

/**
 * Take the next signature of a session: the proposal's (then endorse), or the transaction's (then submit and wait for
 * the commit).
 *
 * @param signing - Offline flow, certificates, sessions.
 * @param principal - The enterprise whose session it is.
 * @param id - Session id.
 * @param signature - DER ECDSA signature of the digest handed out.
 * @returns The session after the step.
 * @throws ProblemError NOT_FOUND, SIGNING_SESSION_EXPIRED, SIGNING_SESSION_FINISHED, SIGNATURE_INVALID; the ledger's
 *   errors (a chaincode refusal ends the session `failed`, an outage leaves it as it was).
 */
export async function signSigningSession(
  signing: ExternalSigning,
  principal: Principal,
  id: string,
  signature: Uint8Array,
): Promise<SigningSessionView> {
  const session = await findSigningSession(signing, principal, id);
  if (session.enterpriseId !== principal.enterpriseId) throw newProblem('NOT_FOUND', `no signing session ${id}`);
  if (session.state === 'committed' || session.state === 'failed') {
    throw newProblem('SIGNING_SESSION_FINISHED', `signing session ${id} is ${session.state}; nothing more to sign`);
  }
  if (session.expiresAt.getTime() < Date.now()) {
    throw newProblem(
      'SIGNING_SESSION_EXPIRED',
      `signing session ${id} expired at ${session.expiresAt.toISOString()}; send the request again`,
    );
  }
  const identity = await signing.identities.find(principal);
  if (identity === undefined)
    throw newProblem(
      'LEDGER_IDENTITY_MISSING',
      `enterprise ${session.enterpriseId} has no certificate of its own to sign with`,
    );

  const failOn = async (err: unknown): Promise<never> => {
    // A business refusal or an invalid transaction ends the session; an outage leaves it to be signed again.
    if (
      err instanceof LedgerError &&
      (err.kind === 'chaincode' || err.kind === 'identity' || err.code === 'LEDGER_TRANSACTION_INVALID')
    ) {
      await signing.sessions.markFailed(id, err.code, err.message);
      // A chaincode refusal is final for a capture chunk too (anything else: the capture job opens a new session).
      if (session.chunk && err.kind === 'chaincode' && signing.captures) {
        await signing.captures.markChunk(session.chunk.captureId, session.chunk.seq, {
          state: 'refused',
          code: err.code,
          message: err.message,
        });
      }
    }
    throw err;
  };

  if (session.state === 'proposed') {
    if (!verifyDigestSignature(identity.certPem, session.proposalDigest, signature)) {
      throw newProblem(
        'SIGNATURE_INVALID',
        `the signature is not ${session.enterpriseId}'s signature of the proposal digest of session ${id}`,
        { extensions: { what: 'proposal' } },
      );
    }
    const endorsed = await signing.offline.endorse(identity, session.proposal, signature).catch(failOn);
    await signing.sessions.markEndorsed(id, endorsed.bytes, endorsed.digest, resultOf(endorsed.result));
  } else {
    if (
      !session.endorsed ||
      !session.endorsedDigest ||
      !verifyDigestSignature(identity.certPem, session.endorsedDigest, signature)
    ) {
      throw newProblem(
        'SIGNATURE_INVALID',
        `the signature is not ${session.enterpriseId}'s signature of the transaction digest of session ${id}`,
        { extensions: { what: 'transaction' } },
      );
    }
    const outcome = await signing.offline.submit(identity, session.endorsed, signature).catch(failOn);
    if (outcome.successful) {
      await signing.sessions.markCommitted(id, outcome.blockNumber);
      if (session.chunk && signing.captures) {
        await signing.captures.markChunk(session.chunk.captureId, session.chunk.seq, {
          state: 'committed',
          txId: outcome.transactionId,
        });
      }
    } else {
      const code = outcome.code === 11 || outcome.code === 12 ? 'LEDGER_CONFLICT' : 'LEDGER_TRANSACTION_INVALID';
      await signing.sessions.markFailed(
        id,
        code,
        `transaction ${outcome.transactionId} was committed as invalid (validation code ${outcome.code}) in block ${outcome.blockNumber}; send the request again`,
      );
    }
  }
  return viewOf((await signing.sessions.find(id))!);
}
