/**
 * ECDSA P-256 signing and verification the way Fabric's BCCSP does it: SHA-256 over the message, DER
 * signatures, and only low-S signatures accepted (Fabric rejects high-S to stop signature malleability).
 */
import { createPrivateKey, createPublicKey, KeyObject, sign, verify } from 'node:crypto';

/** Order of the P-256 group. */
const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
const P256_HALF_N = P256_N >> 1n;

/** Parses a DER ECDSA signature into (r, s); undefined when it is not well-formed DER. */
export function parseDerSignature(der: Uint8Array): { r: bigint; s: bigint } | undefined {
  const b = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  if (b.length < 8 || b[0] !== 0x30 || b[1] !== b.length - 2) return undefined;
  let offset = 2;
  const readInt = (): bigint | undefined => {
    if (b[offset] !== 0x02) return undefined;
    const len = b[offset + 1];
    if (len === undefined || len === 0 || offset + 2 + len > b.length) return undefined;
    const value = b.subarray(offset + 2, offset + 2 + len);
    offset += 2 + len;
    return BigInt(`0x${value.toString('hex')}`);
  };
  const r = readInt();
  const s = readInt();
  if (r === undefined || s === undefined || offset !== b.length) return undefined;
  return { r, s };
}

function encodeDerInt(v: bigint): Buffer {
  let hex = v.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

/** Encodes (r, s) as a DER ECDSA signature. */
export function encodeDerSignature(r: bigint, s: bigint): Buffer {
  const body = Buffer.concat([encodeDerInt(r), encodeDerInt(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** True when the signature's S is in the lower half of the group order, as Fabric requires. */
export function isLowS(der: Uint8Array): boolean {
  const sig = parseDerSignature(der);
  return sig !== undefined && sig.s <= P256_HALF_N;
}

/** Signs `message` (SHA-256, ECDSA P-256) and returns a low-S DER signature. */
export function signLowS(key: KeyObject, message: Uint8Array): Buffer {
  const der = sign('sha256', message, key);
  const sig = parseDerSignature(der);
  if (!sig) throw new Error('ECDSA signer produced malformed DER');
  return sig.s > P256_HALF_N ? encodeDerSignature(sig.r, P256_N - sig.s) : der;
}

/** Verifies a Fabric signature: well-formed DER, low S, and valid over SHA-256(message). */
export function verifyFabricSignature(publicKey: KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  if (!isLowS(signature)) return false;
  try {
    return verify('sha256', message, publicKey, signature);
  } catch {
    return false;
  }
}

/** Loads a PEM private key. */
export function privateKeyFromPem(pem: string): KeyObject {
  return createPrivateKey(pem);
}

/** Loads a PEM public key or certificate's key. */
export function publicKeyFromPem(pem: string): KeyObject {
  return createPublicKey(pem);
}
