// Proves the commit-path probe of /readyz: it endorses system:GetVersion (with the policy's organisations when given)
// and never submits it signed; a failed endorsement names the organisation whose peer failed (chaincode-unendorsable),
// an identity or chaincode-definition problem gets its own reason; the orderer is probed with a refused-signature
// submit at most once per interval while it looks fine, and on every probe while it does not, so recovery is seen by
// itself; real submits that find no orderer mark it unreachable at once, a successful one clears it.
// How: a fake Gateway (getNetwork/getContract/newProposal/newSignedTransaction) returning the client's own error
// classes with the texts a Fabric 2.5 peer gives.
import t from 'tap';
import { EndorseError, GatewayError, type Gateway } from '@hyperledger/fabric-gateway';
import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { NotReadyError, OrdererWatch, newCommitPathProbe } from '../../../gateway/src/adapters/fabric/readiness';

const TX_ID = 'ab'.repeat(32);
const cause = (code: number, details: string): ServiceError =>
  Object.assign(new Error(details), { code, details, metadata: new Metadata() });

function endorseError(
  code: number,
  message: string,
  details: { address: string; mspId: string; message: string }[],
): EndorseError {
  return new EndorseError({
    code,
    details,
    cause: cause(code, message),
    transactionId: TX_ID,
    message: `${code} ${GrpcStatus[code]}: ${message}`,
  });
}

function submitError(
  code: number,
  message: string,
  details: { address: string; mspId: string; message: string }[] = [],
): GatewayError {
  const err = new GatewayError({
    code,
    details,
    cause: cause(code, message),
    message: `${code} ${GrpcStatus[code]}: ${message}`,
  });
  err.name = 'SubmitError';
  return err;
}

const LAUNCH_FAILURE = `error in simulation: failed to execute transaction ${TX_ID}: could not launch chaincode traceability:devnet: connection to traceability:devnet failed: error cannot create connection for traceability:devnet: failed to create new connection: context deadline exceeded`;
const NO_ORDERER = submitError(14, 'no orderers could successfully process transaction', [
  { address: 'orderer0:7050', mspId: 'OrdererMSP', message: 'rpc error: code = Unavailable desc = connection error' },
]);
const WRITERS_REFUSAL = submitError(10, 'failed to submit transaction, see attached details for more info', [
  {
    address: '127.0.0.1:7051',
    mspId: 'CustomsMSP',
    message: 'received unsuccessful response from orderer: status=FORBIDDEN, info=implicit policy evaluation failed',
  },
]);

/** A fake gateway whose endorsement and submission outcomes the test sets. */
function fakeGateway() {
  const state = {
    endorse: undefined as unknown,
    submit: WRITERS_REFUSAL as unknown,
    proposals: [] as { contract: string | undefined; transaction: string; options: unknown }[],
    submits: [] as { signature: Uint8Array; digest: Uint8Array }[],
    signedSubmits: 0,
  };
  const digest = Uint8Array.from([1, 2, 3, 4]);
  const transaction = {
    getDigest: () => digest,
    getBytes: () => Uint8Array.from([9, 9]),
    submit: async () => {
      state.signedSubmits++;
      throw new Error('the probe must never submit its transaction signed');
    },
  };
  const gateway = {
    getNetwork: (channel: string) => ({
      getContract: (chaincode: string, contract?: string) => ({
        newProposal: (transactionName: string, options: unknown) => {
          state.proposals.push({ contract, transaction: `${channel}/${chaincode}/${transactionName}`, options });
          return {
            endorse: async () => {
              if (state.endorse !== undefined) throw state.endorse;
              return transaction;
            },
          };
        },
      }),
    }),
    newSignedTransaction: (_bytes: Uint8Array, signature: Uint8Array) => ({
      submit: async () => {
        state.submits.push({ signature, digest });
        if (state.submit !== undefined) throw state.submit;
        return {};
      },
    }),
  } as unknown as Gateway;
  return { gateway, state };
}

t.test(
  'endorses system:GetVersion with the policy organisations, and probes the orderer with a wrong signature',
  async (t) => {
    const { gateway, state } = fakeGateway();
    let clock = 0;
    const probe = newCommitPathProbe({
      gateway,
      channel: 'mychannel',
      chaincode: 'traceability',
      endorsingOrganizations: ['CustomsMSP', 'OperatorMSP'],
      watch: new OrdererWatch(),
      ordererProbeIntervalMs: 15_000,
      now: () => clock,
    });
    await probe();
    t.same(state.proposals, [
      {
        contract: 'system',
        transaction: 'mychannel/traceability/GetVersion',
        options: { endorsingOrganizations: ['CustomsMSP', 'OperatorMSP'] },
      },
    ]);
    t.equal(state.submits.length, 1, 'the orderer was probed once');
    t.same([...state.submits[0]!.signature], [4, 3, 2, 1], 'with a signature that cannot verify');
    t.equal(state.signedSubmits, 0, 'the endorsed probe is never submitted signed');

    clock = 14_999;
    await probe();
    t.equal(state.submits.length, 1, 'no orderer probe within the interval while it looks fine');
    clock = 15_000;
    await probe();
    t.equal(state.submits.length, 2, 'probed again after the interval');
    t.equal(state.proposals.length, 3, 'endorsement is probed every time');
  },
);

