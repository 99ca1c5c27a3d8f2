/**
 * Crypto material of the dev network, generated once into `<data>/crypto` and reused on every start:
 * a root CA per organisation, the peer's and orderer's signing identities, the peer's TLS certificate, and
 * client identities (customs admin, enterprises) with Fabric-CA-style attributes.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CertAndKey, createOrgCa, issueIdentity, IdentitySpec } from './crypto/dev-ca';

/** An organisation of the dev network and the identities issued to it. */
export interface OrgSpec {
  mspId: string;
  domain: string;
  identities: ({ name: string } & IdentitySpec)[];
}

/**
 * Default organisations: customs runs the peer (and is the only org that registers enterprises,
 * classifies credit and sets rules); duty-free operators and other enterprises each have their own org.
 * Attributes `role` and `enterpriseId` (18-character unified social credit code) are what the chaincode's
 * access control reads.
 */
export const DEFAULT_ORGS: OrgSpec[] = [
  {
    mspId: 'CustomsMSP',
    domain: 'customs.devnet',
    identities: [
      {
        name: 'customs-admin',
        commonName: 'Admin@customs.devnet',
        ou: 'admin',
        attrs: { 'hf.EnrollmentID': 'customs-admin', 'hf.Type': 'admin', 'hf.Affiliation': '', role: 'customs' },
      },
      {
        name: 'customs-officer',
        commonName: 'officer1@customs.devnet',
        ou: 'client',
        attrs: { 'hf.EnrollmentID': 'officer1', 'hf.Type': 'client', 'hf.Affiliation': '', role: 'customs' },
      },
    ],
  },
  {
    mspId: 'OperatorMSP',
    domain: 'operator.devnet',
    identities: [
      {
        name: 'operator1',
        commonName: 'operator1@operator.devnet',
        ou: 'client',
        attrs: {
          'hf.EnrollmentID': 'operator1',
          'hf.Type': 'client',
          'hf.Affiliation': '',
          role: 'operator',
          enterpriseId: '91460000MA5TDF000D',
        },
      },
    ],
  },
  {
    mspId: 'EnterpriseMSP',
    domain: 'enterprise.devnet',
    identities: [
      {
        name: 'enterprise1',
        commonName: 'importer1@enterprise.devnet',
        ou: 'client',
        attrs: {
          'hf.EnrollmentID': 'importer1',
          'hf.Type': 'client',
          'hf.Affiliation': '',
          role: 'enterprise',
          enterpriseId: '91460000MA5TKJ000H',
        },
      },
      {
        name: 'enterprise2',
        commonName: 'processor1@enterprise.devnet',
        ou: 'client',
        attrs: {
          'hf.EnrollmentID': 'processor1',
          'hf.Type': 'client',
          'hf.Affiliation': '',
          role: 'enterprise',
          enterpriseId: '91460000MA5TJG000B',
        },
      },
    ],
  },
];

/** The peer's org. */
export const PEER_MSP_ID = 'CustomsMSP';
export const ORDERER_MSP_ID = 'OrdererMSP';

/** Paths of one issued identity. */
export interface IdentityFiles {
  mspId: string;
  certPath: string;
  keyPath: string;
}

/** Everything generated for the network. */
export interface CryptoMaterial {
  orgs: { mspId: string; caCertPem: string; caCertPath: string }[];
  ordererOrg: { mspId: string; caCertPem: string };
  peer: CertAndKey;
  orderer: CertAndKey;
  tls: { caCertPath: string; caCertPem: string; certPem: string; keyPem: string };
  identities: Record<string, IdentityFiles>;
}

async function writePair(dir: string, pair: CertAndKey): Promise<{ certPath: string; keyPath: string }> {
  await mkdir(dir, { recursive: true });
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  await writeFile(certPath, pair.certPem);
  await writeFile(keyPath, pair.keyPem, { mode: 0o600 });
  return { certPath, keyPath };
}

