// Proves a stocktake counts each item once whatever form and however often it is read, refuses repeats and late
// reads correctly, reconciles against the book, attests its Merkle root on the chain, and proves each counted item.
// How: the gateway app (fastify.inject) on a real PostgreSQL with real ledger clients to a dev peer process; the book
// is rows inserted into the projection's `items` table; proofs are checked with the standalone verifyInclusion().
import t from 'tap';
import { join } from 'node:path';
import { tds } from '@hainan/epc-decoders';
import { readConnectionProfile } from '../../gateway/src/ledger/ledger-settings';
import { newLedgerClients } from '../../gateway/src/ledger/ledger-clients';
import { verifyInclusion } from '../../gateway/src/stocktake/merkle';
import { startDevnetProcess } from '../../testkit/src/devnet';
import { ENTERPRISES, gln, product, registerDevnetEnterprises, TraceClient } from '../../testkit/src/trace';
import { bearer, buildTestApp } from './helpers/app';
import type { Queryable } from '../../gateway/src/adapters/pg';

const { importer, processor } = ENTERPRISES;
const L1 = gln(1);
const L2 = gln(2);
const PERFUME = product(101);
const TRACE_CODE = '4600000000000017';

/** A line of the book, as the projection would write it into `items` (migration 007). */
interface BookItem {
  sgtin: string;
  gtin: string;
  holder: string;
  location: string;
  traceCode?: string;
}

/** Put items on the book: rows of the projection's `items` table, IN_STOCK. */
async function insertBookItems(db: Queryable, items: readonly BookItem[]): Promise<void> {
  for (const item of items) {
    await db.query(
      `INSERT INTO items (sgtin, trace_code, gtin, status, holder, location, regime, held, last_tx_id, last_block, last_tx_seq, last_event_time, record)
             VALUES ($1, $2, $3, 'IN_STOCK', $4, $5, 'ZERO_TARIFF', false, 'test', 0, 0, now(), '{}')`,
      [item.sgtin, item.traceCode ?? null, item.gtin, item.holder, item.location],
    );
  }
}

/** SGTIN-96 EPC hex of PERFUME with a numeric serial, as an RFID reader reports it. */
function epcHex(serial: number): string {
  return new tds.Sgtin96()
    .setFilter(1)
    .setPartition(5)
    .setCompanyPrefix(6901234)
    .setItemReference(101)
    .setSerial(serial)
    .toHexString();
}

