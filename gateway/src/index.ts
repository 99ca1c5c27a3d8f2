/**
 * Package entry of the gateway: re-exports the Fabric adapter's public surface (ledger client, errors, retry,
 * connection and signer) for other workspaces, benches and tests.
 */
export * from './adapters/fabric';
