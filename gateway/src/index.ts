/**
 * Package entry of the gateway: re-exports the Fabric adapter's public surface (ledger client, errors, retry,
 * connection and signer) for other workspaces, benches and tests.
 */
export * from './adapters/fabric';
// The process entry points and what another provider of infrastructure (the embedded default) needs.
export { runGateway, runGatewayProcess, type RunningGateway } from './server';
export {
  keyEncryptionKeysOf,
  type Infrastructure,
  type InfrastructureLog,
  type ProvideInfrastructure,
} from './infrastructure';
export type { Config } from './config';
export { readConnectionProfile, type LedgerSettings } from './ledger/ledger-settings';
