/**
 * The channel configuration carried by the genesis block: one `Application` group per member
 * organisation (plus the orderer org) with its MSP value (FabricMSPConfig: name + root certs), the
 * structure a real channel's config block has. The dev peer reads its MSP from here on every start, so the
 * trust roots are part of the hash-chained ledger, not a side file. A later config block (a config update, e.g. a
 * CRL added to an organisation's `revocation_list`) replaces it from its block on (config-update.ts).
 */
import { common, msp } from '@hyperledger/fabric-protos';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import { OrgDefinition } from './msp';

/** Channel configuration as the dev peer needs it. */
export interface ChannelConfig {
  channelId: string;
  /** Config sequence: 0 in the genesis block, +1 per config update. */
  sequence?: number;
  applicationOrgs: OrgDefinition[];
  ordererOrgs: OrgDefinition[];
}

function orgGroup(org: OrgDefinition): InstanceType<typeof common.ConfigGroup> {
  const fabricMsp = new msp.FabricMSPConfig();
  fabricMsp.setName(org.mspId);
  fabricMsp.setRootCertsList(org.rootCertsPem.map((pem) => Buffer.from(pem)));
  fabricMsp.setRevocationListList((org.revocationListPem ?? []).map((pem) => Buffer.from(pem)));
  const mspConfig = new msp.MSPConfig();
  mspConfig.setType(0); // FABRIC
  mspConfig.setConfig(fabricMsp.serializeBinary());
  const value = new common.ConfigValue();
  value.setValue(mspConfig.serializeBinary());
  value.setModPolicy('Admins');
  const group = new common.ConfigGroup();
  group.getValuesMap().set('MSP', value);
  group.setModPolicy('Admins');
  return group;
}

function groupOf(orgs: OrgDefinition[]): InstanceType<typeof common.ConfigGroup> {
  const g = new common.ConfigGroup();
  for (const org of orgs) g.getGroupsMap().set(org.mspId, orgGroup(org));
  g.setModPolicy('Admins');
  return g;
}

/** Builds the CONFIG envelope of the genesis block (or of a config update, with its sequence). */
export function newConfigEnvelope(config: ChannelConfig, timestampMs: number): Uint8Array {
  const channelGroup = new common.ConfigGroup();
  channelGroup.getGroupsMap().set('Application', groupOf(config.applicationOrgs));
  channelGroup.getGroupsMap().set('Orderer', groupOf(config.ordererOrgs));
  channelGroup.setModPolicy('Admins');
  const cfg = new common.Config();
  cfg.setSequence(config.sequence ?? 0);
  cfg.setChannelGroup(channelGroup);
  const cfgEnv = new common.ConfigEnvelope();
  cfgEnv.setConfig(cfg);

  const ch = new common.ChannelHeader();
  ch.setType(common.HeaderType.CONFIG);
  ch.setChannelId(config.channelId);
  ch.setVersion(1);
  const ts = new Timestamp();
  ts.setSeconds(Math.floor(timestampMs / 1000));
  ts.setNanos((timestampMs % 1000) * 1e6);
  ch.setTimestamp(ts);
  const header = new common.Header();
  header.setChannelHeader(ch.serializeBinary());
  header.setSignatureHeader(new common.SignatureHeader().serializeBinary());
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(cfgEnv.serializeBinary());
  const env = new common.Envelope();
  env.setPayload(payload.serializeBinary());
  return env.serializeBinary();
}

function orgsOf(group: InstanceType<typeof common.ConfigGroup> | undefined): OrgDefinition[] {
  if (!group) return [];
  const orgs: OrgDefinition[] = [];
  group.getGroupsMap().forEach((orgGroupValue: InstanceType<typeof common.ConfigGroup>, mspId: string) => {
    const value = orgGroupValue.getValuesMap().get('MSP');
    if (!value) return;
    const mspConfig = msp.MSPConfig.deserializeBinary(value.getValue_asU8());
    const fabricMsp = msp.FabricMSPConfig.deserializeBinary(mspConfig.getConfig_asU8());
    const revocationListPem = fabricMsp
      .getRevocationListList_asU8()
      .map((c: Uint8Array) => Buffer.from(c).toString('utf8'));
    orgs.push({
      mspId,
      rootCertsPem: fabricMsp.getRootCertsList_asU8().map((c: Uint8Array) => Buffer.from(c).toString('utf8')),
      ...(revocationListPem.length > 0 ? { revocationListPem } : {}),
    });
  });
  return orgs;
}

/** Reads the channel configuration back from a CONFIG envelope. */
export function parseConfigEnvelope(envelopeBytes: Uint8Array): ChannelConfig {
  const env = common.Envelope.deserializeBinary(envelopeBytes);
  const payload = common.Payload.deserializeBinary(env.getPayload_asU8());
  const header = payload.getHeader();
  if (!header) throw new Error('config envelope has no header');
  const ch = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
  if (ch.getType() !== common.HeaderType.CONFIG) throw new Error('genesis envelope is not a CONFIG transaction');
  const cfgEnv = common.ConfigEnvelope.deserializeBinary(payload.getData_asU8());
  const groups = cfgEnv.getConfig()?.getChannelGroup()?.getGroupsMap();
  return {
    channelId: ch.getChannelId(),
    sequence: cfgEnv.getConfig()?.getSequence() ?? 0,
    applicationOrgs: orgsOf(groups?.get('Application')),
    ordererOrgs: orgsOf(groups?.get('Orderer')),
  };
}
