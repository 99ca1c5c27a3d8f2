// Proves the adapter turns each failure a real Fabric 2.5 peer produces into the right stable code, kind and retryability (chaincode CODE prefix, MVCC conflict, orderer outage, timeouts, refused identity, unknown outcome).
// How: builds the client's own error objects the way fabric-gateway does (grpc-js ServiceError with grpc-status-details-bin -> newGatewayError -> EndorseError/SubmitError/CommitStatusError, newCommitError) with the texts recorded from a real peer, then maps them.
import t, { type Test } from 'tap';
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { CommitStatusError, EndorseError, GatewayError } from '@hyperledger/fabric-gateway';
import { newCommitError } from '@hyperledger/fabric-gateway/dist/commiterror';
import { newGatewayError } from '@hyperledger/fabric-gateway/dist/gatewayerror';
import { SubmitError } from '@hyperledger/fabric-gateway/dist/submiterror';
import { gateway as gatewayProto, google } from '@hyperledger/fabric-protos';
import { Any } from 'google-protobuf/google/protobuf/any_pb';
import {
  LedgerError,
  LedgerErrorCode,
  parseChaincodeFailure,
  toLedgerError,
} from '../../../gateway/src/adapters/fabric/errors';

const TX_ID = `${'c0ffee'.repeat(10)}abcd`;
const PEER = { address: '127.0.0.1:7051', mspId: 'Org1MSP' };

/** A grpc-js ServiceError as the client receives it, with gateway ErrorDetails in grpc-status-details-bin. */
function serviceError(code: GrpcStatus, details: string, detailMessages: string[] = []) {
  const metadata = new Metadata();
  if (detailMessages.length > 0) {
    const rpcStatus = new google.rpc.Status();
    rpcStatus.setCode(code);
    rpcStatus.setMessage(details);
    rpcStatus.setDetailsList(
      detailMessages.map((message) => {
        const detail = new gatewayProto.ErrorDetail();
        detail.setAddress(PEER.address);
        detail.setMspId(PEER.mspId);
        detail.setMessage(message);
        const any = new Any();
        any.pack(detail.serializeBinary(), 'gateway.ErrorDetail');
        return any;
      }),
    );
    metadata.set('grpc-status-details-bin', Buffer.from(rpcStatus.serializeBinary()));
  }
  return Object.assign(new Error(`${code} ${GrpcStatus[code]}: ${details}`), { code, details, metadata });
}

// The wrapping client.js applies per stage.
const evaluateError = (code: GrpcStatus, details: string, detailMessages: string[] = []): GatewayError =>
  newGatewayError(serviceError(code, details, detailMessages));
const endorseError = (code: GrpcStatus, details: string, detailMessages: string[] = []): EndorseError =>
  new EndorseError(
    Object.assign(newGatewayError(serviceError(code, details, detailMessages)), { transactionId: TX_ID }),
  );
const submitError = (code: GrpcStatus, details: string): SubmitError =>
  new SubmitError(Object.assign(newGatewayError(serviceError(code, details)), { transactionId: TX_ID }));
const commitStatusError = (code: GrpcStatus, details: string): CommitStatusError =>
  new CommitStatusError(Object.assign(newGatewayError(serviceError(code, details)), { transactionId: TX_ID }));
const commitError = (code: 9 | 10 | 11 | 12) =>
  newCommitError({ blockNumber: 76n, code, successful: false, transactionId: TX_ID });

function expectMapped(t: Test, err: unknown, expected: Partial<LedgerError>, label: string): LedgerError {
  const mapped = toLedgerError(err);
  t.ok(mapped instanceof LedgerError, `${label}: is a LedgerError`);
  t.match(
    {
      code: mapped.code,
      kind: mapped.kind,
      retryable: mapped.retryable,
      message: mapped.message,
      transactionId: mapped.transactionId,
    },
    expected,
    label,
  );
  t.equal(mapped.cause, err, `${label}: keeps the original error as cause`);
  return mapped;
}

t.test('the fixtures are the client classes, wrapped as client.js wraps them', async (t) => {
  const endorse = endorseError(
    GrpcStatus.ABORTED,
    'failed to endorse transaction, see attached details for more info',
    ['chaincode response 500, boom'],
  );
  t.ok(endorse instanceof GatewayError && endorse.name === 'EndorseError');
  t.equal(endorse.message, '10 ABORTED: failed to endorse transaction, see attached details for more info');
  t.same(endorse.details, [{ ...PEER, message: 'chaincode response 500, boom' }]);
  t.equal(commitError(11).message, `Transaction ${TX_ID} failed to commit with status code 11 (MVCC_READ_CONFLICT)`);
});

