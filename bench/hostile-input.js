#!/usr/bin/env node
/*
 * Hostile input (issue 12, "bounded work per request"): how long the gateway takes to refuse hostile documents and
 * how long /healthz waits meanwhile.
 *
 * - The real app (gateway/dist/app.js, FASTIFY_OPTIONS) in its OWN CHILD PROCESS on a scratch database on
 *   DATABASE_URL (created, migrated, dropped here); ledger port STUBBED (nothing here reaches it). This parent process
 *   builds every body first, then sends the hostile requests one after the other (--rounds times each) while a probe
 *   loop sends GET /healthz on its own kept-alive connection every --probe-ms (2 ms), and prints per case the refusal
 *   time (first byte sent to last byte received, upload on loopback included) and the worst and p99 /healthz latency.
 * - --before: also times the EPCIS schema step alone, in this process, as it was (ajv with allErrors and the
 *   standard's uniqueItems, no limits before it) and as it is (list limits, then epcisSchemaViolations), for the
 *   40,000-entry bizTransactionList and the 100,001-string @context. The old way takes minutes for the largest.
 *
 *   npx tsc -b gateway && source tmp/services/env && node bench/hostile-input.js [--rounds 5] [--before]
 */
'use strict';
const http = require('node:http');
const { fork } = require('node:child_process');
const { randomBytes, randomUUID } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { parseArgs } = require('node:util');

if (require.main === module) {
  if (process.argv[2] === '--serve')
    serve().catch((err) => {
      console.error(err);
      process.exit(1);
    });
  else
    main().catch((err) => {
      console.error(err);
      process.exit(1);
    });
}

// ----------------------------------------------------------------------------------------------------------------
// Child: the gateway.

async function serve() {
  const fastify = require('fastify');
  const pino = require('pino');
  const app = require('../gateway/dist/app.js');
  const pg = require('../gateway/dist/adapters/pg/index.js');
  const { newPgQueue } = require('../gateway/dist/adapters/queue/pg-queue.js');
  const { databaseUrl } = JSON.parse(process.env.BENCH_SERVE);
  const db = pg.createPool({ connectionString: databaseUrl });
  const jobQueue = newPgQueue({ pool: db });
  const ledgers = {
    // STUB: hostile requests are refused before any ledger call
    forCaller: () => ({ evaluate: async () => ({}), submit: async () => ({ txId: 'bench' }) }),
    ping: async () => {},
    close() {},
  };
  const instance = fastify({ ...app.FASTIFY_OPTIONS, loggerInstance: pino({ level: 'warn' }) });
  await instance.register(app.default, {
    db,
    jobQueue,
    ledgers,
    ports: { registerEnterpriseOnLedger: async () => {} },
    personCodeSecret: 'bench-person-code-secret-0123456789',
    readinessChecks: [],
    readinessTimeoutMs: 1000,
    customsMspId: 'CustomsMSP',
    rateLimitMax: 1_000_000,
    rateLimitWindowMs: 60_000,
  });
  const address = await instance.listen({ port: 0, host: '127.0.0.1' });
  process.on('message', async (message) => {
    if (message === 'stop') {
      await instance.close();
      await jobQueue.close();
      await db.end();
      process.exit(0);
    }
  });
  process.send({ address });
}

// ----------------------------------------------------------------------------------------------------------------
// Parent: bodies, requests, probes.

const HN = 'https://ns.hainan-traceability.dev/epcis/';

function entryDocument() {
  return {
    '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld', { hn: HN }],
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: '2026-01-01T00:00:00Z',
    epcisBody: {
      eventList: [
        {
          type: 'ObjectEvent',
          eventTime: '2026-01-01T00:00:00Z',
          eventTimeZoneOffset: '+08:00',
          epcList: ['urn:epc:id:sgtin:6901234.001010.1'],
          action: 'ADD',
          bizStep: 'entering_exiting',
          disposition: 'active',
          bizLocation: { id: 'urn:epc:id:sgln:6901234.00001.0' },
          bizTransactionList: [{ type: `${HN}btt/import_declaration`, bizTransaction: 'urn:hn:decl:D-1' }],
          'hn:regime': 'ZERO_TARIFF',
          'hn:hsCode': '330300',
          'hn:category': 'COSMETICS',
          'hn:unitValueFen': 10000,
        },
      ],
    },
  };
}

function withEvent(change) {
  const doc = entryDocument();
  change(doc, doc.epcisBody.eventList[0]);
  return doc;
}

