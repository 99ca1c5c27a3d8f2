/**
 * The peer's side of the chaincode protocol for a chaincode-as-a-service server: dial the chaincode's
 * `protos.Chaincode/Connect` stream, answer REGISTER with REGISTERED + READY, send TRANSACTION messages
 * and route the chaincode's requests for each transaction to that transaction's simulator until it sends
 * COMPLETED or ERROR. A chaincode that never answers is timed out, as a Fabric peer times it out.
 */
import * as grpc from '@grpc/grpc-js';
import { peer } from '@hyperledger/fabric-protos';
import { TxSimulator } from './tx-simulator';

const MsgType = peer.ChaincodeMessage.Type;
type ChaincodeMessage = InstanceType<typeof peer.ChaincodeMessage>;

/** How the chaincode finished a transaction. */
export interface ChaincodeResult {
  response: { status: number; message: string; payload: Uint8Array };
  event: InstanceType<typeof peer.ChaincodeEvent> | undefined;
}

/** A failure of the execution itself (not a chaincode error response). */
export class ExecutionError extends Error {}

/** Longest wait for a chaincode server to register after connecting. */
export const REGISTER_TIMEOUT_MS = 10_000;

/**
 * How long the peer tries to dial a chaincode server that does not answer before the proposal fails (a CCaaS
 * `connection.json`'s `dial_timeout`; fabric-samples use 10 s, the dev peer 1 s so that a readiness probe within the
 * gateway's default 2 s readiness timeout gets the peer's answer).
 */
export const DEFAULT_DIAL_TIMEOUT_MS = 1_000;

/**
 * What a Fabric 2.5 peer answers when it cannot reach a chaincode-as-a-service server: the chain of wrapped errors
 * of core/chaincode/chaincode_support.go (Execute, Launch), core/chaincode/runtime_launcher.go and
 * core/container/externalbuilder (the CCaaS dial), after `dial_timeout` of grpc.DialContext with WithBlock.
 */
export function launchFailure(txId: string, ccid: string): string {
  return (
    `failed to execute transaction ${txId}: could not launch chaincode ${ccid}: connection to ${ccid} failed: ` +
    `error cannot create connection for ${ccid}: failed to create new connection: context deadline exceeded`
  );
}

interface InFlight {
  simulator: TxSimulator;
  resolve(result: ChaincodeResult): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** One live stream to a chaincode server. */
export class ChaincodeConnection {
  readonly #inflight = new Map<string, InFlight>();
  #stream: grpc.ClientDuplexStream<ChaincodeMessage, ChaincodeMessage> | undefined;
  #client: grpc.Client | undefined;
  #ready: Promise<void> | undefined;
  #closed = false;

  /**
   * @param ccid - The package id the peer names in launch failures (`<name>:<id>`).
   * @param dialTimeoutMs - How long a proposal waits for an unreachable server before failing (see {@link DEFAULT_DIAL_TIMEOUT_MS}).
   */
  constructor(
    readonly name: string,
    readonly address: string,
    private readonly credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
    readonly ccid = `${name}:devnet`,
    private readonly dialTimeoutMs = DEFAULT_DIAL_TIMEOUT_MS,
  ) {}

