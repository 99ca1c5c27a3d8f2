/**
 * The registry of ledger clients, one Fabric identity per organisation (or per enterprise), sharing one gRPC
 * connection to the peer. The gateway submits under the identity of the caller's organisation so that the chaincode
 * sees the real actor: a customs key signs as the customs identity, an enterprise key as its MSP's identity (the one
 * whose certificate carries the enterprise's `enterpriseId` attribute when there is one).
 *
 * Composes the Fabric adapter's exports (connection, gateway, `LedgerClient`); it never imports @hyperledger/*.
 */
import { readFileSync } from 'node:fs';
import {
    LedgerClient,
    connectGateway,
    newGrpcConnection,
    type GatewayDeadlines,
    type RetryOptions,
} from '../adapters/fabric';
import { newProblem } from '../errors';
import type { LedgerCaller, LedgerClients, LedgerContractPort } from '../ports';
import { readFabricCaAttributes } from './fabric-ca-attributes';
import type { LedgerIdentityFiles, LedgerSettings } from './ledger-settings';

/** The certificate attribute carrying an enterprise's credit code (as the chaincode reads it). */
const ENTERPRISE_ID_ATTRIBUTE = 'enterpriseId';

/** The contract and transaction used as a reachability probe: answers without touching the ledger. */
const PING_CONTRACT = 'system';
const PING_TRANSACTION = 'Ping';

/** Options of {@link newLedgerClients}. */
export interface LedgerClientsOptions {
    settings: LedgerSettings;
    /** MSP that signs for customs keys. */
    customsMspId: string;
    /** Per-call deadlines to override. */
    deadlines?: Partial<GatewayDeadlines>;
    /** Submit retry policy to override. */
    submitRetry?: Readonly<RetryOptions>;
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
export function newLedgerClients(options: Readonly<LedgerClientsOptions>): LedgerClients {
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

    const identityFor = (caller: LedgerCaller): IdentityEntry | undefined => {
        const sameMsp = entries.filter((entry) => entry.files.mspId === caller.mspId);
        return (
            (caller.enterpriseId === null ? undefined : sameMsp.find((entry) => entry.enterpriseId === caller.enterpriseId)) ??
            sameMsp.find((entry) => entry.enterpriseId === undefined)
        );
    };

    const clientFor = (entry: IdentityEntry, contractName: string | undefined): LedgerClient => {
        const cacheKey = `${entry.files.name}\u0000${contractName ?? ''}`;
        let client = clients.get(cacheKey);
        if (!client) {
            const network = entry.gateway.getNetwork(settings.channel);
            client = new LedgerClient({
                contract: network.getContract(settings.chaincode, contractName),
                network,
                ...(options.submitRetry === undefined ? {} : { submitRetry: options.submitRetry }),
            });
            clients.set(cacheKey, client);
        }
        return client;
    };

    return {
        forCaller(caller, contractName): LedgerContractPort {
            const entry = identityFor(caller);
            if (!entry) {
                throw newProblem(
                    'LEDGER_IDENTITY_MISSING',
                    `this gateway holds no Fabric identity for MSP ${caller.mspId}` +
                        (caller.enterpriseId ? ` (enterprise ${caller.enterpriseId})` : '') +
                        '; add one to the connection profile',
                );
            }
            return clientFor(entry, contractName);
        },

        async ping() {
            const entry = identityFor({ mspId: customsMspId, enterpriseId: null }) ?? entries[0];
            if (!entry) {
                throw new Error('no ledger identity configured');
            }
            await clientFor(entry, PING_CONTRACT).evaluate(PING_TRANSACTION);
        },

        close() {
            if (closed) {
                return;
            }
            closed = true;
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
