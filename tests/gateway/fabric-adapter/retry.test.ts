// Proves submits are retried only when a new transaction can succeed: MVCC conflicts and outages a bounded number of times with full-jitter backoff, a chaincode INVALID_TRANSITION never.
// How: withRetry and LedgerClient.submit over fakes throwing the client's own CommitError / EndorseError objects, with injected random and sleep so no real time passes.
import t, { type Test } from 'tap';
import { Metadata } from '@grpc/grpc-js';
import { EndorseError, type Contract, type ProposalOptions } from '@hyperledger/fabric-gateway';
import { newCommitError } from '@hyperledger/fabric-gateway/dist/commiterror';
import { LedgerError, LedgerErrorCode, toLedgerError } from '../../../gateway/src/adapters/fabric/errors';
import { LedgerClient } from '../../../gateway/src/adapters/fabric/ledger-client';
import {
  fullJitterDelayMs,
  MAX_ATTEMPTS_LIMIT,
  withRetry,
  type RetryOptions,
} from '../../../gateway/src/adapters/fabric/retry';

const TX_ID = 'ab'.repeat(32);

const mvccConflict = () => newCommitError({ blockNumber: 76n, code: 11, successful: false, transactionId: TX_ID });
function invalidTransition(): EndorseError {
  // As client.js builds it for a chaincode failure on submit: code 10 with the chaincode text in one detail.
  const cause = Object.assign(
    new Error('10 ABORTED: failed to endorse transaction, see attached details for more info'),
    {
      code: 10,
      details: 'failed to endorse transaction, see attached details for more info',
      metadata: new Metadata(),
    },
  );
  return new EndorseError({
    message: cause.message,
    code: 10,
    details: [
      {
        address: '127.0.0.1:7051',
        mspId: 'Org1MSP',
        message: 'chaincode response 500, INVALID_TRANSITION: SOLD -> IN_TRANSIT is not allowed',
      },
    ],
    cause,
    transactionId: TX_ID,
  });
}

/** Retry options that never wait and record the waits they were asked for. */
function instantRetry(policy: Partial<RetryOptions> = {}): RetryOptions & { delaysMs: number[] } {
  const delaysMs: number[] = [];
  return {
    maxAttempts: 4,
    baseDelayMs: 100,
    maxDelayMs: 1_000,
    random: () => 0.5,
    sleep: async (delayMs) => {
      delaysMs.push(delayMs);
    },
    ...policy,
    delaysMs,
  };
}

/** A fake Contract whose submit() pops the next scripted outcome; each call stands for a new proposal. */
function scriptedContract(outcomes: Array<Error | Uint8Array>): {
  contract: Pick<Contract, 'evaluate' | 'submit' | 'getChaincodeName'>;
  calls: Array<{ name: string; options: ProposalOptions | undefined }>;
} {
  const calls: Array<{ name: string; options: ProposalOptions | undefined }> = [];
  const contract = {
    getChaincodeName: () => 'traceability',
    evaluate: async () => new Uint8Array(),
    submit: async (name: string, options?: ProposalOptions) => {
      calls.push({ name, options });
      const outcome = outcomes.shift();
      if (outcome === undefined) throw new Error('no scripted outcome left');
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
  };
  return { contract, calls };
}

/** The rejection of `promise` (fails the test if it resolves). */
async function rejectionOf(t: Test, promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err: unknown) {
    return err;
  }
  t.fail('expected a rejection');
  return undefined;
}

t.test('full jitter: the wait is random(0, min(maxDelayMs, baseDelayMs * 2^(attempt-1)))', async (t) => {
  const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 };
  t.same(
    [1, 2, 3, 4, 5, 6].map((attempt) => fullJitterDelayMs(attempt, policy, () => 0.999999)),
    [99, 199, 399, 799, 999, 999],
  );
  t.same(
    [1, 2, 3].map((attempt) => fullJitterDelayMs(attempt, policy, () => 0)),
    [0, 0, 0],
  );
  t.equal(
    fullJitterDelayMs(3, policy, () => 0.5),
    200,
  );
});

t.test('an MVCC conflict is retried, and the call succeeds once the conflict clears', async (t) => {
  let attempts = 0;
  const options = instantRetry();
  const result = await withRetry(async (attempt) => {
    attempts = attempt;
    if (attempt < 3) throw toLedgerError(mvccConflict());
    return 'committed';
  }, options);
  t.equal(result, 'committed');
  t.equal(attempts, 3);
  t.same(options.delaysMs, [50, 100], 'half of 100 then of 200 ms with random() = 0.5');
});

