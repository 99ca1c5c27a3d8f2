/**
 * Chaincode entry point. fabric-shim's bootstrap (`fabric-chaincode-node server`) loads package.json `main`
 * and registers the classes in `contracts`; the first one is the default contract for unqualified names.
 */
import { ItemContract } from './contracts/item-contract';
import { TraceabilitySystemContract } from './contracts/system-contract';

/** The contracts this chaincode serves: `system` (default) and `item`. */
export const contracts = [TraceabilitySystemContract, ItemContract];
