/**
 * The dev network's certificate authorities: one CA per application organisation, each signing with that
 * organisation's root (the MSP root in the channel's genesis config), served by one fabric-ca-server-style
 * process in multi-CA mode. Each CA has a bootstrap registrar (`admin` and a random secret made on first start,
 * like fabric-ca-server's `-b admin:adminpw`) and its registry in `<data>/ca/<mspId>/`. The connection profile
 * gets `organizations` and `certificateAuthorities` sections spelled as in Fabric's common connection profile.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CaStore } from './ca-store';
import { DevFabricCa } from './dev-fabric-ca';
import { startCaServer } from './ca-server';

/** `certificateAuthorities.<name>` of a common connection profile. */
export interface CertificateAuthorityProfile {
  url: string;
  caName: string;
  /** MSP whose root signs this CA's certificates. */
  mspId: string;
  /** PEM of the TLS CA that signed the server's certificate (HTTPS only). */
  tlsCACerts?: { path: string };
  httpOptions: { verify: boolean };
  /** The bootstrap registrar to enroll first (fabric-ca-server's `-b`). */
  registrar: { enrollId: string; enrollSecret: string }[];
}

/** `organizations.<mspId>` of a common connection profile. */
export interface OrganizationProfile {
  mspid: string;
  certificateAuthorities: string[];
}

/** Options for startDevCas. */
export interface DevCasOptions {
  dataDir: string;
  host: string;
  port: number;
  orgs: { mspId: string; caCertPem: string; caCertPath: string }[];
  tls?: { certPem: string; keyPem: string; caCertPath: string };
  /** Validity of enrollment certificates (default 8760 h). */
  enrollmentExpiryMs?: number;
  log?: (line: string) => void;
}

/** The running CAs. */
export interface DevCas {
  url: string;
  caNames: string[];
  organizations: Record<string, OrganizationProfile>;
  certificateAuthorities: Record<string, CertificateAuthorityProfile>;
  close(): Promise<void>;
}

/** Enrollment id of each CA's bootstrap registrar. */
export const BOOTSTRAP_ENROLLMENT_ID = 'admin';

/** `customs.devnet` from the root's subject `... O=customs.devnet, CN=ca.customs.devnet`. */
function orgDomain(caCertPem: string, mspId: string): string {
  const o = /(?:^|\n)O=([^\n]+)/.exec(new X509Certificate(caCertPem).subject)?.[1];
  return o ?? mspId.toLowerCase();
}

/** The bootstrap secret of a CA, made once and kept beside its registry (mode 0600). */
async function bootstrapSecret(dir: string): Promise<string> {
  const path = join(dir, 'bootstrap.json');
  if (existsSync(path)) return (JSON.parse(await readFile(path, 'utf8')) as { enrollSecret: string }).enrollSecret;
  const enrollSecret = randomBytes(18).toString('base64url');
  await writeFile(path, JSON.stringify({ enrollId: BOOTSTRAP_ENROLLMENT_ID, enrollSecret }), { mode: 0o600 });
  return enrollSecret;
}

/** Opens every organisation's CA and starts the server. */
export async function startDevCas(options: DevCasOptions): Promise<DevCas> {
  const cas: DevFabricCa[] = [];
  const stores: CaStore[] = [];
  const organizations: Record<string, OrganizationProfile> = {};
  const entries: { key: string; caName: string; mspId: string; secret: string }[] = [];
  try {
    for (const org of options.orgs) {
      const domain = orgDomain(org.caCertPem, org.mspId);
      const caName = `ca-${domain.split('.')[0]}`;
      const dir = join(options.dataDir, 'ca', org.mspId);
      await mkdir(dir, { recursive: true });
      const store = await CaStore.open(dir);
      stores.push(store);
      const keyPem = await readFile(join(dirname(org.caCertPath), 'key.pem'), 'utf8');
      const ca = await DevFabricCa.create({
        name: caName,
        root: { certPem: org.caCertPem, keyPem },
        store,
        ...(options.enrollmentExpiryMs ? { enrollmentExpiryMs: options.enrollmentExpiryMs } : {}),
      });
      const secret = await bootstrapSecret(dir);
      await ca.bootstrap(BOOTSTRAP_ENROLLMENT_ID, secret);
      cas.push(ca);
      const key = `ca.${domain}`;
      organizations[org.mspId] = { mspid: org.mspId, certificateAuthorities: [key] };
      entries.push({ key, caName, mspId: org.mspId, secret });
    }
    const server = await startCaServer({
      host: options.host,
      port: options.port,
      cas,
      ...(options.tls ? { tls: options.tls } : {}),
      ...(options.log ? { log: (line: string) => options.log?.(`ca: ${line}`) } : {}),
    });
    const certificateAuthorities: Record<string, CertificateAuthorityProfile> = {};
    for (const e of entries) {
      certificateAuthorities[e.key] = {
        url: server.url,
        caName: e.caName,
        mspId: e.mspId,
        ...(options.tls ? { tlsCACerts: { path: options.tls.caCertPath } } : {}),
        httpOptions: { verify: true },
        registrar: [{ enrollId: BOOTSTRAP_ENROLLMENT_ID, enrollSecret: e.secret }],
      };
    }
    return {
      url: server.url,
      caNames: cas.map((c) => c.name),
      organizations,
      certificateAuthorities,
      async close() {
        await server.close();
        await Promise.all(stores.map((s) => s.close()));
      },
    };
  } catch (err) {
    await Promise.all(stores.map((s) => s.close().catch(() => undefined)));
    throw err;
  }
}
