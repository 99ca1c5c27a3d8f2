// Proves customs registering an enterprise through the HTTP API registers it on the ledger too, under the customs
// organisation's identity, and that the enterprise's own key then acts on the chain as that enterprise.
// How: the gateway app (fastify.inject) on a real PostgreSQL with real ledger clients to a dev peer process.
import t from 'tap';
import { readConnectionProfile } from '../../gateway/src/ledger/ledger-settings';
import { newLedgerClients } from '../../gateway/src/ledger/ledger-clients';
import { newRegisterEnterpriseOnLedger } from '../../gateway/src/ledger/register-enterprise';
import { startDevnetProcess } from '../../testkit/src/devnet';
import { ENTERPRISES, TraceClient } from '../../testkit/src/trace';
import { join } from 'node:path';
import { buildTestApp } from './helpers/app';

t.test(
  'POST /v1/enterprises registers the enterprise on the chain; its key then signs as that enterprise',
  async (t) => {
    const dn = await startDevnetProcess();
    t.teardown(() => dn.stop());
    const { settings, problems } = readConnectionProfile(join(dn.dataDir, 'connection.json'));
    t.same(problems, []);
    const ledgers = newLedgerClients({ settings: settings!, customsMspId: 'CustomsMSP' });
    t.teardown(() => ledgers.close());
    const { app, customsKey } = await buildTestApp(t, {
      ledgers,
      ports: { registerEnterpriseOnLedger: newRegisterEnterpriseOnLedger(ledgers) },
    });
    const auth = (key: string) => ({ authorization: `Bearer ${key}` });

    const created = await app.inject({
      method: 'POST',
      url: '/v1/enterprises',
      headers: auth(customsKey),
      payload: {
        id: ENTERPRISES.importer.id,
        name: 'Hainan Importer Co.',
        roles: ['enterprise'],
        mspId: 'EnterpriseMSP',
      },
    });
    t.equal(created.statusCode, 201, created.body);
    const chain = new TraceClient(dn);
    t.teardown(() => chain.close());
    const onChain = await chain.evaluate<{ id: string; mspId: string; roles: string[] }>(
      'customs-admin',
      'query:GetEnterprise',
      { id: ENTERPRISES.importer.id },
    );
    t.same(
      [onChain.id, onChain.mspId, onChain.roles],
      [ENTERPRISES.importer.id, 'EnterpriseMSP', ['importer', 'logistics', 'processor']],
    );

    const key = await app.inject({
      method: 'POST',
      url: `/v1/enterprises/${ENTERPRISES.importer.id}/keys`,
      headers: auth(customsKey),
      payload: { role: 'enterprise', label: 'erp' },
    });
    t.equal(key.statusCode, 201, key.body);
    const { key: enterpriseKey } = key.json() as { key: string };
    t.ok(enterpriseKey);
    const ledgerAsEnterprise = ledgers.forCaller(
      { mspId: 'EnterpriseMSP', enterpriseId: ENTERPRISES.importer.id },
      'system',
    );
    const ping = await ledgerAsEnterprise.evaluate<{ attributes: { enterpriseId: string } }>('Ping');
    t.equal(
      ping?.attributes.enterpriseId,
      ENTERPRISES.importer.id,
      'the gateway signs with the identity of that enterprise',
    );

    const refused = await app.inject({
      method: 'POST',
      url: '/v1/enterprises',
      headers: auth(customsKey),
      payload: { id: ENTERPRISES.processor.id, name: 'No MSP', roles: ['enterprise'], mspId: 'bad msp id!' },
    });
    t.equal(refused.statusCode, 400, 'an invalid registration is refused with a problem');
    const notStored = await app.inject({
      method: 'GET',
      url: `/v1/enterprises/${ENTERPRISES.processor.id}`,
      headers: auth(customsKey),
    });
    t.equal(notStored.statusCode, 404, 'and nothing is stored in the gateway directory');
  },
);
