// Proves ledger identity and channel membership problems are errors a user can act on (issue 17 Must 4): on a channel
// without EnterpriseMSP (the dev peer answers "creator org unknown", as a real peer does), an enterprise's shipment is
// 503 IDENTITY_REFUSED problem+json whose detail names the identity and the MSP and says what to change — never
// "Internal server error" — and its capture ends parked with the same sentence; an organisation the gateway holds no
// identity for stays 403 LEDGER_IDENTITY_MISSING naming the MSP; customs, a channel member, keeps working.
// How: a dev peer started with --omit-org EnterpriseMSP, real ledger clients, the app in-process with the capture job.
import t from 'tap';
import { join } from 'node:path';
import { CAPTURE_QUEUE, newCaptureJobHandler } from '../../gateway/src/capture/processor';
import { newLedgerClients } from '../../gateway/src/ledger/ledger-clients';
import { readConnectionProfile } from '../../gateway/src/ledger/ledger-settings';
import { startDevnetProcess } from '../../testkit/src/devnet';
import { entryEvent, epcisDocument } from '../../testkit/src/epcis';
import { ENTERPRISES, gln, product, registerDevnetEnterprises, TraceClient } from '../../testkit/src/trace';
import { bearer, buildTestApp } from './helpers/app';
import { createMigratedDatabase } from './helpers/database';
import { waitFor } from './helpers/wait';

const { operator, importer, processor } = ENTERPRISES;
const PERFUME = product(311);
const NOT_A_MEMBER =
  /^the channel mychannel does not know MSP EnterpriseMSP \(identity importer1@enterprise\.devnet\): add it to Application\.Organizations of the channel/;

t.test(
  'a channel without EnterpriseMSP: 503 IDENTITY_REFUSED naming the MSP, a parked capture saying the same',
  { timeout: 240_000 },
  async (t) => {
    const dn = await startDevnetProcess({ args: ['--omit-org', 'EnterpriseMSP'] });
    t.teardown(() => dn.stop());
    t.match(dn.logs(), /organisations CustomsMSP, OperatorMSP\)/, 'the channel has no EnterpriseMSP');
    const chain = new TraceClient(dn);
    t.teardown(() => chain.close());
    await registerDevnetEnterprises(chain); // customs signs: a member
    const { settings } = readConnectionProfile(join(dn.dataDir, 'connection.json'));
    const ledgers = newLedgerClients({ settings: settings!, customsMspId: 'CustomsMSP' });
    t.teardown(() => ledgers.close());
    const databaseUrl = await createMigratedDatabase(t);
    const { app, customsKey, jobQueue } = await buildTestApp(t, { databaseUrl, ledgers });
    const handler = newCaptureJobHandler({ captures: app.repositories.captures, ledgers });
    jobQueue.process(CAPTURE_QUEUE, handler, { concurrency: 2 });
    const newKey = async (id: string, role: 'enterprise' | 'operator', mspId: string) => {
      const created = await app.inject({
        method: 'POST',
        url: '/v1/enterprises',
        headers: bearer(customsKey),
        payload: { id, name: id, roles: [role], mspId },
      });
      t.equal(created.statusCode, 201, created.body);
      const key = await app.inject({
        method: 'POST',
        url: `/v1/enterprises/${id}/keys`,
        headers: bearer(customsKey),
        payload: { role, label: 'test' },
      });
      return (key.json() as { key: string }).key;
    };
    const importerKey = await newKey(importer.id, 'enterprise', importer.mspId);

    const shipment = await app.inject({
      method: 'POST',
      url: '/v1/shipments',
      headers: bearer(importerKey),
      payload: { shipmentId: 'ID-ERR-S-1', toEnterprise: operator.id, toLocation: gln(2), items: [PERFUME.sgtin(1)] },
    });
    t.equal(shipment.statusCode, 503, shipment.body);
    t.match(shipment.headers['content-type'], /^application\/problem\+json/);
    const problem = shipment.json() as { code: string; title: string; detail: string };
    t.equal(problem.code, 'IDENTITY_REFUSED');
    t.equal(problem.title, 'Ledger identity not accepted by the channel');
    t.match(problem.detail, NOT_A_MEMBER, 'the detail names the identity and the MSP and what to change');
    t.notMatch(shipment.body, /Internal server error/);

    const captured = await app.inject({
      method: 'POST',
      url: '/v1/capture',
      headers: { ...bearer(importerKey), 'content-type': 'application/json' },
      payload: JSON.stringify(
        epcisDocument([entryEvent({ items: [PERFUME.sgtin(2)], declarationNo: 'ID-ERR-D-1', location: 1 })]),
      ),
    });
    t.equal(captured.statusCode, 202, captured.body);
    const location = captured.headers.location as string;
    const parked = await waitFor(
      'the capture to park',
      async () => {
        const res = await app.inject({ method: 'GET', url: location, headers: bearer(importerKey) });
        const body = res.json() as { state: string; parkReason?: string };
        return body.state === 'parked'
          ? body
          : body.state === 'done'
            ? Promise.reject(new Error('committed on a channel without the MSP'))
            : undefined;
      },
      120,
      250,
    );
    t.match(
      parked.parkReason,
      /^IDENTITY_REFUSED: the channel mychannel does not know MSP EnterpriseMSP \(identity importer1@enterprise\.devnet\): add it to Application\.Organizations/,
      'the parked reason says the same sentence',
    );

    // An organisation the gateway holds no identity for: the caller's configuration, 403 naming the MSP.
    const strangerKey = await newKey(processor.id, 'enterprise', 'StrangerMSP');
    const stranger = await app.inject({
      method: 'POST',
      url: '/v1/shipments',
      headers: bearer(strangerKey),
      payload: { shipmentId: 'ID-ERR-S-2', toEnterprise: operator.id, toLocation: gln(2), items: [PERFUME.sgtin(3)] },
    });
    t.equal(stranger.statusCode, 403, stranger.body);
    t.equal(stranger.json().code, 'LEDGER_IDENTITY_MISSING');
    t.match(stranger.json().detail, /no Fabric identity for MSP StrangerMSP/);

    // Customs, a member, is unaffected.
    const me = await ledgers
      .forCaller({ mspId: 'CustomsMSP', enterpriseId: null }, 'system')
      .evaluate<{ callerMspId: string }>('Ping');
    t.equal(me?.callerMspId, 'CustomsMSP', 'customs still reads the chain');
    await ledgers.ping();
    t.pass('and the gateway is ready: its own identity can commit');
  },
);
