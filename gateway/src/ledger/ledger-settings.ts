/**
 * Where the ledger is and which identities the gateway may sign with: read from a connection profile
 * (`connection.json`, as the dev peer writes it) or from the explicit `FABRIC_*` variables of deploy/README.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { readProfileCas, type CaSettings } from '../identity/ca-settings';

/** One signing identity: its name in the profile, MSP, and PEM files. */
export interface LedgerIdentityFiles {
  readonly name: string;
  readonly mspId: string;
  readonly certPath: string;
  readonly keyPath: string;
}

/** Everything needed to open the ledger clients. */
export interface LedgerSettings {
  /** `host:port` of the gateway peer. */
  readonly endpoint: string;
  /** Name in the peer's TLS certificate, when it differs from the endpoint host. */
  readonly hostAlias?: string;
  /** PEM file of the peer's TLS CA; plaintext when absent (dev peer with --no-tls only). */
  readonly tlsCaCertPath?: string;
  readonly channel: string;
  readonly chaincode: string;
  /** Identities, in profile order (the first of an MSP is its default). */
  readonly identities: readonly LedgerIdentityFiles[];
  /** Each organisation's Fabric CA and registrar, for onboarding; empty when identities are configured by hand. */
  readonly certificateAuthorities?: readonly CaSettings[];
}

/** Most identities read from one profile. */
export const MAX_PROFILE_IDENTITIES = 1_000;

/**
 * Read and check a connection profile. Relative paths inside it are resolved against the profile's folder.
 *
 * @param path - Path of `connection.json`.
 * @returns The settings, or the list of what is wrong with the file.
 */
export function readConnectionProfile(path: string): { settings?: LedgerSettings; problems: string[] } {
  if (!existsSync(path)) {
    return { problems: [`file ${path} does not exist`] };
  }
  let profile: unknown;
  try {
    profile = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err: unknown) {
    return { problems: [`file ${path} is not JSON: ${(err as Error).message}`] };
  }
  const base = dirname(resolve(path));
  const problems: string[] = [];
  const record = (typeof profile === 'object' && profile !== null ? profile : {}) as Record<string, unknown>;
  const text = (field: string, optional = false): string | undefined => {
    const value = record[field];
    if (value === undefined && optional) return undefined;
    if (typeof value !== 'string' || value.trim() === '') {
      problems.push(`${field} must be a non-empty string`);
      return undefined;
    }
    return value;
  };
  const endpoint = text('peerEndpoint');
  const hostAlias = text('peerHostAlias', true);
  const tlsCaCertPath = text('tlsCACertPath', true);
  const channel = text('channel');
  const chaincode = text('chaincode');
  const identities: LedgerIdentityFiles[] = [];
  const rawIdentities = record.identities;
  if (typeof rawIdentities !== 'object' || rawIdentities === null) {
    problems.push('identities must be an object {name: {mspId, certPath, keyPath}}');
  } else {
    const entries = Object.entries(rawIdentities as Record<string, unknown>);
    if (entries.length === 0 || entries.length > MAX_PROFILE_IDENTITIES) {
      problems.push(`identities must hold 1..${MAX_PROFILE_IDENTITIES} entries, got ${entries.length}`);
    }
    for (const [name, value] of entries.slice(0, MAX_PROFILE_IDENTITIES)) {
      const files = (value ?? {}) as Record<string, unknown>;
      const { mspId, certPath, keyPath } = files;
      if (typeof mspId !== 'string' || typeof certPath !== 'string' || typeof keyPath !== 'string') {
        problems.push(`identities.${name} must have string mspId, certPath and keyPath`);
        continue;
      }
      identities.push({ name, mspId, certPath: absolute(base, certPath), keyPath: absolute(base, keyPath) });
    }
  }
  for (const identity of identities) {
    for (const file of [identity.certPath, identity.keyPath]) {
      if (!existsSync(file)) problems.push(`identities.${identity.name}: file ${file} does not exist`);
    }
  }
  const certificateAuthorities = readProfileCas(record, base, problems);
  if (tlsCaCertPath !== undefined && !existsSync(absolute(base, tlsCaCertPath))) {
    problems.push(`tlsCACertPath: file ${absolute(base, tlsCaCertPath)} does not exist`);
  }
  if (problems.length > 0 || !endpoint || !channel || !chaincode) {
    return { problems };
  }
  return {
    problems,
    settings: {
      endpoint,
      channel,
      chaincode,
      identities,
      ...(certificateAuthorities.length === 0 ? {} : { certificateAuthorities }),
      ...(hostAlias === undefined ? {} : { hostAlias }),
      ...(tlsCaCertPath === undefined ? {} : { tlsCaCertPath: absolute(base, tlsCaCertPath) }),
    },
  };
}

function absolute(base: string, path: string): string {
  return isAbsolute(path) ? path : resolve(base, path);
}
