#!/usr/bin/env node
/*
 * Gateway CPU per item of accepting one capture (issue #16 Must 4): JSON parse of the body, EPCIS limits and schema
 * validation, event hash ids, mapping to chain steps, chunking — gateway/src/capture/accept.ts's acceptCapture —
 * for documents of one 1,000-item entry ObjectEvent (with and without an eventID, which decides whether the CBV
 * event hash is computed). The capture repository is an in-memory stand-in that builds the chunks as the
 * PostgreSQL one does, so the figure is the gateway process's own work, not the database's. Single-threaded, in
 * process: µs of CPU (process.cpuUsage, user + system) per item, median of the rounds.
 *   npm run build && node bench/capture-cpu.js [--items 1000] [--rounds 30] [--warmup 10]
 */
'use strict';
const { parseArgs } = require('node:util');
const { acceptCapture } = require('../gateway/dist/capture/accept.js');
const { entryEvent, epcisDocument } = require('../testkit/dist/epcis.js');
const { product } = require('../testkit/dist/trace.js');

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '10' },
  },
});
const ITEMS = Number(values.items);
const ROUNDS = Number(values.rounds);
const WARMUP = Number(values.warmup);

/** Only what acceptCapture calls; insert builds the chunks as the PostgreSQL repository does. */
const captures = {
  async knownGtins() {
    return new Set();
  },
  async companyPrefixDigits() {
    return new Map();
  },
  async insert(capture) {
    const owned = new Set(capture.eventIds.map((_, i) => i));
    const chunks = capture.chunksFor(owned);
    if (chunks.length === 0) throw new Error('no chunks');
    return { created: true };
  },
};
const principal = { mspId: 'Org1MSP', enterpriseId: '91460000MA5TDF000A', keyId: 'bench', role: 'enterprise' };

let serial = 0;
function body(withEventId) {
  const p = product(301);
  const items = Array.from({ length: ITEMS }, () => p.sgtin(`B${++serial}`));
  const event = entryEvent({
    items,
    declarationNo: `D-${serial}`,
    location: 1,
    eventTime: '2026-01-01T00:00:00.000Z',
    ...(withEventId ? { eventID: `urn:uuid:00000000-0000-4000-8000-${String(serial).padStart(12, '0')}` } : {}),
  });
  return Buffer.from(JSON.stringify(epcisDocument([event])));
}

async function run(label, withEventId) {
  const bodies = Array.from({ length: WARMUP + ROUNDS }, () => body(withEventId));
  const perItem = [];
  for (const [i, b] of bodies.entries()) {
    const before = process.cpuUsage();
    await acceptCapture(captures, principal, JSON.parse(b.toString('utf8')));
    const used = process.cpuUsage(before);
    if (i >= WARMUP) perItem.push((used.user + used.system) / ITEMS);
  }
  perItem.sort((a, b) => a - b);
  const median = perItem[Math.floor(perItem.length / 2)];
  console.log(
    `${label}: ${median.toFixed(1)} us/item (median of ${ROUNDS}; min ${perItem[0].toFixed(1)}, max ${perItem[perItem.length - 1].toFixed(1)})`,
  );
  return median;
}

(async () => {
  const withoutId = await run(`accept, ${ITEMS}-item entry, no eventID`, false);
  const withId = await run(`accept, ${ITEMS}-item entry, with eventID (CBV hash)`, true);
  console.log(
    JSON.stringify({
      bench: 'capture-cpu',
      items: ITEMS,
      usPerItemNoEventId: Number(withoutId.toFixed(1)),
      usPerItemWithEventId: Number(withId.toFixed(1)),
    }),
  );
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
