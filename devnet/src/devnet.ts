/**
 * The dev network in one process: a single-channel Fabric peer (Gateway service, endorser, committer,
 * ledger) with its ordering service, driving chaincode-as-a-service servers over the chaincode protocol.
 * `startDevnet` brings it up from a data directory (generating crypto material and the genesis block on
 * first use) and writes `<data>/connection.json` so that any Fabric client can connect.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { startDevCas, DevCas, CertificateAuthorityProfile, OrganizationProfile } from './ca/dev-cas';
import { join, resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { gateway } from '@hyperledger/fabric-protos';
import { newConfigEnvelope, parseConfigEnvelope } from './channel-config';
import { commitRevocationList } from './config-update';
import { loadOrCreateCryptoMaterial, ORDERER_MSP_ID, PEER_MSP_ID, IdentityFiles } from './crypto-material';
import { privateKeyFromPem, signLowS } from './crypto/ecdsa';
import { ChannelMsp, serializeIdentity } from './msp';
import { Ledger } from './ledger/ledger';
import { ParsedTx } from './ledger/tx-parse';
import { ChaincodeConnection } from './chaincode/chaincode-connection';
import { ChaincodeLaunch, ChaincodeProcess } from './chaincode/chaincode-process';
import { ChaincodeDefinition, Endorser } from './peer/endorser';
import { BatchSettings, Orderer } from './peer/orderer';
import { newGatewayService } from './peer/gateway-service';

/** A chaincode to deploy on the dev network. */
export type ChaincodeSpec = { name: string; version?: string; collections?: string[] } & (
  | ChaincodeLaunch
  | { kind: 'external'; address: string }
);

/** Options of the dev network. */
export interface DevnetOptions {
  dataDir: string;
  host?: string;
  /** gRPC port; 0 picks a free one. */
  port?: number;
  channelId?: string;
  /** The chaincodes to deploy (the project's own: project-chaincode.ts). */
  chaincodes: ChaincodeSpec[];
  batch?: Partial<BatchSettings>;
  /** How long a chaincode may take for one transaction. */
  executeTimeoutMs?: number;
  tls?: boolean;
  /**
   * Port of the dev Fabric CA server (one server, one CA per organisation); 0 (the default) picks a free one,
   * `false` runs no CA.
   */
  caPort?: number | false;
  /**
   * Application organisations left out of the channel's genesis block (e.g. `['EnterpriseMSP']`): their CA still
   * issues identities and the connection profile still lists them, but the peer refuses them as a real peer refuses a
   * creator whose MSP is not in `Application.Organizations` ("creator org unknown"). Only a new data directory's
   * genesis block is affected; the peer's own organisation cannot be left out.
   */
  omitOrgs?: string[];
  log?: (line: string) => void;
}

/** What connection.json holds. */
export interface ConnectionProfile {
  peerEndpoint: string;
  peerHostAlias: string;
  tlsCACertPath?: string;
  channel: string;
  chaincode: string;
  chaincodes: string[];
  peerMspId: string;
  identities: Record<string, IdentityFiles>;
  /** Each organisation and the CA that issues its identities (common connection profile spelling). */
  organizations?: Record<string, OrganizationProfile>;
  /** The dev Fabric CA, one entry per organisation CA: URL, CA name, TLS CA, bootstrap registrar. */
  certificateAuthorities?: Record<string, CertificateAuthorityProfile>;
}

/** A running dev network. */
export interface Devnet {
  endpoint: string;
  /** URL of the dev Fabric CA server, when it runs. */
  caUrl: string | undefined;
  profile: ConnectionProfile;
  profilePath: string;
  ledger: Ledger;
  /**
   * Adds a CRL (PEM, e.g. from the dev CA's gencrl) to an application organisation's MSP by a config block, and
   * applies it at once: from then on a certificate it lists is refused as a real peer refuses it. Throws
   * ConfigUpdateError for an unknown MSP or a CRL not signed by the MSP's root.
   */
  addRevocationList(mspId: string, crlPem: string): Promise<void>;
  /**
   * Stops every chaincode server the dev network started (as an administrator stopping the CCaaS containers): the
   * chaincodes stay defined and each proposal fails, after the dial timeout, with a real peer's launch failure
   * (`could not launch chaincode ...`). External chaincodes are not the dev network's to stop.
   */
  stopChaincodes(): Promise<void>;
  /** Starts the stopped chaincode servers again on their addresses; resolves once each has registered. */
  startChaincodes(): Promise<void>;
  /** While false, submits fail as a real peer's do when no orderer answers (`14 no orderers could successfully process transaction`). */
  setOrdererReachable(reachable: boolean): void;
  close(): Promise<void>;
}

