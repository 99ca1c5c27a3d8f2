// Proves the limits and small algorithms every workspace must share are @hainan/ledger-model's own: the 1,000-items
// transaction bound, the GS1 check digit and the capped full-jitter backoff.
// How: each consumer's export is compared with the model's (by identity where it re-exports, by results where it wraps).
import t from 'tap';
import { fullJitterBackoffMs, gs1CheckDigit, ITEMS_PER_TRANSACTION_MAX } from '@hainan/ledger-model';
import { BATCH_ITEMS_MAX as chaincodeBatchMax } from '../../chaincode/src/ledger/posting';
import { fullJitterDelayMs as gatewayJitter } from '../../gateway/src/adapters/fabric/retry';
import { gs1CheckDigit as gatewayCheckDigit } from '../../gateway/src/domain/gs1';
import { BATCH_ITEMS_MAX as stepsBatchMax } from '../../gateway/src/routes/steps/schema';
import { gs1CheckDigit as agentCheckDigit } from '../../packages/epc-decoders/src/gs1';
import { fullJitterDelayMs as agentJitter } from '../../scanner-agent/src/outbox/uploader';
import { checkDigit as testkitCheckDigit } from '../../testkit/src/trace';

t.test('one items-per-transaction bound', async (t) => {
  t.equal(ITEMS_PER_TRANSACTION_MAX, 1_000);
  t.equal(chaincodeBatchMax, ITEMS_PER_TRANSACTION_MAX);
  t.equal(stepsBatchMax, ITEMS_PER_TRANSACTION_MAX);
});

t.test('one GS1 check digit', async (t) => {
  // The chaincode has no GS1 module of its own: it imports the model's.
  for (const f of [gatewayCheckDigit, agentCheckDigit, testkitCheckDigit]) t.equal(f, gs1CheckDigit);
  t.equal(gs1CheckDigit('8061414112345'), 8);
});

t.test('one capped full-jitter backoff', async (t) => {
  for (const r of [0, 0.5, 0.999999]) {
    for (let attempt = 1; attempt <= 12; attempt++) {
      t.equal(
        gatewayJitter(attempt, { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 }, () => r),
        fullJitterBackoffMs(attempt - 1, 100, 1_000, () => r),
      );
      t.equal(
        agentJitter(attempt, 250, 30_000, () => r),
        fullJitterBackoffMs(attempt, 250, 30_000, () => r),
      );
    }
  }
});
