/**
 * One transaction's simulation on the peer side of the chaincode protocol: answers the chaincode's
 * GET_STATE / PUT_STATE / DEL_STATE / GET_STATE_BY_RANGE / QUERY_STATE_NEXT / QUERY_STATE_CLOSE /
 * GET_HISTORY_FOR_KEY / GET_PRIVATE_DATA_HASH / GET_QUERY_RESULT requests against the committed state,
 * recording reads with versions and buffering writes (no read-your-own-writes, as in Fabric), and turns the
 * result into a read/write set. Error texts are the ones a Fabric 2.5 peer sends back.
 */
import { randomUUID } from 'node:crypto';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import { ledger as ledgerProtos, peer } from '@hyperledger/fabric-protos';
import { HistoryEntry, KeyTree, rangeOf, WorldState } from '../ledger/world-state';
import { CollectionRwSet, KeyRead, KeyWrite, NamespaceRwSet, RangeRead, sha256 } from '../ledger/rwset';
import { Version } from '../ledger/version';

const MsgType = peer.ChaincodeMessage.Type;
type ChaincodeMessage = InstanceType<typeof peer.ChaincodeMessage>;

/** Results per QUERY_STATE_NEXT batch (a Fabric peer's internal batch size). */
export const QUERY_BATCH_SIZE = 100;
/** Most results any one query may return (Fabric's totalQueryLimit). */
export const TOTAL_QUERY_LIMIT = 100_000;
/** Most open iterators per transaction, so a chaincode cannot exhaust the peer. */
export const MAX_OPEN_ITERATORS = 1_000;

const typeName = (t: number): string => Object.entries(MsgType).find(([, v]) => v === t)?.[0] ?? String(t);

/** Thrown by request handlers: becomes an ERROR message with Fabric's text. */
class RequestError extends Error {}

interface OpenIterator {
  next(): { results: Uint8Array[]; done: boolean };
}

/** What the simulator needs to know about collections. */
export interface CollectionPolicy {
  isDefined(collection: string): boolean;
}

/** Simulation of one transaction of one chaincode. */
export class TxSimulator {
  readonly #reads = new Map<string, Version | undefined>();
  readonly #writes = new Map<string, KeyWrite>();
  readonly #rangeReads: RangeRead[] = [];
  readonly #collections = new Map<string, { reads: Map<string, Version | undefined>; writes: Map<string, KeyWrite> }>();
  readonly #iterators = new Map<string, OpenIterator>();
  #paginated = false;

  constructor(
    private readonly state: WorldState,
    readonly namespace: string,
    readonly channelId: string,
    readonly txId: string,
    private readonly collections: CollectionPolicy,
  ) {}