/** The address the dev network's (in-process) orderer is named by in submit errors, as a real network's orderer0. */
export const ORDERER_ADDRESS = 'orderer0.devnet:7050';

/** Tries to reach a chaincode server that is still starting, a bounded number of times. */
async function connectWithRetry(conn: ChaincodeConnection, attempts = 50, delayMs = 200): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await conn.ready();
      return;
    } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}

/** Starts the dev network. */
export async function startDevnet(options: DevnetOptions): Promise<Devnet> {
  const log = options.log ?? (() => undefined);
  const dataDir = resolve(options.dataDir);
  const host = options.host ?? '127.0.0.1';
  const channelId = options.channelId ?? 'mychannel';
  const tls = options.tls ?? true;
  await mkdir(dataDir, { recursive: true });
  const crypto = await loadOrCreateCryptoMaterial(dataDir, undefined, [host, 'localhost']);

  const omitted = new Set(options.omitOrgs ?? []);
  if (omitted.has(PEER_MSP_ID))
    throw new Error(`the peer's own organisation ${PEER_MSP_ID} cannot be left out of the channel`);
  const unknownOmitted = [...omitted].filter((m) => !crypto.orgs.some((o) => o.mspId === m));
  if (unknownOmitted.length > 0)
    throw new Error(
      `no organisation ${unknownOmitted.join(', ')} to leave out (known: ${crypto.orgs.map((o) => o.mspId).join(', ')})`,
    );
  // Channel MSP comes from the genesis block, so the trust roots are the ledger's, not a side file's.
  const genesis = () =>
    newConfigEnvelope(
      {
        channelId,
        applicationOrgs: crypto.orgs
          .filter((o) => !omitted.has(o.mspId))
          .map((o) => ({ mspId: o.mspId, rootCertsPem: [o.caCertPem] })),
        ordererOrgs: [{ mspId: crypto.ordererOrg.mspId, rootCertsPem: [crypto.ordererOrg.caCertPem] }],
      },
      Date.now(),
    );
  let msp: ChannelMsp | undefined;
  const endorsementCheck = (tx: ParsedTx): boolean => {
    if (!msp || !tx.endorsed) return false;
    return tx.endorsed.endorsements.some((e) => {
      try {
        const member = msp!.deserialize(e.endorser);
        return (
          member.ou === 'peer' &&
          msp!.verify(member, Buffer.concat([tx.endorsed!.proposalResponsePayload, e.endorser]), e.signature)
        );
      } catch {
        return false;
      }
    });
  };
  const ledger = await Ledger.open(join(dataDir, 'ledger'), genesis, endorsementCheck);
  if (ledger.truncatedBytes > 0) log(`ledger: dropped a torn tail of ${ledger.truncatedBytes} bytes left by a crash`);
  // The configuration in force is the newest config block's (a config update may have added CRLs since genesis).
  const config = parseConfigEnvelope(ledger.configEnvelope);
  if (config.channelId !== channelId) {
    throw new Error(`data directory holds channel ${config.channelId}, not ${channelId}`);
  }
  msp = await ChannelMsp.create([...config.applicationOrgs, ...config.ordererOrgs]);
  const appMsp = await ChannelMsp.create(config.applicationOrgs);

  const processes: ChaincodeProcess[] = [];
  const processByName = new Map<string, ChaincodeProcess>();
  const definitions = new Map<string, ChaincodeDefinition>();
  const specs = options.chaincodes;
  for (const spec of specs) {
    let address: string;
    if (spec.kind === 'external') {
      address = spec.address;
    } else {
      const proc = await ChaincodeProcess.start(spec.name, spec, PEER_MSP_ID, join(dataDir, 'logs'));
      processes.push(proc);
      address = proc.address;
    }
    const connection = new ChaincodeConnection(spec.name, address);
    definitions.set(spec.name, {
      name: spec.name,
      version: spec.version ?? '1.0',
      connection,
      collections: spec.collections ?? [],
    });
    if (spec.kind !== 'external') processByName.set(spec.name, processes[processes.length - 1]!);
  }
  await Promise.all([...definitions.values()].map((d) => connectWithRetry(d.connection)));

  const peerSigner = {
    mspId: PEER_MSP_ID,
    serialized: serializeIdentity(PEER_MSP_ID, crypto.peer.certPem),
    key: privateKeyFromPem(crypto.peer.keyPem),
  };
  const ordererKey = privateKeyFromPem(crypto.orderer.keyPem);
  const blockSigner = {
    creator: serializeIdentity(ORDERER_MSP_ID, crypto.orderer.certPem),
    sign: (m: Uint8Array) => signLowS(ordererKey, m),
  };
  const endorser = new Endorser(channelId, appMsp, ledger, definitions, peerSigner, options.executeTimeoutMs ?? 30_000);
  const orderer = new Orderer(
    ledger,
    { maxMessageCount: options.batch?.maxMessageCount ?? 10, batchTimeoutMs: options.batch?.batchTimeoutMs ?? 200 },
    blockSigner,
    (err) => log(`commit failed: ${(err as Error).stack ?? err}`),
  );

  const server = new grpc.Server({
    'grpc.max_receive_message_length': 100 * 1024 * 1024,
    'grpc.max_send_message_length': 100 * 1024 * 1024,
  });
  const creds = tls
    ? grpc.ServerCredentials.createSsl(
        null,
        [{ private_key: Buffer.from(crypto.tls.keyPem), cert_chain: Buffer.from(crypto.tls.certPem) }],
        false,
      )
    : grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((res, rej) =>
    server.bindAsync(`${host}:${options.port ?? 7051}`, creds, (err, p) => (err ? rej(err) : res(p))),
  );
  const endpoint = `${host}:${port}`;
  server.addService(
    gateway.GatewayService as unknown as grpc.ServiceDefinition,
    newGatewayService({
      channelId,
      peerAddress: endpoint,
      peerMspId: PEER_MSP_ID,
      ordererAddress: ORDERER_ADDRESS,
      ordererMspId: ORDERER_MSP_ID,
      msp: appMsp,
      ledger,
      endorser,
      orderer,
    }),
  );

  let cas: DevCas | undefined;
  if (options.caPort !== false) {
    cas = await startDevCas({
      dataDir,
      host,
      port: options.caPort ?? 0,
      orgs: crypto.orgs,
      tls: tls
        ? { certPem: crypto.tls.certPem, keyPem: crypto.tls.keyPem, caCertPath: crypto.tls.caCertPath }
        : undefined,
      log,
    });
  }

  const profile: ConnectionProfile = {
    peerEndpoint: endpoint,
    peerHostAlias: 'peer0.customs.devnet',
    ...(tls ? { tlsCACertPath: crypto.tls.caCertPath } : {}),
    channel: channelId,
    chaincode: specs[0]?.name ?? '',
    chaincodes: specs.map((s) => s.name),
    peerMspId: PEER_MSP_ID,
    identities: crypto.identities,
    ...(cas ? { organizations: cas.organizations, certificateAuthorities: cas.certificateAuthorities } : {}),
  };
  const profilePath = join(dataDir, 'connection.json');
  await writeFile(profilePath, JSON.stringify(profile, null, 2));
  log(
    `dev peer listening on ${endpoint} (channel ${channelId}, height ${ledger.height}, tls ${tls ? 'on' : 'off'}, organisations ${config.applicationOrgs.map((o) => o.mspId).join(', ')})`,
  );
  if (cas) log(`dev Fabric CA listening on ${cas.url} (CAs ${cas.caNames.join(', ')})`);

  let closed = false;
  return {
    endpoint,
    caUrl: cas?.url,
    profile,
    profilePath,
    ledger,
    async addRevocationList(mspId, crlPem) {
      const next = await commitRevocationList(ledger, blockSigner, mspId, crlPem);
      await appMsp.reconfigure(next.applicationOrgs);
      await msp!.reconfigure([...next.applicationOrgs, ...next.ordererOrgs]);
      log(`config block ${ledger.height - 1}: CRL added to ${mspId} (config sequence ${next.sequence})`);
    },
    async stopChaincodes() {
      await Promise.all(processes.map((p) => p.pause()));
      log(`chaincode servers stopped: ${[...processByName.keys()].join(', ')}`);
    },
    async startChaincodes() {
      for (const p of processes) p.resume();
      await Promise.all([...processByName.keys()].map((name) => connectWithRetry(definitions.get(name)!.connection)));
      log(`chaincode servers started: ${[...processByName.keys()].join(', ')}`);
    },
    setOrdererReachable(reachable) {
      orderer.reachable = reachable;
      log(`orderer ${reachable ? 'reachable' : 'unreachable'}`);
    },
    async close() {
      if (closed) return;
      closed = true;
      await cas?.close();
      await orderer.stop();
      await new Promise<void>((r) => server.tryShutdown(() => r()));
      server.forceShutdown();
      for (const d of definitions.values()) d.connection.close();
      await ledger.close();
      await Promise.all(processes.map((p) => p.stop()));
    },
  };
}
