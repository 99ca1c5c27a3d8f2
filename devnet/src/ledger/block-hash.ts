/**
 * Block hashing exactly as Fabric's protoutil does it: the data hash is SHA-256 over the concatenated
 * envelopes, and the header hash is SHA-256 over the ASN.1 DER encoding of
 * SEQUENCE { INTEGER number, OCTET STRING previousHash, OCTET STRING dataHash }.
 */
import { createHash } from 'node:crypto';

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function derTlv(tag: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

function derUnsignedInteger(n: number): Buffer {
  let hex = BigInt(n).toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return derTlv(0x02, bytes);
}

/** The bytes Fabric hashes (and orderers sign) for a block header. */
export function blockHeaderBytes(number: number, previousHash: Uint8Array, dataHash: Uint8Array): Buffer {
  return derTlv(
    0x30,
    Buffer.concat([
      derUnsignedInteger(number),
      derTlv(0x04, Buffer.from(previousHash)),
      derTlv(0x04, Buffer.from(dataHash)),
    ]),
  );
}

/** SHA-256 of the block header bytes: what the next block's previousHash must equal. */
export function blockHeaderHash(number: number, previousHash: Uint8Array, dataHash: Uint8Array): Buffer {
  return createHash('sha256')
    .update(blockHeaderBytes(number, previousHash, dataHash))
    .digest();
}

/** SHA-256 over the concatenation of the block's data entries (the envelopes). */
export function blockDataHash(data: readonly Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const d of data) h.update(d);
  return h.digest();
}
