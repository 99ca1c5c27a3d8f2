/**
 * Reads the Fabric CA attributes (`role`, `enterpriseId`, `hf.EnrollmentID`, ...) of an X.509 certificate: the
 * JSON `{"attrs":{...}}` in extension 1.2.3.4.5.6.7.8.1, which is what the chaincode's access rules see through
 * `ctx.clientIdentity`. The gateway uses it to pick the identity that signs for a given enterprise.
 */
import { X509Certificate } from 'node:crypto';

/** DER of the extension's OID 1.2.3.4.5.6.7.8.1: tag 0x06, length 8, then 1*40+2, 3, 4, 5, 6, 7, 8, 1. */
const FABRIC_ATTRS_OID_DER = Buffer.from([0x06, 0x08, 0x2a, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x01]);

const DER_BOOLEAN = 0x01;
const DER_OCTET_STRING = 0x04;

/** Longest attribute extension read, in bytes (a certificate is a few kilobytes). */
const MAX_ATTRS_BYTES = 16_384;

/**
 * The Fabric CA attributes of a PEM certificate.
 *
 * @param certPem - PEM X.509 certificate.
 * @returns Attribute names to values; empty when the certificate has no attribute extension.
 * @throws Error when the extension is present but malformed (a broken certificate, reported at start-up).
 */
export function readFabricCaAttributes(certPem: string | Buffer): Record<string, string> {
  const der = new X509Certificate(certPem).raw;
  const at = der.indexOf(FABRIC_ATTRS_OID_DER);
  if (at < 0) {
    return {};
  }
  // Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
  let offset = at + FABRIC_ATTRS_OID_DER.length;
  if (der[offset] === DER_BOOLEAN) {
    offset += 2 + (der[offset + 1] ?? 0);
  }
  if (der[offset] !== DER_OCTET_STRING) {
    throw new Error('Fabric attribute extension: expected an OCTET STRING');
  }
  const { length, headerBytes } = readDerLength(der, offset + 1);
  if (length > MAX_ATTRS_BYTES || offset + 1 + headerBytes + length > der.length) {
    throw new Error('Fabric attribute extension: bad length');
  }
  const start = offset + 1 + headerBytes;
  const parsed: unknown = JSON.parse(der.subarray(start, start + length).toString('utf8'));
  const attrs = (parsed as { attrs?: unknown }).attrs;
  if (typeof attrs !== 'object' || attrs === null) {
    return {};
  }
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === 'string') {
      result[name] = value;
    }
  }
  return result;
}

/** A DER length at `offset`: short form, or long form with up to 4 length bytes. */
function readDerLength(der: Buffer, offset: number): { length: number; headerBytes: number } {
  const first = der[offset];
  if (first === undefined) {
    throw new Error('Fabric attribute extension: truncated');
  }
  if (first < 0x80) {
    return { length: first, headerBytes: 1 };
  }
  const count = first & 0x7f;
  if (count === 0 || count > 4) {
    throw new Error('Fabric attribute extension: unsupported length form');
  }
  let length = 0;
  for (let i = 1; i <= count; i++) {
    length = length * 256 + (der[offset + i] ?? 0);
  }
  return { length, headerBytes: 1 + count };
}
