/**
 * Certificate revocation lists of a channel MSP (FabricMSPConfig.revocation_list), read the way Fabric's MSP reads
 * them (fabric v2.5.6 msp/mspimplsetup.go setupCRLs, msp/mspimplvalidate.go validateCertAgainstChain): a CRL applies
 * to the certificates of the CA whose Subject Key Identifier equals the CRL's Authority Key Identifier, and only if
 * that CA signed it; a CRL signed by anyone else is skipped. Fabric checks the signature when a listed serial is
 * met; the CA here is always a root of the MSP, so checking it once, when the configuration is loaded, is the same.
 */
import { webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** Most CRLs one organisation's MSP may carry (a config is a bounded thing; fabric-ca's CRL is cumulative). */
export const CRLS_PER_ORG_MAX = 64;

/** A CRL as the MSP uses it: which root it applies to and the serials it revokes (lower-case hex, no leading 0). */
export interface VerifiedCrl {
  /** Index of the MSP root that issued and signed the CRL. */
  rootIndex: number;
  revokedSerials: ReadonlySet<string>;
}

/** A certificate serial as a canonical key: lower-case hex without leading zeros. */
export function serialKey(hex: string): string {
  return hex.toLowerCase().replace(/^0+(?=.)/, '');
}

/** Parses a PEM (`X509 CRL` or `CRL`) or DER CRL; throws when it is not one. */
export function parseCrl(crl: string | Uint8Array): x509.X509Crl {
  if (typeof crl !== 'string') return new x509.X509Crl(Buffer.from(crl).buffer.slice(0) as ArrayBuffer);
  return new x509.X509Crl(crl.replace(/X509 CRL/g, 'CRL'));
}

/** The Authority Key Identifier of a CRL, hex, or undefined when it has none. */
export function crlAuthorityKeyId(crl: x509.X509Crl): string | undefined {
  const ext = crl.getExtension(x509.AuthorityKeyIdentifierExtension);
  return ext?.keyId?.toLowerCase();
}

/** The Subject Key Identifier of a certificate, hex, or undefined. */
function subjectKeyId(cert: x509.X509Certificate): string | undefined {
  return cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId.toLowerCase();
}

/**
 * Matches each CRL to the MSP root that issued it (AKI = SKI) and checks that root's signature; CRLs that match no
 * root or whose signature does not verify are left out, as Fabric skips them.
 *
 * @param roots the MSP's root certificates
 * @param crls the MSP's revocation list (PEM or DER entries)
 */
export async function verifyCrls(
  roots: readonly X509Certificate[],
  crls: readonly (string | Uint8Array)[],
): Promise<VerifiedCrl[]> {
  if (crls.length > CRLS_PER_ORG_MAX)
    throw new Error(`an MSP carries at most ${CRLS_PER_ORG_MAX} CRLs, got ${crls.length}`);
  const peculiarRoots = roots.map((r) => new x509.X509Certificate(r.raw));
  const verified: VerifiedCrl[] = [];
  for (const raw of crls) {
    const crl = parseCrl(raw);
    const aki = crlAuthorityKeyId(crl);
    const rootIndex = peculiarRoots.findIndex((r) => aki !== undefined && subjectKeyId(r) === aki);
    const root = peculiarRoots[rootIndex];
    if (!root) continue;
    if (!(await crl.verify({ publicKey: await root.publicKey.export() }))) continue;
    verified.push({ rootIndex, revokedSerials: new Set(crl.entries.map((e) => serialKey(e.serialNumber))) });
  }
  return verified;
}
