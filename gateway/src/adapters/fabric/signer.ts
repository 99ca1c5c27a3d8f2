/**
 * Fabric request signer on `node:crypto`: ECDSA P-256 over SHA-256, DER-encoded, low-S normalised.
 *
 * Why not the library default: `signers.newPrivateKeySigner()` signs a pre-computed digest with a pure-JS
 * implementation (@noble/curves, RFC 6979), about ten times slower than OpenSSL. `node:crypto` cannot sign a
 * pre-hashed digest with ECDSA, so this signer must receive the whole message; connect with
 * {@link HASH_FOR_NODE_SIGNER} (`hash.none`) so that the client hands it the bytes unchanged, and it hashes
 * them itself with SHA-256 inside `crypto.sign`.
 *
 * Why low-S: Fabric rejects ECDSA signatures whose `s` is above half the curve order (signature malleability),
 * while OpenSSL returns either form at random. We rewrite `s` to `n - s` when needed and re-encode the DER.
 */
import { hash, type Hash, type Signer } from '@hyperledger/fabric-gateway';
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';

/**
 * The `hash` connect option to pair with {@link newNodeCryptoSigner}.
 *
 * It is `hash.none`: the client passes the full bytes to be signed (proposal, transaction payload, commit-status
 * request, chaincode-events request, block-events payload) straight to the signer, which hashes them with SHA-256.
 * Pairing this signer with `hash.sha256` instead would sign SHA-256(SHA-256(message)) and every request would be
 * refused by the peer. Note that `Signable.getDigest()` then returns the message itself, not a digest.
 */
export const HASH_FOR_NODE_SIGNER: Hash = hash.none;

/** OpenSSL's name for NIST P-256, the curve cryptogen and Fabric CA issue client keys on; the only one supported here. */
const P256_CURVE_NAME = 'prime256v1';

/** Size of a P-256 scalar (r, s, n) in bytes. */
const P256_SCALAR_BYTES = 32;

/** Order n of the P-256 base point. */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** n / 2 (floor): a signature is low-S when s <= this, as Fabric's `IsLowS` checks. */
const P256_HALF_ORDER = P256_ORDER >> 1n;

/** n / 2 as 32 big-endian bytes, so the common (already low-S) case is a byte comparison with no BigInt work. */
const P256_HALF_ORDER_BYTES = bigIntToFixedBytes(P256_HALF_ORDER, P256_SCALAR_BYTES);

/** ASN.1 tags used by an ECDSA-Sig-Value: SEQUENCE { INTEGER r, INTEGER s }. */
const ASN1_SEQUENCE = 0x30;
const ASN1_INTEGER = 0x02;

/**
 * Longest DER ECDSA P-256 signature: 2 (SEQUENCE header) + 2 × (2 header + 33 value). Every length in it fits the
 * DER short form (< 128), which the parser below relies on.
 */
const P256_DER_SIGNATURE_MAX_BYTES = 72;

/**
 * Create a Fabric `Signer` that signs with the given P-256 private key using `node:crypto`.
 *
 * Use it together with `hash: HASH_FOR_NODE_SIGNER` in `connect()`; the signer expects the full message, not a
 * digest. Every signature it returns is DER-encoded and low-S, as Fabric requires.
 *
 * @param privateKeyPem - PKCS#8 or SEC1 PEM of a P-256 private key (or an already parsed private `KeyObject`).
 * @returns A signer for the `signer` connect option.
 * @throws Error if the key is not a P-256 private key (a configuration mistake, reported at start-up).
 */
export function newNodeCryptoSigner(privateKeyPem: string | Buffer | KeyObject): Signer {
  const privateKey = toP256PrivateKey(privateKeyPem);
  return (message: Uint8Array): Promise<Uint8Array> => {
    try {
      return Promise.resolve(signP256LowS(message, privateKey));
    } catch (err: unknown) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  };
}

/**
 * Sign `message` with SHA-256 / ECDSA P-256 and return a low-S DER signature.
 *
 * Synchronous on purpose: one signature costs tens of microseconds, less than a hop to the libuv thread pool.
 *
 * @param message - The full bytes to sign (not a digest).
 * @param privateKey - A P-256 private key.
 * @returns The DER-encoded, low-S signature.
 */
export function signP256LowS(message: Uint8Array, privateKey: KeyObject): Uint8Array {
  const der = sign('sha256', message, privateKey);
  return normaliseLowS(der);
}

/**
 * Return `derSignature` with `s` replaced by `n - s` when `s > n/2`; an already low-S signature is returned as is.
 *
 * Both forms verify with the same public key; Fabric only accepts the low one.
 *
 * @param derSignature - A DER ECDSA-Sig-Value for P-256.
 * @returns A DER ECDSA-Sig-Value whose `s` is at most n/2.
 * @throws Error if the input is not a well-formed P-256 DER signature.
 */
export function normaliseLowS(derSignature: Uint8Array): Uint8Array {
  const { r, s } = parseDerSignature(derSignature);
  if (!isHighS(s)) {
    return derSignature;
  }
  const lowS = P256_ORDER - bytesToBigInt(s);
  return encodeDerSignature(r, bigIntToMinimalUnsignedBytes(lowS));
}

