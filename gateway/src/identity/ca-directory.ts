/**
 * The gateway's CAs, one per MSP, each with its registrar. A registrar is configured as enrollment id + secret
 * (like fabric-ca-server's bootstrap `-b admin:adminpw`); the gateway enrolls it on first use with a fresh key that
 * lives only in this process's memory, so a CA that is down at start-up does not stop the gateway, and a restart
 * simply enrolls again. Concurrent first uses share one enrollment; a failed one is forgotten so the next use retries.
 */
import { readFileSync } from 'node:fs';
import type { CaSettings } from './ca-settings';
import { newKeyAndCsr } from './enrollment-csr';
import { FabricCaClient, newPemSigningIdentity, type CaSigningIdentity } from './fabric-ca-client';

/** One MSP's CA. */
export interface CaEntry {
  readonly settings: CaSettings;
  readonly client: FabricCaClient;
  /** The registrar's signing identity, enrolled on first use. */
  registrar(): Promise<CaSigningIdentity>;
  /** Drop the registrar's enrollment (the CA refused its token: expired or revoked), so the next use enrolls again. */
  forgetRegistrar(): void;
}

/** The CAs by MSP. */
export interface CaDirectory {
  /** The CA of `mspId`, or undefined when the gateway has none for it (identities then come from the profile). */
  forMsp(mspId: string): CaEntry | undefined;
  /** MSP ids with a CA. */
  mspIds(): readonly string[];
}

/** Options of {@link newCaDirectory}. */
export interface CaDirectoryOptions {
  /** Deadline of each CA request. */
  timeoutMs?: number;
}

/**
 * Build the directory (no network traffic until first use).
 *
 * @param cas - One entry per MSP.
 */
export function newCaDirectory(cas: readonly CaSettings[], options: CaDirectoryOptions = {}): CaDirectory {
  const byMsp = new Map<string, CaEntry>();
  for (const settings of cas) {
    const client = new FabricCaClient({
      url: settings.url,
      caName: settings.caName,
      ...(settings.tlsCaCertPath === undefined ? {} : { tlsCaCertPem: readFileSync(settings.tlsCaCertPath) }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    let enrolled: Promise<CaSigningIdentity> | undefined;
    const registrar = (): Promise<CaSigningIdentity> => {
      enrolled ??= (async () => {
        const { enrollId, enrollSecret } = settings.registrar;
        const { privateKeyPem, csrPem } = await newKeyAndCsr(enrollId);
        const enrollment = await client.enroll({ enrollmentId: enrollId, secret: enrollSecret, csrPem });
        return newPemSigningIdentity(enrollment.certPem, privateKeyPem);
      })().catch((err: unknown) => {
        enrolled = undefined;
        throw err;
      });
      return enrolled;
    };
    byMsp.set(settings.mspId, { settings, client, registrar, forgetRegistrar: () => void (enrolled = undefined) });
  }
  return {
    forMsp: (mspId) => byMsp.get(mspId),
    mspIds: () => [...byMsp.keys()],
  };
}