t.test('count, repeat, close, attest and prove a stocktake', async (t) => {
  const dn = await startDevnetProcess();
  t.teardown(() => dn.stop());
  const chain = new TraceClient(dn);
  t.teardown(() => chain.close());
  await registerDevnetEnterprises(chain);
  const enter = (location: string, serials: number[]) =>
    chain.submit(importer.identity, 'goods:Enter', {
      declarationNo: `DECL-${serials[0]}`,
      location,
      regime: 'ZERO_TARIFF',
      product: { gtin: PERFUME.gtin, hsCode: '330300', category: 'COSMETICS' },
      unitValueFen: 10_000,
      items: serials.map((s) => PERFUME.sgtin(s)),
    });
  await enter(L1, [1001, 1002, 1003, 1004, 1005]);
  await enter(L2, [2001]);

  const { settings, problems } = readConnectionProfile(join(dn.dataDir, 'connection.json'));
  t.same(problems, []);
  const ledgers = newLedgerClients({ settings: settings!, customsMspId: 'CustomsMSP' });
  t.teardown(() => ledgers.close());
  const { app, customsKey, db } = await buildTestApp(t, { ledgers });
  await insertBookItems(db, [
    ...[1001, 1002, 1003, 1005].map((s) => ({
      sgtin: PERFUME.sgtin(s),
      gtin: PERFUME.gtin,
      holder: importer.id,
      location: L1,
    })),
    { sgtin: PERFUME.sgtin(1004), gtin: PERFUME.gtin, holder: importer.id, location: L1, traceCode: TRACE_CODE },
    { sgtin: PERFUME.sgtin(2001), gtin: PERFUME.gtin, holder: importer.id, location: L2 },
  ]);

  const keyOf = async (e: { id: string; identity: string }) => {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/enterprises',
      headers: bearer(customsKey),
      payload: { id: e.id, name: e.identity, roles: ['enterprise'], mspId: 'EnterpriseMSP' },
    });
    t.equal(created.statusCode, 201, created.body);
    const key = await app.inject({
      method: 'POST',
      url: `/v1/enterprises/${e.id}/keys`,
      headers: bearer(customsKey),
      payload: { role: 'enterprise', label: 'counter' },
    });
    return (key.json() as { key: string }).key;
  };
  const importerKey = await keyOf(importer);
  const processorKey = await keyOf(processor);

  const opened = await app.inject({
    method: 'POST',
    url: '/v1/stocktakes',
    headers: bearer(importerKey),
    payload: { location: L1, deviceIds: ['h1'] },
  });
  t.equal(opened.statusCode, 201, opened.body);
  const stocktake = opened.json() as { id: string; status: string; enterprise: string; location: string };
  t.match(stocktake, { status: 'open', enterprise: importer.id, location: L1 });
  const url = `/v1/stocktakes/${stocktake.id}`;
  const upload = (payload: object, key = importerKey) =>
    app.inject({ method: 'POST', url: `${url}/reads`, headers: bearer(key), payload });

  const b1 = {
    batchId: 'b1',
    deviceId: 'h1',
    reads: [
      epcHex(1001),
      epcHex(1001).toLowerCase(),
      PERFUME.sgtin(1002),
      `\u001d01${PERFUME.gtin}211003`, // element string with FNC1 as GS
      PERFUME.sgtin(2001), // the book places it at L2
      PERFUME.sgtin(9999), // unknown to the book
      'not a tag',
    ],
  };
  const first = await upload(b1);
  t.equal(first.statusCode, 200, first.body);
  t.same(
    first.json(),
    { batchId: 'b1', accepted: 6, duplicateBatch: false, uniqueItems: 5, undecodable: 1, newItems: 5 },
    'repeated tag reads count once; the undecodable read is counted',
  );
  const again = await upload(b1);
  t.same(
    again.json(),
    { batchId: 'b1', accepted: 6, duplicateBatch: true, uniqueItems: 5, undecodable: 1, newItems: 0 },
    'a repeated batch id replays its figures and counts nothing',
  );
  const b2 = await upload({
    batchId: 'b2',
    deviceId: 'h2',
    reads: [epcHex(1001), `https://id.gs1.org/01/${PERFUME.gtin}/21/1002`, `(01)${PERFUME.gtin}(21)1003`, TRACE_CODE],
  });
  t.match(
    b2.json(),
    { duplicateBatch: false, uniqueItems: 6, newItems: 1, undecodable: 0 },
    'duplicates across batches and forms are welcome and count once',
  );
  t.same(
    (await upload(b1)).json(),
    { batchId: 'b1', accepted: 6, duplicateBatch: true, uniqueItems: 6, undecodable: 1, newItems: 0 },
    "a batch repeated after another answers the stocktake's count now, not its first answer's",
  );
  const reused = await upload({ ...b1, reads: [PERFUME.sgtin(1005)] });
  t.equal(reused.statusCode, 422, 'a batch id reused with other reads is refused');
  const tooMany = await upload({
    batchId: 'big',
    deviceId: 'h1',
    reads: Array.from({ length: 5001 }, () => epcHex(1001)),
  });
  t.equal(tooMany.statusCode, 413, 'more than 5,000 reads in a batch');
  t.equal(tooMany.json().code, 'PAYLOAD_TOO_LARGE');

  const status = await app.inject({ method: 'GET', url, headers: bearer(importerKey) });
  t.match(status.json(), {
    status: 'open',
    counts: { uniqueItems: 6, undecodable: 1, batches: 2 },
    deviceIds: ['h1', 'h2'],
  });
  const foreign = await app.inject({ method: 'GET', url, headers: bearer(processorKey) });
  t.equal(foreign.statusCode, 403);
  t.equal(foreign.json().code, 'FORBIDDEN_TENANT', 'another enterprise may not see it');
  t.notOk(JSON.stringify(foreign.json()).includes(importer.id), 'and is not told whose it is');
  t.equal(
    (await upload({ batchId: 'x', deviceId: 'h9', reads: [epcHex(1005)] }, processorKey)).json().code,
    'FORBIDDEN_TENANT',
    'nor count into it',
  );
  t.equal((await app.inject({ method: 'GET', url, headers: bearer(customsKey) })).statusCode, 200, 'customs may');
  t.equal(
    (await app.inject({ method: 'GET', url: `${url}/proof/${epcHex(1001)}`, headers: bearer(importerKey) })).statusCode,
    409,
    'no proof before the close',
  );
  t.equal(
    (await app.inject({ method: 'POST', url: `${url}/close`, headers: bearer(processorKey) })).json().code,
    'FORBIDDEN_TENANT',
    'another enterprise may not close it',
  );

  const closed = await app.inject({ method: 'POST', url: `${url}/close`, headers: bearer(importerKey) });
  t.equal(closed.statusCode, 200, closed.body);
  const report = closed.json() as {
    matched: string[];
    missing: string[];
    unexpected: string[];
    counts: unknown;
    merkleRoot: string;
    txId: string;
    treeSize: number;
  };
  t.same(
    report.matched,
    [1001, 1002, 1003, 1004].map((s) => PERFUME.sgtin(s)),
    'matched: counted and on the book here',
  );
  t.same(report.missing, [PERFUME.sgtin(1005)], 'missing: on the book here, not seen');
  t.same(report.unexpected, [PERFUME.sgtin(2001), PERFUME.sgtin(9999)], 'unexpected: booked elsewhere, or unknown');
  t.same(report.counts, { matched: 4, missing: 1, unexpected: 2 });
  t.match(report.merkleRoot, /^[0-9a-f]{64}$/);
  t.ok(report.txId, 'anchored on the chain');
  const onChain = await chain.evaluate<{ merkleRoot: string; txId: string; counts: unknown; enterprise: string }>(
    'customs-admin',
    'query:GetRecord',
    { type: 'stocktake', id: stocktake.id },
  );
  t.match(
    onChain,
    { merkleRoot: report.merkleRoot, txId: report.txId, counts: report.counts, enterprise: importer.id },
    'the chain holds the same root and counts',
  );

  const closedAgain = await app.inject({ method: 'POST', url: `${url}/close`, headers: bearer(importerKey) });
  t.same(closedAgain.json(), report, 'closing twice answers the same report');
  const late = await upload({ batchId: 'b3', deviceId: 'h1', reads: [epcHex(1005)] });
  t.equal(late.statusCode, 409);
  t.equal(late.json().code, 'STOCKTAKE_CLOSED', 'reads after the close are refused');
  t.match(
    (await upload(b1)).json(),
    { duplicateBatch: true, uniqueItems: 6, newItems: 0 },
    'a retried acknowledged batch still gets its answer, with the final count',
  );
  t.match((await app.inject({ method: 'GET', url, headers: bearer(importerKey) })).json(), {
    status: 'closed',
    counts: { matched: 4, missing: 1, unexpected: 2 },
    txId: report.txId,
  });

  const counted = [...report.matched, ...report.unexpected];
  t.equal(report.treeSize, counted.length);
  for (const sgtin of counted) {
    const res = await app.inject({
      method: 'GET',
      url: `${url}/proof/${encodeURIComponent(sgtin)}`,
      headers: bearer(customsKey),
    });
    t.equal(res.statusCode, 200, res.body);
    const proof = res.json() as {
      leaf: string;
      leafIndex: number;
      treeSize: number;
      auditPath: string[];
      root: string;
      txId: string;
      algorithm: string;
    };
    t.match(proof, {
      leaf: sgtin,
      root: report.merkleRoot,
      txId: report.txId,
      algorithm: 'RFC6962-SHA256',
      treeSize: counted.length,
    });
    t.ok(verifyInclusion(sgtin, proof), `the proof of ${sgtin} verifies`);
    t.notOk(verifyInclusion(PERFUME.sgtin(1005), proof), 'a tampered leaf does not');
    const path = [...proof.auditPath];
    path[0] = path[0]!.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    t.notOk(verifyInclusion(sgtin, { ...proof, auditPath: path }), 'a tampered path does not');
  }
  const byTag = await app.inject({ method: 'GET', url: `${url}/proof/${epcHex(1001)}`, headers: bearer(importerKey) });
  t.equal(byTag.json().leaf, PERFUME.sgtin(1001), 'a proof can be asked by the EPC as read');
  t.equal(
    (
      await app.inject({
        method: 'GET',
        url: `${url}/proof/${encodeURIComponent(PERFUME.sgtin(1005))}`,
        headers: bearer(importerKey),
      })
    ).statusCode,
    404,
    'no proof for an item not counted',
  );
});
