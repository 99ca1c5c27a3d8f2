/**
 * Chaincode entry point. fabric-shim's bootstrap (`fabric-chaincode-node server`) loads package.json `main`
 * and registers the classes in `contracts`; the first one is the default contract for unqualified names.
 */
import { quietDisabledShimLogLevels } from './shim-logging';
import { TraceabilitySystemContract } from './contracts/system-contract';
import { GoodsContract } from './contracts/goods-contract';
import { SaleContract } from './contracts/sale-contract';
import { CustomsContract } from './contracts/customs-contract';
import { AccountContract } from './contracts/account-contract';
import { QueryContract } from './contracts/query-contract';
import { RequestContract } from './contracts/request-contract';

quietDisabledShimLogLevels();

/** The contracts this chaincode serves: `system` (default), `goods`, `sale`, `customs`, `account`, `query`,
 * `requests`. */
export const contracts = [
  TraceabilitySystemContract,
  GoodsContract,
  SaleContract,
  CustomsContract,
  AccountContract,
  QueryContract,
  RequestContract,
];
