// Proves the customs step routes drive the real chain over HTTP: a full lifecycle (entry, association, shipment,
// receipt, sale to a hashed identity document, pickup, mail after departure, processing, batch exit and its
// declaration, destruction, return, hold/release/seizure, credit, rules, seeds), the chain's refusals as problems
// (WRONG_RECEIPT, NOT_HOLDER, ITEM_HELD, ACCESS_DENIED, DEPARTURE_NOT_CONFIRMED), an Idempotency-Key replay that
// commits once, and a submission already on the ledger (the gateway lost its answer) answered as done.
// How: the gateway app (fastify.inject) on a real PostgreSQL with real ledger clients to a dev peer process; item
// histories are read back from the chain with the official client.
import t, { type Test } from 'tap';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { newPersonCoder } from '../../gateway/src/domain/person-code';
import { newLedgerClients } from '../../gateway/src/ledger/ledger-clients';
import { readConnectionProfile } from '../../gateway/src/ledger/ledger-settings';
import { newRegisterEnterpriseOnLedger } from '../../gateway/src/ledger/register-enterprise';
import { submissionIdFor } from '../../gateway/src/routes/steps';
import { startDevnetProcess } from '../../testkit/src/devnet';
import { ENTERPRISES, gln, personCode, product, TraceClient } from '../../testkit/src/trace';
import { bearer, buildTestApp } from './helpers/app';

const PERSON_CODE_SECRET = 'test-person-code-secret-0123456789abcdef'; // buildTestApp's
const { importer, operator, processor } = ENTERPRISES;
const L1 = gln(1);
const L2 = gln(2);
const PERFUME = product(101);
const MATERIAL = product(301);
const LOTION = product(302);
const P = Array.from({ length: 10 }, (_, i) => PERFUME.sgtin(i + 1));
const [P1, P2, P3, P4, P5, P6, P7, P8] = P as [string, string, string, string, string, string, string, string];
const [R1, R2] = [MATERIAL.sgtin(1), MATERIAL.sgtin(2)];
const O1 = LOTION.sgtin(1);
const CODE_P1 = '4600000000000017';
const CODE_P2 = '4600000000000025';
const TOMORROW = new Date(Date.now() + 86_400_000).toISOString();
const BUYER_DOCUMENT = { documentType: 'PASSPORT', documentNumber: 'E12345678' };
const MAIL_BUYER = personCode('mail-buyer');

type KeyName = 'customs' | 'importer' | 'processor' | 'operator';

interface HistoryEntry {
  txId: string;
  item: { status: string; holder: string; hold?: unknown } | null;
}

