/**
 * The registry of ledger clients, one Fabric identity per organisation (or per enterprise), sharing one gRPC
 * connection to the peer. The gateway submits under the identity of the caller's organisation so that the chaincode
 * sees the real actor: a customs key signs as the customs identity, an enterprise key as its MSP's identity (the one
 * whose certificate carries the enterprise's `enterpriseId` attribute when there is one).
 *
 * Enterprises onboarded through the API have their own identity in the identity store (`stored`): it is loaded
 * when the enterprise first calls and its connected client kept in a bounded LRU (`maxActiveIdentities`), every one
 * a `Gateway` over the same gRPC connection, so memory follows the active enterprises, not the registered ones. The
 * profile's static identities serve customs, operators and deployments that configure identities by hand.
 *
 * Every submit of a step that creates items or claims codes goes through the process's submission lanes
 * (run-lanes.ts): one at a time per run of serials or codes, so that callers creating into one run do not race each
 * other to a read conflict.
 *
 * Composes the Fabric adapter's exports (connection, gateway, `LedgerClient`); it never imports @hyperledger/*.
 */
import { readFileSync } from 'node:fs';
import { createsIntoRuns, runKeysCreatedBy } from '@hainan/ledger-model';
import {
  LedgerClient,
  LedgerError,
  connectGateway,
  newCommitPathProbe,
  newGrpcConnection,
  newOfflineSigning,
  type GatewayDeadlines,
  type OfflineSigning,
  type RetryOptions,
} from '../adapters/fabric';
import { newProblem, ProblemError } from '../errors';
import { identityExpiredProblem, type LoadedIdentity, type StoredIdentitySource } from '../identity/identity-registry';
import { LruMap } from '../identity/lru';
import type { LedgerArgumentValue, LedgerCaller, LedgerClients, LedgerContractPort } from '../ports';
import { readFabricCaAttributes } from './fabric-ca-attributes';
import type { LedgerIdentityFiles, LedgerSettings } from './ledger-settings';
import { RunLanes } from './run-lanes';

/** The certificate attribute carrying an enterprise's credit code (as the chaincode reads it). */
const ENTERPRISE_ID_ATTRIBUTE = 'enterpriseId';

/** Options of {@link newLedgerClients}. */
export interface LedgerClientsOptions {
  settings: LedgerSettings;
  /** MSP that signs for customs keys. */
  customsMspId: string;
  /** Per-call deadlines to override. */
  deadlines?: Partial<GatewayDeadlines>;
  /** Submit retry policy to override. */
  submitRetry?: Readonly<RetryOptions>;
  /** Enterprises' own identities (onboarding); without it only the profile's identities sign. */
  stored?: StoredIdentitySource;
  /** Most stored identities connected at once (LRU); default {@link DEFAULT_MAX_ACTIVE_IDENTITIES}. */
  maxActiveIdentities?: number;
  /** How long a connected stored identity is used before the store is read again (a renewal by another process). */
  storedIdentityTtlMs?: number;
}

/** The registry, plus the offline-signing flow over its connection (bring your own key). */
export interface FabricLedgerClients extends LedgerClients {
  /**
   * Fabric's offline-signing flow over the shared connection, asking commit statuses as customs: for enterprises
   * whose key the gateway never holds (ledger/signing-sessions.ts).
   *
   * @throws Error when the profile has no customs identity.
   */
  offlineSigning(): OfflineSigning;
}

/** Default size of the LRU of connected enterprise identities. */
export const DEFAULT_MAX_ACTIVE_IDENTITIES = 1_000;
/** Default time a connected stored identity is trusted without reading the store again. */
export const DEFAULT_STORED_IDENTITY_TTL_MS = 10 * 60_000;

/**
 * The run keys a submit creates into (ledger-model `runKeysCreatedBy`), from the JSON request the step routes and
 * capture send as the only argument; none for other steps, or for a request that is not JSON (the chain refuses it).
 */