  /** Answers one request from the chaincode with a RESPONSE or ERROR message. */
  handle(msg: ChaincodeMessage): ChaincodeMessage {
    const reply = new peer.ChaincodeMessage();
    reply.setTxid(msg.getTxid());
    reply.setChannelId(msg.getChannelId());
    try {
      reply.setPayload(this.#dispatch(msg));
      reply.setType(MsgType.RESPONSE);
    } catch (err) {
      const reason = err instanceof RequestError ? err.message : `internal error: ${(err as Error).message}`;
      reply.setType(MsgType.ERROR);
      reply.setPayload(Buffer.from(`${typeName(msg.getType())} failed: transaction ID: ${this.txId}: ${reason}`));
    }
    return reply;
  }

  /** The read/write set of this simulation (one namespace). */
  rwset(): NamespaceRwSet[] {
    const collections: CollectionRwSet[] = [...this.#collections].map(([name, c]) => ({
      name,
      hashedReads: [...c.reads].map(([key, version]) => ({ keyHash: sha256(key), version })),
      hashedWrites: [...c.writes.values()].map((w) => ({
        keyHash: sha256(w.key),
        isDelete: w.isDelete,
        valueHash: w.isDelete ? Buffer.alloc(0) : sha256(w.value),
      })),
      pvtWrites: [...c.writes.values()],
    }));
    const reads: KeyRead[] = [...this.#reads].map(([key, version]) => ({ key, version }));
    const ns: NamespaceRwSet = {
      namespace: this.namespace,
      reads,
      rangeReads: this.#rangeReads,
      writes: [...this.#writes.values()],
      collections,
    };
    const empty =
      reads.length === 0 && ns.writes.length === 0 && ns.rangeReads.length === 0 && collections.length === 0;
    return empty ? [] : [ns];
  }

  #dispatch(msg: ChaincodeMessage): Uint8Array {
    const payload = msg.getPayload_asU8();
    switch (msg.getType()) {
      case MsgType.GET_STATE: {
        const req = peer.GetState.deserializeBinary(payload);
        return req.getCollection() ? this.#getPrivate(req.getCollection(), req.getKey()) : this.#getState(req.getKey());
      }
      case MsgType.PUT_STATE: {
        const req = peer.PutState.deserializeBinary(payload);
        this.#write(req.getCollection(), { key: req.getKey(), isDelete: false, value: req.getValue_asU8() });
        return new Uint8Array(0);
      }
      case MsgType.DEL_STATE: {
        const req = peer.DelState.deserializeBinary(payload);
        this.#write(req.getCollection(), { key: req.getKey(), isDelete: true, value: new Uint8Array(0) });
        return new Uint8Array(0);
      }
      case MsgType.GET_PRIVATE_DATA_HASH: {
        const req = peer.GetState.deserializeBinary(payload);
        return this.#getPrivateHash(req.getCollection(), req.getKey());
      }
      case MsgType.GET_STATE_BY_RANGE:
        return this.#getStateByRange(peer.GetStateByRange.deserializeBinary(payload));
      case MsgType.QUERY_STATE_NEXT: {
        const id = peer.QueryStateNext.deserializeBinary(payload).getId();
        const it = this.#iterators.get(id);
        if (!it) throw new RequestError(`query iterator not found`);
        return this.#batch(id, it);
      }
      case MsgType.QUERY_STATE_CLOSE: {
        const id = peer.QueryStateClose.deserializeBinary(payload).getId();
        this.#iterators.delete(id);
        const res = new peer.QueryResponse();
        res.setHasMore(false);
        res.setId(id);
        return res.serializeBinary();
      }
      case MsgType.GET_HISTORY_FOR_KEY:
        return this.#history(peer.GetHistoryForKey.deserializeBinary(payload).getKey());
      case MsgType.GET_QUERY_RESULT: {
        const req = peer.GetQueryResult.deserializeBinary(payload);
        if (req.getCollection()) this.#checkCollection(req.getCollection());
        // A LevelDB peer cannot run rich (CouchDB) queries.
        throw new RequestError('ExecuteQuery not supported for leveldb');
      }
      case MsgType.GET_STATE_METADATA:
        // No key-level endorsement policies are kept: every key has empty metadata.
        return new peer.StateMetadataResult().serializeBinary();
      case MsgType.PUT_STATE_METADATA:
        throw new RequestError('state-based endorsement (key-level metadata) is not supported by the dev peer');
      case MsgType.INVOKE_CHAINCODE:
        throw new RequestError('chaincode-to-chaincode invocation is not supported by the dev peer');
      default:
        throw new RequestError(`unsupported message type ${typeName(msg.getType())}`);
    }
  }

  #getState(key: string): Uint8Array {
    const current = this.state.get(this.namespace, key);
    if (!this.#reads.has(key)) this.#reads.set(key, current?.version);
    return current?.value ?? new Uint8Array(0);
  }

