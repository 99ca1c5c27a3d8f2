/**
 * The chaincode's own name and version, reported by `system:GetVersion`.
 *
 * A constant rather than a read of package.json at run time, so the value is part of the compiled code that
 * every endorser runs; tests/chaincode/version.test.ts keeps it equal to chaincode/package.json.
 */

/** npm package name of this chaincode. */
export const CHAINCODE_NAME = '@hainan/chaincode';

/** npm package version of this chaincode. */
export const CHAINCODE_VERSION = '0.1.0';

/** Identifies the byte format written by ledger-codec.ts; bump it if that format ever changes. */
export const CODEC_VERSION = 'sorted-json-1';
