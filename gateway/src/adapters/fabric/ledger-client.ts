/**
 * The traceability chaincode as the rest of the gateway sees it: JSON in and out, {@link LedgerError} on failure,
 * submits retried when a new transaction can succeed, and a resumable chaincode-event stream.
 *
 * Shaped after fabric-samples trader-typescript `contract.ts` (a business wrapper around an injected `Contract`),
 * so it is unit-testable with a fake contract and never builds a network itself.
 */
import { CommitError, type Contract, type Network } from '@hyperledger/fabric-gateway';
import { LedgerError, LedgerErrorCode, toLedgerError } from './errors';
import { explainLedgerError, type SigningContext } from './explain';
import { processOrdererWatch, type OrdererWatch } from './readiness';
import { DEFAULT_SUBMIT_RETRY_POLICY, withRetry, type RetryOptions } from './retry';

/** A transaction argument as the chaincode receives it: a string (usually JSON from the codec) or raw bytes. */
export type LedgerArgument = string | Uint8Array;

/** Options of {@link LedgerClient.submit}. */
export interface SubmitOptions {
  /** Private inputs: sent to the endorsing peers only, never written to the block. */
  transientData?: Record<string, string | Uint8Array>;
  /**
   * Called with the id of the transaction that committed, before the result is returned (each retry is a new
   * transaction with a new id, so only the caller can learn which one it was). Needs a contract with `submitAsync`.
   */
  onCommitted?: (transactionId: string) => void;
}

/** A chaincode event, as delivered after its transaction committed VALID. */
export interface LedgerChaincodeEvent {
  /** Block holding the transaction. */
  blockNumber: bigint;
  /** Transaction that emitted the event. */
  transactionId: string;
  chaincodeName: string;
  eventName: string;
  /** Event payload bytes (may be empty). */
  payload: Uint8Array;
}

/**
 * Where an event stream resumes: structurally the Fabric `Checkpoint`, so a Fabric checkpointer or a home-made one
 * (for example stored in the projection database) both fit.
 */
export interface LedgerCheckpoint {
  /** Block to resume from; when defined it takes precedence over `fromBlock`. */
  getBlockNumber(): bigint | undefined;
  /** Last transaction already handled in that block; the peer skips events up to and including it. */
  getTransactionId(): string | undefined;
}

/** A chaincode event stream: iterate it with `for await`, `close()` it when done. */
export interface LedgerEventStream extends AsyncIterable<LedgerChaincodeEvent> {
  /** Cancel the stream; a pending read rejects with a `LEDGER_CANCELLED` error. */
  close(): void;
}

/** The parts of a Fabric `Contract` this client uses (`submitAsync` only for {@link SubmitOptions.onCommitted}). */
export type LedgerContract = Pick<Contract, 'evaluate' | 'submit' | 'getChaincodeName'> &
  Partial<Pick<Contract, 'submitAsync'>>;

/** The part of a Fabric `Network` this client uses. */
export type LedgerNetwork = Pick<Network, 'getChaincodeEvents'>;

/** Construction options of {@link LedgerClient}. */
export interface LedgerClientOptions {
  /** The chaincode's contract, from `gateway.getNetwork(channel).getContract(chaincode)`. */
  contract: LedgerContract;
  /** The channel's network, needed only for {@link LedgerClient.chaincodeEvents}. */
  network?: LedgerNetwork;
  /** Retry policy for submits; defaults to {@link DEFAULT_SUBMIT_RETRY_POLICY}. */
  submitRetry?: Readonly<RetryOptions>;
  /** Called once by {@link LedgerClient.close}, after the event streams are closed (e.g. close gateway + gRPC client). */
  onClose?: () => void;
  /** Told every submit's outcome, for readiness; defaults to the process-wide {@link processOrdererWatch}. */
  ordererWatch?: OrdererWatch;
  /**
   * Who signs, on which channel and chaincode: an identity refusal or a settings mismatch then becomes a sentence
   * naming the identity, the MSP and what to change (explain.ts) instead of the peer's text.
   */
  signing?: SigningContext;
}