t.test('a conflict that never clears is tried maxAttempts times, then the last error is rethrown', async (t) => {
  let attempts = 0;
  const errors: LedgerError[] = [];
  const options = instantRetry({ maxAttempts: 3 });
  const rejection = await rejectionOf(
    t,
    withRetry(async () => {
      attempts++;
      const err = toLedgerError(mvccConflict());
      errors.push(err);
      throw err;
    }, options),
  );
  t.equal(rejection, errors[errors.length - 1], "the last attempt's error");
  t.equal((rejection as LedgerError).code, LedgerErrorCode.LEDGER_CONFLICT);
  t.equal(attempts, 3, 'bounded by maxAttempts');
  t.equal(options.delaysMs.length, 2, 'no wait after the last attempt');
});

t.test('a chaincode INVALID_TRANSITION, an unknown outcome or a non-LedgerError is never retried', async (t) => {
  for (const [label, error] of [
    ['INVALID_TRANSITION', toLedgerError(invalidTransition())],
    [
      'outcome unknown',
      new LedgerError({
        code: LedgerErrorCode.LEDGER_OUTCOME_UNKNOWN,
        message: 'x',
        kind: 'outcome-unknown',
        retryable: false,
      }),
    ],
    ['plain Error', new Error('bug')],
  ] as const) {
    let attempts = 0;
    const options = instantRetry();
    const rejection = await rejectionOf(
      t,
      withRetry(async () => {
        attempts++;
        throw error;
      }, options),
    );
    t.equal(rejection, error, `${label}: rethrown unchanged`);
    t.equal(attempts, 1, `${label}: one attempt`);
    t.same(options.delaysMs, [], `${label}: no wait`);
  }
});

t.test('the policy is bounded: maxAttempts outside 1..MAX_ATTEMPTS_LIMIT is refused', async (t) => {
  for (const maxAttempts of [0, MAX_ATTEMPTS_LIMIT + 1, 2.5, Number.POSITIVE_INFINITY]) {
    await t.rejects(
      withRetry(async () => 1, instantRetry({ maxAttempts })),
      RangeError,
      `maxAttempts ${maxAttempts}`,
    );
  }
  await t.rejects(
    withRetry(async () => 1, instantRetry({ baseDelayMs: 500, maxDelayMs: 100 })),
    RangeError,
    'maxDelayMs < baseDelayMs',
  );
});

t.test(
  'LedgerClient.submit: each retry is a new submit (new proposal), result decoded after the conflict clears',
  async (t) => {
    const { contract, calls } = scriptedContract([
      mvccConflict(),
      mvccConflict(),
      Buffer.from('{"state":"IN_TRANSIT"}'),
    ]);
    const retries: number[] = [];
    const ledger = new LedgerClient({
      contract,
      submitRetry: { ...instantRetry(), onRetry: (event) => retries.push(event.attempt) },
    });

    const result = await ledger.submit<{ state: string }>('MoveProduct', ['HN-1', 'IN_TRANSIT']);

    t.same(result, { state: 'IN_TRANSIT' });
    t.equal(calls.length, 3, 'contract.submit called once per attempt');
    t.same(
      calls.map((call) => call.options?.arguments),
      [
        ['HN-1', 'IN_TRANSIT'],
        ['HN-1', 'IN_TRANSIT'],
        ['HN-1', 'IN_TRANSIT'],
      ],
    );
    t.same(retries, [1, 2]);
  },
);

t.test('LedgerClient.submit: INVALID_TRANSITION surfaces at once with the chaincode code and text', async (t) => {
  const { contract, calls } = scriptedContract([invalidTransition(), Buffer.from('{}')]);
  const ledger = new LedgerClient({ contract, submitRetry: instantRetry() });

  await t.rejects(ledger.submit('MoveProduct', ['HN-1', 'IN_TRANSIT']), {
    name: 'LedgerError',
    code: 'INVALID_TRANSITION',
    message: 'SOLD -> IN_TRANSIT is not allowed',
    kind: 'chaincode',
    retryable: false,
    transactionId: TX_ID,
  });
  t.equal(calls.length, 1, 'not retried');
});

t.test(
  'LedgerClient.submit: a conflict on every attempt gives up after maxAttempts with LEDGER_CONFLICT',
  async (t) => {
    const { contract, calls } = scriptedContract([
      mvccConflict(),
      mvccConflict(),
      mvccConflict(),
      mvccConflict(),
      Buffer.from('{}'),
    ]);
    const ledger = new LedgerClient({ contract, submitRetry: instantRetry({ maxAttempts: 3 }) });

    await t.rejects(ledger.submit('MoveProduct', ['HN-1']), {
      code: LedgerErrorCode.LEDGER_CONFLICT,
      retryable: true,
      validationCode: 11,
    });
    t.equal(calls.length, 3);
  },
);
