// Proves LedgerClient gives the gateway JSON results, stable errors, the id of the transaction that committed when asked, and a closeable, resumable chaincode-event stream without leaking client types or gRPC streams.
// How: LedgerClient over a fake Contract and Network that record what they receive and replay client-shaped results and errors.
import t from 'tap';
import { Metadata } from '@grpc/grpc-js';
import {
  GatewayError,
  type ChaincodeEvent,
  type ChaincodeEventsOptions,
  type ProposalOptions,
  type SubmittedTransaction,
} from '@hyperledger/fabric-gateway';
import { LedgerError, LedgerErrorCode } from '../../../gateway/src/adapters/fabric/errors';
import {
  LedgerClient,
  MAX_OPEN_EVENT_STREAMS,
  type LedgerContract,
  type LedgerNetwork,
} from '../../../gateway/src/adapters/fabric/ledger-client';

function grpcError(code: number, message: string): GatewayError {
  const cause = Object.assign(new Error(message), { code, details: message, metadata: new Metadata() });
  return new GatewayError({ message, code, details: [], cause });
}

function fakeContract(evaluateResult: Uint8Array | Error = new Uint8Array()) {
  const calls: Array<{ kind: 'evaluate' | 'submit'; name: string; options: ProposalOptions | undefined }> = [];
  const contract: LedgerContract = {
    getChaincodeName: () => 'traceability',
    evaluate: async (name, options) => {
      calls.push({ kind: 'evaluate', name, options });
      if (evaluateResult instanceof Error) throw evaluateResult;
      return evaluateResult;
    },
    submit: async (name, options) => {
      calls.push({ kind: 'submit', name, options });
      return new Uint8Array();
    },
  };
  return { contract, calls };
}

const EVENT: ChaincodeEvent = {
  blockNumber: 9n,
  transactionId: 'f'.repeat(64),
  chaincodeName: 'traceability',
  eventName: 'ProductSold',
  payload: Buffer.from('{}'),
};

/** A Network whose event stream yields `events`, then fails with `endError` or stays open until closed. */
function fakeNetwork(events: ChaincodeEvent[], endError?: Error) {
  const opened: Array<{ chaincodeName: string; options: ChaincodeEventsOptions | undefined; closed: boolean }> = [];
  const network: LedgerNetwork = {
    getChaincodeEvents: async (chaincodeName, options) => {
      const record = { chaincodeName, options, closed: false };
      opened.push(record);
      const queue = [...events];
      return {
        [Symbol.asyncIterator]: () => ({
          next: async (): Promise<IteratorResult<ChaincodeEvent>> => {
            const event = queue.shift();
            if (event) return { done: false, value: event };
            if (endError) throw endError;
            return new Promise(() => undefined); // a live stream: waits for ever
          },
        }),
        close: () => {
          record.closed = true;
        },
        [Symbol.dispose]: () => {
          record.closed = true;
        },
      };
    },
  };
  return { network, opened };
}

t.test('evaluate decodes JSON, maps empty results to undefined and passes arguments in order', async (t) => {
  const { contract, calls } = fakeContract(Buffer.from('{"serial":"HN-1","priceFen":129900}'));
  const ledger = new LedgerClient({ contract });
  t.same(await ledger.evaluate('GetProduct', ['HN-1', Buffer.from([1, 2])]), { serial: 'HN-1', priceFen: 129900 });
  t.same(calls, [{ kind: 'evaluate', name: 'GetProduct', options: { arguments: ['HN-1', Buffer.from([1, 2])] } }]);

  t.equal(await new LedgerClient({ contract: fakeContract(new Uint8Array()).contract }).evaluate('Ping'), undefined);
});

t.test('a result that is not UTF-8 JSON is a LEDGER_BAD_RESULT error', async (t) => {
  for (const bytes of [Buffer.from('not json'), Buffer.from([0xff, 0xfe, 0x7b, 0x7d])]) {
    const ledger = new LedgerClient({ contract: fakeContract(bytes).contract });
    await t.rejects(ledger.evaluate('GetProduct'), {
      name: 'LedgerError',
      code: LedgerErrorCode.LEDGER_BAD_RESULT,
      retryable: false,
    });
  }
});

t.test('evaluate failures are mapped and not retried', async (t) => {
  const { contract, calls } = fakeContract(grpcError(14, '14 UNAVAILABLE: No connection established'));
  const ledger = new LedgerClient({ contract });
  await t.rejects(ledger.evaluate('GetProduct', ['HN-1']), {
    code: LedgerErrorCode.LEDGER_UNAVAILABLE,
    retryable: true,
  });
  t.equal(calls.length, 1);
});

t.test('submit passes transient data through, and only when given', async (t) => {
  const { contract, calls } = fakeContract();
  const ledger = new LedgerClient({ contract });
  t.equal(await ledger.submit('RegisterBuyer', ['B-1'], { transientData: { passport: 'E12345678' } }), undefined);
  await ledger.submit('Ping');
  t.same(
    calls.map((call) => call.options),
    [{ arguments: ['B-1'], transientData: { passport: 'E12345678' } }, { arguments: [] }],
  );
});

