// Proves the dev peer loses nothing it reported committed and repeats nothing: after `kill -9` mid-burst every VALID
// transaction is still in the ledger, and a chaincode-event listener resumes from its checkpoint with no gap and no repeat.
// How: run the dev peer as a child process, SIGKILL it under load, restart it on the same data directory, and compare.
import t from 'tap';
import { checkpointers } from '@hyperledger/fabric-gateway';
import { connectGateway, DevnetProcess, probeChaincodeArgs, startDevnetProcess } from '../../testkit/src/devnet';

const utf8 = (b: Uint8Array) => Buffer.from(b).toString('utf8');

async function withGateway<T>(
  dn: DevnetProcess,
  fn: (gw: ReturnType<typeof connectGateway>) => Promise<T>,
): Promise<T> {
  const gw = connectGateway(dn.profile);
  try {
    return await fn(gw);
  } finally {
    gw.close();
    gw.grpcClient.close();
  }
}

t.test('kill -9 during a burst of submits: every VALID transaction survives the restart', async (t) => {
  const args = [...probeChaincodeArgs(), '--batch-size', '10', '--batch-timeout-ms', '20'];
  const first = await startDevnetProcess({ args });
  const dataDir = first.dataDir;
  const valid: { txId: string; key: string; value: string }[] = [];
  const TOTAL = 400;
  const KILL_AFTER_VALID = 120;
  let killed: Promise<void> | undefined;
  const gw = connectGateway(first.profile);
  const contract = gw.getNetwork(first.profile.channel).getContract('probe');
  const worker = async (w: number) => {
    for (let i = w; i < TOTAL && !killed; i += 16) {
      const key = `burst-${i}`;
      const value = `v${i}`;
      try {
        const submitted = await contract.submitAsync('Put', { arguments: [key, value] });
        const status = await submitted.getStatus();
        if (status.successful) valid.push({ txId: submitted.getTransactionId(), key, value });
      } catch {
        // the peer died under us: those transactions may or may not have committed; they are not counted
      }
      if (valid.length >= KILL_AFTER_VALID && !killed) killed = first.kill9();
    }
  };
  await Promise.all(Array.from({ length: 16 }, (_, w) => worker(w)));
  await killed;
  gw.close();
  gw.grpcClient.close();
  t.ok(valid.length >= KILL_AFTER_VALID, `${valid.length} transactions were reported VALID before the kill`);

  const second = await startDevnetProcess({ dataDir, args });
  t.teardown(() => second.stop());
  await withGateway(second, async (gw2) => {
    const c = gw2.getNetwork(second.profile.channel).getContract('probe');
    const missing: string[] = [];
    for (const v of valid) {
      if (utf8(await c.evaluateTransaction('Get', v.key)) !== v.value) missing.push(v.key);
      const history = JSON.parse(utf8(await c.evaluateTransaction('History', v.key))) as { txId: string }[];
      if (!history.some((h) => h.txId === v.txId)) missing.push(v.txId);
    }
    t.same(missing, [], 'no committed transaction was lost');
    const after = await c.submitAsync('Put', { arguments: ['after-restart', 'ok'] });
    t.equal((await after.getStatus()).code, 0, 'the restarted peer commits new work');
  });
});

t.test('chaincode events resume from a checkpoint after the peer is killed and restarted', async (t) => {
  const args = probeChaincodeArgs();
  const first = await startDevnetProcess({ args });
  const dataDir = first.dataDir;
  const checkpointer = checkpointers.inMemory();
  const before = await withGateway(first, async (gw) => {
    const c = gw.getNetwork(first.profile.channel).getContract('probe');
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const s = await c.submitAsync('EventTwice');
      await s.getStatus();
      ids.push(s.getTransactionId());
    }
    // Consume and checkpoint the first three events only.
    const events = await gw.getNetwork(first.profile.channel).getChaincodeEvents('probe', { startBlock: 0n });
    let consumed = 0;
    for await (const e of events) {
      await checkpointer.checkpointChaincodeEvent(e);
      if (++consumed === 3) break;
    }
    events.close();
    return ids;
  });
  await first.kill9();

  const second = await startDevnetProcess({ dataDir, args });
  t.teardown(() => second.stop());
  await withGateway(second, async (gw) => {
    const c = gw.getNetwork(second.profile.channel).getContract('probe');
    const later: string[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await c.submitAsync('EventTwice');
      await s.getStatus();
      later.push(s.getTransactionId());
    }
    const expected = [...before.slice(3), ...later];
    const events = await gw
      .getNetwork(second.profile.channel)
      .getChaincodeEvents('probe', { checkpoint: checkpointer });
    const seen: string[] = [];
    for await (const e of events) {
      seen.push(e.transactionId);
      await checkpointer.checkpointChaincodeEvent(e);
      if (seen.length === expected.length) break;
    }
    events.close();
    t.same(seen, expected, 'resumed exactly after the checkpoint: nothing missed, nothing repeated');
  });
});