function nested(depth) {
  let value = 'bottom';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** The hostile documents of the issue, and a few more. */
function hostileDocuments() {
  return [
    [
      'bizTransactionList of 40,000 entries',
      withEvent((_d, e) => {
        e.bizTransactionList = Array.from({ length: 40_000 }, (_, i) => ({
          type: 'po',
          bizTransaction: `urn:hn:po:${i}`,
        }));
      }),
    ],
    [
      'bizTransactionList of 40,000 invalid entries',
      withEvent((_d, e) => {
        e.bizTransactionList = Array.from({ length: 40_000 }, (_, i) => ({
          type: 'po',
          bizTransaction: `not a uri ${i}`,
        }));
      }),
    ],
    [
      'bizTransactionList of 40,000 strings',
      withEvent((_d, e) => {
        e.bizTransactionList = Array.from({ length: 40_000 }, (_, i) => `urn:hn:po:${i}`);
      }),
    ],
    [
      'bizTransactionList of 100,000 entries',
      withEvent((_d, e) => {
        e.bizTransactionList = Array.from({ length: 100_000 }, (_, i) => ({
          type: 'po',
          bizTransaction: `urn:hn:po:${i}`,
        }));
      }),
    ],
    [
      '@context of 100,001 strings',
      withEvent((d) => {
        d['@context'] = Array.from({ length: 100_001 }, (_, i) => `https://example.com/context/${i}`);
      }),
    ],
    [
      '@context of 100,000 strings',
      withEvent((d) => {
        d['@context'] = Array.from({ length: 100_000 }, (_, i) => `https://example.com/context/${i}`);
      }),
    ],
    [
      'an 8 MB document (160,000 entries)',
      withEvent((_d, e) => {
        e.bizTransactionList = Array.from({ length: 160_000 }, (_, i) => ({
          type: 'po',
          bizTransaction: `urn:hn:po:${i}`,
        }));
      }),
    ],
    [
      'extension nested 3,000 deep',
      withEvent((_d, e) => {
        e['hn:deep'] = nested(3_000);
      }),
    ],
    [
      'NUL in a string',
      withEvent((_d, e) => {
        e.eventID = 'urn:uuid:\u0000';
      }),
    ],
    [
      'string of 1,000,000 characters',
      withEvent((_d, e) => {
        e['hn:note'] = 'x'.repeat(1_000_000);
      }),
    ],
  ];
}

function send(agent, port, method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: { ...headers, ...(body ? { 'content-length': body.length } : {}) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            body: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - started,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function percentile(sorted, p) {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function admin(url, sql) {
  const { Client } = require('pg');
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

/** The schema step as it was: ajv with allErrors over the standard's schema (uniqueItems included), nothing before. */
function oldSchemaValidator() {
  const Ajv = require('../gateway/node_modules/ajv').default ?? require('ajv').default;
  const addFormats = require('ajv-formats');
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true });
  addFormats(ajv, ['date-time']);
  const uriOrBlankNode = /^(?:[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e\u00a0-\uffff]+|_:[\x21-\x7e]+)$/;
  ajv.addFormat('uri', { type: 'string', validate: (value) => uriOrBlankNode.test(value) });
  return ajv.compile(
    JSON.parse(readFileSync(join(__dirname, '..', 'gateway', 'schemas', 'epcis', 'EPCIS-JSON-Schema.json'), 'utf8')),
  );
}

function schemaBeforeAfter() {
  const { epcisSchemaViolations } = require('../gateway/dist/capture/epcis-schema.js');
  const { assertEpcisLimits } = require('../gateway/dist/capture/epcis-limits.js');
  const old = oldSchemaValidator();
  epcisSchemaViolations(entryDocument()); // compiles the validators: not part of any document's time
  const time = (fn) => {
    const t0 = performance.now();
    const out = fn();
    return [performance.now() - t0, out];
  };
  console.log(
    '\nEPCIS schema step alone, before (allErrors, ajv uniqueItems, no limits) and after (limits, first error, linear uniqueItems):',
  );
  for (const [name, doc] of hostileDocuments().filter(([n]) => /40,000|100,00[01]/.test(n))) {
    const [beforeMs, valid] = time(() => old(doc));
    const [afterMs, code] = time(() => {
      try {
        assertEpcisLimits(doc);
        return epcisSchemaViolations(doc).length > 0 ? 'EPCIS_SCHEMA_INVALID' : 'valid';
      } catch (err) {
        return err.code;
      }
    });
    // The schema alone, as if the limits let the document through: linear now.
    const [schemaMs, violations] = time(() => epcisSchemaViolations(doc));
    console.log(
      `  ${name.padEnd(46)} before ${beforeMs.toFixed(0).padStart(7)} ms (${valid ? 'valid' : `${old.errors.length} errors`}), after ${afterMs.toFixed(1).padStart(6)} ms (${code}); schema alone ${schemaMs.toFixed(1)} ms (${violations.length} listed)`,
    );
  }
  const [ms] = time(() =>
    epcisSchemaViolations(
      withEvent((_d, e) => {
        e.epcList = Array.from({ length: 100_000 }, (_, i) => `urn:epc:id:sgtin:6901234.001010.${i}`);
      }),
    ),
  );
  console.log(`  ${'a valid epcList of 100,000 (after)'.padEnd(46)} ${ms.toFixed(1)} ms`);
}

async function main() {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '5' },
      'probe-ms': { type: 'string', default: '2' },
      before: { type: 'boolean', default: false },
    },
  });
  const ROUNDS = Number(values.rounds);
  const PROBE_MS = Number(values['probe-ms']);
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('set DATABASE_URL (source tmp/services/env)');
  const pg = require('../gateway/dist/adapters/pg/index.js');
  const { apiKeyDigest, generateApiKey } = require('../gateway/dist/domain/api-key.js');

  const name = `bench_hostile_${randomBytes(4).toString('hex')}`;
  const url = new URL(base);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  await admin(base, `CREATE DATABASE ${name}`);
  let child;
  try {
    await pg.migrate(databaseUrl);
    const customsKey = generateApiKey();
    const pool = pg.createPool({ connectionString: databaseUrl });
    await pg.newApiKeysRepository(pool).insert({
      id: randomUUID(),
      digest: apiKeyDigest(customsKey),
      role: 'customs',
      enterpriseId: null,
      label: 'bench',
    });
    await pool.end();
    child = fork(__filename, ['--serve'], { env: { ...process.env, BENCH_SERVE: JSON.stringify({ databaseUrl }) } });
    const address = await new Promise((resolve, reject) => {
      child.once('message', (m) => resolve(m.address));
      child.once('exit', (c) => reject(new Error(`gateway exited with ${c}`)));
    });
    const port = Number(new URL(address).port);

    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const json = (key) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
    const enterprise = '91460000MA5TKJ000H';
    await send(
      agent,
      port,
      'POST',
      '/v1/enterprises',
      json(customsKey),
      Buffer.from(JSON.stringify({ id: enterprise, name: 'Bench', roles: ['enterprise'], mspId: 'EnterpriseMSP' })),
    );
    const issued = await send(
      agent,
      port,
      'POST',
      `/v1/enterprises/${enterprise}/keys`,
      json(customsKey),
      Buffer.from(JSON.stringify({ role: 'enterprise', label: 'bench' })),
    );
    const key = JSON.parse(issued.body).key;

    const cases = hostileDocuments().map(([label, doc]) => [label, Buffer.from(JSON.stringify(doc))]);
    cases.push([
      'invalid UTF-8',
      Buffer.concat([Buffer.from('{"type":"EPCISDocument","x":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
    ]);

    // Warm-up: one of each, unmeasured (first compile of the schema, JIT).
    for (const [, body] of cases) await send(agent, port, 'POST', '/v1/capture', json(key), body);

    const probeAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const probes = [];
    const worstByCase = new Map();
    let current = '';
    let running = true;
    const loop = (async () => {
      while (running) {
        const during = current; // the case running when the probe was sent
        const res = await send(probeAgent, port, 'GET', '/healthz', {});
        if (res.status !== 200) throw new Error(`/healthz ${res.status}`);
        probes.push(res.ms);
        worstByCase.set(during, Math.max(worstByCase.get(during) ?? 0, res.ms));
        await new Promise((r) => setTimeout(r, PROBE_MS));
      }
    })();
    const results = new Map();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [label, body] of cases) {
        current = label;
        const res = await send(agent, port, 'POST', '/v1/capture', json(key), body);
        const problem = JSON.parse(res.body);
        const entry = results.get(label) ?? { bytes: body.length, status: res.status, code: problem.code, ms: [] };
        entry.ms.push(res.ms);
        results.set(label, entry);
      }
    }
    running = false;
    await loop;
    probeAgent.destroy();
    agent.destroy();

    console.log(
      `POST /v1/capture, ${ROUNDS} rounds; refusal time = first byte sent to last byte received on loopback:`,
    );
    for (const [label, r] of results) {
      const sorted = [...r.ms].sort((a, b) => a - b);
      console.log(
        `  ${label.padEnd(46)} ${String(r.bytes).padStart(9)} B  ${r.status} ${r.code.padEnd(22)} median ${percentile(sorted, 50).toFixed(1).padStart(6)} ms  max ${sorted[sorted.length - 1].toFixed(1).padStart(6)} ms  /healthz worst ${(worstByCase.get(label) ?? 0).toFixed(1).padStart(6)} ms`,
      );
    }
    const sortedProbes = [...probes].sort((a, b) => a - b);
    console.log(
      `/healthz during the hostile requests: ${probes.length} probes, median ${percentile(sortedProbes, 50).toFixed(1)} ms, p99 ${percentile(sortedProbes, 99).toFixed(1)} ms, worst ${sortedProbes[sortedProbes.length - 1].toFixed(1)} ms`,
    );
    if (values.before) schemaBeforeAfter();
  } finally {
    if (child) {
      child.send('stop');
      await new Promise((r) => child.once('exit', r));
    }
    await admin(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}