t.test('customs steps over HTTP on the real chain', async (t) => {
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
  const chain = new TraceClient(dn);
  t.teardown(() => chain.close());

  const keys: Record<KeyName, { id: string; key: string }> = {
    customs: { id: '', key: customsKey },
    importer: { id: '', key: '' },
    processor: { id: '', key: '' },
    operator: { id: '', key: '' },
  };
  for (const [name, e, role] of [
    ['importer', importer, 'enterprise'],
    ['processor', processor, 'enterprise'],
    ['operator', operator, 'operator'],
  ] as const) {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/enterprises',
      headers: bearer(customsKey),
      payload: { id: e.id, name, roles: [role], mspId: e.mspId },
    });
    t.equal(created.statusCode, 201, created.body);
    const key = await app.inject({
      method: 'POST',
      url: `/v1/enterprises/${e.id}/keys`,
      headers: bearer(customsKey),
      payload: { role, label: 'test' },
    });
    keys[name] = key.json() as { id: string; key: string };
  }

  const post = (url: string, key: KeyName, payload: Record<string, unknown>, idempotencyKey?: string) =>
    app.inject({
      method: 'POST',
      url,
      headers: { ...bearer(keys[key].key), ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
      payload,
    });
  const ok = (t: Test, res: LightMyRequestResponse, what: string) => {
    t.equal(res.statusCode, 201, `${what}: ${res.body.slice(0, 300)}`);
    return res.json() as Record<string, any>;
  };
  const refused = (t: Test, res: LightMyRequestResponse, status: number, code: string, what: string) => {
    t.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 300)}`);
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
    t.equal((res.json() as { code: string }).code, code, `${what}: ${code}`);
  };
  const history = async (id: string) =>
    (await chain.evaluate<{ history: HistoryEntry[] }>('customs-admin', 'query:GetItemHistory', { id })).history;
  const statuses = async (id: string) => (await history(id)).map((h) => h.item?.status);

  await t.test('first-line entry and association', async (t) => {
    const perfume = ok(
      t,
      await post('/v1/entries', 'importer', {
        declarationNo: 'D-1',
        location: L1,
        regime: 'ZERO_TARIFF',
        product: { gtin: PERFUME.gtin, hsCode: '330300', category: 'COSMETICS' },
        unitValueFen: 10_000,
        items: P,
        traceCodes: { [P1]: CODE_P1 },
      }),
      'entry',
    );
    t.equal(perfume.items, 10);
    t.match(perfume.txId, /^[0-9a-f]{64}$/);
    t.match(perfume.movements, [{ enterprise: importer.id, gtin: PERFUME.gtin, qty: 10 }]);
    ok(
      t,
      await post('/v1/entries', 'importer', {
        declarationNo: 'D-2',
        location: L1,
        regime: 'BONDED',
        product: { gtin: MATERIAL.gtin, hsCode: '330499', category: 'OTHER' },
        unitValueFen: 10_000,
        items: [R1, R2],
      }),
      'entry of materials',
    );
    refused(
      t,
      await post('/v1/entries', 'importer', {
        declarationNo: 'D-3',
        location: L1,
        regime: 'ZERO_TARIFF',
        product: { gtin: PERFUME.gtin, hsCode: '330300', category: 'COSMETICS' },
        unitValueFen: 10_000,
        items: [P1],
      }),
      409,
      'ALREADY_EXISTS',
      'an item enters once',
    );
    t.equal(
      ok(t, await post('/v1/associations', 'importer', { pairs: [{ sgtin: P2, code: CODE_P2 }] }), 'association')
        .associated,
      1,
    );
  });

  await t.test('shipment and receipt, items named by SGTIN or 16-digit code', async (t) => {
    refused(
      t,
      await post('/v1/shipments', 'processor', {
        shipmentId: 'S-0',
        toEnterprise: operator.id,
        toLocation: L2,
        items: [P1],
      }),
      409,
      'NOT_HOLDER',
      'another enterprise may not ship it',
    );
    const shipped = ok(
      t,
      await post('/v1/shipments', 'importer', {
        shipmentId: 'S-1',
        toEnterprise: operator.id,
        toLocation: L2,
        items: [CODE_P1, CODE_P2, P3, P4],
      }),
      'shipment',
    );
    t.equal(shipped.shipped, 4);
    refused(
      t,
      await post('/v1/receipts', 'operator', { shipmentId: 'S-1', location: L1, items: [P1] }),
      409,
      'WRONG_RECEIPT',
      'received at the wrong location',
    );
    t.equal(
      ok(
        t,
        await post('/v1/receipts', 'operator', { shipmentId: 'S-1', location: L2, items: [P1, P2, P3, P4] }),
        'receipt',
      ).received,
      4,
    );
  });

  await t.test('sale to an identity document, then pickup', async (t) => {
    const sold = ok(
      t,
      await post('/v1/sales', 'operator', {
        saleId: 'SALE-1',
        person: BUYER_DOCUMENT,
        location: L2,
        pickupMode: 'DEPARTURE_PICKUP',
        departure: { mode: 'FLIGHT', ticketRef: 'HU7181', departureTime: TOMORROW },
        lines: [{ id: P1, unitPriceFen: 50_000 }],
        buyer: { birthDate: '1990-01-01' },
      }),
      'sale',
    );
    t.equal(
      sold.sale.personCode,
      newPersonCoder(PERSON_CODE_SECRET).codeFor('PASSPORT', 'E12345678'),
      'the sale carries the keyed person code',
    );
    t.equal(sold.decision.dutyFreeFen, 50_000);
    t.notOk(JSON.stringify(sold).includes('E12345678'), 'and never the document number');
    refused(
      t,
      await post('/v1/sales', 'operator', {
        saleId: 'SALE-2',
        personCode: personCode('young'),
        location: L2,
        pickupMode: 'DEPARTURE_PICKUP',
        departure: { mode: 'FLIGHT', ticketRef: 'HU7181', departureTime: TOMORROW },
        lines: [{ id: P3, unitPriceFen: 50_000 }],
        buyer: { birthDate: '2015-01-01' },
      }),
      422,
      'BUYER_TOO_YOUNG',
      'a rule of the chain refuses',
    );
    t.equal(ok(t, await post('/v1/pickups', 'operator', { reference: 'PU-1', items: [P1] }), 'pickup').items, 1);
    t.same(await statuses(P1), ['IN_STOCK', 'IN_TRANSIT', 'IN_STOCK', 'SOLD', 'PICKED_UP'], 'one goods, one chain');
  });

  await t.test('mail only after a confirmed departure', async (t) => {
    ok(
      t,
      await post('/v1/sales', 'operator', {
        saleId: 'SALE-3',
        personCode: MAIL_BUYER,
        location: L2,
        pickupMode: 'MAIL',
        mailAddressOffIsland: true,
        departure: { mode: 'SHIP', ticketRef: 'XH-1', departureTime: TOMORROW },
        lines: [{ id: CODE_P2, unitPriceFen: 30_000 }],
        buyer: { birthDate: '1985-06-01' },
      }),
      'mail sale',
    );
    refused(
      t,
      await post('/v1/mailings', 'operator', { reference: 'M-1', items: [P2] }),
      422,
      'DEPARTURE_NOT_CONFIRMED',
      'mail before departure',
    );
    const person = ok(
      t,
      await post('/v1/departures', 'customs', { personCode: MAIL_BUYER, port: 'HAIKOU_XINHAIGANG' }),
      'departure',
    );
    t.equal(person.departures.length, 1);
    t.equal(ok(t, await post('/v1/mailings', 'operator', { reference: 'M-1', items: [P2] }), 'mailing').items, 1);
  });

  await t.test('processing, batch exit and its consolidated declaration', async (t) => {
    refused(
      t,
      await post('/v1/processings', 'operator', {
        processingId: 'PR-0',
        location: L2,
        inputs: [P3],
        outputs: [LOTION.sgtin(9)],
        outputProduct: { gtin: LOTION.gtin, hsCode: '330499', category: 'COSMETICS' },
        outputUnitValueFen: 1,
      }),
      403,
      'ACCESS_DENIED',
      'an operator is no processor: the chain says so',
    );
    const processed = ok(
      t,
      await post('/v1/processings', 'importer', {
        processingId: 'PR-1',
        location: L1,
        inputs: [R1, R2],
        outputs: [O1],
        outputProduct: { gtin: LOTION.gtin, hsCode: '330499', category: 'COSMETICS' },
        outputUnitValueFen: 30_000,
      }),
      'processing',
    );
    t.equal(processed.processing.valueAddedBp, 5_000, '(30,000 - 20,000) / 20,000 = 50%');
    t.same(await statuses(R1), ['IN_STOCK', 'TRANSFORMED']);
    const exited = ok(
      t,
      await post('/v1/exits', 'importer', {
        releaseListNo: 'RL-1',
        port: 'HAIKOU_XINHAIGANG',
        batch: true,
        items: [{ id: O1, exitValueFen: 30_000 }],
      }),
      'exit',
    );
    t.equal(exited.exit.items[0].tariffExempt, true, 'processed with at least 30% value added: tariff-exempt');
    refused(
      t,
      await post('/v1/exits', 'importer', {
        releaseListNo: 'RL-2',
        port: 'SHENZHEN_PORT',
        items: [{ id: P5, exitValueFen: 1 }],
      }),
      422,
      'UNKNOWN_PORT',
      'not a second-line port',
    );
    const declared = ok(
      t,
      await post('/v1/declarations', 'importer', {
        declarationNo: 'CD-1',
        period: exited.exit.period,
        releaseLists: ['RL-1'],
      }),
      'declaration',
    );
    t.same([declared.period, declared.releaseLists], [exited.exit.period, ['RL-1']]);
    const inspection = await app.inject({
      method: 'GET',
      url: '/v1/inspections/RL-1',
      headers: bearer(keys.importer.key),
    });
    t.equal(inspection.statusCode, 200, inspection.body);
    t.match(inspection.json(), { releaseListNo: 'RL-1', txId: exited.txId, status: 'NO_SEED' });
  });

  await t.test('destruction and return abroad end the chain', async (t) => {
    ok(t, await post('/v1/destructions', 'importer', { reference: 'DS-1', items: [P5] }), 'destruction');
    ok(t, await post('/v1/returns', 'importer', { reference: 'RA-1', items: [P6] }), 'return');
    t.same((await statuses(P5)).at(-1), 'DESTROYED');
    t.same((await statuses(P6)).at(-1), 'RETURNED_ABROAD');
  });

  await t.test('customs holds, releases and seizes; enterprises may not', async (t) => {
    refused(
      t,
      await post('/v1/holds', 'importer', { items: [P3], reason: 'x' }),
      403,
      'FORBIDDEN_ROLE',
      'an enterprise key on a customs route',
    );
    ok(t, await post('/v1/holds', 'customs', { items: [P3, P4], reason: 'suspected counterfeit' }), 'hold');
    refused(
      t,
      await post('/v1/pickups', 'operator', { reference: 'PU-2', items: [P3] }),
      409,
      'ITEM_HELD',
      'held goods do not move',
    );
    refused(
      t,
      await post('/v1/shipments', 'operator', {
        shipmentId: 'S-2',
        toEnterprise: importer.id,
        toLocation: L1,
        items: [P3],
      }),
      409,
      'ITEM_HELD',
      'held goods do not move',
    );
    ok(t, await post('/v1/releases', 'customs', { items: [P3] }), 'release');
    const seized = ok(t, await post('/v1/seizures', 'customs', { items: [P4], reason: 'counterfeit' }), 'seizure');
    t.match(seized.movements, [{ enterprise: operator.id, qty: -1 }], 'the seized item leaves the book');
    t.same(await statuses(P4), ['IN_STOCK', 'IN_TRANSIT', 'IN_STOCK', 'IN_STOCK', 'SEIZED']);
    t.same((await history(P3)).at(-1)?.item?.hold, undefined, 'released');
  });

  await t.test('credit, person classes, rules and seeds', async (t) => {
    const classified = ok(
      t,
      await post(`/v1/enterprises/${processor.id}/classifications`, 'customs', {
        class: 'KEY_ATTENTION',
        reason: 'REGULATOR_LOWEST_RATING',
      }),
      'classification',
    );
    t.equal(classified.credit.class, 'KEY_ATTENTION');
    const rated = ok(
      t,
      await post(`/v1/enterprises/${processor.id}/regulator-ratings`, 'customs', { lowest: false }),
      'regulator rating',
    );
    t.equal(rated.credit.regulatorRatingLowest, false);
    const onChain = await chain.evaluate<{ effectiveClass: string }>('customs-admin', 'query:GetEnterprise', {
      id: processor.id,
    });
    t.equal(onChain.effectiveClass, 'WHITELIST', 'the listing ended when the rating improved');
    refused(
      t,
      await post(`/v1/enterprises/${processor.id}/classifications`, 'processor', { class: 'AEO_ADVANCED' }),
      403,
      'FORBIDDEN_ROLE',
      'an enterprise may not classify itself',
    );
    const person = ok(
      t,
      await post(`/v1/persons/${MAIL_BUYER}/classifications`, 'customs', {
        class: 'KEY_ATTENTION',
        reason: 'repeat offender',
      }),
      'person class',
    );
    t.equal(person.credit.class, 'KEY_ATTENTION');

    const now = await app.inject({ method: 'GET', url: '/v1/rules', headers: bearer(keys.operator.key) });
    t.equal(now.statusCode, 200, now.body);
    t.equal(
      (now.json() as { inForce: { minBuyerAgeYears: number } }).inForce.minBuyerAgeYears,
      18,
      'the built-in rules are in force',
    );
    const future = {
      ...(now.json() as { inForce: Record<string, unknown> }).inForce,
      effectiveFrom: '2099-01-01T00:00:00+08:00',
      maxMobilePhones: 2,
    };
    t.equal(ok(t, await post('/v1/rules', 'customs', future), 'rules').maxMobilePhones, 2);
    const later = await app.inject({
      method: 'GET',
      url: `/v1/rules?at=${encodeURIComponent('2099-06-01T00:00:00+08:00')}`,
      headers: bearer(keys.operator.key),
    });
    t.equal(
      (later.json() as { inForce: { maxMobilePhones: number } }).inForce.maxMobilePhones,
      2,
      'the new set rules from its date',
    );

    const seed = ok(
      t,
      await post('/v1/inspection-seeds', 'customs', {
        seedId: 'SEED-1',
        commitment: 'c'.repeat(64),
        validFrom: new Date(Date.now() + 3_600_000).toISOString(),
        validTo: new Date(Date.now() + 7_200_000).toISOString(),
      }),
      'seed commitment',
    );
    t.equal(seed.seedId, 'SEED-1');
    refused(
      t,
      await post('/v1/inspection-seeds/SEED-1/reveal', 'customs', { seed: 'd'.repeat(64) }),
      422,
      'INVALID_ARGUMENT',
      'a seed is revealed only after its window',
    );
  });

  await t.test('Idempotency-Key: a repeated request commits once', async (t) => {
    const body = { shipmentId: 'S-IDEM', toEnterprise: operator.id, toLocation: L2, items: [P7] };
    const first = await post('/v1/shipments', 'importer', body, 'ship-p7');
    t.equal(first.statusCode, 201, first.body);
    const again = await post('/v1/shipments', 'importer', body, 'ship-p7');
    t.equal(again.statusCode, 201);
    t.equal(again.headers['idempotent-replayed'], 'true');
    t.same(again.json(), first.json());
    t.same(await statuses(P7), ['IN_STOCK', 'IN_TRANSIT'], 'one shipment on the chain');
    refused(
      t,
      await post('/v1/shipments', 'importer', body, 'ship-p7-other-key'),
      409,
      'INVALID_TRANSITION',
      'a new key is a new request, which the chain refuses',
    );
  });

  await t.test(
    'a submission already on the ledger (answer lost) is answered as done with the first txId',
    async (t) => {
      const body = { shipmentId: 'S-DUP', toEnterprise: operator.id, toLocation: L2, items: [P8] };
      // The gateway committed this request and died before storing its answer: simulate with the same submission id.
      const first = await chain.submit<{ txId: string }>(importer.identity, 'goods:Ship', {
        ...body,
        submissionId: submissionIdFor(keys.importer.id, 'ship-p8'),
      });
      const res = await post('/v1/shipments', 'importer', body, 'ship-p8');
      t.equal(res.statusCode, 200, res.body);
      t.same(res.json(), { txId: first.txId, duplicate: true });
      const entries = await history(P8);
      t.same(
        entries.map((h) => h.item?.status),
        ['IN_STOCK', 'IN_TRANSIT'],
        'committed once',
      );
      t.equal(entries[1]?.txId, first.txId);
      const replay = await post('/v1/shipments', 'importer', body, 'ship-p8');
      t.same(
        [replay.statusCode, replay.headers['idempotent-replayed']],
        [200, 'true'],
        'and that answer is now stored for the key',
      );
    },
  );
});
