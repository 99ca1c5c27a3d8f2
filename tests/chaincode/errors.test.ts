// Proves every user-caused chaincode error carries a stable code at the start of its message, readable back by parseErrorCode.
// How: builds each error with its factory, checks message/code/class, and parses messages as a client receives them from the peer.
import t from 'tap';
import {
  ChaincodeError,
  ErrorCode,
  newAccessDenied,
  newAlreadyExists,
  newInvalidArgument,
  newInvalidTransition,
  newNotFound,
  parseErrorCode,
} from '@hainan/ledger-model';

t.test('the set of codes is stable (renaming one breaks every client that reads it)', async (t) => {
  t.same(Object.values(ErrorCode).sort(), [
    'ACCESS_DENIED',
    'ALREADY_EXISTS',
    'ALREADY_SUSPENDED',
    'ALREADY_WRITTEN_OFF',
    'BATCH_EXIT_NOT_ALLOWED',
    'BATCH_EXIT_SUSPENDED',
    'BUYER_DETAILS_REQUIRED',
    'BUYER_TOO_YOUNG',
    'DECLARATION_PERIOD_INVALID',
    'DECLARATION_SPANS_YEARS',
    'DEPARTURE_NOT_CONFIRMED',
    'DUPLICATE_SUBMISSION',
    'ENTERPRISE_SUSPENDED',
    'GATE_ALREADY_RELEASED',
    'GATE_BLOCKED',
    'GUARANTEE_REQUIRED',
    'INVALID_ARGUMENT',
    'INVALID_TRANSITION',
    'ITEM_HELD',
    'ITEM_IN_CONTAINER',
    'NOT_FOUND',
    'NOT_HOLDER',
    'NOT_SELECTED_FOR_INSPECTION',
    'NOT_SUSPENDED',
    'NO_DEPARTURE_TICKET',
    'NO_RULES_IN_FORCE',
    'PERIOD_CLOSED',
    'PERIOD_NOT_CLOSED',
    'PERSON_BARRED',
    'PICKUP_MODE_NOT_ALLOWED',
    'PURCHASE_LIMIT_EXCEEDED',
    'RELEASE_LIST_UNKNOWN',
    'REQUEST_ALREADY_ANSWERED',
    'REQUEST_CLOSED',
    'REQUEST_UNKNOWN',
    'UNKNOWN_ENTERPRISE',
    'UNKNOWN_PORT',
    'WRITE_OFF_CHANGED',
    'WRONG_RECEIPT',
  ]);
});

t.test('each factory puts its code first: "CODE: detail"', async (t) => {
  const cases: Array<[ChaincodeError, ErrorCode]> = [
    [newAccessDenied('role operator may not release a hold'), ErrorCode.ACCESS_DENIED],
    [newNotFound('item urn:epc:id:sgtin:0614141.812345.6789 is not on the ledger'), ErrorCode.NOT_FOUND],
    [newInvalidArgument('gtin must be 14 digits'), ErrorCode.INVALID_ARGUMENT],
    [newInvalidTransition('item is SOLD and cannot be SOLD again'), ErrorCode.INVALID_TRANSITION],
    [newAlreadyExists('item is already commissioned'), ErrorCode.ALREADY_EXISTS],
  ];
  for (const [error, code] of cases) {
    t.equal(error.code, code);
    t.equal(error.message, `${code}: ${error.detail}`);
    t.ok(error instanceof ChaincodeError && error instanceof Error, `${code} is a ChaincodeError and an Error`);
    t.equal(error.name, 'ChaincodeError');
  }
});

t.test('the contract API sends only error.message to the peer, and that is enough to recover the code', async (t) => {
  const error = newNotFound('item x is not on the ledger');
  t.equal(parseErrorCode(error.message), 'NOT_FOUND');
  t.equal(parseErrorCode(`chaincode response 500, ${error.message}`), 'NOT_FOUND', 'as seen in a GatewayError detail');
});

t.test('messages without a known code parse to undefined', async (t) => {
  t.equal(parseErrorCode('boom'), undefined);
  t.equal(parseErrorCode(''), undefined, 'empty message, as after a thrown string');
  t.equal(parseErrorCode('Expected 1 parameters, but 0 have been supplied'), undefined);
  t.equal(parseErrorCode('SOMETHING_ELSE: not one of ours'), undefined);
  t.equal(
    parseErrorCode("chaincode response 500, You've asked to invoke a function that does not exist: X"),
    undefined,
  );
});