t.test('chaincodeEvents passes the chaincode, start block and checkpoint through and yields the events', async (t) => {
  const { contract } = fakeContract();
  const { network, opened } = fakeNetwork([EVENT]);
  const ledger = new LedgerClient({ contract, network });
  const checkpoint = { getBlockNumber: () => 9n, getTransactionId: () => 'e'.repeat(64) };

  const stream = await ledger.chaincodeEvents(3n, checkpoint);
  const received: ChaincodeEvent[] = [];
  for await (const event of stream) {
    received.push(event);
    break; // leaving the loop early must cancel the gRPC stream
  }

  t.same(received, [EVENT]);
  t.equal(opened[0]?.chaincodeName, 'traceability');
  t.equal(opened[0]?.options?.startBlock, 3n);
  t.equal(opened[0]?.options?.checkpoint, checkpoint);
  t.equal(opened[0]?.closed, true, 'break closed the underlying stream');
});

t.test('a stream read error arrives as a LedgerError (e.g. CANCELLED after close)', async (t) => {
  const { network } = fakeNetwork([], grpcError(1, '1 CANCELLED: Cancelled on client'));
  const ledger = new LedgerClient({ contract: fakeContract().contract, network });
  const stream = await ledger.chaincodeEvents(0n);
  const iterator = stream[Symbol.asyncIterator]();
  await t.rejects(iterator.next(), { name: 'LedgerError', code: LedgerErrorCode.LEDGER_CANCELLED });
});

t.test('close() closes open streams, calls onClose once, and later calls fail with LEDGER_CLOSED', async (t) => {
  const { network, opened } = fakeNetwork([]);
  let onCloseCalls = 0;
  const ledger = new LedgerClient({ contract: fakeContract().contract, network, onClose: () => onCloseCalls++ });
  await ledger.chaincodeEvents(0n);
  await ledger.chaincodeEvents(0n);

  ledger.close();
  ledger.close();

  t.same(
    opened.map((record) => record.closed),
    [true, true],
  );
  t.equal(onCloseCalls, 1);
  await t.rejects(ledger.evaluate('GetProduct'), { code: LedgerErrorCode.LEDGER_CLOSED });
  await t.rejects(ledger.submit('Ping'), { code: LedgerErrorCode.LEDGER_CLOSED });
  await t.rejects(ledger.chaincodeEvents(0n), { code: LedgerErrorCode.LEDGER_CLOSED });
});

t.test(`at most ${MAX_OPEN_EVENT_STREAMS} event streams are open at once`, async (t) => {
  const { network } = fakeNetwork([]);
  const ledger = new LedgerClient({ contract: fakeContract().contract, network });
  const streams = [];
  for (let index = 0; index < MAX_OPEN_EVENT_STREAMS; index++) streams.push(await ledger.chaincodeEvents(0n));
  await t.rejects(ledger.chaincodeEvents(0n), LedgerError);
  streams[0]?.close();
  t.ok(await ledger.chaincodeEvents(0n), 'a closed stream frees its slot');
});

/** A contract whose submitAsync commits with the given validation codes in turn (0: VALID), one new transaction id each. */
function committingContract(codes: number[]) {
  const ids: string[] = [];
  const contract: LedgerContract = {
    getChaincodeName: () => 'traceability',
    evaluate: async () => new Uint8Array(),
    submit: async () => {
      throw new Error('Contract.submit cannot say which transaction committed');
    },
    submitAsync: async () => {
      const attempt = ids.length + 1;
      const id = String(attempt).repeat(64);
      ids.push(id);
      const code = codes[attempt - 1] ?? 0;
      return {
        getTransactionId: () => id,
        getResult: () => Buffer.from(JSON.stringify({ attempt })),
        getStatus: async () => ({ blockNumber: 7n, code, successful: code === 0, transactionId: id }),
      } as unknown as SubmittedTransaction;
    },
  };
  return { contract, ids };
}

const noWait = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, random: () => 0, sleep: async () => undefined };

t.test("submit names the transaction that committed: after a read conflict, the retry's id, once", async (t) => {
  const { contract, ids } = committingContract([11, 0]); // MVCC_READ_CONFLICT, then VALID
  const ledger = new LedgerClient({ contract, submitRetry: noWait });
  const committed: string[] = [];
  t.same(await ledger.submit('ClosePeriod', ['{}'], { onCommitted: (id) => committed.push(id) }), { attempt: 2 });
  t.equal(ids.length, 2, 'the conflict was retried as a new transaction');
  t.same(committed, [ids[1]], 'only the committed transaction is named');
});

t.test(
  'a transaction that fails to commit is the same LedgerError as without the callback, and names nothing',
  async (t) => {
    const { contract, ids } = committingContract([10]); // ENDORSEMENT_POLICY_FAILURE: not retryable
    const ledger = new LedgerClient({ contract, submitRetry: noWait });
    const committed: string[] = [];
    await t.rejects(ledger.submit('ClosePeriod', ['{}'], { onCommitted: (id) => committed.push(id) }), {
      code: LedgerErrorCode.LEDGER_TRANSACTION_INVALID,
      transactionId: ids[0],
    });
    t.same(committed, []);
  },
);