/** Event streams one client may hold open at once; each holds a gRPC stream on the peer. */
export const MAX_OPEN_EVENT_STREAMS = 8;

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** JSON access to the chaincode, with stable errors and bounded retries. */
export class LedgerClient {
  readonly #contract: LedgerContract;
  readonly #network: LedgerNetwork | undefined;
  readonly #submitRetry: Readonly<RetryOptions>;
  readonly #onClose: (() => void) | undefined;
  readonly #ordererWatch: OrdererWatch;
  readonly #signing: SigningContext | undefined;
  readonly #openStreams = new Set<LedgerEventStream>();
  #closed = false;

  constructor(options: Readonly<LedgerClientOptions>) {
    this.#contract = options.contract;
    this.#network = options.network;
    this.#submitRetry = options.submitRetry ?? DEFAULT_SUBMIT_RETRY_POLICY;
    this.#onClose = options.onClose;
    this.#ordererWatch = options.ordererWatch ?? processOrdererWatch;
    this.#signing = options.signing;
  }

  /**
   * Run a read-only transaction function on one peer; nothing is ordered or written.
   *
   * Not retried: a query is cheap for the caller to repeat, and an HTTP client is better served by a fast error
   * than by several evaluate deadlines in a row.
   *
   * @param transactionName - Chaincode transaction name, e.g. `GetProduct`.
   * @param args - Arguments, in order.
   * @returns The decoded JSON result, or undefined when the function returned nothing.
   * @throws LedgerError
   */
  async evaluate<T>(transactionName: string, args: readonly LedgerArgument[] = []): Promise<T | undefined> {
    this.#assertOpen();
    let result: Uint8Array;
    try {
      result = await this.#contract.evaluate(transactionName, { arguments: [...args] });
    } catch (err: unknown) {
      throw this.#mapError(err);
    }
    return decodeJsonResult<T>(transactionName, result);
  }

  /**
   * Endorse, order and await the commit of a transaction, retrying read conflicts and transient unavailability.
   *
   * Every attempt is a new proposal with a new transaction id, which is what an MVCC conflict needs (the loser
   * must re-read). A retried transaction can therefore reach the chaincode more than once when an earlier attempt
   * was ordered after all; chaincode functions should be idempotent on client-generated ids.
   *
   * @param transactionName - Chaincode transaction name, e.g. `RecordMovement`.
   * @param args - Arguments, in order.
   * @param options - Optional transient (private) data.
   * @returns The decoded JSON result, or undefined when the function returned nothing.
   * @throws LedgerError (the last attempt's error when retries run out)
   */
  async submit<T>(
    transactionName: string,
    args: readonly LedgerArgument[] = [],
    options: Readonly<SubmitOptions> = {},
  ): Promise<T | undefined> {
    this.#assertOpen();
    const proposalOptions = {
      arguments: [...args],
      ...(options.transientData === undefined ? {} : { transientData: options.transientData }),
    };
    const { onCommitted } = options;
    const result = await withRetry(async () => {
      try {
        const committed =
          onCommitted === undefined
            ? await this.#contract.submit(transactionName, proposalOptions)
            : await this.#submitReportingId(transactionName, proposalOptions, onCommitted);
        this.#ordererWatch.observe();
        return committed;
      } catch (err: unknown) {
        this.#ordererWatch.observe(err);
        throw this.#mapError(err);
      }
    }, this.#submitRetry);
    return decodeJsonResult<T>(transactionName, result);
  }

  /** `Contract.submit` step by step (as the Fabric client does it), to learn the committed transaction's id. */
  async #submitReportingId(
    transactionName: string,
    proposalOptions: Parameters<Contract['submitAsync']>[1],
    onCommitted: (transactionId: string) => void,
  ): Promise<Uint8Array> {
    if (this.#contract.submitAsync === undefined) {
      throw new Error('this contract cannot report transaction ids (no submitAsync)');
    }
    const submitted = await this.#contract.submitAsync(transactionName, proposalOptions);
    const status = await submitted.getStatus();
    if (!status.successful) {
      // What Contract.submit throws, so the failure maps to the same LedgerError.
      throw new CommitError({
        message: `Transaction ${status.transactionId} failed to commit with status code ${String(status.code)}`,
        code: status.code,
        transactionId: status.transactionId,
      });
    }
    onCommitted(submitted.getTransactionId());
    return submitted.getResult();
  }

