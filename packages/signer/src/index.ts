/**
 * Signing for the gateway's bring-your-own-key flow (issue 13): an enterprise that keeps its own key receives the
 * SHA-256 digest of a Fabric proposal, then of the endorsed transaction, and answers each with a signature made with
 * that key; the gateway never sees it.
 *
 * The signature is what Fabric checks for every creator: ECDSA over the digest (P-256, the curve Fabric CA issues),
 * DER-encoded, with S in the lower half of the group order (Fabric refuses high-S signatures to stop malleability).
 * It is made by @noble/curves — the library the official Fabric client's own private-key signer uses — with
 * RFC 6979 deterministic nonces, so a digest signed here gives byte for byte the signature that signer gives.
 */
import { createPrivateKey, KeyObject, X509Certificate } from 'node:crypto';
import { p256 } from '@noble/curves/nist';

/** Length of a SHA-256 digest, in bytes. */
export const DIGEST_BYTES = 32;

/** Why a key or a digest cannot be used, with a stable code. */
export class SigningError extends Error {
  constructor(
    readonly code: 'KEY_UNREADABLE' | 'KEY_NOT_P256' | 'DIGEST_INVALID',
    message: string,
  ) {
    super(message);
    this.name = 'SigningError';
  }
}

/** The private scalar of a P-256 key given as PEM (PKCS#8 or SEC1) or a KeyObject. */
function privateScalar(key: string | Buffer | KeyObject): Uint8Array {
  let object: KeyObject;
  try {
    object = key instanceof KeyObject ? key : createPrivateKey(key);
  } catch (err) {
    throw new SigningError('KEY_UNREADABLE', `the private key cannot be read: ${(err as Error).message}`);
  }
  if (object.type !== 'private' || object.asymmetricKeyType !== 'ec') {
    throw new SigningError('KEY_NOT_P256', 'the key is not an EC private key (Fabric identities use ECDSA P-256)');
  }
  const jwk = object.export({ format: 'jwk' });
  if (jwk.crv !== 'P-256' || typeof jwk.d !== 'string') {
    throw new SigningError('KEY_NOT_P256', `the key is on curve ${String(jwk.crv)}, not P-256`);
  }
  return Buffer.from(jwk.d, 'base64url');
}

/**
 * Sign one digest of the flow.
 *
 * @param key - The enterprise's private key (PEM or KeyObject).
 * @param digest - The 32-byte digest the gateway returned (proposal or transaction).
 * @returns The DER signature, low-S.
 * @throws SigningError when the key is not a P-256 private key or the digest is not 32 bytes.
 */
export function signDigest(key: string | Buffer | KeyObject, digest: Uint8Array): Uint8Array {
  if (digest.length !== DIGEST_BYTES) {
    throw new SigningError('DIGEST_INVALID', `a digest is ${DIGEST_BYTES} bytes (SHA-256), got ${digest.length}`);
  }
  const scalar = privateScalar(key);
  try {
    return p256.sign(digest, scalar, { lowS: true, prehash: false }).toDERRawBytes();
  } finally {
    scalar.fill(0);
  }
}

/** The uncompressed P-256 point of a public key (from a certificate or a key object); undefined for another curve. */
function publicPoint(key: KeyObject): Uint8Array | undefined {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string')
    return undefined;
  return Buffer.concat([Buffer.from([0x04]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
}

/**
 * Whether `signature` is a valid Fabric signature of `digest` by the holder of `certificate`: ECDSA P-256 over the
 * digest as given, DER, low-S — the check a peer makes, done by the gateway before it sends anything.
 *
 * @param certificate - PEM certificate (or its public key).
 * @param digest - The 32-byte digest that was handed out.
 * @param signature - What came back.
 */
export function verifyDigestSignature(
  certificate: string | Buffer | KeyObject,
  digest: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (digest.length !== DIGEST_BYTES || signature.length > 72) return false;
  try {
    const key = certificate instanceof KeyObject ? certificate : new X509Certificate(certificate).publicKey;
    const point = publicPoint(key);
    return point !== undefined && p256.verify(signature, digest, point, { prehash: false, lowS: true, format: 'der' });
  } catch {
    return false;
  }
}
