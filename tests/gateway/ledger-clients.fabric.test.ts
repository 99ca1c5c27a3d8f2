// Proves the ledger client registry signs as the caller's organisation (customs identity, the enterprise's own certificate) and refuses an MSP it holds no identity for.
// How: a real dev peer process with the project's chaincode; system:Ping reports the MSP and attributes the chaincode saw.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { PROJECT_CHAINCODE } from '../../devnet/src/project-chaincode';
import { ProblemError } from '../../gateway/src/errors';
import { readFabricCaAttributes } from '../../gateway/src/ledger/fabric-ca-attributes';
import { newLedgerClients } from '../../gateway/src/ledger/ledger-clients';
import { readConnectionProfile } from '../../gateway/src/ledger/ledger-settings';
import { startDevnetProcess, type DevnetProcess } from '../../testkit/src/devnet';

interface Ping {
  callerMspId: string;
  callerId: string;
  attributes: { role: string | null; enterpriseId: string | null };
}

let devnet: DevnetProcess;
t.before(async () => {
  const chaincode = PROJECT_CHAINCODE as { name: string; modulePath: string };
  devnet = await startDevnetProcess({ args: ['--chaincode', `${chaincode.name}=${chaincode.modulePath}`] });
});
t.teardown(() => devnet?.stop());

function enterpriseIdOf(identity: string): string {
  const files = devnet.profile.identities[identity];
  if (!files) throw new Error(`no identity ${identity}`);
  const id = readFabricCaAttributes(readFileSync(files.certPath)).enterpriseId;
  if (!id) throw new Error(`${identity} has no enterpriseId attribute`);
  return id;
}

t.test('each caller is signed for by its own organisation', async (t) => {
  const { settings, problems } = readConnectionProfile(`${devnet.dataDir}/connection.json`);
  t.same(problems, []);
  const ledgers = newLedgerClients({ settings: settings!, customsMspId: 'CustomsMSP' });
  t.teardown(() => ledgers.close());

  await ledgers.ping();
  t.pass('ping answers');

  const customs = await ledgers.forCaller({ mspId: 'CustomsMSP', enterpriseId: null }, 'system').evaluate<Ping>('Ping');
  t.equal(customs?.callerMspId, 'CustomsMSP');
  t.equal(customs?.attributes.role, 'customs');
  t.match(customs?.callerId, /Admin@customs\.devnet/, 'the first customs identity of the profile: customs-admin');

  const operatorId = enterpriseIdOf('operator1');
  const operator = await ledgers
    .forCaller({ mspId: 'OperatorMSP', enterpriseId: operatorId }, 'system')
    .evaluate<Ping>('Ping');
  t.equal(operator?.callerMspId, 'OperatorMSP');
  t.equal(operator?.attributes.enterpriseId, operatorId);

  const secondId = enterpriseIdOf('enterprise2');
  const second = await ledgers
    .forCaller({ mspId: 'EnterpriseMSP', enterpriseId: secondId }, 'system')
    .evaluate<Ping>('Ping');
  t.equal(second?.callerMspId, 'EnterpriseMSP');
  t.equal(
    second?.attributes.enterpriseId,
    secondId,
    "the identity carrying the caller's enterpriseId, not the first of the MSP",
  );

  const unknown = (() => {
    try {
      ledgers.forCaller({ mspId: 'NobodyMSP', enterpriseId: '91350100M000100Y43' });
    } catch (err) {
      return err;
    }
    return undefined;
  })();
  t.ok(unknown instanceof ProblemError);
  t.equal((unknown as ProblemError).code, 'LEDGER_IDENTITY_MISSING');
  t.equal((unknown as ProblemError).statusCode, 403);
});