function laneKeysOf(
  contractName: string | undefined,
  transactionName: string,
  args: readonly LedgerArgumentValue[] | undefined,
): string[] {
  const step = contractName === undefined ? transactionName : `${contractName}:${transactionName}`;
  const arg = args?.[0];
  if (!createsIntoRuns(step) || arg === undefined) return [];
  try {
    return runKeysCreatedBy(step, JSON.parse(typeof arg === 'string' ? arg : new TextDecoder().decode(arg)));
  } catch {
    return [];
  }
}

/** `port` whose submits creating into runs wait their turn in `lanes`; evaluations pass straight through. */
function laned(port: LedgerContractPort, lanes: RunLanes, contractName: string | undefined): LedgerContractPort {
  return {
    evaluate: <T>(name: string, args?: readonly LedgerArgumentValue[]) => port.evaluate<T>(name, args),
    submit: <T>(
      name: string,
      args?: readonly LedgerArgumentValue[],
      submitOptions?: Parameters<LedgerContractPort['submit']>[2],
    ) => {
      const keys = laneKeysOf(contractName, name, args);
      const submit = () => port.submit<T>(name, args, submitOptions);
      return keys.length === 0 ? submit() : lanes.run(keys, submit);
    },
  };
}

interface IdentityEntry {
  readonly files: LedgerIdentityFiles;
  readonly enterpriseId: string | undefined;
  readonly gateway: ReturnType<typeof connectGateway>;
}

/**
 * Open the registry: read every identity, check each key against its certificate, connect (lazily: no network
 * traffic until the first call).
 *
 * @param options - Settings and the customs MSP.
 * @returns The registry; `close()` it at shutdown.
 * @throws Error on an unreadable file or a key that does not match its certificate.
 */
