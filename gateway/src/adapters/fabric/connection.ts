/**
 * Opens the gRPC connection to a Fabric Gateway peer and connects the Fabric Gateway client over it.
 *
 * One gRPC `Client` is meant to be shared by the whole process (HTTP/2 multiplexes every call); close the `Gateway`
 * first, then the `Client`, at shutdown. Follows fabric-samples trader-typescript `connect.ts`, with two changes:
 * requests are signed by the `node:crypto` signer (see signer.ts) and the identity is checked against the key at
 * start-up rather than at the first refused request.
 */
import * as grpc from '@grpc/grpc-js';
import { connect, type Gateway } from '@hyperledger/fabric-gateway';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { HASH_FOR_NODE_SIGNER, newNodeCryptoSigner } from './signer';

/**
 * Interval between keepalive pings on an idle connection, in milliseconds. A Fabric peer answers pings more
 * frequent than its `peer.keepalive.minInterval` (60 s by default) with GOAWAY `too_many_pings`, so stay above it.
 */
export const DEFAULT_KEEPALIVE_TIME_MS = 120_000;

/** How long to wait for a keepalive ping's acknowledgement before dropping the connection, in milliseconds. */
export const DEFAULT_KEEPALIVE_TIMEOUT_MS = 20_000;

/** Where and how to reach the gateway peer. */
export interface GrpcConnectionOptions {
  /** `host:port` of the peer's gateway service, e.g. `localhost:7051`. */
  endpoint: string;
  /** PEM of the CA that issued the peer's TLS certificate. Without it the connection is plaintext (dev peer only). */
  tlsCaCertPem?: string | Buffer;
  /** Name to expect in the peer's TLS certificate when it differs from the endpoint host (e.g. `peer0.org1.example.com`). */
  hostAlias?: string;
  /** Keepalive ping interval, in milliseconds; defaults to {@link DEFAULT_KEEPALIVE_TIME_MS}. */
  keepaliveTimeMs?: number;
  /** Keepalive acknowledgement timeout, in milliseconds; defaults to {@link DEFAULT_KEEPALIVE_TIMEOUT_MS}. */
  keepaliveTimeoutMs?: number;
}

/**
 * Create the gRPC client for a gateway peer. It connects lazily, on the first call.
 *
 * @param options - Endpoint, optional TLS CA and host alias, optional keepalive timings.
 * @returns A grpc-js `Client`, to pass to {@link connectGateway} and to `close()` at shutdown.
 */
export function newGrpcConnection(options: Readonly<GrpcConnectionOptions>): grpc.Client {
  if (options.endpoint.trim() === '') {
    throw new Error('Fabric gateway endpoint is empty');
  }
  const keepaliveTimeMs = options.keepaliveTimeMs ?? DEFAULT_KEEPALIVE_TIME_MS;
  const keepaliveTimeoutMs = options.keepaliveTimeoutMs ?? DEFAULT_KEEPALIVE_TIMEOUT_MS;
  assertPositiveMs('keepaliveTimeMs', keepaliveTimeMs);
  assertPositiveMs('keepaliveTimeoutMs', keepaliveTimeoutMs);

  const clientOptions: grpc.ClientOptions = {
    'grpc.keepalive_time_ms': keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': keepaliveTimeoutMs,
    // Keep pinging an idle connection: the event stream may be silent for hours and the next submit should not
    // pay for a reconnect. Fabric peers permit pings without active streams.
    'grpc.keepalive_permit_without_calls': 1,
    // 0 = no limit on pings without data. grpc-core honours it; grpc-js ignores it (it has no such limit),
    // so it only documents intent should the transport change.
    'grpc.http2.max_pings_without_data': 0,
  };
  if (options.hostAlias) {
    clientOptions['grpc.ssl_target_name_override'] = options.hostAlias;
  }
  const credentials = options.tlsCaCertPem
    ? grpc.credentials.createSsl(Buffer.from(options.tlsCaCertPem))
    : grpc.credentials.createInsecure();
  return new grpc.Client(options.endpoint, credentials, clientOptions);
}

/** Per-call deadlines, in milliseconds, measured from the start of each gRPC call. */
export interface GatewayDeadlines {
  /** Evaluate (query) call. */
  evaluateTimeoutMs: number;
  /** Endorse call: runs the chaincode on the endorsing peers. */
  endorseTimeoutMs: number;
  /** Submit call: hands the endorsed transaction to the ordering service. */
  submitTimeoutMs: number;
  /** Commit-status call: waits until the transaction is in a block. */
  commitStatusTimeoutMs: number;
}

/** The deadlines fabric-samples use: 5 s evaluate, 15 s endorse, 5 s submit, 60 s commit status. */
export const DEFAULT_GATEWAY_DEADLINES: Readonly<GatewayDeadlines> = Object.freeze({
  evaluateTimeoutMs: 5_000,
  endorseTimeoutMs: 15_000,
  submitTimeoutMs: 5_000,
  commitStatusTimeoutMs: 60_000,
});

/** What {@link connectGateway} needs. */
export interface ConnectGatewayOptions {
  /** From {@link newGrpcConnection}. */
  client: grpc.Client;
  /** The client identity: MSP id and PEM X.509 certificate issued by that MSP's CA. */
  identity: { mspId: string; certPem: string | Buffer };
  /** PEM private key (PKCS#8 or SEC1, P-256) matching `identity.certPem`. */
  keyPem: string | Buffer;
  /** Deadlines to override; unspecified ones keep {@link DEFAULT_GATEWAY_DEADLINES}. */
  deadlines?: Partial<GatewayDeadlines>;
}

/**
 * Connect the Fabric Gateway client, signing with the `node:crypto` signer.
 *
 * Event streams get no deadline: they are meant to stay open. The returned `Gateway` holds no resources of its own;
 * closing the gRPC client ends every call.
 *
 * @param options - gRPC client, identity, key and optional deadlines.
 * @returns A connected `Gateway`.
 * @throws Error if the certificate cannot be parsed or does not match the key (caught here, not by the peer).
 */
export function connectGateway(options: Readonly<ConnectGatewayOptions>): Gateway {
  const { mspId, certPem } = options.identity;
  if (mspId.trim() === '') {
    throw new Error('Fabric identity mspId is empty');
  }
  const privateKey = createPrivateKey(options.keyPem);
  const certificate = new X509Certificate(certPem);
  if (!certificate.checkPrivateKey(privateKey)) {
    // The peer would refuse every request with "access denied: ... creator org [<mspId>]".
    throw new Error(`Fabric identity certificate (${certificate.subject}) does not match the private key`);
  }
  const deadlines = { ...DEFAULT_GATEWAY_DEADLINES, ...options.deadlines };
  for (const [name, value] of Object.entries(deadlines)) {
    assertPositiveMs(name, value);
  }

  return connect({
    client: options.client,
    identity: { mspId, credentials: Buffer.from(certPem) },
    signer: newNodeCryptoSigner(privateKey),
    hash: HASH_FOR_NODE_SIGNER,
    evaluateOptions: () => ({ deadline: Date.now() + deadlines.evaluateTimeoutMs }),
    endorseOptions: () => ({ deadline: Date.now() + deadlines.endorseTimeoutMs }),
    submitOptions: () => ({ deadline: Date.now() + deadlines.submitTimeoutMs }),
    commitStatusOptions: () => ({ deadline: Date.now() + deadlines.commitStatusTimeoutMs }),
  });
}

function assertPositiveMs(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive number of milliseconds, got ${value}`);
  }
}
