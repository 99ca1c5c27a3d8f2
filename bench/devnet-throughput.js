#!/usr/bin/env node
/*
 * Throughput through the official client -> dev peer -> chaincode (all three as separate processes on this
 * machine): transactions/s for single-key submits and items/s for batched submits (many keys per transaction),
 * each submit waited for until its commit status is VALID. Prints plain lines and one JSON line.
 *   npm run build && node bench/devnet-throughput.js [--seconds 15] [--concurrency 32] [--batch-items 250]
 */
'use strict';
const { parseArgs } = require('node:util');
const tk = require('../testkit/dist/devnet.js');
const { cpuMsOf, ownCpuMs, pgrep } = require('./proc-cpu.js');

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '32' },
    'batch-items': { type: 'string', default: '250' },
  },
});
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const BATCH_ITEMS = Number(values['batch-items']);

/** CPU ms (user + system) of this process (the client), the dev peer and its chaincode processes. */
function cpuMs(devnetPid) {
  return { client: ownCpuMs(), devPeer: cpuMsOf([devnetPid]), chaincode: cpuMsOf(pgrep('-P', String(devnetPid))) };
}

async function run(contract, makeArgs, fn) {
  const deadline = Date.now() + SECONDS * 1000;
  let committed = 0;
  let invalid = 0;
  let seq = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < deadline) {
        const submitted = await contract.submitAsync(fn, { arguments: makeArgs(seq++) });
        const status = await submitted.getStatus();
        if (status.successful) committed++;
        else invalid++;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { committed, invalid, seconds, perSecond: committed / seconds };
}

(async () => {
  const dn = await tk.startDevnetProcess({
    args: [...tk.probeChaincodeArgs(), '--batch-size', '100', '--batch-timeout-ms', '20'],
  });
  const gw = tk.connectGateway(dn.profile);
  const contract = gw.getNetwork(dn.profile.channel).getContract('probe');
  try {
    await contract.submitTransaction('Put', 'warmup', '1');
    const single = await run(contract, (i) => [`single-${i}`, `v${i}`], 'Put');
    const cpu0 = cpuMs(dn.child.pid);
    const batched = await run(contract, (i) => [`batch-${i}`, String(BATCH_ITEMS)], 'PutBatch');
    const cpu1 = cpuMs(dn.child.pid);
    const perKey = (part) => ((cpu1[part] - cpu0[part]) * 1000) / (batched.committed * BATCH_ITEMS);
    const cpuUsPerKey = perKey('client') + perKey('devPeer') + perKey('chaincode');
    const itemsPerSecond = batched.perSecond * BATCH_ITEMS;
    console.log(
      `single-key submits: ${single.perSecond.toFixed(0)} tx/s committed (${single.committed} VALID, ${single.invalid} invalid, ${single.seconds.toFixed(1)} s, ${CONCURRENCY} in flight)`,
    );
    console.log(
      `batched submits:    ${batched.perSecond.toFixed(1)} tx/s x ${BATCH_ITEMS} items = ${itemsPerSecond.toFixed(0)} items/s committed (${batched.invalid} invalid); CPU per key written ${cpuUsPerKey.toFixed(0)} µs (client ${perKey('client').toFixed(0)}, dev peer ${perKey('devPeer').toFixed(0)}, chaincode ${perKey('chaincode').toFixed(0)})`,
    );
    console.log(
      JSON.stringify({
        bench: 'devnet-throughput',
        txPerSecond: Math.round(single.perSecond),
        itemsPerSecond: Math.round(itemsPerSecond),
        batchItems: BATCH_ITEMS,
        concurrency: CONCURRENCY,
        seconds: SECONDS,
        cpuUsPerKey: Math.round(cpuUsPerKey),
      }),
    );
  } finally {
    gw.close();
    gw.grpcClient.close();
    await dn.stop();
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