  /** Connects (or reuses the live connection) and resolves once the chaincode has registered. */
  ready(): Promise<void> {
    if (!this.#ready) {
      this.#ready = this.#connect().catch((err) => {
        this.#ready = undefined;
        throw err;
      });
    }
    return this.#ready;
  }

  #connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const Client = peer.ChaincodeClient as unknown as new (
        addr: string,
        creds: grpc.ChannelCredentials,
        opts: object,
      ) => grpc.Client & {
        connect(): grpc.ClientDuplexStream<ChaincodeMessage, ChaincodeMessage>;
      };
      const client = new Client(this.address, this.credentials, {
        'grpc.max_send_message_length': -1,
        'grpc.max_receive_message_length': -1,
        'grpc.keepalive_time_ms': 60_000,
      });
      this.#client = client;
      const stream = client.connect();
      this.#stream = stream;
      let registered = false;
      const timer = setTimeout(() => {
        if (!registered) {
          stream.cancel();
          reject(
            new ExecutionError(
              `chaincode ${this.name} at ${this.address} did not register within ${REGISTER_TIMEOUT_MS} ms`,
            ),
          );
        }
      }, REGISTER_TIMEOUT_MS);
      stream.on('data', (msg: ChaincodeMessage) => {
        if (!registered) {
          if (msg.getType() !== MsgType.REGISTER) return;
          registered = true;
          clearTimeout(timer);
          const registeredMsg = new peer.ChaincodeMessage();
          registeredMsg.setType(MsgType.REGISTERED);
          stream.write(registeredMsg);
          const readyMsg = new peer.ChaincodeMessage();
          readyMsg.setType(MsgType.READY);
          stream.write(readyMsg);
          resolve();
          return;
        }
        this.#onMessage(msg);
      });
      const onGone = (err?: Error) => {
        clearTimeout(timer);
        if (!registered)
          reject(
            new ExecutionError(
              `could not connect to chaincode ${this.name} at ${this.address}: ${err?.message ?? 'stream ended'}`,
            ),
          );
        this.#dropConnection(err?.message ?? 'stream ended');
      };
      stream.on('error', onGone);
      stream.on('end', () => onGone());
    });
  }

  #dropConnection(reason: string): void {
    if (this.#stream === undefined) return;
    this.#stream = undefined;
    this.#ready = undefined;
    this.#client?.close();
    this.#client = undefined;
    for (const [key, tx] of this.#inflight) {
      clearTimeout(tx.timer);
      this.#inflight.delete(key);
      tx.reject(new ExecutionError(`chaincode stream terminated: ${reason}`));
    }
  }

  #onMessage(msg: ChaincodeMessage): void {
    const key = msg.getChannelId() + msg.getTxid();
    const tx = this.#inflight.get(key);
    if (!tx) return; // late message for a timed-out transaction
    switch (msg.getType()) {
      case MsgType.COMPLETED: {
        this.#finish(key, tx);
        const res = peer.Response.deserializeBinary(msg.getPayload_asU8());
        tx.resolve({
          response: { status: res.getStatus(), message: res.getMessage(), payload: res.getPayload_asU8() },
          event: msg.getChaincodeEvent(),
        });
        return;
      }
      case MsgType.ERROR:
        this.#finish(key, tx);
        tx.reject(
          new ExecutionError(`transaction returned with failure: ${Buffer.from(msg.getPayload_asU8()).toString()}`),
        );
        return;
      default:
        this.#stream?.write(tx.simulator.handle(msg));
    }
  }

  #finish(key: string, tx: InFlight): void {
    clearTimeout(tx.timer);
    this.#inflight.delete(key);
  }

  /** Runs one transaction. Rejects with ExecutionError on timeout, a dropped stream or a chaincode ERROR. */
  async execute(
    simulator: TxSimulator,
    input: Uint8Array,
    signedProposal: InstanceType<typeof peer.SignedProposal>,
    timeoutMs: number,
  ): Promise<ChaincodeResult> {
    await this.#launch(simulator.txId);
    const stream = this.#stream;
    if (!stream || this.#closed) throw new ExecutionError(`chaincode ${this.name} is not connected`);
    const key = simulator.channelId + simulator.txId;
    if (this.#inflight.has(key)) throw new ExecutionError(`transaction ${simulator.txId} is already executing`);
    return new Promise<ChaincodeResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#inflight.delete(key);
        reject(
          new ExecutionError(
            `failed to execute transaction ${simulator.txId}: error sending: timeout expired while executing transaction`,
          ),
        );
      }, timeoutMs);
      this.#inflight.set(key, { simulator, resolve, reject, timer });
      const msg = new peer.ChaincodeMessage();
      msg.setType(MsgType.TRANSACTION);
      msg.setPayload(input);
      msg.setTxid(simulator.txId);
      msg.setChannelId(simulator.channelId);
      msg.setProposal(signedProposal);
      stream.write(msg);
    });
  }

  /**
   * Connects for a proposal like a peer launching an external chaincode: a server that cannot be reached fails the
   * proposal with the peer's launch text once the dial timeout has passed (grpc-js refuses at once; grpc-go's blocking
   * dial keeps trying until its deadline, so the wait is kept).
   */
  async #launch(txId: string): Promise<void> {
    const started = Date.now();
    try {
      await this.ready();
    } catch (err) {
      if (this.#closed || !(err instanceof ExecutionError)) throw err;
      const left = this.dialTimeoutMs - (Date.now() - started);
      if (left > 0) await new Promise((r) => setTimeout(r, left));
      throw new ExecutionError(launchFailure(txId, this.ccid));
    }
  }

  close(): void {
    this.#closed = true;
    this.#stream?.cancel();
    this.#dropConnection('closed');
  }
}