  #checkCollection(collection: string): void {
    if (!this.collections.isDefined(collection)) {
      throw new RequestError(
        `collection [${collection}] not defined in the collection config for chaincode [${this.namespace}]`,
      );
    }
  }

  #collection(name: string) {
    let c = this.#collections.get(name);
    if (!c) this.#collections.set(name, (c = { reads: new Map(), writes: new Map() }));
    return c;
  }

  #recordHashedRead(collection: string, key: string): Buffer | undefined {
    const hashed = this.state.getHashed(this.namespace, collection, sha256(key).toString('hex'));
    const c = this.#collection(collection);
    if (!c.reads.has(key)) c.reads.set(key, hashed?.version);
    return hashed?.valueHash;
  }

  #getPrivate(collection: string, key: string): Uint8Array {
    this.#checkCollection(collection);
    this.#recordHashedRead(collection, key);
    return this.state.getPrivate(this.namespace, collection, key) ?? new Uint8Array(0);
  }

  #getPrivateHash(collection: string, key: string): Uint8Array {
    this.#checkCollection(collection);
    return this.#recordHashedRead(collection, key) ?? new Uint8Array(0);
  }

  #write(collection: string, write: KeyWrite): void {
    if (this.#paginated) {
      throw new RequestError(
        `txid [${this.txId}]: unsuppored transaction. Transaction has already performed a paginated query. Writes are not allowed`,
      );
    }
    if (collection) {
      this.#checkCollection(collection);
      this.#collection(collection).writes.set(write.key, write);
    } else {
      this.#writes.set(write.key, write);
    }
  }

  #getStateByRange(req: InstanceType<typeof peer.GetStateByRange>): Uint8Array {
    if (req.getCollection()) {
      this.#checkCollection(req.getCollection());
      throw new RequestError('range queries on private data are not supported by the dev peer');
    }
    const metadataBytes = req.getMetadata_asU8();
    const snapshot: KeyTree = this.state.snapshot(this.namespace);
    const id = randomUUID();
    if (this.#iterators.size >= MAX_OPEN_ITERATORS)
      throw new RequestError(`too many open iterators (limit ${MAX_OPEN_ITERATORS})`);
    if (metadataBytes.length > 0) {
      // Paginated: the bookmark replaces the start key; the page comes whole with its metadata.
      const meta = peer.QueryMetadata.deserializeBinary(metadataBytes);
      this.#paginated = true;
      const pageSize = meta.getPagesize();
      const start = meta.getBookmark() || req.getStartkey();
      const limit = pageSize > 0 ? Math.min(pageSize, TOTAL_QUERY_LIMIT) : TOTAL_QUERY_LIMIT;
      const results: Uint8Array[] = [];
      let bookmark = '';
      for (const [key, value] of rangeOf(snapshot, start, req.getEndkey())) {
        if (results.length >= limit) {
          bookmark = key;
          break;
        }
        results.push(this.#kvBytes(key, value.value));
      }
      const res = new peer.QueryResponse();
      res.setResultsList(results.map((r) => this.#resultBytes(r)));
      res.setHasMore(false);
      res.setId(id);
      const rmeta = new peer.QueryResponseMetadata();
      rmeta.setFetchedRecordsCount(results.length);
      rmeta.setBookmark(bookmark);
      res.setMetadata(rmeta.serializeBinary());
      return res.serializeBinary();
    }
    const record: RangeRead = { startKey: req.getStartkey(), endKey: req.getEndkey(), exhausted: false, reads: [] };
    this.#rangeReads.push(record);
    const gen = rangeOf(snapshot, req.getStartkey(), req.getEndkey());
    let total = 0;
    // Like the Go peer's QueryResponseGenerator: a full batch is cut only when one more result exists, which is
    // read (and counted, and recorded in the read set) before the batch goes out and leads the next batch. So a
    // range of exactly 100 entries answers in one message with has_more false; fabric-shim 2.5.8's iterator would
    // fail on the empty batch that a has_more true followed by nothing would give it.
    let peeked: Uint8Array | undefined;
    const pull = (): Uint8Array | undefined => {
      const n = gen.next();
      if (n.done) {
        record.exhausted = true;
        return undefined;
      }
      const [key, value] = n.value;
      record.reads.push({ key, version: value.version });
      total++;
      return this.#kvBytes(key, value.value);
    };
    const it: OpenIterator = {
      next: () => {
        const results: Uint8Array[] = [];
        if (peeked) results.push(peeked);
        peeked = undefined;
        for (;;) {
          if (total >= TOTAL_QUERY_LIMIT) return { results, done: true };
          const kvBytes = pull();
          if (!kvBytes) return { results, done: true };
          if (results.length === QUERY_BATCH_SIZE) {
            peeked = kvBytes;
            return { results, done: false };
          }
          results.push(kvBytes);
        }
      },
    };
    this.#iterators.set(id, it);
    return this.#batch(id, it);
  }

  #history(key: string): Uint8Array {
    const entries = [...this.state.history(this.namespace, key)].reverse(); // newest first
    let i = 0;
    const id = randomUUID();
    const it: OpenIterator = {
      next: () => {
        const slice = entries.slice(i, i + QUERY_BATCH_SIZE);
        i += slice.length;
        return { results: slice.map((e) => keyModificationBytes(e)), done: i >= entries.length };
      },
    };
    this.#iterators.set(id, it);
    return this.#batch(id, it);
  }

  #batch(id: string, it: OpenIterator): Uint8Array {
    const { results, done } = it.next();
    if (done) this.#iterators.delete(id);
    const res = new peer.QueryResponse();
    res.setResultsList(results.map((r) => this.#resultBytes(r)));
    res.setHasMore(!done);
    res.setId(id);
    return res.serializeBinary();
  }

  #kvBytes(key: string, value: Uint8Array): Uint8Array {
    const kvp = new ledgerProtos.queryresult.KV();
    kvp.setNamespace(this.namespace);
    kvp.setKey(key);
    kvp.setValue(value);
    return kvp.serializeBinary();
  }

  #resultBytes(bytes: Uint8Array): InstanceType<typeof peer.QueryResultBytes> {
    const r = new peer.QueryResultBytes();
    r.setResultbytes(bytes);
    return r;
  }
}

function keyModificationBytes(e: HistoryEntry): Uint8Array {
  const km = new ledgerProtos.queryresult.KeyModification();
  km.setTxId(e.txId);
  km.setValue(e.value);
  km.setIsDelete(e.isDelete);
  const ts = new Timestamp();
  ts.setSeconds(e.timestamp.seconds);
  ts.setNanos(e.timestamp.nanos);
  km.setTimestamp(ts);
  return km.serializeBinary();
}
