/**
 * Read/write sets: what a simulation read (with versions) and wrote, encoded as Fabric's
 * `rwset.TxReadWriteSet` / `kvrwset.KVRWSet` protobufs (the bytes that go into the endorsed transaction)
 * and decoded back at commit. Keys are sorted so the same simulation always yields the same bytes.
 */
import { createHash } from 'node:crypto';
import { ledger } from '@hyperledger/fabric-protos';
import { compareKeys } from './key-order';
import { Version } from './version';

const kv = ledger.rwset.kvrwset;

/** A read of one key and the version it had (undefined: the key did not exist). */
export interface KeyRead {
  key: string;
  version: Version | undefined;
}

/** A write or delete of one key. */
export interface KeyWrite {
  key: string;
  isDelete: boolean;
  value: Uint8Array;
}

/** A non-paginated range query and what it returned, for phantom-read validation. */
export interface RangeRead {
  startKey: string;
  endKey: string;
  exhausted: boolean;
  reads: KeyRead[];
}

/** Hashed read or write of a private data key. */
export interface HashedRead {
  keyHash: Buffer;
  version: Version | undefined;
}
export interface HashedWrite {
  keyHash: Buffer;
  isDelete: boolean;
  valueHash: Buffer;
}

/** One collection's part of a transaction: hashes go on the chain, private writes stay off it. */
export interface CollectionRwSet {
  name: string;
  hashedReads: HashedRead[];
  hashedWrites: HashedWrite[];
  /** Private writes (plain keys and values); only on the endorsing peer and in its private store. */
  pvtWrites: KeyWrite[];
}

/** One namespace (chaincode) of a transaction. */
export interface NamespaceRwSet {
  namespace: string;
  reads: KeyRead[];
  rangeReads: RangeRead[];
  writes: KeyWrite[];
  collections: CollectionRwSet[];
}

/** SHA-256, the hash Fabric uses for private keys and values. */
export function sha256(data: Uint8Array | string): Buffer {
  return createHash('sha256').update(data).digest();
}

function versionProto(v: Version | undefined): InstanceType<typeof kv.Version> | undefined {
  if (!v) return undefined;
  const p = new kv.Version();
  p.setBlockNum(v.blockNum);
  p.setTxNum(v.txNum);
  return p;
}

function versionOf(p: InstanceType<typeof kv.Version> | undefined): Version | undefined {
  return p ? { blockNum: p.getBlockNum(), txNum: p.getTxNum() } : undefined;
}

function kvRead(r: KeyRead): InstanceType<typeof kv.KVRead> {
  const p = new kv.KVRead();
  p.setKey(r.key);
  const v = versionProto(r.version);
  if (v) p.setVersion(v);
  return p;
}

function kvWrite(w: KeyWrite): InstanceType<typeof kv.KVWrite> {
  const p = new kv.KVWrite();
  p.setKey(w.key);
  p.setIsDelete(w.isDelete);
  p.setValue(w.value);
  return p;
}

function encodePvtCollection(c: CollectionRwSet): Uint8Array {
  const set = new kv.KVRWSet();
  set.setWritesList([...c.pvtWrites].sort((a, b) => compareKeys(a.key, b.key)).map(kvWrite));
  return set.serializeBinary();
}

