#!/usr/bin/env node
// Scanner agent throughput: raw reports replayed from a capture -> decoded -> deduplicated -> batched
// (-> spooled with fsync), in reports per second on one core, and as a ratio to a bare SGTIN-96 decode loop
// run in the same process. Build first: `npx tsc -b scanner-agent && node bench/scanner-throughput.js`.
//
//   --reads <n>      reports in the capture (default 1,000,000)
//   --items <n>      distinct tags among them (default 100,000: each tag read 10 times, as a handheld does)
//   --layout <l>     cp2110-m100 (default) | m100 | lines
//   --runs <n>       timed runs of each figure; the best is reported (default 3)
'use strict';
const { mkdtempSync, rmSync, writeFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { parseArgs } = require('node:util');

const dist = join(__dirname, '..', 'scanner-agent', 'dist');
const { CountSession } = require(join(dist, 'agent'));
const { decodeEpcHex } = require(join(dist, 'decoders', 'sgtin'));
const { Spool } = require(join(dist, 'outbox', 'spool'));
const { openReplayTransport } = require(join(dist, 'transport', 'replay'));
const { stocktakeCapture } = require(join(dist, 'tools', 'make-fixture'));
const tds = require('epc-tds');

const { values } = parseArgs({
  options: {
    reads: { type: 'string' },
    items: { type: 'string' },
    layout: { type: 'string' },
    runs: { type: 'string' },
  },
});
const reads = Number(values.reads ?? 1_000_000);
const items = Number(values.items ?? 100_000);
const layout = values.layout ?? 'cp2110-m100';
const runs = Number(values.runs ?? 3);

function best(_label, fn) {
  let top = 0;
  for (let i = 0; i < runs; i++) top = Math.max(top, fn());
  return top;
}

async function bestAsync(fn) {
  let top = 0;
  for (let i = 0; i < runs; i++) top = Math.max(top, await fn());
  return top;
}

async function pipeline(capturePath, withSpool) {
  const dir = mkdtempSync(join(tmpdir(), 'scanner-bench-'));
  const spool = withSpool ? Spool.open(dir) : undefined;
  try {
    const transport = await openReplayTransport(capturePath, { speed: 0 });
    const session = new CountSession({
      transport,
      stocktakeId: withSpool ? 'bench' : undefined,
      deviceId: 'bench',
      ...(spool ? { spool } : {}),
      drainTimeoutMs: 0,
      closeAtEnd: false,
    });
    const t0 = process.hrtime.bigint();
    const outcome = await session.run();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (outcome.progress.reads !== reads || outcome.progress.uniqueItems !== items) {
      throw new Error(
        `pipeline counted ${outcome.progress.reads} reads / ${outcome.progress.uniqueItems} items, expected ${reads} / ${items}`,
      );
    }
    return { perSecond: reads / seconds, batches: outcome.progress.spooledBatches };
  } finally {
    spool?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const outDir = join(__dirname, 'out');
  mkdirSync(outDir, { recursive: true });
  const capturePath = join(outDir, `scanner-${layout}-${reads}-${items}.capture`);
  // Generate, write, and let the 100+ MB capture string go before timing anything.
  const urns = (() => {
    const capture = stocktakeCapture(items, reads - items, layout);
    writeFileSync(capturePath, capture.text);
    return capture.urns;
  })();
  const epcs = urns.map((urn) => {
    const [cp, item, serial] = urn.slice('urn:epc:id:sgtin:'.length).split('.');
    return new tds.Sgtin96()
      .setFilter(1)
      .setPartition(12 - cp.length)
      .setCompanyPrefix(Number(cp))
      .setItemReference(Number(item))
      .setSerial(Number(serial))
      .toHexString();
  });

  // Bare decode loops over distinct EPCs (no memo): the agent's validated decoder, and epc-tds alone.
  const bareDecode = best('bare', () => {
    const t0 = process.hrtime.bigint();
    let ok = 0;
    for (let i = 0; i < reads; i++) if (decodeEpcHex(epcs[i % epcs.length]).ok) ok++;
    if (ok !== reads) throw new Error('bare decode failed');
    return reads / (Number(process.hrtime.bigint() - t0) / 1e9);
  });
  const libDecode = best('lib', () => {
    const t0 = process.hrtime.bigint();
    let n = 0;
    for (let i = 0; i < reads; i++) n += tds.valueOf(epcs[i % epcs.length]).toIdURI().length;
    if (n === 0) throw new Error('lib decode failed');
    return reads / (Number(process.hrtime.bigint() - t0) / 1e9);
  });

  let batches = 0;
  const spooled = await bestAsync(async () => {
    const r = await pipeline(capturePath, true);
    batches = r.batches;
    return r.perSecond;
  });
  const dry = await bestAsync(async () => (await pipeline(capturePath, false)).perSecond);

  // The scenario: 10,000 reads of 8,000 distinct items (most reads are first sightings).
  const smallPath = join(outDir, `scanner-${layout}-10000-8000.capture`);
  writeFileSync(smallPath, stocktakeCapture(8000, 2000, layout).text);
  const savedReads = reads;
  const small = await (async () => {
    let top = 0;
    for (let i = 0; i < runs; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'scanner-bench-'));
      const spool = Spool.open(dir);
      const transport = await openReplayTransport(smallPath, { speed: 0 });
      const session = new CountSession({
        transport,
        stocktakeId: 'bench',
        deviceId: 'bench',
        spool,
        drainTimeoutMs: 0,
        closeAtEnd: false,
      });
      const t0 = process.hrtime.bigint();
      const outcome = await session.run();
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      spool.close();
      rmSync(dir, { recursive: true, force: true });
      if (outcome.progress.uniqueItems !== 8000) throw new Error('10k/8k scenario miscounted');
      top = Math.max(top, 10_000 / seconds);
    }
    return top;
  })();
  void savedReads;

  const f = (n) => Math.round(n).toLocaleString('en-US');
  const lines = [
    `scanner-agent throughput (${layout}, ${f(reads)} reports of ${f(items)} distinct SGTIN-96 tags, best of ${runs}, node ${process.version}, one core)`,
    `  replay -> decode -> dedup -> batch -> spool (fsync, ${batches} batches): ${f(spooled)} reports/s`,
    `  replay -> decode -> dedup -> batch (no spool):                    ${f(dry)} reports/s`,
    `  bare SGTIN-96 decode loop (agent decoder, no memo):               ${f(bareDecode)} decodes/s`,
    `  bare epc-tds valueOf().toIdURI() loop:                            ${f(libDecode)} decodes/s`,
    `  ratio pipeline (spooled) / bare decode:                           ${(spooled / bareDecode).toFixed(2)}x`,
    `  10,000 reads of 8,000 items, spooled:                             ${f(small)} reports/s`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exitCode = 1;
});
