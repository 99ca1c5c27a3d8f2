/**
 * Certificate signing requests for Fabric CA enrollment: a fresh ECDSA P-256 key and its CSR (when the gateway
 * keeps the key), and a check of a CSR handed in by an enterprise that keeps its own key, so that a CSR the CA
 * or the channel would refuse is caught before any request is sent. Fabric CA requires the CSR's common name
 * to be the enrollment id.
 */
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { FabricCaError, FabricCaErrorCode } from './fabric-ca-errors';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** Longest CSR accepted (a P-256 CSR is well under 1 KB). */
export const MAX_CSR_BYTES = 16_384;

/** A new key pair and the CSR for it. */
export interface KeyAndCsr {
  /** PKCS#8 PEM private key. */
  privateKeyPem: string;
  /** PEM CSR with CN = the enrollment id. */
  csrPem: string;
}

/**
 * Makes an ECDSA P-256 key and a CSR for `enrollmentId`.
 *
 * @param enrollmentId - The identity's enrollment id (becomes the CSR's common name).
 */
export async function newKeyAndCsr(enrollmentId: string): Promise<KeyAndCsr> {
  const keys = (await webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [enrollmentId] }],
    keys: keys as unknown as Parameters<typeof x509.Pkcs10CertificateRequestGenerator.create>[0]['keys'],
    signingAlgorithm: EC_P256,
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { privateKeyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'), csrPem: csr.toString('pem') };
}

/**
 * Checks a CSR before it is sent: PEM CSR, ECDSA P-256 key, valid self-signature, CN = `enrollmentId`.
 *
 * @throws FabricCaError with code CA_CSR_REJECTED naming what is wrong.
 */
export async function checkCsr(csrPem: string, enrollmentId: string): Promise<void> {
  const reject = (why: string): never => {
    throw new FabricCaError(FabricCaErrorCode.csrRejected, `CSR refused: ${why}`);
  };
  if (csrPem.length > MAX_CSR_BYTES) reject(`longer than ${MAX_CSR_BYTES} bytes`);
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch {
    return reject('not a PEM PKCS#10 certificate request');
  }
  const alg = csr.publicKey.algorithm as { name?: string; namedCurve?: string };
  if (alg.name !== 'ECDSA' || alg.namedCurve !== 'P-256') {
    reject(
      `the key must be ECDSA P-256 (Fabric identities), not ${alg.name ?? 'unknown'}${alg.namedCurve ? ` ${alg.namedCurve}` : ''}`,
    );
  }
  const cns = csr.subjectName.getField('CN');
  if (cns.length !== 1 || cns[0] !== enrollmentId)
    reject(`the common name must be the enrollment id '${enrollmentId}'`);
  if (!(await csr.verify())) reject('its signature does not verify');
}
