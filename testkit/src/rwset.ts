/**
 * What a chaincode read and wrote, decoded from a transaction envelope's read/write set: the set the peer endorses,
 * validates and commits. One decoder for the tests and benches that count world-state access (keys per container
 * move, per entry, per exit).
 */
import { common, gateway, ledger, peer } from '@hyperledger/fabric-protos';

/** Keys of one kind, counted by key type (a composite key's object type: item, irun, cont, mv, ...). */
export type ByKeyType = Record<string, number>;

/** One chaincode's world-state access in one transaction. */
export interface StateAccess {
  readonly reads: ByKeyType;
  readonly writes: ByKeyType;
  /** Range reads: how many, and the keys they returned in all. */
  readonly rangeReads: { readonly queries: number; readonly keys: number };
}

/** A key's type: a composite key's object type, else the key itself. */
export const keyType = (key: string): string => (key.startsWith('\u0000') ? (key.split('\u0000')[1] ?? '') : key);

/** How many keys of each type `keys` holds. */
function tally(keys: readonly string[]): ByKeyType {
  const out: ByKeyType = {};
  for (const k of keys) out[keyType(k)] = (out[keyType(k)] ?? 0) + 1;
  return out;
}

/** All keys counted, whatever their type. */
export const totalKeys = (by: ByKeyType): number => Object.values(by).reduce((n, v) => n + v, 0);

/**
 * The read/write set of `namespace` in a signed transaction envelope (as a block carries it), or undefined when the
 * transaction has none there (another chaincode, a config transaction).
 */
export function kvRwSetOf(envelope: Uint8Array, namespace = 'traceability'): ledger.rwset.kvrwset.KVRWSet | undefined {
  const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(envelope).getPayload_asU8());
  const tx = peer.Transaction.deserializeBinary(payload.getData_asU8());
  const first = tx.getActionsList()[0];
  if (!first) return undefined;
  const endorsed = peer.ChaincodeActionPayload.deserializeBinary(first.getPayload_asU8()).getAction();
  if (!endorsed) return undefined;
  const prp = peer.ProposalResponsePayload.deserializeBinary(endorsed.getProposalResponsePayload_asU8());
  const action = peer.ChaincodeAction.deserializeBinary(prp.getExtension_asU8());
  const rwset = ledger.rwset.TxReadWriteSet.deserializeBinary(action.getResults_asU8());
  const ns = rwset.getNsRwsetList().find((n) => n.getNamespace() === namespace);
  return ns && ledger.rwset.kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8());
}

/**
 * The world-state access of `namespace` in a transaction the official client endorsed (`Transaction.getBytes()`: a
 * gateway PreparedTransaction with the signed envelope inside), before it is submitted.
 *
 * @throws Error when the chaincode of `namespace` read and wrote nothing in it
 */
export function stateAccessOf(prepared: Uint8Array, namespace = 'traceability'): StateAccess {
  const envelope = gateway.PreparedTransaction.deserializeBinary(prepared).getEnvelope();
  const kv = envelope && kvRwSetOf(envelope.serializeBinary(), namespace);
  if (!kv) throw new Error(`no read/write set of the ${namespace} chaincode`);
  const ranges = kv.getRangeQueriesInfoList();
  return {
    reads: tally(kv.getReadsList().map((r) => r.getKey())),
    writes: tally(kv.getWritesList().map((w) => w.getKey())),
    rangeReads: {
      queries: ranges.length,
      keys: ranges.reduce((n, q) => n + (q.getRawReads()?.getKvReadsList().length ?? 0), 0),
    },
  };
}
