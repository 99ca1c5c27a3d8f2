/**
 * Composition root of the Fabric adapter: gRPC connection → Gateway → Network → Contract → {@link LedgerClient}.
 *
 * The process wrapper calls this once at start-up and `close()`s the result at shutdown; closing it closes the event
 * streams, then the Gateway, then the gRPC connection, in that order.
 */
import { connectGateway, newGrpcConnection, type GatewayDeadlines, type GrpcConnectionOptions } from './connection';
import { LedgerClient } from './ledger-client';
import type { RetryOptions } from './retry';

/** Everything needed to reach one chaincode on one channel. */
export interface LedgerConnectionConfig extends GrpcConnectionOptions {
  /** Channel name, e.g. `mychannel`. */
  channelName: string;
  /** Chaincode name, e.g. `traceability`. */
  chaincodeName: string;
  /** Contract name inside the chaincode, when it holds several. */
  contractName?: string;
  /** Client identity: MSP id and PEM certificate. */
  identity: { mspId: string; certPem: string | Buffer };
  /** PEM private key matching the certificate. */
  keyPem: string | Buffer;
  /** Per-call deadlines to override. */
  deadlines?: Partial<GatewayDeadlines>;
  /** Submit retry policy to override. */
  submitRetry?: Readonly<RetryOptions>;
}

/**
 * Connect to the chaincode and return a ready {@link LedgerClient}. No network traffic happens until the first call.
 *
 * @param config - Endpoint, TLS, identity, channel and chaincode.
 * @returns A client whose `close()` also closes the Gateway and the gRPC connection.
 * @throws Error on an invalid configuration (empty endpoint, key not matching the certificate, bad deadline).
 */
export function openLedgerClient(config: Readonly<LedgerConnectionConfig>): LedgerClient {
  const client = newGrpcConnection(config);
  try {
    const gateway = connectGateway({
      client,
      identity: config.identity,
      keyPem: config.keyPem,
      ...(config.deadlines === undefined ? {} : { deadlines: config.deadlines }),
    });
    const network = gateway.getNetwork(config.channelName);
    const contract = network.getContract(config.chaincodeName, config.contractName);
    return new LedgerClient({
      contract,
      network,
      ...(config.submitRetry === undefined ? {} : { submitRetry: config.submitRetry }),
      onClose: () => {
        gateway.close();
        client.close();
      },
    });
  } catch (err: unknown) {
    client.close();
    throw err;
  }
}