  /**
   * Open the chaincode's event stream: past events from `fromBlock` (or from the checkpoint) in block order, then
   * live ones. The stream never ends by itself.
   *
   * The caller owns checkpointing: after handling an event durably, record it (for a Fabric checkpointer,
   * `checkpointChaincodeEvent(event)`). The checkpoint is read once, now; after a failure, open a new stream with
   * the same checkpointer to resume where handling stopped.
   *
   * @param fromBlock - First block to read when the checkpoint has no block number.
   * @param checkpointer - Optional resume position.
   * @returns The stream; read errors arrive as {@link LedgerError}.
   * @throws LedgerError if the client is closed or {@link MAX_OPEN_EVENT_STREAMS} streams are already open.
   */
  async chaincodeEvents(fromBlock: bigint, checkpointer?: LedgerCheckpoint): Promise<LedgerEventStream> {
    this.#assertOpen();
    if (!this.#network) {
      throw new Error('LedgerClient was created without a network; chaincode events need one');
    }
    if (this.#openStreams.size >= MAX_OPEN_EVENT_STREAMS) {
      throw new LedgerError({
        code: LedgerErrorCode.LEDGER_FAILURE,
        message: `too many open event streams (limit ${MAX_OPEN_EVENT_STREAMS})`,
        kind: 'ledger',
        retryable: false,
      });
    }
    let events: AsyncIterable<LedgerChaincodeEvent> & { close(): void };
    try {
      events = await this.#network.getChaincodeEvents(this.#contract.getChaincodeName(), {
        startBlock: fromBlock,
        ...(checkpointer === undefined ? {} : { checkpoint: checkpointer }),
      });
    } catch (err: unknown) {
      throw toLedgerError(err);
    }
    const openStreams = this.#openStreams;
    const stream: LedgerEventStream = {
      // Leaving a `for await` early must cancel the gRPC stream: the client's own iterator does not.
      [Symbol.asyncIterator]: () => mapIteratorErrors(events[Symbol.asyncIterator](), () => stream.close()),
      close: () => {
        openStreams.delete(stream);
        events.close();
      },
    };
    openStreams.add(stream);
    return stream;
  }

  /** Close every open event stream, then call `onClose` once. Later calls fail with `LEDGER_CLOSED`. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    // Array.from, not spread: spreading a Set silently yields [] when compiled for ES5 (as tap's ts-node does).
    for (const stream of Array.from(this.#openStreams)) {
      stream.close();
    }
    this.#onClose?.();
  }

  #mapError(err: unknown): LedgerError {
    const mapped = toLedgerError(err);
    return this.#signing === undefined ? mapped : explainLedgerError(mapped, this.#signing);
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new LedgerError({
        code: LedgerErrorCode.LEDGER_CLOSED,
        message: 'ledger client is closed',
        kind: 'ledger',
        retryable: false,
      });
    }
  }
}

/**
 * Decode a chaincode result: empty bytes mean "no result"; anything else must be UTF-8 JSON.
 *
 * @param transactionName - For the error message.
 * @param bytes - The result payload.
 * @returns The parsed value, or undefined for an empty payload.
 * @throws LedgerError `LEDGER_BAD_RESULT` if the bytes are not UTF-8 JSON (after a submit, the transaction committed).
 */
export function decodeJsonResult<T>(transactionName: string, bytes: Uint8Array): T | undefined {
  if (bytes.length === 0) {
    return undefined;
  }
  try {
    return JSON.parse(utf8Decoder.decode(bytes)) as T;
  } catch (err: unknown) {
    throw new LedgerError({
      code: LedgerErrorCode.LEDGER_BAD_RESULT,
      message: `${transactionName} returned ${bytes.length} bytes that are not UTF-8 JSON`,
      kind: 'ledger',
      retryable: false,
      cause: err,
    });
  }
}

/** Wrap an iterator so read errors become LedgerErrors and an early exit (`break`, `return`, throw) runs `onExit`. */
function mapIteratorErrors<T>(iterator: AsyncIterator<T>, onExit: () => void): AsyncIterator<T> {
  return {
    next: async () => {
      try {
        return await iterator.next();
      } catch (err: unknown) {
        throw toLedgerError(err);
      }
    },
    return: async () => {
      onExit();
      return { done: true, value: undefined };
    },
  };
}
