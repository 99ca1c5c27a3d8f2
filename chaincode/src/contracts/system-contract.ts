/**
 * The `system` contract: liveness and identity checks that touch no ledger state.
 *
 * A gateway or an operator calls `system:Ping` to see what the chaincode sees of them (channel, caller MSP,
 * certificate attributes) before anything else goes wrong, and `system:GetVersion` to confirm which build
 * is answering.
 */
import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { callerOf } from '../caller';
import { encodeToString } from '../ledger-codec';
import { timestampToIso } from '../tx-time';
import { CHAINCODE_NAME, CHAINCODE_VERSION, CODEC_VERSION } from '../version';

/** What `Ping` reports. */
export interface PingResult {
  readonly channelId: string;
  readonly txId: string;
  /** The client's proposal time, ISO-8601 UTC. */
  readonly txTimestamp: string;
  readonly callerMspId: string;
  readonly callerId: string;
  readonly attributes: { readonly role: string | null; readonly enterpriseId: string | null };
}

/** What `GetVersion` reports. */
export interface VersionResult {
  readonly name: string;
  readonly version: string;
  readonly codec: string;
}

/**
 * Liveness and caller introspection; read-only. Results are canonical JSON text from the ledger codec.
 *
 * Not named `SystemContract`: the contract API keys `@Info` by class name, and fabric-shim's own
 * `org.hyperledger.fabric` contract is a class called `SystemContract`, so that name would give the
 * built-in contract our title in GetMetadata.
 */
@Info({
  title: 'System',
  description: 'Liveness, version and caller introspection; reads no ledger state',
  version: CHAINCODE_VERSION,
})
export class TraceabilitySystemContract extends Contract {
  constructor() {
    super('system');
  }

  /**
   * Echoes the transaction context as the chaincode sees it.
   *
   * @returns canonical JSON of {@link PingResult}
   */
  @Transaction(false)
  @Returns('string')
  async Ping(ctx: Context): Promise<string> {
    const caller = callerOf(ctx);
    const result: PingResult = {
      channelId: ctx.stub.getChannelID(),
      txId: ctx.stub.getTxID(),
      txTimestamp: timestampToIso(ctx.stub.getTxTimestamp()),
      callerMspId: caller.mspId,
      callerId: caller.id,
      attributes: { role: caller.role, enterpriseId: caller.enterpriseId },
    };
    return encodeToString(result);
  }

  /**
   * Reports the running chaincode build.
   *
   * @returns canonical JSON of {@link VersionResult}
   */
  @Transaction(false)
  @Returns('string')
  async GetVersion(_ctx: Context): Promise<string> {
    const result: VersionResult = { name: CHAINCODE_NAME, version: CHAINCODE_VERSION, codec: CODEC_VERSION };
    return encodeToString(result);
  }
}
