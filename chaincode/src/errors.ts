/**
 * Stable error codes for every failure a caller can cause: defined in @hainan/ledger-model (the gateway and any
 * client read the same codes), re-exported here for the chaincode's modules.
 *
 * The contract API sends only `error.message` back to the peer, and the client sees it as
 * `chaincode response 500, <message>`; the code travels at the very start of the message, `CODE: detail`.
 */
export {
  ChaincodeError,
  ErrorCode,
  newAccessDenied,
  newAlreadyExists,
  newInvalidArgument,
  newInvalidTransition,
  newNotFound,
  parseErrorCode,
} from '@hainan/ledger-model';
