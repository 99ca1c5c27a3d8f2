/**
 * Request validation for transaction arguments (field readers and patterns): defined once in @hainan/ledger-model,
 * where the gateway checks capture requests with the same functions, re-exported for the chaincode.
 */
export {
  bool,
  HEX64,
  HS_CODE,
  int,
  itemIdOf,
  list,
  obj,
  oneOf,
  optInt,
  optObj,
  optStr,
  parseRequest,
  PERSON_CODE,
  REF,
  str,
  TRACE_CODE,
  unique,
  USCC,
  type Fields,
} from '@hainan/ledger-model';