export function newLedgerClients(options: Readonly<LedgerClientsOptions>): FabricLedgerClients {
  const { settings, customsMspId } = options;
  const grpcClient = newGrpcConnection({
    endpoint: settings.endpoint,
    ...(settings.tlsCaCertPath === undefined ? {} : { tlsCaCertPem: readFileSync(settings.tlsCaCertPath) }),
    ...(settings.hostAlias === undefined ? {} : { hostAlias: settings.hostAlias }),
  });
  const entries: IdentityEntry[] = [];
  try {
    for (const files of settings.identities) {
      const certPem = readFileSync(files.certPath);
      const gateway = connectGateway({
        client: grpcClient,
        identity: { mspId: files.mspId, certPem },
        keyPem: readFileSync(files.keyPath),
        ...(options.deadlines === undefined ? {} : { deadlines: options.deadlines }),
      });
      entries.push({ files, enterpriseId: readFabricCaAttributes(certPem)[ENTERPRISE_ID_ATTRIBUTE], gateway });
    }
  } catch (err: unknown) {
    grpcClient.close();
    throw err;
  }

  const clients = new Map<string, LedgerClient>();
  let closed = false;
  // One set of lanes for every caller: enterprises creating into one run are exactly the callers that race.
  const lanes = new RunLanes();

  // Enterprises' own identities: a connected client per contract, or the static identity the store sent us back to.
  type Resolved =
    | {
        readonly kind: 'stored';
        readonly identity: Omit<LoadedIdentity, 'keyPem'>;
        readonly gateway: ReturnType<typeof connectGateway>;
        readonly clients: Map<string, LedgerClient>;
        readonly loadedAt: number;
      }
    | { readonly kind: 'static'; readonly entry: IdentityEntry; readonly loadedAt: number };
  const stored = options.stored;
  const ttlMs = options.storedIdentityTtlMs ?? DEFAULT_STORED_IDENTITY_TTL_MS;
  // Eviction drops the references only: Gateway.close() holds nothing, and a request still using an evicted client
  // finishes with it (request clients open no event streams).
  const active = new LruMap<string, Resolved>(options.maxActiveIdentities ?? DEFAULT_MAX_ACTIVE_IDENTITIES);
  const loading = new Map<string, Promise<Resolved>>();
  const callerKey = (caller: LedgerCaller) => `${caller.mspId}\u0000${caller.enterpriseId ?? ''}`;

  const resolveStored = (caller: LedgerCaller): Promise<Resolved> => {
    const key = callerKey(caller);
    let pending = loading.get(key);
    if (pending) return pending;
    pending = (async (): Promise<Resolved> => {
      const loaded = await (stored as StoredIdentitySource).load(caller);
      if (!loaded) {
        const entry = identityFor(caller);
        if (!entry) throw missing(caller);
        return { kind: 'static', entry, loadedAt: Date.now() };
      }
      try {
        const gateway = connectGateway({
          client: grpcClient,
          identity: { mspId: loaded.mspId, certPem: loaded.certPem },
          keyPem: loaded.keyPem,
          ...(options.deadlines === undefined ? {} : { deadlines: options.deadlines }),
        });
        const { keyPem: _key, ...identity } = loaded;
        return { kind: 'stored', identity, gateway, clients: new Map(), loadedAt: Date.now() };
      } finally {
        loaded.keyPem.fill(0); // the signer holds a KeyObject; the PEM bytes are not kept
      }
    })();
    loading.set(key, pending);
    pending
      .then(
        (resolved) => {
          if (loading.get(key) === pending && !closed) active.set(key, resolved);
        },
        () => undefined,
      )
      .finally(() => {
        if (loading.get(key) === pending) loading.delete(key);
      });
    return pending;
  };

  /** A client of one contract of the chaincode, signing as `gateway`'s identity. */
  const contractClient = (
    gateway: ReturnType<typeof connectGateway>,
    contractName: string | undefined,
  ): LedgerClient => {
    const network = gateway.getNetwork(settings.channel);
    const { mspId, credentials } = gateway.getIdentity();
    return new LedgerClient({
      contract: network.getContract(settings.chaincode, contractName),
      network,
      // Refusals and settings mismatches name this identity, its MSP and what to change.
      signing: { mspId, certificate: credentials, channel: settings.channel, chaincode: settings.chaincode },
      ...(options.submitRetry === undefined ? {} : { submitRetry: options.submitRetry }),
    });
  };

  const storedClient = (
    resolved: Extract<Resolved, { kind: 'stored' }>,
    key: string,
    contractName: string | undefined,
  ): LedgerContractPort => {
    const { identity } = resolved;
    if (identity.notAfter.getTime() <= Date.now()) {
      active.delete(key);
      throw identityExpiredProblem(identity.enterpriseId, identity.notAfter);
    }
    let client = resolved.clients.get(contractName ?? '');
    if (!client) {
      client = contractClient(resolved.gateway, contractName);
      resolved.clients.set(contractName ?? '', client);
    }
    const port = client;
    // The peer refusing an enterprise's own certificate (revoked in the channel's CRL, or no longer trusted) is
    // that enterprise's problem, not a gateway fault: a 403 with its code, and the store is read again next time.
    const refused = (err: unknown): never => {
      // A channel without the enterprise's MSP is the channel's problem, not the enterprise's: 503 IDENTITY_REFUSED.
      if (err instanceof LedgerError && err.kind === 'identity' && err.identityRefusal !== 'msp-unknown') {
        active.delete(key);
        throw newProblem(
          'LEDGER_IDENTITY_REFUSED',
          `the peer refused the certificate of enterprise ${identity.enterpriseId}`,
          { cause: err },
        );
      }
      throw err;
    };
    return {
      evaluate: <T>(name: string, args?: readonly LedgerArgumentValue[]) => port.evaluate<T>(name, args).catch(refused),
      submit: <T>(
        name: string,
        args?: readonly LedgerArgumentValue[],
        submitOptions?: Parameters<LedgerContractPort['submit']>[2],
      ) => port.submit<T>(name, args, submitOptions).catch(refused),
    };
  };

  const viaResolved = (resolved: Resolved, key: string, contractName: string | undefined): LedgerContractPort =>
    resolved.kind === 'static' ? clientFor(resolved.entry, contractName) : storedClient(resolved, key, contractName);

  /** A port that resolves the caller's stored identity on its first call. */
  const lazyPort = (caller: LedgerCaller, key: string, contractName: string | undefined): LedgerContractPort => {
    const port = async () => viaResolved(await resolveStored(caller), key, contractName);
    return {
      evaluate: async <T>(name: string, args?: readonly LedgerArgumentValue[]) =>
        (await port()).evaluate<T>(name, args),
      submit: async <T>(
        name: string,
        args?: readonly LedgerArgumentValue[],
        submitOptions?: Parameters<LedgerContractPort['submit']>[2],
      ) => (await port()).submit<T>(name, args, submitOptions),
    };
  };

  const identityFor = (caller: LedgerCaller): IdentityEntry | undefined => {
    const sameMsp = entries.filter((entry) => entry.files.mspId === caller.mspId);
    return (
      (caller.enterpriseId === null
        ? undefined
        : sameMsp.find((entry) => entry.enterpriseId === caller.enterpriseId)) ??
      sameMsp.find((entry) => entry.enterpriseId === undefined)
    );
  };

  const missing = (caller: LedgerCaller): ProblemError =>
    newProblem(
      'LEDGER_IDENTITY_MISSING',
      `this gateway holds no Fabric identity for MSP ${caller.mspId}` +
        (caller.enterpriseId ? ` (enterprise ${caller.enterpriseId})` : '') +
        '; add one to the connection profile',
    );

  const clientFor = (entry: IdentityEntry, contractName: string | undefined): LedgerClient => {
    const cacheKey = `${entry.files.name}\u0000${contractName ?? ''}`;
    let client = clients.get(cacheKey);
    if (!client) {
      client = contractClient(entry.gateway, contractName);
      clients.set(cacheKey, client);
    }
    return client;
  };

  let offline: OfflineSigning | undefined;
  let commitPathProbe: (() => Promise<void>) | undefined;
  return {
    offlineSigning() {
      if (offline) return offline;
      const customs = identityFor({ mspId: customsMspId, enterpriseId: null });
      if (!customs)
        throw new Error(
          `offline signing asks commit statuses as customs: the profile holds no identity of ${customsMspId}`,
        );
      offline = newOfflineSigning({
        client: grpcClient,
        channelName: settings.channel,
        chaincodeName: settings.chaincode,
        statusGateway: customs.gateway,
        statusIdentity: { mspId: customs.files.mspId, certPem: readFileSync(customs.files.certPath) },
        ...(options.deadlines === undefined ? {} : { deadlines: options.deadlines }),
      });
      return offline;
    },

    forCaller(caller, contractName): LedgerContractPort {
      if (stored && caller.enterpriseId !== null && stored.servesMsp(caller.mspId)) {
        const key = callerKey(caller);
        const hit = active.get(key);
        if (hit && Date.now() - hit.loadedAt < ttlMs)
          return laned(viaResolved(hit, key, contractName), lanes, contractName);
        return laned(lazyPort(caller, key, contractName), lanes, contractName);
      }
      const entry = identityFor(caller);
      if (!entry) throw missing(caller);
      return laned(clientFor(entry, contractName), lanes, contractName);
    },

    evict(caller) {
      const key = callerKey(caller);
      active.delete(key);
      loading.delete(key); // a load in flight is then not cached
    },

    activeIdentities: () => active.size,

    async ping() {
      const entry = identityFor({ mspId: customsMspId, enterpriseId: null }) ?? entries[0];
      if (!entry) {
        throw new Error('no ledger identity configured');
      }
      // Can a transaction commit: endorsement by the policy's organisations and the orderer (adapters/fabric/readiness.ts).
      commitPathProbe ??= newCommitPathProbe({
        gateway: entry.gateway,
        channel: settings.channel,
        chaincode: settings.chaincode,
      });
      await commitPathProbe();
    },

    close() {
      if (closed) {
        return;
      }
      closed = true;
      active.clear();
      // Event streams first (inside each client), then the gateways, then the shared connection.
      for (const client of Array.from(clients.values())) {
        client.close();
      }
      for (const entry of entries) {
        entry.gateway.close();
      }
      grpcClient.close();
    },
  };
}
