/**
 * A channel config update that puts a certificate revocation list into an application organisation's MSP
 * (`FabricMSPConfig.revocation_list`), committed as a config block of its own.
 *
 * On a real channel an org admin fetches the config block, sets `revocation_list` (configtxlator), signs the
 * config update and sends it to the orderer; the orderer cuts a config block and every peer rebuilds its MSP
 * from it. Here the admin step is one call (the dev peer has no Broadcast service and no admin policies), but the
 * outcome is the same: a new config block with sequence + 1 on the hash-chained ledger, read back on every start,
 * and the channel MSP rebuilt from it.
 */
import { newConfigEnvelope, parseConfigEnvelope, type ChannelConfig } from './channel-config';
import type { BlockSigner, Ledger } from './ledger/ledger';
import { crlAuthorityKeyId, parseCrl, verifyCrls } from './msp-crl';
import { X509Certificate } from 'node:crypto';

/** Why a CRL cannot go into an organisation's MSP. */
export class ConfigUpdateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigUpdateError';
  }
}

/**
 * The configuration with `crlPem` in `mspId`'s revocation list. The CRL must be issued and signed by a root of
 * that MSP: Fabric would accept any parseable CRL into the config and skip it at validation, but a CRL that
 * cannot revoke anything is an operator's mistake worth refusing. An earlier CRL of the same CA (same Authority
 * Key Identifier) is replaced: fabric-ca's CRL lists every revoked, unexpired certificate, so the newest one
 * says everything.
 */
export async function withRevocationList(config: ChannelConfig, mspId: string, crlPem: string): Promise<ChannelConfig> {
  const org = config.applicationOrgs.find((o) => o.mspId === mspId);
  if (!org)
    throw new ConfigUpdateError(`MSP ${mspId} is not an application organisation of channel ${config.channelId}`);
  let aki: string | undefined;
  try {
    aki = crlAuthorityKeyId(parseCrl(crlPem));
  } catch (err) {
    throw new ConfigUpdateError(`not an X.509 CRL: ${(err as Error).message}`);
  }
  const roots = org.rootCertsPem.map((pem) => new X509Certificate(pem));
  if ((await verifyCrls(roots, [crlPem])).length !== 1) {
    throw new ConfigUpdateError(`the CRL is not issued and signed by a root CA of ${mspId}`);
  }
  const kept = (org.revocationListPem ?? []).filter((pem) => crlAuthorityKeyId(parseCrl(pem)) !== aki);
  const updated = { ...org, revocationListPem: [...kept, crlPem] };
  return {
    ...config,
    sequence: (config.sequence ?? 0) + 1,
    applicationOrgs: config.applicationOrgs.map((o) => (o.mspId === mspId ? updated : o)),
  };
}

/**
 * Commits a config block adding `crlPem` to `mspId`'s MSP and returns the configuration now in force.
 *
 * @param ledger the channel ledger (its newest config block is the base)
 * @param signer the orderer's block signer (undefined only for tests of the ledger itself)
 */
export async function commitRevocationList(
  ledger: Ledger,
  signer: BlockSigner | undefined,
  mspId: string,
  crlPem: string,
): Promise<ChannelConfig> {
  const next = await withRevocationList(parseConfigEnvelope(ledger.configEnvelope), mspId, crlPem);
  await ledger.commitConfig(newConfigEnvelope(next, Date.now()), signer);
  return next;
}