t.test('chaincode failures: the CODE prefix becomes the code, the rest the message, never retried', async (t) => {
  expectMapped(
    t,
    endorseError(GrpcStatus.ABORTED, 'failed to endorse transaction, see attached details for more info', [
      'chaincode response 500, INVALID_TRANSITION: product HN-1 is SOLD and cannot move to IN_TRANSIT',
    ]),
    {
      code: 'INVALID_TRANSITION',
      kind: 'chaincode',
      retryable: false,
      message: 'product HN-1 is SOLD and cannot move to IN_TRANSIT',
      transactionId: TX_ID,
    },
    'submit (EndorseError 10 with detail)',
  );
  const evaluated = expectMapped(
    t,
    evaluateError(
      GrpcStatus.UNKNOWN,
      'evaluate call to endorser returned error: chaincode response 404, PRODUCT_NOT_FOUND: no product HN-9',
      ['chaincode response 404, PRODUCT_NOT_FOUND: no product HN-9'],
    ),
    { code: 'PRODUCT_NOT_FOUND', kind: 'chaincode', retryable: false, message: 'no product HN-9' },
    'evaluate (GatewayError 2)',
  );
  t.equal(evaluated.chaincodeStatus, 404);
  t.equal(evaluated.grpcCode, GrpcStatus.UNKNOWN);
  expectMapped(
    t,
    evaluateError(
      GrpcStatus.UNKNOWN,
      'evaluate call to endorser returned error: chaincode response 500, QUOTA_EXCEEDED: 2 of 1 left',
    ),
    { code: 'QUOTA_EXCEEDED', message: '2 of 1 left', kind: 'chaincode' },
    'evaluate message only, no details',
  );
  expectMapped(
    t,
    endorseError(GrpcStatus.ABORTED, 'failed to endorse transaction, see attached details for more info', [
      "chaincode response 500, You've asked to invoke a function that does not exist: NoSuchFunction",
    ]),
    {
      code: LedgerErrorCode.CHAINCODE_ERROR,
      kind: 'chaincode',
      retryable: false,
      message: "You've asked to invoke a function that does not exist: NoSuchFunction",
    },
    'contract API error without a code',
  );
  expectMapped(
    t,
    evaluateError(GrpcStatus.UNKNOWN, '', ['chaincode response 500, ']),
    { code: LedgerErrorCode.CHAINCODE_ERROR, kind: 'chaincode', message: '' },
    'empty chaincode message (`throw "x"`)',
  );
});

t.test('commit-time read conflicts are retryable; other invalid transactions are not', async (t) => {
  const mvcc = expectMapped(
    t,
    commitError(11),
    { code: LedgerErrorCode.LEDGER_CONFLICT, kind: 'conflict', retryable: true, transactionId: TX_ID },
    'MVCC_READ_CONFLICT',
  );
  t.equal(mvcc.validationCode, 11);
  expectMapped(t, commitError(12), { code: LedgerErrorCode.LEDGER_CONFLICT, retryable: true }, 'PHANTOM_READ_CONFLICT');
  expectMapped(
    t,
    commitError(10),
    { code: LedgerErrorCode.LEDGER_TRANSACTION_INVALID, kind: 'ledger', retryable: false },
    'ENDORSEMENT_POLICY_FAILURE',
  );
  expectMapped(
    t,
    commitError(9),
    { code: LedgerErrorCode.LEDGER_DUPLICATE_TRANSACTION, retryable: false },
    'DUPLICATE_TXID',
  );
});

t.test('transient unavailability and evaluate deadlines are retryable', async (t) => {
  expectMapped(
    t,
    submitError(GrpcStatus.UNAVAILABLE, 'no orderers could successfully process transaction'),
    { code: LedgerErrorCode.LEDGER_UNAVAILABLE, kind: 'transient', retryable: true, transactionId: TX_ID },
    'SubmitError 14 after an orderer restart',
  );
  expectMapped(
    t,
    evaluateError(GrpcStatus.UNAVAILABLE, 'No connection established'),
    { code: LedgerErrorCode.LEDGER_UNAVAILABLE, retryable: true },
    'peer unreachable',
  );
  expectMapped(
    t,
    evaluateError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded after 0.001s,remote_addr=127.0.0.1:7051'),
    { code: LedgerErrorCode.LEDGER_TIMEOUT, kind: 'transient', retryable: true },
    'evaluate deadline',
  );
  expectMapped(
    t,
    endorseError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded'),
    { code: LedgerErrorCode.LEDGER_TIMEOUT, retryable: false },
    'endorse deadline is final',
  );
});

t.test('after submission the outcome is unknown and must not be blindly retried', async (t) => {
  expectMapped(
    t,
    commitStatusError(GrpcStatus.DEADLINE_EXCEEDED, 'context deadline exceeded'),
    { code: LedgerErrorCode.LEDGER_OUTCOME_UNKNOWN, kind: 'outcome-unknown', retryable: false, transactionId: TX_ID },
    'CommitStatusError 4',
  );
  expectMapped(
    t,
    commitStatusError(GrpcStatus.UNAVAILABLE, 'connection lost'),
    { code: LedgerErrorCode.LEDGER_OUTCOME_UNKNOWN, retryable: false },
    'CommitStatusError 14',
  );
  expectMapped(
    t,
    submitError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded'),
    { code: LedgerErrorCode.LEDGER_OUTCOME_UNKNOWN, retryable: false },
    'SubmitError 4',
  );
});

