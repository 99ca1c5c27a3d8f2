/**
 * Writes the gateway's connection profile (the format ledger-settings.ts reads; deploy/connection-profile.md) from
 * organisations' MSP folders, as Fabric CA clients and cryptogen lay them out: `signcerts/` holds the certificate,
 * `keystore/` the private key (cryptogen: `priv_sk`; fabric-ca-client: `<ski>_sk`, several after re-enrolments).
 * The key is the one whose public key is the certificate's, so a keystore with stale keys still gives the right one.
 */
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { MAX_PROFILE_IDENTITIES } from './ledger-settings';

/** Most files looked at in one `signcerts/` or `keystore/` folder. */
const MAX_FOLDER_FILES = 100;

/** One identity to write: its name in the profile, its MSP id and its MSP folder. */
export interface ProfileIdentitySource {
  readonly name: string;
  readonly mspId: string;
  readonly mspDir: string;
}

/** What the profile says besides the identities. */
export interface ProfileSource {
  /** `host:port` of the peer's gateway service. */
  readonly peerEndpoint: string;
  /** Name in the peer's TLS certificate, when the endpoint host differs. */
  readonly peerHostAlias?: string;
  /** PEM file of the CA of the peer's TLS certificate; absent: plaintext (dev peer with --no-tls only). */
  readonly tlsCaCertPath?: string;
  readonly channel: string;
  readonly chaincode: string;
  readonly identities: readonly ProfileIdentitySource[];
}

/** The profile's JSON, as ledger-settings.ts reads it. */
export interface ConnectionProfileJson {
  peerEndpoint: string;
  peerHostAlias?: string;
  tlsCACertPath?: string;
  channel: string;
  chaincode: string;
  identities: Record<string, { mspId: string; certPath: string; keyPath: string }>;
}

/** A folder or file that does not make an identity, with the reason. */
export class ProfileSourceError extends Error {
  constructor(message: string) {
    super(message);
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'ProfileSourceError';
  }
}

/**
 * Build the profile: each identity's certificate and matching key found in its MSP folder.
 *
 * @param source - Peer, channel, chaincode and the identities' MSP folders.
 * @param pathsRelativeTo - Folder the written paths are relative to (the profile's own folder, which the gateway
 *   resolves them against); absent: absolute paths.
 * @returns The profile's JSON.
 * @throws ProfileSourceError naming the identity and what its folder lacks.
 */
export function buildConnectionProfile(source: ProfileSource, pathsRelativeTo?: string): ConnectionProfileJson {
  if (source.identities.length === 0 || source.identities.length > MAX_PROFILE_IDENTITIES) {
    throw new ProfileSourceError(
      `a profile holds 1..${MAX_PROFILE_IDENTITIES} identities, got ${source.identities.length}`,
    );
  }
  const written = (path: string): string =>
    pathsRelativeTo === undefined ? resolve(path) : relative(pathsRelativeTo, resolve(path)) || '.';
  const identities: ConnectionProfileJson['identities'] = {};
  for (const identity of source.identities) {
    if (identities[identity.name] !== undefined)
      throw new ProfileSourceError(`identity ${identity.name} is named twice`);
    const { certPath, keyPath } = findIdentityFiles(identity);
    identities[identity.name] = { mspId: identity.mspId, certPath: written(certPath), keyPath: written(keyPath) };
  }
  if (source.tlsCaCertPath !== undefined && !existsSync(source.tlsCaCertPath)) {
    throw new ProfileSourceError(`the peer's TLS CA file ${source.tlsCaCertPath} does not exist`);
  }
  return {
    peerEndpoint: source.peerEndpoint,
    ...(source.peerHostAlias === undefined ? {} : { peerHostAlias: source.peerHostAlias }),
    ...(source.tlsCaCertPath === undefined ? {} : { tlsCACertPath: written(source.tlsCaCertPath) }),
    channel: source.channel,
    chaincode: source.chaincode,
    identities,
  };
}

/**
 * The certificate of `<msp>/signcerts` and the key of `<msp>/keystore` that belongs to it.
 *
 * @throws ProfileSourceError when the folder has no certificate, several, or no matching key.
 */
export function findIdentityFiles(identity: ProfileIdentitySource): { certPath: string; keyPath: string } {
  const where = `identity ${identity.name} (${identity.mspDir})`;
  const certs = filesOf(join(identity.mspDir, 'signcerts'), where);
  if (certs.length !== 1) {
    throw new ProfileSourceError(`${where}: signcerts/ must hold exactly one certificate, found ${certs.length}`);
  }
  const certPath = certs[0]!;
  let certKey: string;
  try {
    certKey = new X509Certificate(readFileSync(certPath)).publicKey
      .export({ type: 'spki', format: 'der' })
      .toString('base64');
  } catch {
    throw new ProfileSourceError(`${where}: ${certPath} is not a PEM certificate`);
  }
  for (const keyPath of filesOf(join(identity.mspDir, 'keystore'), where)) {
    let publicKey: string;
    try {
      publicKey = createPublicKey(createPrivateKey(readFileSync(keyPath)))
        .export({ type: 'spki', format: 'der' })
        .toString('base64');
    } catch {
      continue; // not an unencrypted PEM private key (a README, an HSM stub): not this identity's key
    }
    if (publicKey === certKey) return { certPath, keyPath };
  }
  throw new ProfileSourceError(`${where}: keystore/ holds no private key of the certificate ${certPath}`);
}

function filesOf(dir: string, where: string): string[] {
  if (!existsSync(dir)) throw new ProfileSourceError(`${where}: folder ${dir} does not exist`);
  return readdirSync(dir)
    .sort()
    .slice(0, MAX_FOLDER_FILES)
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile());
}

/** Parse `<name>=<MSP id>:<MSP folder>` (the CLI's --identity). */
export function parseIdentityArgument(value: string, cwd: string): ProfileIdentitySource {
  const match = /^([A-Za-z0-9._-]{1,100})=([A-Za-z0-9._-]{1,100}):(.+)$/.exec(value);
  if (!match)
    throw new ProfileSourceError(`--identity takes <name>=<MSP id>:<MSP folder>, got ${JSON.stringify(value)}`);
  const [, name, mspId, dir] = match as unknown as [string, string, string, string];
  return { name, mspId, mspDir: isAbsolute(dir) ? dir : resolve(cwd, dir) };
}

/** The folder the profile's relative paths are resolved against: the profile's own. */
export function profileFolder(outPath: string): string {
  return dirname(resolve(outPath));
}