async function readPair(dir: string): Promise<CertAndKey> {
  return {
    certPem: await readFile(join(dir, 'cert.pem'), 'utf8'),
    keyPem: await readFile(join(dir, 'key.pem'), 'utf8'),
  };
}

/** Loads the network's crypto material from `<dataDir>/crypto`, generating it on first use. */
export async function loadOrCreateCryptoMaterial(
  dataDir: string,
  orgs: OrgSpec[] = DEFAULT_ORGS,
  tlsHosts: string[] = ['localhost'],
): Promise<CryptoMaterial> {
  const root = join(dataDir, 'crypto');
  const manifestPath = join(root, 'manifest.json');
  if (existsSync(manifestPath)) {
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Omit<
      CryptoMaterial,
      'peer' | 'orderer' | 'tls'
    > & { tlsCaCertPath: string };
    const tlsPair = await readPair(join(root, 'tls', 'server'));
    return {
      orgs: manifest.orgs,
      ordererOrg: manifest.ordererOrg,
      identities: manifest.identities,
      peer: await readPair(join(root, PEER_MSP_ID, 'peers', 'peer0')),
      orderer: await readPair(join(root, ORDERER_MSP_ID, 'orderers', 'orderer0')),
      tls: {
        caCertPath: manifest.tlsCaCertPath,
        caCertPem: await readFile(manifest.tlsCaCertPath, 'utf8'),
        ...tlsPair,
      },
    };
  }
  const identities: Record<string, IdentityFiles> = {};
  const orgsOut: CryptoMaterial['orgs'] = [];
  let peer: CertAndKey | undefined;
  for (const org of orgs) {
    const ca = await createOrgCa(org.domain);
    const { certPath: caCertPath } = await writePair(join(root, org.mspId, 'ca'), ca);
    orgsOut.push({ mspId: org.mspId, caCertPem: ca.certPem, caCertPath });
    for (const id of org.identities) {
      const pair = await issueIdentity(ca, id);
      const files = await writePair(join(root, org.mspId, 'users', id.name), pair);
      identities[id.name] = { mspId: org.mspId, ...files };
    }
    if (org.mspId === PEER_MSP_ID) {
      peer = await issueIdentity(ca, { commonName: `peer0.${org.domain}`, ou: 'peer' });
      await writePair(join(root, org.mspId, 'peers', 'peer0'), peer);
    }
  }
  if (!peer) throw new Error(`the peer organisation ${PEER_MSP_ID} is missing from the org list`);
  const ordererCa = await createOrgCa('orderer.devnet');
  await writePair(join(root, ORDERER_MSP_ID, 'ca'), ordererCa);
  const orderer = await issueIdentity(ordererCa, { commonName: 'orderer0.orderer.devnet', ou: 'orderer' });
  await writePair(join(root, ORDERER_MSP_ID, 'orderers', 'orderer0'), orderer);
  const tlsCa = await createOrgCa('tlsca.devnet');
  const { certPath: tlsCaCertPath } = await writePair(join(root, 'tls', 'ca'), tlsCa);
  const tlsServer = await issueIdentity(tlsCa, {
    commonName: 'peer0.customs.devnet',
    ou: 'peer',
    tlsServer: true,
    dnsNames: ['peer0.customs.devnet', ...tlsHosts.filter((h) => !/^[\d.:]+$/.test(h))],
    ipAddresses: ['127.0.0.1', ...tlsHosts.filter((h) => /^[\d.]+$/.test(h) && h !== '127.0.0.1')],
  });
  await writePair(join(root, 'tls', 'server'), tlsServer);
  const material: CryptoMaterial = {
    orgs: orgsOut,
    ordererOrg: { mspId: ORDERER_MSP_ID, caCertPem: ordererCa.certPem },
    peer,
    orderer,
    tls: { caCertPath: tlsCaCertPath, caCertPem: tlsCa.certPem, ...tlsServer },
    identities,
  };
  await writeFile(
    manifestPath,
    JSON.stringify({ orgs: orgsOut, ordererOrg: material.ordererOrg, identities, tlsCaCertPath }, null, 2),
  );
  return material;
}