t.test('identity refusals, wrong names and replays are final', async (t) => {
  const creatorUnknown =
    'error validating proposal: access denied: channel [mychannel] creator org unknown, creator is malformed';
  expectMapped(
    t,
    evaluateError(GrpcStatus.FAILED_PRECONDITION, `evaluate call to endorser returned error: ${creatorUnknown}`, [
      creatorUnknown,
    ]),
    { code: LedgerErrorCode.IDENTITY_REFUSED, kind: 'identity', retryable: false },
    'evaluate 9 creator org unknown',
  );
  expectMapped(
    t,
    endorseError(GrpcStatus.ABORTED, 'failed to endorse transaction, see attached details for more info', [
      creatorUnknown,
    ]),
    { code: LedgerErrorCode.IDENTITY_REFUSED, transactionId: TX_ID },
    'submit: EndorseError 10 with the same detail',
  );
  const wrongKey = 'error validating proposal: access denied: channel [mychannel] creator org [Org1MSP]';
  expectMapped(
    t,
    evaluateError(GrpcStatus.FAILED_PRECONDITION, `evaluate call to endorser returned error: ${wrongKey}`, [wrongKey]),
    { code: LedgerErrorCode.IDENTITY_REFUSED },
    'wrong signing key',
  );
  expectMapped(
    t,
    evaluateError(
      GrpcStatus.PERMISSION_DENIED,
      'Failed evaluating policy on signed data during check policy on channel [mychannel] with policy [/Channel/Application/Readers]: [implicit policy evaluation failed]',
    ),
    { code: LedgerErrorCode.IDENTITY_REFUSED },
    'events: not a reader',
  );

  expectMapped(
    t,
    evaluateError(
      GrpcStatus.UNAVAILABLE,
      'failed to get config for channel [nochannel]: could not get last config for channel nochannel',
    ),
    { code: LedgerErrorCode.LEDGER_MISCONFIGURED, retryable: false },
    'unknown channel (14, yet not transient)',
  );
  expectMapped(
    t,
    endorseError(
      GrpcStatus.FAILED_PRECONDITION,
      'no combination of peers can be derived which satisfy the endorsement policy: No metadata was found for chaincode nocc in channel mychannel',
    ),
    { code: LedgerErrorCode.LEDGER_MISCONFIGURED },
    'unknown chaincode on submit',
  );
  expectMapped(
    t,
    evaluateError(
      GrpcStatus.FAILED_PRECONDITION,
      `evaluate call to endorser returned error: duplicate transaction found [${TX_ID}]. Creator [0a07]`,
    ),
    { code: LedgerErrorCode.LEDGER_DUPLICATE_TRANSACTION, retryable: false },
    'replayed proposal',
  );
  expectMapped(
    t,
    evaluateError(GrpcStatus.ABORTED, 'failed to evaluate transaction, see attached details for more info', [
      `error in simulation: failed to execute transaction ${TX_ID}: error sending: timeout expired while executing transaction`,
    ]),
    { code: LedgerErrorCode.LEDGER_TIMEOUT, retryable: false },
    'silent chaincode',
  );
  expectMapped(
    t,
    evaluateError(GrpcStatus.CANCELLED, 'Cancelled on client'),
    { code: LedgerErrorCode.LEDGER_CANCELLED, retryable: false },
    'closed event stream',
  );
});

t.test('anything else is a non-retryable ledger failure; a LedgerError passes through', async (t) => {
  expectMapped(
    t,
    new Error('No result returned'),
    { code: LedgerErrorCode.LEDGER_FAILURE, kind: 'ledger', retryable: false },
    'plain Error',
  );
  expectMapped(
    t,
    evaluateError(GrpcStatus.INTERNAL, 'something odd'),
    { code: LedgerErrorCode.LEDGER_FAILURE, retryable: false },
    'gRPC INTERNAL',
  );
  const already = new LedgerError({ code: 'X', message: 'x', kind: 'ledger', retryable: false });
  t.equal(toLedgerError(already), already);
});

t.test('parseChaincodeFailure reads status, code and text', async (t) => {
  t.same(parseChaincodeFailure('chaincode response 500, INVALID_TRANSITION: a: b'), {
    status: 500,
    code: 'INVALID_TRANSITION',
    message: 'a: b',
  });
  t.same(parseChaincodeFailure('chaincode response 400, lower: case'), {
    status: 400,
    code: 'CHAINCODE_ERROR',
    message: 'lower: case',
  });
  t.equal(parseChaincodeFailure('access denied'), undefined);
});
