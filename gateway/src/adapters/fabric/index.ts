/**
 * Public surface of the Fabric adapter, the one place in the gateway that imports @hyperledger/fabric-gateway and
 * @grpc/grpc-js. Everything else talks to the ledger through these exports.
 */
export {
  LedgerError,
  LedgerErrorCode,
  parseChaincodeFailure,
  toLedgerError,
  type IdentityRefusal,
  type LedgerErrorCodeValue,
  type LedgerErrorKind,
  type LedgerErrorProperties,
} from './errors';
export {
  DEFAULT_SUBMIT_RETRY_POLICY,
  MAX_ATTEMPTS_LIMIT,
  MAX_DELAY_MS_LIMIT,
  fullJitterDelayMs,
  withRetry,
  type RetryEvent,
  type RetryOptions,
  type RetryPolicy,
} from './retry';
export {
  HASH_FOR_NODE_SIGNER,
  isLowSSignature,
  newNodeCryptoSigner,
  normaliseLowS,
  signP256LowS,
} from './signer';
export {
  DEFAULT_GATEWAY_DEADLINES,
  DEFAULT_KEEPALIVE_TIME_MS,
  DEFAULT_KEEPALIVE_TIMEOUT_MS,
  connectGateway,
  newGrpcConnection,
  type ConnectGatewayOptions,
  type GatewayDeadlines,
  type GrpcConnectionOptions,
} from './connection';
export {
  LedgerClient,
  MAX_OPEN_EVENT_STREAMS,
  decodeJsonResult,
  type LedgerArgument,
  type LedgerChaincodeEvent,
  type LedgerCheckpoint,
  type LedgerClientOptions,
  type LedgerContract,
  type LedgerEventStream,
  type LedgerNetwork,
  type SubmitOptions,
} from './ledger-client';
export { openLedgerClient, type LedgerConnectionConfig } from './open-ledger-client';
export {
  newOfflineSigning,
  type CertificateIdentity,
  type CommitOutcome,
  type EndorsedTransaction,
  type OfflineSigning,
  type OfflineSigningOptions,
  type PreparedProposal,
} from './offline-signing';
export {
  DEFAULT_ORDERER_PROBE_INTERVAL_MS,
  NotReadyError,
  OrdererWatch,
  PROBE_CONTRACT,
  PROBE_TRANSACTION,
  endorsementReason,
  newCommitPathProbe,
  processOrdererWatch,
  type CommitPathProbeOptions,
  type NotReadyReason,
} from './readiness';
export { explainLedgerError, identityName, type SigningContext } from './explain';