/**
 * Whether a DER P-256 signature is low-S (s <= n/2), the form Fabric accepts.
 *
 * @param derSignature - A DER ECDSA-Sig-Value for P-256.
 * @returns True when `s` is at most n/2.
 */
export function isLowSSignature(derSignature: Uint8Array): boolean {
  return !isHighS(parseDerSignature(derSignature).s);
}

/**
 * Split a DER ECDSA-Sig-Value into the unsigned big-endian bytes of `r` and `s` (leading zero bytes removed).
 *
 * @param derSignature - A DER ECDSA-Sig-Value for P-256.
 * @returns Views on `r` and `s` inside `derSignature`.
 * @throws Error if the encoding is not a short-form SEQUENCE of two positive INTEGERs filling the input exactly.
 */
export function parseDerSignature(derSignature: Uint8Array): { r: Uint8Array; s: Uint8Array } {
  const bytes = derSignature;
  if (bytes.length < 8 || bytes.length > P256_DER_SIGNATURE_MAX_BYTES) {
    throw new Error(`Invalid DER signature length: ${bytes.length}`);
  }
  if (bytes[0] !== ASN1_SEQUENCE || bytes[1] !== bytes.length - 2) {
    throw new Error('Invalid DER signature: bad SEQUENCE header');
  }
  const r = readDerInteger(bytes, 2);
  const s = readDerInteger(bytes, r.end);
  if (s.end !== bytes.length) {
    throw new Error('Invalid DER signature: trailing bytes');
  }
  return { r: r.value, s: s.value };
}

/**
 * Encode unsigned big-endian `r` and `s` as a DER ECDSA-Sig-Value.
 *
 * @param r - Unsigned big-endian bytes of r (leading zeros allowed).
 * @param s - Unsigned big-endian bytes of s (leading zeros allowed).
 * @returns The DER encoding.
 */
export function encodeDerSignature(r: Uint8Array, s: Uint8Array): Uint8Array {
  const rInteger = toDerIntegerContent(r);
  const sInteger = toDerIntegerContent(s);
  const contentLength = 2 + rInteger.length + 2 + sInteger.length;
  const result = Buffer.allocUnsafe(2 + contentLength);
  let offset = 0;
  result[offset++] = ASN1_SEQUENCE;
  result[offset++] = contentLength;
  result[offset++] = ASN1_INTEGER;
  result[offset++] = rInteger.length;
  result.set(rInteger, offset);
  offset += rInteger.length;
  result[offset++] = ASN1_INTEGER;
  result[offset++] = sInteger.length;
  result.set(sInteger, offset);
  return result;
}

function toP256PrivateKey(key: string | Buffer | KeyObject): KeyObject {
  const privateKey = typeof key === 'string' || Buffer.isBuffer(key) ? createPrivateKey(key) : key;
  if (privateKey.type !== 'private') {
    throw new Error(`Expected a private key, got a ${privateKey.type} key`);
  }
  const curve = privateKey.asymmetricKeyDetails?.namedCurve;
  if (privateKey.asymmetricKeyType !== 'ec' || curve !== P256_CURVE_NAME) {
    throw new Error(
      `Expected an EC ${P256_CURVE_NAME} (P-256) key, got ${String(privateKey.asymmetricKeyType)} ${String(curve)}`,
    );
  }
  return privateKey;
}

function readDerInteger(bytes: Uint8Array, start: number): { value: Uint8Array; end: number } {
  if (bytes[start] !== ASN1_INTEGER) {
    throw new Error('Invalid DER signature: expected INTEGER');
  }
  const length = bytes[start + 1];
  const valueStart = start + 2;
  if (length === undefined || length === 0 || length > P256_SCALAR_BYTES + 1 || valueStart + length > bytes.length) {
    throw new Error('Invalid DER signature: bad INTEGER length');
  }
  const end = valueStart + length;
  if ((bytes[valueStart] ?? 0) & 0x80) {
    throw new Error('Invalid DER signature: negative INTEGER');
  }
  return { value: stripLeadingZeros(bytes.subarray(valueStart, end)), end };
}

function isHighS(s: Uint8Array): boolean {
  if (s.length !== P256_SCALAR_BYTES) {
    return s.length > P256_SCALAR_BYTES;
  }
  return Buffer.compare(s, P256_HALF_ORDER_BYTES) > 0;
}

function stripLeadingZeros(bytes: Uint8Array): Uint8Array {
  let start = 0;
  // Bounded by the input, itself at most P256_DER_SIGNATURE_MAX_BYTES; keep one byte for the value zero.
  const lastIndex = bytes.length - 1;
  while (start < lastIndex && bytes[start] === 0) {
    start++;
  }
  return bytes.subarray(start);
}

/** Minimal DER INTEGER content for an unsigned value: no redundant zeros, one 0x00 if the top bit is set. */
function toDerIntegerContent(unsigned: Uint8Array): Uint8Array {
  const value = stripLeadingZeros(unsigned);
  if (((value[0] ?? 0) & 0x80) === 0) {
    return value;
  }
  const padded = new Uint8Array(value.length + 1);
  padded.set(value, 1);
  return padded;
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex') || '0'}`);
}

function bigIntToFixedBytes(value: bigint, length: number): Buffer {
  return Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex');
}

function bigIntToMinimalUnsignedBytes(value: bigint): Uint8Array {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
}
