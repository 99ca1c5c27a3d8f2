/**
 * Where each organisation's Fabric CA is and which registrar the gateway uses with it: read from a common connection
 * profile (`organizations.<mspId>.certificateAuthorities` + `certificateAuthorities.<name>`, as Fabric's SDKs and the
 * dev peer's `connection.json` spell them) or from `FABRIC_CA_*` variables (README, "Identities"). One CA per MSP:
 * the first the organisation lists.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

/** One organisation's CA. */
export interface CaSettings {
  /** The profile's key (e.g. `ca.enterprise.devnet`), for messages. */
  readonly name: string;
  /** MSP whose identities this CA issues. */
  readonly mspId: string;
  /** `https://host:port` (http only for a dev CA without TLS). */
  readonly url: string;
  /** CA name on a multi-CA server; empty for the default CA. */
  readonly caName: string;
  /** PEM file of the TLS CA of the server's certificate. */
  readonly tlsCaCertPath?: string;
  /** The registrar the gateway enrolls and registers enterprises with. */
  readonly registrar: { readonly enrollId: string; readonly enrollSecret: string };
}

/** Most CAs read (one per organisation). */
export const MAX_CAS = 64;

/**
 * The CAs of a parsed connection profile.
 *
 * @param profile - The profile's JSON.
 * @param base - Folder relative paths are resolved against.
 * @param problems - Where to add what is wrong (never echoing a secret).
 */
export function readProfileCas(profile: Record<string, unknown>, base: string, problems: string[]): CaSettings[] {
  const orgs = profile.organizations;
  const cas = profile.certificateAuthorities;
  if (orgs === undefined && cas === undefined) return [];
  if (typeof orgs !== 'object' || orgs === null || typeof cas !== 'object' || cas === null) {
    problems.push('organizations and certificateAuthorities must both be objects when either is present');
    return [];
  }
  const result: CaSettings[] = [];
  for (const [mspKey, rawOrg] of Object.entries(orgs as Record<string, unknown>).slice(0, MAX_CAS)) {
    const org = (rawOrg ?? {}) as { mspid?: unknown; certificateAuthorities?: unknown };
    const mspId = typeof org.mspid === 'string' ? org.mspid : mspKey;
    const names = Array.isArray(org.certificateAuthorities) ? org.certificateAuthorities : [];
    const name = names[0];
    if (typeof name !== 'string') continue; // an organisation without a CA: its identities are configured by hand
    const entry = (cas as Record<string, unknown>)[name] as Record<string, unknown> | undefined;
    if (typeof entry !== 'object' || entry === null) {
      problems.push(`organizations.${mspKey}: certificate authority ${name} is not in certificateAuthorities`);
      continue;
    }
    const registrar = Array.isArray(entry.registrar)
      ? (entry.registrar[0] as Record<string, unknown> | undefined)
      : undefined;
    const tls = entry.tlsCACerts as { path?: unknown } | undefined;
    const settings = {
      name,
      mspId,
      url: entry.url,
      caName: entry.caName ?? '',
      tlsCaCertPath: typeof tls?.path === 'string' ? absolute(base, tls.path) : undefined,
      enrollId: registrar?.enrollId,
      enrollSecret: registrar?.enrollSecret,
    };
    const checked = checkCa(settings, `certificateAuthorities.${name}`, problems);
    if (checked) result.push(checked);
  }
  return result;
}

/**
 * The CAs named by `FABRIC_CA_KEYS=enterprise,operator` and, per key `K` (upper-cased), `FABRIC_CA_K_MSP_ID`,
 * `FABRIC_CA_K_URL`, `FABRIC_CA_K_NAME`, `FABRIC_CA_K_TLS_CA_CERT`, `FABRIC_CA_K_REGISTRAR_ID`,
 * `FABRIC_CA_K_REGISTRAR_SECRET`.
 *
 * @param read - Reads a trimmed, non-empty variable.
 * @param cwd - Folder relative paths are resolved against.
 * @param problems - Where to add what is wrong.
 */
export function readEnvironmentCas(
  read: (name: string) => string | undefined,
  cwd: string,
  problems: string[],
): CaSettings[] {
  const keys = read('FABRIC_CA_KEYS');
  if (keys === undefined) return [];
  const result: CaSettings[] = [];
  const list = keys
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  if (list.length > MAX_CAS) problems.push(`FABRIC_CA_KEYS: at most ${MAX_CAS} keys`);
  for (const key of list.slice(0, MAX_CAS)) {
    if (!/^[A-Za-z0-9_]{1,40}$/.test(key)) {
      problems.push(`FABRIC_CA_KEYS: ${JSON.stringify(key)} must be 1 to 40 letters, digits or '_'`);
      continue;
    }
    const v = (suffix: string) => read(`FABRIC_CA_${key.toUpperCase()}_${suffix}`);
    const tls = v('TLS_CA_CERT');
    const checked = checkCa(
      {
        name: `FABRIC_CA_${key.toUpperCase()}`,
        mspId: v('MSP_ID'),
        url: v('URL'),
        caName: v('NAME') ?? '',
        tlsCaCertPath: tls === undefined ? undefined : resolve(cwd, tls),
        enrollId: v('REGISTRAR_ID'),
        enrollSecret: v('REGISTRAR_SECRET'),
      },
      `FABRIC_CA_${key.toUpperCase()}`,
      problems,
    );
    if (checked) result.push(checked);
  }
  return result;
}

/** Environment entries replace profile entries of the same MSP. */
export function mergeCas(profile: readonly CaSettings[], environment: readonly CaSettings[]): CaSettings[] {
  const byMsp = new Map<string, CaSettings>();
  for (const ca of [...profile, ...environment]) byMsp.set(ca.mspId, ca);
  return [...byMsp.values()];
}

function checkCa(
  raw: {
    name: string;
    mspId: unknown;
    url: unknown;
    caName: unknown;
    tlsCaCertPath: string | undefined;
    enrollId: unknown;
    enrollSecret: unknown;
  },
  where: string,
  problems: string[],
): CaSettings | undefined {
  const before = problems.length;
  if (typeof raw.mspId !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(raw.mspId))
    problems.push(`${where}: MSP id missing or invalid`);
  let url: URL | undefined;
  try {
    url = typeof raw.url === 'string' ? new URL(raw.url) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    problems.push(`${where}: url must be an http(s) URL`);
  if (typeof raw.caName !== 'string' || raw.caName.length > 200) problems.push(`${where}: caName must be a string`);
  if (raw.tlsCaCertPath !== undefined && !existsSync(raw.tlsCaCertPath))
    problems.push(`${where}: TLS CA file ${raw.tlsCaCertPath} does not exist`);
  if (
    typeof raw.enrollId !== 'string' ||
    raw.enrollId === '' ||
    typeof raw.enrollSecret !== 'string' ||
    raw.enrollSecret === ''
  ) {
    problems.push(`${where}: a registrar (enrollId and enrollSecret) is required`);
  }
  if (problems.length > before) return undefined;
  return {
    name: raw.name,
    mspId: raw.mspId as string,
    url: raw.url as string,
    caName: raw.caName as string,
    ...(raw.tlsCaCertPath === undefined ? {} : { tlsCaCertPath: raw.tlsCaCertPath }),
    registrar: { enrollId: raw.enrollId as string, enrollSecret: raw.enrollSecret as string },
  };
}

function absolute(base: string, path: string): string {
  return isAbsolute(path) ? path : resolve(base, path);
}
