/** The dev Fabric network: programmatic entry points. */
export { startDevnet } from './devnet';
export { PROJECT_CHAINCODE, REPO_ROOT } from './project-chaincode';
export type { Devnet, DevnetOptions, ChaincodeSpec, ConnectionProfile } from './devnet';
export { TxCode } from './ledger/ledger';
export type { CertificateAuthorityProfile, OrganizationProfile } from './ca/dev-cas';
export { BOOTSTRAP_ENROLLMENT_ID } from './ca/dev-cas';