/** Encodes namespaces as the `results` bytes of a ChaincodeAction, plus the off-chain private rwset. */
export function encodeTxRwSet(namespaces: NamespaceRwSet[]): { results: Uint8Array; pvt: Uint8Array | undefined } {
  const tx = new ledger.rwset.TxReadWriteSet();
  tx.setDataModel(ledger.rwset.TxReadWriteSet.DataModel.KV);
  const pvtTx = new ledger.rwset.TxPvtReadWriteSet();
  pvtTx.setDataModel(ledger.rwset.TxReadWriteSet.DataModel.KV);
  const sorted = [...namespaces].sort((a, b) => compareKeys(a.namespace, b.namespace));
  for (const ns of sorted) {
    const set = new kv.KVRWSet();
    set.setReadsList([...ns.reads].sort((a, b) => compareKeys(a.key, b.key)).map(kvRead));
    set.setRangeQueriesInfoList(
      ns.rangeReads.map((r) => {
        const info = new kv.RangeQueryInfo();
        info.setStartKey(r.startKey);
        info.setEndKey(r.endKey);
        info.setItrExhausted(r.exhausted);
        const raw = new kv.QueryReads();
        raw.setKvReadsList(r.reads.map(kvRead));
        info.setRawReads(raw);
        return info;
      }),
    );
    set.setWritesList([...ns.writes].sort((a, b) => compareKeys(a.key, b.key)).map(kvWrite));
    const nsProto = new ledger.rwset.NsReadWriteSet();
    nsProto.setNamespace(ns.namespace);
    nsProto.setRwset(set.serializeBinary());
    const collections = [...ns.collections].sort((a, b) => compareKeys(a.name, b.name));
    const pvtCollections: InstanceType<typeof ledger.rwset.CollectionPvtReadWriteSet>[] = [];
    nsProto.setCollectionHashedRwsetList(
      collections.map((c) => {
        const hashed = new kv.HashedRWSet();
        const byHash = (a: { keyHash: Buffer }, b: { keyHash: Buffer }) => Buffer.compare(a.keyHash, b.keyHash);
        hashed.setHashedReadsList(
          [...c.hashedReads].sort(byHash).map((r) => {
            const p = new kv.KVReadHash();
            p.setKeyHash(r.keyHash);
            const v = versionProto(r.version);
            if (v) p.setVersion(v);
            return p;
          }),
        );
        hashed.setHashedWritesList(
          [...c.hashedWrites].sort(byHash).map((w) => {
            const p = new kv.KVWriteHash();
            p.setKeyHash(w.keyHash);
            p.setIsDelete(w.isDelete);
            p.setValueHash(w.valueHash);
            return p;
          }),
        );
        const chr = new ledger.rwset.CollectionHashedReadWriteSet();
        chr.setCollectionName(c.name);
        chr.setHashedRwset(hashed.serializeBinary());
        if (c.pvtWrites.length > 0) {
          const pvtBytes = encodePvtCollection(c);
          chr.setPvtRwsetHash(sha256(pvtBytes));
          const cp = new ledger.rwset.CollectionPvtReadWriteSet();
          cp.setCollectionName(c.name);
          cp.setRwset(pvtBytes);
          pvtCollections.push(cp);
        }
        return chr;
      }),
    );
    tx.addNsRwset(nsProto);
    if (pvtCollections.length > 0) {
      const nsPvt = new ledger.rwset.NsPvtReadWriteSet();
      nsPvt.setNamespace(ns.namespace);
      nsPvt.setCollectionPvtRwsetList(pvtCollections);
      pvtTx.addNsPvtRwset(nsPvt);
    }
  }
  return {
    results: tx.serializeBinary(),
    pvt: pvtTx.getNsPvtRwsetList().length > 0 ? pvtTx.serializeBinary() : undefined,
  };
}

function decodeKeyRead(p: InstanceType<typeof kv.KVRead>): KeyRead {
  return { key: p.getKey(), version: versionOf(p.getVersion()) };
}

/** Decodes `results` bytes of a ChaincodeAction (public and hashed parts; private writes come separately). */
export function decodeTxRwSet(results: Uint8Array): NamespaceRwSet[] {
  const tx = ledger.rwset.TxReadWriteSet.deserializeBinary(results);
  return tx.getNsRwsetList().map((nsProto) => {
    const set = kv.KVRWSet.deserializeBinary(nsProto.getRwset_asU8());
    return {
      namespace: nsProto.getNamespace(),
      reads: set.getReadsList().map(decodeKeyRead),
      rangeReads: set.getRangeQueriesInfoList().map((info) => ({
        startKey: info.getStartKey(),
        endKey: info.getEndKey(),
        exhausted: info.getItrExhausted(),
        reads: (info.getRawReads()?.getKvReadsList() ?? []).map(decodeKeyRead),
      })),
      writes: set
        .getWritesList()
        .map((w) => ({ key: w.getKey(), isDelete: w.getIsDelete(), value: w.getValue_asU8() })),
      collections: nsProto.getCollectionHashedRwsetList().map((chr) => {
        const hashed = kv.HashedRWSet.deserializeBinary(chr.getHashedRwset_asU8());
        return {
          name: chr.getCollectionName(),
          hashedReads: hashed.getHashedReadsList().map((r) => ({
            keyHash: Buffer.from(r.getKeyHash_asU8()),
            version: versionOf(r.getVersion()),
          })),
          hashedWrites: hashed.getHashedWritesList().map((w) => ({
            keyHash: Buffer.from(w.getKeyHash_asU8()),
            isDelete: w.getIsDelete(),
            valueHash: Buffer.from(w.getValueHash_asU8()),
          })),
          pvtWrites: [],
        };
      }),
    };
  });
}

/** Decodes the private writes of a transaction: namespace -> collection -> writes. */
export function decodePvtRwSet(bytes: Uint8Array): Map<string, Map<string, KeyWrite[]>> {
  const out = new Map<string, Map<string, KeyWrite[]>>();
  const tx = ledger.rwset.TxPvtReadWriteSet.deserializeBinary(bytes);
  for (const ns of tx.getNsPvtRwsetList()) {
    const colls = new Map<string, KeyWrite[]>();
    for (const c of ns.getCollectionPvtRwsetList()) {
      const set = kv.KVRWSet.deserializeBinary(c.getRwset_asU8());
      colls.set(
        c.getCollectionName(),
        set.getWritesList().map((w) => ({ key: w.getKey(), isDelete: w.getIsDelete(), value: w.getValue_asU8() })),
      );
    }
    out.set(ns.getNamespace(), colls);
  }
  return out;
}
