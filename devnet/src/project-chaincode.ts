/**
 * Where this repository keeps its chaincode. The dev peer itself runs whatever chaincodes its caller names
 * (`startDevnet({ chaincodes })`); the callers that want the project's own — the devnet CLI without `--chaincode*`
 * and the embedded default of `npm start` — take it from here, so the folder path is written once.
 */
import { join, resolve } from 'node:path';
import type { ChaincodeSpec } from './devnet';

/** Repository root, from devnet/dist or devnet/src. */
export const REPO_ROOT = resolve(__dirname, '..', '..');

/** The traceability chaincode of `chaincode/`, with its private data collection. */
export const PROJECT_CHAINCODE: ChaincodeSpec = {
  name: 'traceability',
  kind: 'contract',
  modulePath: join(REPO_ROOT, 'chaincode'),
  collections: ['buyerDetails'],
};
