#!/usr/bin/env node
/*
 * `npm run demo`: one goods, one chain, end to end on this machine. Starts the gateway with its embedded defaults
 * (embedded PostgreSQL, the dev peer with the chaincode, the PostgreSQL queue) in a scratch data directory, then, over
 * HTTP only: customs registers an importer and a duty-free operator and gives each an API key; the importer captures
 * a first-line entry as an EPCIS 2.0 document, ships the goods to the operator's shop, which receives them, sells one
 * to a traveller (identified by a passport the gateway turns into a person code), hands it over at departure, and
 * counts the shelf with a stocktake (one item missing, one stranger). Prints the item's provenance timeline and the
 * stocktake report. Ends by stopping the gateway (the scratch directory is kept: see the path printed).
 *
 * `npm run demo -- --url http://host:8080 --key <customs API key>` runs the same story against a gateway that is
 * already running (nothing is started or stopped; the enterprises are registered unless they exist; item serials and
 * references are new on every run). A capture that parks, is refused, or does not finish ends the demo with exit
 * code 1 and the reason; so does any refused request.
 */
'use strict';
const { spawn } = require('node:child_process');
const { chmodSync, mkdtempSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');
const { randomBytes, randomInt } = require('node:crypto');
const { parseArgs } = require('node:util');

const IMPORTER = { id: '91460000MA5TKJ000H', mspId: 'EnterpriseMSP', name: 'Hainan Import Trading Co.' };
const OPERATOR = { id: '91460000MA5TDF000D', mspId: 'OperatorMSP', name: 'Sanya Duty-Free Shop' };
const WAREHOUSE = '6901234000016'; // GLN, Yangpu bonded warehouse
const SHOP = '6901234000023'; // GLN, Sanya shop floor
const sgln = (gln) => `urn:epc:id:sgln:${gln.slice(0, 7)}.${gln.slice(7, 12)}.0`;
const item = (serial) => `urn:epc:id:sgtin:6901234.000101.${serial}`;
/** How long a capture may take to finish before the demo gives up on it. */
const CAPTURE_WAIT_MS = 60_000;
const HN = 'https://ns.hainan-traceability.dev/epcis/';

function log(line = '') {
  process.stdout.write(`${line}\n`);
}

/** `--url` and `--key`, both or neither. */
function options() {
  let values;
  try {
    values = parseArgs({
      options: { url: { type: 'string' }, key: { type: 'string' }, help: { type: 'boolean' } },
    }).values;
  } catch (err) {
    usage(err.message);
  }
  if (values.help) usage();
  if ((values.url === undefined) !== (values.key === undefined)) usage('--url and --key go together');
  if (values.url !== undefined && !/^https?:\/\/[^/]+/.test(values.url))
    usage(`--url must be an http(s) URL, got "${values.url}"`);
  return { url: values.url?.replace(/\/+$/, ''), key: values.key };
}

function usage(problem) {
  if (problem) process.stderr.write(`demo: ${problem}\n`);
  process.stderr.write('usage: npm run demo [-- --url <gateway URL> --key <customs API key>]\n');
  process.exit(problem ? 2 : 0);
}

/** Start a gateway with its embedded defaults in a scratch directory; resolves once it is ready. */
async function startOwnGateway() {
  // Under the repository's tmp/ and world-traversable: as root, embedded PostgreSQL runs as the postgres user.
  mkdirSync(join(__dirname, '..', 'tmp'), { recursive: true });
  const dataDir = mkdtempSync(join(__dirname, '..', 'tmp', 'demo-'));
  chmodSync(dataDir, 0o755);
  const port = 18080 + Math.floor(Math.random() * 1000);
  const customsKey = `demo-customs-${randomBytes(16).toString('hex')}`;
  log(`Starting the gateway with embedded PostgreSQL and the dev peer in ${dataDir} ...`);
  const gateway = spawn(process.execPath, [join(__dirname, '..', 'embedded', 'dist', 'start.js')], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      BOOTSTRAP_CUSTOMS_KEY: customsKey,
      LOG_LEVEL: 'warn',
      DATABASE_URL: '',
      REDIS_URL: '',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const stop = async () => {
    if (gateway.exitCode === null && gateway.signalCode === null) {
      gateway.kill('SIGTERM');
      await new Promise((r) => gateway.once('exit', r));
    }
    log(`\nGateway stopped. Data kept in ${dataDir}.`);
  };
  process.once('SIGINT', () => gateway.kill('SIGTERM'));
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitReady(base, () => gateway.exitCode !== null);
  } catch (err) {
    await stop();
    throw err;
  }
  return { base, customsKey, stop };
}

/** Wait (bounded) until `base` answers /readyz 200; a 503 names its reasons in the error. */
async function waitReady(base, gone = () => false) {
  let last = 'no answer';
  for (let i = 0; i <= 600; i++) {
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.ok) return;
      const problem = await res.json().catch(() => undefined);
      last = `${res.status} ${problem?.detail ?? ''}`;
    } catch (err) {
      last = err.cause?.code ?? err.message; // not listening yet
    }
    if (gone()) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the gateway at ${base} did not become ready (${last})`);
}

async function main() {
  const opts = options();
  // A run against an existing gateway must not collide with earlier runs: new serials and references each time.
  const run = String(randomInt(1e8, 1e9));
  let base;
  let customsKey;
  let stop = async () => undefined;
  if (opts.url !== undefined) {
    base = opts.url;
    customsKey = opts.key;
    log(`Using the gateway at ${base} (run ${run}) ...`);
    await waitReady(base);
  } else {
    ({ base, customsKey, stop } = await startOwnGateway());
  }
  try {
    const call = async (method, path, key, body, headers = {}) => {
      const res = await fetch(base + path, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      const json = await res.json().catch(() => undefined);
      if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return { status: res.status, json, headers: res.headers };
    };
    const step = (text) => log(`- ${text}`);

    // Registering twice (a second run against the same gateway) is fine: the enterprise is there.
    const register = async (e, role) => {
      try {
        await call('POST', '/v1/enterprises', customsKey, { id: e.id, name: e.name, roles: [role], mspId: e.mspId });
      } catch (err) {
        if (!/: 409 /.test(err.message)) throw err;
      }
    };
    log('\nCustoms registers the enterprises and issues their API keys');
    await register(IMPORTER, 'enterprise');
    await register(OPERATOR, 'operator');
    const importerKey = (
      await call('POST', `/v1/enterprises/${IMPORTER.id}/keys`, customsKey, { role: 'enterprise', label: 'demo' })
    ).json.key;
    const operatorKey = (
      await call('POST', `/v1/enterprises/${OPERATOR.id}/keys`, customsKey, { role: 'operator', label: 'demo' })
    ).json.key;
    step(`${IMPORTER.name} (${IMPORTER.id}) and ${OPERATOR.name} (${OPERATOR.id}), each on the chain`);

    const items = Array.from({ length: 6 }, (_, i) => item(`${run}${i}`));
    log('\nFirst-line entry, captured as an EPCIS 2.0 document');
    const doc = {
      '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld', { hn: HN }],
      type: 'EPCISDocument',
      schemaVersion: '2.0',
      creationDate: new Date().toISOString(),
      epcisBody: {
        eventList: [
          {
            type: 'ObjectEvent',
            eventTime: new Date().toISOString(),
            eventTimeZoneOffset: '+08:00',
            epcList: items,
            action: 'ADD',
            bizStep: 'entering_exiting',
            disposition: 'active',
            bizLocation: { id: sgln(WAREHOUSE) },
            bizTransactionList: [{ type: `${HN}btt/import_declaration`, bizTransaction: `urn:hn:decl:HK${run}` }],
            'hn:regime': 'ZERO_TARIFF',
            'hn:hsCode': '330300',
            'hn:category': 'COSMETICS',
            'hn:unitValueFen': 45_000,
          },
        ],
      },
    };
    const captured = await call('POST', '/v1/capture', importerKey, doc, { 'content-type': 'application/ld+json' });
    const location = captured.headers.get('location');
    // Loudly: a capture that parks (e.g. the channel refuses the importer's identity), is refused or never finishes
    // ends the demo with its reason, since everything after it depends on the items being on the chain.
    let status;
    const waitUntil = Date.now() + CAPTURE_WAIT_MS;
    for (;;) {
      status = (await call('GET', location, importerKey)).json;
      if (status.state === 'done' || status.state === 'parked') break;
      if (Date.now() > waitUntil) {
        throw new Error(
          `capture ${location} is still ${status.state} after ${CAPTURE_WAIT_MS / 1000} s${status.waiting ? ` (waiting: ${status.waiting.reason})` : ''}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (status.state === 'parked')
      throw new Error(`capture ${location} parked: ${status.parkReason ?? 'no reason given'}`);
    if (status.outcome !== 'committed')
      throw new Error(`capture ${location} ended ${status.outcome}: ${JSON.stringify(status.errors ?? status.counts)}`);
    step(
      `capture ${location}: ${status.outcome}, ${status.itemCount} items in ${status.transactions.length} transaction(s)`,
    );

    log('\nIsland circulation and a duty-free sale');
    await call('POST', '/v1/shipments', importerKey, {
      shipmentId: `SHP-DEMO-${run}`,
      toEnterprise: OPERATOR.id,
      toLocation: SHOP,
      items: items.slice(0, 5),
    });
    step('5 items shipped from the bonded warehouse to the shop');
    await call('POST', '/v1/receipts', operatorKey, {
      shipmentId: `SHP-DEMO-${run}`,
      location: SHOP,
      items: items.slice(0, 5),
    });
    step('received at the shop');
    const departure = new Date(Date.now() + 2 * 86_400_000).toISOString();
    await call('POST', '/v1/sales', operatorKey, {
      saleId: `SALE-DEMO-${run}`,
      person: { documentType: 'PASSPORT', documentNumber: 'E12345678' },
      location: SHOP,
      pickupMode: 'DEPARTURE_PICKUP',
      departure: { mode: 'FLIGHT', ticketRef: 'HU7181', departureTime: departure },
      lines: [{ id: items[0], unitPriceFen: 68_000 }],
      buyer: { birthDate: '1990-05-01' },
    });
    step('one sold to a traveller (passport hashed into a person code; the number is never stored)');
    await call('POST', '/v1/pickups', operatorKey, { reference: `PICK-DEMO-${run}`, items: [items[0]] });
    step('handed over at the departure pick-up point');

    log('\nStocktake of the shop shelf');
    const stocktake = (
      await call('POST', '/v1/stocktakes', operatorKey, { location: SHOP, deviceIds: ['demo-handheld'] })
    ).json;
    const reads = [items[1], items[2], items[2], items[3], item(`${run}99`)]; // items[4] is missing; 9999 is a stranger
    await call('POST', `/v1/stocktakes/${stocktake.id}/reads`, operatorKey, {
      batchId: `demo-batch-${run}`,
      deviceId: 'demo-handheld',
      reads,
    });
    const report = (await call('POST', `/v1/stocktakes/${stocktake.id}/close`, operatorKey)).json;
    step(
      `counted ${reads.length} reads: matched ${report.matched?.length ?? report.counts?.matched}, missing ${JSON.stringify(report.missing ?? report.counts?.missing)}, unexpected ${JSON.stringify(report.unexpected ?? report.counts?.unexpected)}`,
    );
    step(`Merkle root ${report.merkleRoot ?? report.report?.merkleRoot ?? '(see report)'} anchored on the chain`);

    log(`\nProvenance timeline of ${items[0]} (as customs sees it)`);
    let history;
    for (let i = 0; i < 600; i++) {
      history = (await call('GET', `/v1/items/${encodeURIComponent(items[0])}/history`, customsKey)).json;
      if (history.item.status === 'PICKED_UP') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const e of history.events) {
      const where = e.item?.location ?? '';
      log(
        `  ${e.eventTime}  ${e.type.padEnd(12)} holder ${e.item?.holder ?? '-'}  at ${where}  status ${e.item?.status ?? '-'}  block ${e.blockNumber}  tx ${e.txId.slice(0, 16)}...`,
      );
    }
    log(
      `\nNow: ${history.item.status}, held by ${history.item.holder}. EPCIS document: ${base}/v1/items/${encodeURIComponent(items[0])}/history?format=epcis`,
    );
  } finally {
    await stop();
  }
}

main().catch((err) => {
  console.error(`demo failed: ${err.message}`);
  process.exit(1);
});