t.test('a failed endorsement names the organisation whose peer failed', async (t) => {
  const { gateway, state } = fakeGateway();
  const probe = newCommitPathProbe({
    gateway,
    channel: 'mychannel',
    chaincode: 'traceability',
    watch: new OrdererWatch(),
  });
  state.endorse = endorseError(10, 'failed to endorse transaction, see attached details for more info', [
    { address: 'peer0.operator:7051', mspId: 'OperatorMSP', message: LAUNCH_FAILURE },
  ]);
  const err = await probe().then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(err instanceof NotReadyError);
  t.same((err as NotReadyError).reasons, [
    {
      reason: 'chaincode-unendorsable',
      detail: `chaincode traceability cannot be endorsed by OperatorMSP (peer peer0.operator:7051): ${LAUNCH_FAILURE}`,
    },
  ]);
  t.equal(state.submits.length, 0, 'no orderer probe after a failed endorsement');
  t.same(state.proposals[0]?.options, {}, 'no endorsing organisations configured: the peer chooses');

  state.endorse = endorseError(10, 'failed to endorse transaction, see attached details for more info', [
    {
      address: 'peer0.customs:7051',
      mspId: 'CustomsMSP',
      message:
        'error validating proposal: access denied: channel [mychannel] creator org unknown, creator is malformed',
    },
  ]);
  t.match(((await probe().catch((e: unknown) => e)) as NotReadyError).reasons, [{ reason: 'ledger-identity-refused' }]);

  state.endorse = endorseError(
    9,
    'no combination of peers can be derived which satisfy the endorsement policy: No metadata was found for chaincode traceability in channel mychannel',
    [],
  );
  t.match(((await probe().catch((e: unknown) => e)) as NotReadyError).reasons, [{ reason: 'ledger-misconfigured' }]);

  state.endorse = endorseError(14, 'failed to connect to all addresses', []);
  t.match(((await probe().catch((e: unknown) => e)) as NotReadyError).reasons, [{ reason: 'ledger-unreachable' }]);

  state.endorse = undefined;
  await probe();
  t.pass('ready again as soon as the endorsement works');
});

t.test('an unreachable orderer is reported until a probe reaches it again', async (t) => {
  const { gateway, state } = fakeGateway();
  let clock = 0;
  const watch = new OrdererWatch();
  const probe = newCommitPathProbe({
    gateway,
    channel: 'mychannel',
    chaincode: 'traceability',
    watch,
    now: () => clock,
  });
  state.submit = NO_ORDERER;
  const err = (await probe().catch((e: unknown) => e)) as NotReadyError;
  t.equal(err.reasons.length, 1);
  t.equal(err.reasons[0]?.reason, 'orderer-unreachable');
  t.match(err.reasons[0]?.detail, /no orderers could successfully process transaction/);

  clock = 1_000;
  await t.rejects(probe(), NotReadyError, 'still unreachable');
  t.equal(state.submits.length, 2, 'probed on every call while it looks unreachable, not once per interval');

  state.submit = WRITERS_REFUSAL;
  clock = 2_000;
  await probe();
  t.equal(watch.unreachable, undefined, 'the orderer refusing the signature proves it reachable');
});

t.test('the orderer watch: only a submit that found no orderer marks it, a successful submit clears it', async (t) => {
  const watch = new OrdererWatch();
  watch.observe(submitError(14, 'failed to connect to all addresses'));
  t.equal(watch.unreachable, undefined, 'an unreachable peer is not an unreachable orderer');
  watch.observe(endorseError(10, 'failed to endorse transaction, see attached details for more info', []));
  t.equal(watch.unreachable, undefined, 'an endorsement failure says nothing about the orderer');
  watch.observe(NO_ORDERER);
  const since = watch.unreachable?.since;
  t.ok(since, 'marked unreachable');
  watch.observe(NO_ORDERER);
  t.equal(watch.unreachable?.since, since, 'since the first failure');
  watch.observe();
  t.equal(watch.unreachable, undefined, 'a submit that went through clears it');
});
