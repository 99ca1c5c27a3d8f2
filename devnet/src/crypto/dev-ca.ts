/**
 * The dev CA: one self-signed ECDSA P-256 root per organisation, issuing member, admin, peer and TLS
 * certificates shaped like Fabric CA's (OU = client/admin/peer, and the Fabric attribute extension
 * 1.2.3.4.5.6.7.8.1 holding `{"attrs":{...}}`), so that chaincode sees MSP id and attributes through
 * `ctx.clientIdentity` exactly as on a real network.
 */
import { webcrypto, randomBytes } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** OID under which Fabric CA stores enrollment attributes. */
export const FABRIC_ATTRS_OID = '1.2.3.4.5.6.7.8.1';

const EC_ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const VALIDITY_YEARS = 10;

/** A certificate with its private key, both PEM. */
export interface CertAndKey {
  certPem: string;
  keyPem: string;
}

/** What an identity certificate says about its holder. */
export interface IdentitySpec {
  /** Common name, e.g. `Admin@customs.devnet`. */
  commonName: string;
  /** Fabric node OU: `client`, `admin`, `peer` or `orderer`. */
  ou: 'client' | 'admin' | 'peer' | 'orderer';
  /** Fabric CA style attributes (strings), visible to chaincode via getAttributeValue. */
  attrs?: Record<string, string>;
  /** Subject alternative DNS names / IPs for TLS server certificates. */
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Marks the certificate for TLS server use. */
  tlsServer?: boolean;
}

async function newKeyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC_ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f; // positive
  return b.toString('hex');
}

function validity(): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore);
  notAfter.setFullYear(notAfter.getFullYear() + VALIDITY_YEARS);
  return { notBefore, notAfter };
}

/** Creates a self-signed organisation root CA, e.g. `ca.customs.devnet` for org domain `customs.devnet`. */
export async function createOrgCa(orgDomain: string): Promise<CertAndKey> {
  const keys = await newKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `C=CN, ST=Hainan, L=Haikou, O=${orgDomain}, CN=ca.${orgDomain}`,
    keys,
    signingAlgorithm: EC_ALG,
    ...validity(),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await exportKeyPem(keys.privateKey) };
}

/** What goes into a certificate signed by an organisation CA for a public key the CA did not make. */
export interface CertificateSpec {
  /** The subject's public key (from a CSR, or freshly generated). */
  publicKey: CryptoKey | x509.PublicKey;
  /** Subject as a DN string or @peculiar/x509 JSON name. */
  subject: string | x509.JsonName;
  /** Fabric CA style attributes, written as `{"attrs":{...}}` in extension 1.2.3.4.5.6.7.8.1. */
  attrs?: Record<string, string>;
  dnsNames?: string[];
  ipAddresses?: string[];
  tlsServer?: boolean;
  /** Serial number as hex (even length, first byte below 0x80); random when absent. */
  serialHex?: string;
  notBefore?: Date;
  notAfter?: Date;
}

/** The organisation CA's certificate and its signing key, imported once. */
export async function importCaSigner(ca: CertAndKey): Promise<{ cert: x509.X509Certificate; key: CryptoKey }> {
  const cert = new x509.X509Certificate(ca.certPem);
  const key = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(ca.keyPem), EC_ALG, false, [
    'sign',
  ]);
  return { cert, key };
}

/**
 * Signs a certificate for `spec.publicKey` with the organisation CA: the extensions Fabric CA puts into an
 * enrollment certificate (critical key usage and basic constraints, SKI, AKI, SAN, the attribute extension).
 */
export async function signCertificate(
  signer: { cert: x509.X509Certificate; key: CryptoKey },
  spec: CertificateSpec,
): Promise<x509.X509Certificate> {
  const publicKey = spec.publicKey instanceof x509.PublicKey ? await spec.publicKey.export() : spec.publicKey;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.digitalSignature | (spec.tlsServer ? x509.KeyUsageFlags.keyEncipherment : 0),
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(signer.cert),
  ];
  if (spec.tlsServer) {
    extensions.push(
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
    );
  }
  const altNames = [
    ...(spec.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(spec.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  if (altNames.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(altNames));
  if (spec.attrs !== undefined) {
    // Fabric CA stores the attributes as raw JSON bytes in the extension value, not DER-wrapped. An empty set
    // is still written (`{"attrs":{}}`) when it was asked for, as fabric-ca does for an empty attr_reqs list.
    const json = JSON.stringify({ attrs: spec.attrs });
    extensions.push(new x509.Extension(FABRIC_ATTRS_OID, false, new TextEncoder().encode(json)));
  }
  const defaults = validity();
  return x509.X509CertificateGenerator.create({
    serialNumber: spec.serialHex ?? serial(),
    subject: spec.subject,
    issuer: signer.cert.subjectName,
    publicKey,
    signingKey: signer.key,
    signingAlgorithm: EC_ALG,
    notBefore: spec.notBefore ?? defaults.notBefore,
    notAfter: spec.notAfter ?? defaults.notAfter,
    extensions,
  });
}

/** Issues an identity certificate (and a new key pair) signed by the organisation CA. */
export async function issueIdentity(ca: CertAndKey, spec: IdentitySpec): Promise<CertAndKey> {
  const signer = await importCaSigner(ca);
  const keys = await newKeyPair();
  const orgPart = signer.cert.subject
    .split(', ')
    .filter((p) => !p.startsWith('CN='))
    .join(', ');
  const cert = await signCertificate(signer, {
    ...spec,
    publicKey: keys.publicKey,
    subject: `${orgPart.replace(/, O=[^,]*/, '')}, OU=${spec.ou}, CN=${spec.commonName}`,
  });
  return { certPem: cert.toString('pem'), keyPem: await exportKeyPem(keys.privateKey) };
}
