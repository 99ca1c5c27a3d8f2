// Proves the dev peer answers as a Fabric 2.5 peer does when the chaincode server is down or the orderer cannot be
// reached, and recovers by itself: with the chaincode servers stopped, evaluate fails 10 ABORTED and submit EndorseError
// 10, both with the peer's launch failure as the one detail; with the orderer unreachable, submit fails SubmitError 14
// "no orderers could successfully process transaction"; both work again once the servers or the orderer are back,
// without restarting the peer or reconnecting the client.
// How: the dev peer as a child process, controlled through its stdin commands (testkit DevnetProcess).
import t from 'tap';
import { EndorseError, GatewayError, type SubmitError } from '@hyperledger/fabric-gateway';
import { connectGateway, probeChaincodeArgs, startDevnetProcess } from '../../testkit/src/devnet';

const utf8 = (b: Uint8Array) => Buffer.from(b).toString('utf8');

t.test('chaincode servers stopped and started again, orderer down and up again', async (t) => {
  const dn = await startDevnetProcess({ args: probeChaincodeArgs() });
  t.teardown(() => dn.stop());
  const gw = connectGateway(dn.profile);
  t.teardown(() => {
    gw.close();
    gw.grpcClient.close();
  });
  const contract = gw.getNetwork(dn.profile.channel).getContract('probe');
  await contract.submitTransaction('Put', 'k', 'before');
  t.equal(utf8(await contract.evaluateTransaction('Get', 'k')), 'before', 'works before the outage');

  await dn.stopChaincodes();
  const launchFailure =
    /^error in simulation: failed to execute transaction [0-9a-f]{64}: could not launch chaincode probe:devnet: connection to probe:devnet failed: error cannot create connection for probe:devnet: failed to create new connection: context deadline exceeded$/;

  const evaluated = await contract.evaluateTransaction('Get', 'k').then(
    () => undefined,
    (err: unknown) => err,
  );
  t.ok(evaluated instanceof GatewayError, 'evaluate fails with a GatewayError');
  const evalErr = evaluated as GatewayError;
  t.equal(evalErr.code, 10, 'code 10 ABORTED, as for a chaincode that never answers');
  t.equal(evalErr.message, '10 ABORTED: failed to evaluate transaction, see attached details for more info');
  t.equal(evalErr.details.length, 1, 'one detail: the peer');
  t.equal(evalErr.details[0]?.mspId, 'CustomsMSP');
  t.match(evalErr.details[0]?.message, launchFailure, 'the detail is the peer launch failure');

  const submitted = await contract.submitTransaction('Put', 'k', 'during').then(
    () => undefined,
    (err: unknown) => err,
  );
  t.ok(submitted instanceof EndorseError, 'submit fails at endorsement');
  t.equal((submitted as EndorseError).code, 10);
  t.match((submitted as EndorseError).details[0]?.message, launchFailure);

  await dn.startChaincodes();
  t.equal(
    utf8(await contract.evaluateTransaction('Get', 'k')),
    'before',
    'evaluate works again, nothing written meanwhile',
  );
  await contract.submitTransaction('Put', 'k', 'after');
  t.equal(utf8(await contract.evaluateTransaction('Get', 'k')), 'after', 'submit works again');

  await dn.setOrdererReachable(false);
  t.equal(utf8(await contract.evaluateTransaction('Get', 'k')), 'after', 'reads need no orderer');
  const proposal = contract.newProposal('Put', { arguments: ['k', 'unordered'] });
  const endorsed = await proposal.endorse();
  t.pass('endorsement needs no orderer either');
  const ordered = await endorsed.submit().then(
    () => undefined,
    (err: unknown) => err,
  );
  t.equal(
    (ordered as Error | undefined)?.name,
    'SubmitError',
    'submit fails with a SubmitError (a type only in the client)',
  );
  t.equal((ordered as SubmitError).code, 14, 'code 14 UNAVAILABLE');
  t.equal((ordered as SubmitError).message, '14 UNAVAILABLE: no orderers could successfully process transaction');
  t.equal((ordered as SubmitError).details[0]?.mspId, 'OrdererMSP', 'the detail names the orderer');
  t.match((ordered as SubmitError).details[0]?.message, /connection refused/);

  // What the gateway's readiness probe relies on: a wrongly signed transaction gets 14 while no orderer answers ...
  const wronglySigned = () =>
    gw
      .newSignedTransaction(endorsed.getBytes(), Uint8Array.from(endorsed.getDigest()).reverse())
      .submit()
      .then(
        () => undefined,
        (err: unknown) => err as SubmitError,
      );
  t.equal((await wronglySigned())?.code, 14, 'a wrongly signed submit: 14 while the orderer is unreachable');

  await dn.setOrdererReachable(true);
  // ... and the orderer's Writers refusal (no block) once it answers.
  const refused = await wronglySigned();
  t.equal(refused?.code, 10, 'a wrongly signed submit: refused by a reachable orderer');
  t.match(refused?.details[0]?.message, /received unsuccessful response from orderer: status=FORBIDDEN/);
  await contract.submitTransaction('Put', 'k', 'ordered');
  t.equal(
    utf8(await contract.evaluateTransaction('Get', 'k')),
    'ordered',
    'submits commit again once the orderer is back',
  );
});
