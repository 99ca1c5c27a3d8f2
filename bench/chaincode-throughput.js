#!/usr/bin/env node
/*
 * Items/s committed for batched first-line entry and second-line exit of the traceability chaincode, through the
 * official client -> dev peer -> chaincode (separate processes), and the chaincode process's CPU time per item
 * (user + system, from /proc). Prints plain lines and one JSON line.
 *   npm run build && node bench/chaincode-throughput.js [--batches 24] [--items 1000] [--concurrency 4]
 */
'use strict';
const { parseArgs } = require('node:util');
const tk = require('../testkit/dist/index.js');
const { cpuMsOf, pgrep } = require('./proc-cpu.js');

const { values } = parseArgs({
  options: {
    batches: { type: 'string', default: '24' },
    items: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '4' },
  },
});
const BATCHES = Number(values.batches);
const ITEMS = Number(values.items);
const CONCURRENCY = Number(values.concurrency);
function cpuMs(pid) {
  return cpuMsOf([pid]);
}

function chaincodePid(devnetPid) {
  return pgrep('-P', String(devnetPid), '-f', 'chaincode-host')[0];
}

async function phase(_name, work) {
  const queue = [...Array(BATCHES).keys()];
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let b = queue.shift(); b !== undefined; b = queue.shift()) await work(b);
    }),
  );
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

(async () => {
  const dn = await tk.startDevnetProcess({ args: ['--batch-size', '10', '--batch-timeout-ms', '20'] });
  const c = new tk.TraceClient(dn);
  try {
    await tk.registerDevnetEnterprises(c);
    const p = tk.product(900);
    const loc = tk.gln(900);
    const items = (b) => Array.from({ length: ITEMS }, (_, k) => p.sgtin(`${b}-${k}`));
    const ccPid = chaincodePid(dn.child.pid);
    const cpu0 = cpuMs(ccPid);
    const entrySeconds = await phase('entry', (b) =>
      c.submit('enterprise1', 'goods:Enter', {
        declarationNo: `BENCH-${b}`,
        location: loc,
        regime: 'ZERO_TARIFF',
        product: { gtin: p.gtin, hsCode: '330300', category: 'COSMETICS' },
        unitValueFen: 10_000,
        items: items(b),
      }),
    );
    const cpu1 = cpuMs(ccPid);
    const exitSeconds = await phase('exit', (b) =>
      c.submit('enterprise1', 'goods:Exit', {
        releaseListNo: `BR-${b}`,
        port: 'YANGPU_PORT',
        items: items(b).map((id) => ({ id, exitValueFen: 12_000 })),
      }),
    );
    const cpu2 = cpuMs(ccPid);
    const total = BATCHES * ITEMS;
    const result = {
      bench: 'chaincode-throughput',
      itemsPerTx: ITEMS,
      transactions: BATCHES,
      concurrency: CONCURRENCY,
      entryItemsPerSecond: Math.round(total / entrySeconds),
      exitItemsPerSecond: Math.round(total / exitSeconds),
      entryChaincodeCpuUsPerItem: Math.round(((cpu1 - cpu0) * 1000) / total),
      exitChaincodeCpuUsPerItem: Math.round(((cpu2 - cpu1) * 1000) / total),
    };
    console.log(
      `batched entry: ${result.entryItemsPerSecond} items/s committed (${BATCHES} tx x ${ITEMS} items, ${CONCURRENCY} in flight); chaincode CPU ${result.entryChaincodeCpuUsPerItem} us/item`,
    );
    console.log(
      `batched exit:  ${result.exitItemsPerSecond} items/s committed; chaincode CPU ${result.exitChaincodeCpuUsPerItem} us/item`,
    );
    console.log(JSON.stringify(result));
  } finally {
    c.close();
    await dn.stop();
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
