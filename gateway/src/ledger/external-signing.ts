/**
 * Bring-your-own-key signing, the gateway's side: the signatures an enterprise returns for the digests of its
 * proposal and of its endorsed transaction are checked against its certificate before anything is sent to the
 * ledger, so a wrong one is refused at once with `SIGNATURE_INVALID` instead of travelling to the peer (which would
 * refuse it too, with an identity error that does not say which signature was wrong). The rule itself — ECDSA P-256
 * over the digest, DER, low-S — is the signing package's, shared with the command the enterprise signs with.
 */
export { verifyDigestSignature } from '@hainan/signer';
