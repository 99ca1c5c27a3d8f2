/**
 * The channel ledger: block file + world state + transaction index + chaincode event index. Blocks are
 * validated in order (duplicate tx ids, endorsements, MVCC and phantom reads against the state including
 * earlier transactions of the same block), appended durably, and only then applied and announced — so a
 * transaction reported VALID survives any crash, and a crash never leaves a block half-applied (the state
 * is rebuilt from the block file on open).
 */
import { join } from 'node:path';
import BTree from 'sorted-btree';
import { mkdir } from 'node:fs/promises';
import { common } from '@hyperledger/fabric-protos';
import { BlockFile } from './block-file';
import { blockDataHash, blockHeaderBytes, blockHeaderHash } from './block-hash';
import { decodePvtRwSet, KeyWrite, NamespaceRwSet, sha256 } from './rwset';
import { parseEnvelope, ChaincodeEventRecord, ParsedTx } from './tx-parse';
import { WorldState } from './world-state';
import { compareKeys } from './key-order';
import { sameVersion, Version } from './version';

/** Fabric's TxValidationCode values used here. */
export const TxCode = {
  VALID: 0,
  BAD_PAYLOAD: 2,
  BAD_CREATOR_SIGNATURE: 4,
  DUPLICATE_TXID: 9,
  ENDORSEMENT_POLICY_FAILURE: 10,
  MVCC_READ_CONFLICT: 11,
  PHANTOM_READ_CONFLICT: 12,
  TARGET_CHAIN_NOT_FOUND: 14,
} as const;

/** Where and how a transaction was committed. */
export interface TxStatus {
  blockNumber: number;
  txIndex: number;
  code: number;
}

/** A block as committed, for listeners. */
export interface CommittedBlock {
  number: number;
  txs: { txId: string; code: number }[];
  events: ChaincodeEventRecord[];
}

/** Checks endorsements of a transaction; returns true when they satisfy the endorsement policy. */
export type EndorsementCheck = (tx: ParsedTx) => boolean;

/** Signs block metadata as the orderer. */
export interface BlockSigner {
  creator: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

/**
 * The writes of a block's earlier valid transactions, by `ns \0 key`: a map for the point reads every transaction
 * checks, and a sorted view, built only when a range read is checked (then kept up to date), so that a block of
 * 1,000-write transactions without range reads does not keep a sorted tree of all its writes.
 */
class PendingWrites {
  readonly #byKey = new Map<string, PendingWrite>();
  #tree: BTree<string, PendingWrite> | undefined;
  #unsorted: string[] = [];

  get(key: string): PendingWrite | undefined {
    return this.#byKey.get(key);
  }

  set(key: string, write: PendingWrite): void {
    this.#byKey.set(key, write);
    if (this.#tree) this.#tree.set(key, write);
    else this.#unsorted.push(key);
  }

  /** The writes in key order (a range read finds the writes inside it without passing over every write). */
  sorted(): BTree<string, PendingWrite> {
    if (!this.#tree) {
      this.#tree = new BTree<string, PendingWrite>(undefined, compareKeys);
      for (const key of this.#unsorted) this.#tree.set(key, this.#byKey.get(key)!);
      this.#unsorted = [];
    }
    return this.#tree;
  }
}

interface PendingWrite {
  version: Version;
  isDelete: boolean;
}

const LEDGER_FILE = 'blocks.bin';

/** The channel ledger. */
export class Ledger {
  readonly state = new WorldState();
  readonly #txIndex = new Map<string, TxStatus>();
  readonly #blockEvents: ChaincodeEventRecord[][] = [];
  readonly #listeners = new Set<(block: CommittedBlock) => void>();
  #height = 0;
  #lastHeaderHash: Buffer = Buffer.alloc(0);
  #genesisEnvelope: Uint8Array | undefined;
  /** The newest CONFIG envelope and its block: the channel configuration in force. */
  #configEnvelope: Uint8Array | undefined;
  #lastConfigBlock = 0;
  #commitChain: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly file: BlockFile,
    readonly truncatedBytes: number,
  ) {}

  /**
   * Opens the ledger in `dir`, replaying every block. When the ledger is empty, `genesis()` supplies the
   * config envelope of block 0.
   */
  static async open(dir: string, genesis: () => Uint8Array, endorsementCheck: EndorsementCheck): Promise<Ledger> {
    await mkdir(dir, { recursive: true });
    const { file, records, truncatedBytes } = await BlockFile.open(join(dir, LEDGER_FILE));
    const ledger = new Ledger(file, truncatedBytes);
    for (const record of records) ledger.#replay(record);
    if (ledger.#height === 0) {
      await ledger.#append([genesis()], [TxCode.VALID], new Map(), undefined);
    }
    ledger.#endorsementCheck = endorsementCheck;
    return ledger;
  }

  #endorsementCheck: EndorsementCheck = () => false;

  /** Number of blocks (the next block's number). */
  get height(): number {
    return this.#height;
  }

  /** Block 0's config envelope. */
  get genesisEnvelope(): Uint8Array {
    if (!this.#genesisEnvelope) throw new Error('ledger has no genesis block');
    return this.#genesisEnvelope;
  }

  /** The newest config envelope (genesis, or the last config update): the channel configuration in force. */
  get configEnvelope(): Uint8Array {
    if (!this.#configEnvelope) throw new Error('ledger has no config block');
    return this.#configEnvelope;
  }

  /**
   * Appends a config block (one CONFIG envelope, as an orderer cuts a config transaction into a block of its own),
   * in order with the other commits. The caller has built and checked the new configuration.
   */
  commitConfig(configEnvelope: Uint8Array, signer: BlockSigner | undefined): Promise<CommittedBlock> {
    const run = this.#commitChain.then(() => this.#append([configEnvelope], [TxCode.VALID], new Map(), signer));
    this.#commitChain = run.catch(() => undefined);
    return run;
  }

  txStatus(txId: string): TxStatus | undefined {
    return this.#txIndex.get(txId);
  }

  /** Chaincode events of VALID transactions in block `n`, in transaction order. */
  eventsOfBlock(n: number): readonly ChaincodeEventRecord[] {
    return this.#blockEvents[n] ?? [];
  }

  /** Calls `listener` after each block is durable and applied; returns an unsubscribe function. */
  onCommit(listener: (block: CommittedBlock) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Validates, persists and applies a block of envelopes, in order with other calls.
   * `privateData` maps tx id -> the endorser's private rwset bytes for transactions with private writes.
   */
  commitBlock(
    envelopes: Uint8Array[],
    privateData: Map<string, Uint8Array>,
    signer: BlockSigner | undefined,
  ): Promise<CommittedBlock> {
    const run = this.#commitChain.then(() => this.#validateAndAppend(envelopes, privateData, signer));
    this.#commitChain = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.#commitChain;
    await this.file.close();
  }

  async #validateAndAppend(
    envelopes: Uint8Array[],
    privateData: Map<string, Uint8Array>,
    signer: BlockSigner | undefined,
  ): Promise<CommittedBlock> {
    const blockNum = this.#height;
    const codes: number[] = [];
    // ns \0 key -> write by an earlier valid tx of this block (point reads look here; range reads in its sorted view).
    const pending = new PendingWrites();
    const pendingHashed = new Map<string, PendingWrite>(); // ns \0 coll \0 keyHashHex
    const seen = new Set<string>();
    const pvtForBlock = new Map<number, Uint8Array>();
    // Each envelope is parsed once per commit: validation's parse is applied too (a 1,000-write transaction's
    // read/write set is most of the dev peer's commit work).
    const parsed: (ParsedTx | undefined)[] = [];
    envelopes.forEach((envBytes, txNum) => {
      let tx: ParsedTx;
      try {
        tx = parseEnvelope(envBytes);
      } catch {
        parsed.push(undefined);
        codes.push(TxCode.BAD_PAYLOAD);
        return;
      }
      parsed.push(tx);
      let code: number = TxCode.VALID;
      if (this.#txIndex.has(tx.txId) || seen.has(tx.txId)) code = TxCode.DUPLICATE_TXID;
      else if (!tx.endorsed) code = TxCode.BAD_PAYLOAD;
      else if (!this.#endorsementCheck(tx)) code = TxCode.ENDORSEMENT_POLICY_FAILURE;
      else code = this.#checkReads(tx.endorsed.rwsets, pending, pendingHashed);
      seen.add(tx.txId);
      codes.push(code);
      if (code !== TxCode.VALID || !tx.endorsed) return;
      const version = { blockNum, txNum };
      for (const ns of tx.endorsed.rwsets) {
        for (const w of ns.writes) pending.set(`${ns.namespace}\u0000${w.key}`, { version, isDelete: w.isDelete });
        for (const c of ns.collections) {
          for (const w of c.hashedWrites) {
            pendingHashed.set(`${ns.namespace}\u0000${c.name}\u0000${w.keyHash.toString('hex')}`, {
              version,
              isDelete: w.isDelete,
            });
          }
        }
      }
      const pvt = privateData.get(tx.txId);
      if (pvt) pvtForBlock.set(txNum, pvt);
    });
    return this.#append(envelopes, codes, pvtForBlock, signer, parsed);
  }

  /** MVCC and phantom checks of a transaction's reads against state + earlier writes of the block. */
  #checkReads(rwsets: NamespaceRwSet[], pending: PendingWrites, pendingHashed: Map<string, PendingWrite>): number {
    for (const ns of rwsets) {
      for (const r of ns.reads) {
        const p = pending.get(`${ns.namespace}\u0000${r.key}`);
        const current = p ? (p.isDelete ? undefined : p.version) : this.state.get(ns.namespace, r.key)?.version;
        if (!sameVersion(current, r.version)) return TxCode.MVCC_READ_CONFLICT;
      }
      for (const c of ns.collections) {
        for (const r of c.hashedReads) {
          const hex = r.keyHash.toString('hex');
          const p = pendingHashed.get(`${ns.namespace}\u0000${c.name}\u0000${hex}`);
          const current = p
            ? p.isDelete
              ? undefined
              : p.version
            : this.state.getHashed(ns.namespace, c.name, hex)?.version;
          if (!sameVersion(current, r.version)) return TxCode.MVCC_READ_CONFLICT;
        }
      }
      for (const rq of ns.rangeReads) {
        const last = rq.reads[rq.reads.length - 1];
        // The range that was actually observed: to the end key if the iterator was exhausted, else to
        // the last key read (inclusive).
        const inRange = (key: string) =>
          compareKeys(key, rq.startKey) >= 0 &&
          (rq.exhausted
            ? rq.endKey === '' || compareKeys(key, rq.endKey) < 0
            : last !== undefined && compareKeys(key, last.key) <= 0);
        // The first write of the block at or after the range's start is the only one that can fall inside it.
        const prefix = `${ns.namespace}\u0000`;
        const first = pending
          .sorted()
          .entries(prefix + rq.startKey)
          .next();
        if (!first.done && first.value[0].startsWith(prefix) && inRange(first.value[0].slice(prefix.length)))
          return TxCode.PHANTOM_READ_CONFLICT;
        let i = 0;
        for (const [key, value] of this.state.range(ns.namespace, rq.startKey, rq.endKey)) {
          if (!inRange(key)) break;
          const expected = rq.reads[i++];
          if (!expected || expected.key !== key || !sameVersion(expected.version, value.version))
            return TxCode.PHANTOM_READ_CONFLICT;
        }
        if (i !== rq.reads.length) return TxCode.PHANTOM_READ_CONFLICT;
      }
    }
    return TxCode.VALID;
  }

  async #append(
    envelopes: Uint8Array[],
    codes: number[],
    pvt: Map<number, Uint8Array>,
    signer: BlockSigner | undefined,
    parsed?: readonly (ParsedTx | undefined)[],
  ): Promise<CommittedBlock> {
    const number = this.#height;
    const dataHash = blockDataHash(envelopes);
    const header = new common.BlockHeader();
    header.setNumber(number);
    header.setPreviousHash(this.#lastHeaderHash);
    header.setDataHash(dataHash);
    const data = new common.BlockData();
    data.setDataList(envelopes);
    const metadata = new common.BlockMetadata();
    const sigMeta = new common.Metadata();
    if (signer) {
      const lastConfig = new common.OrdererBlockMetadata();
      const lc = new common.LastConfig();
      // The block's own number when it is a config block (#apply sets it after this), else the last config block.
      lc.setIndex(isConfigBlock(envelopes, parsed) ? number : this.#lastConfigBlock);
      lastConfig.setLastConfig(lc);
      sigMeta.setValue(lastConfig.serializeBinary());
      const sh = new common.SignatureHeader();
      sh.setCreator(signer.creator);
      sh.setNonce(sha256(`${number}`).subarray(0, 24));
      const shBytes = sh.serializeBinary();
      const ms = new common.MetadataSignature();
      ms.setSignatureHeader(shBytes);
      ms.setSignature(
        signer.sign(
          Buffer.concat([sigMeta.getValue_asU8(), shBytes, blockHeaderBytes(number, this.#lastHeaderHash, dataHash)]),
        ),
      );
      sigMeta.addSignatures(ms);
    }
    metadata.setMetadataList([
      sigMeta.serializeBinary(),
      new Uint8Array(0),
      Uint8Array.from(codes),
      new Uint8Array(0),
      new Uint8Array(0),
    ]);
    const block = new common.Block();
    block.setHeader(header);
    block.setData(data);
    block.setMetadata(metadata);
    const record = encodeRecord(block.serializeBinary(), pvt);
    await this.file.append(record);
    return this.#apply(block, pvt, parsed);
  }

  #replay(record: Buffer): void {
    const { blockBytes, pvt } = decodeRecord(record);
    const block = common.Block.deserializeBinary(blockBytes);
    const header = block.getHeader();
    if (!header || header.getNumber() !== this.#height)
      throw new Error(`block file out of order at block ${this.#height}`);
    if (Buffer.compare(Buffer.from(header.getPreviousHash_asU8()), this.#lastHeaderHash) !== 0) {
      throw new Error(`block ${this.#height} does not chain to its predecessor (previous hash mismatch)`);
    }
    const envelopes = block.getData()?.getDataList_asU8() ?? [];
    if (Buffer.compare(blockDataHash(envelopes), Buffer.from(header.getDataHash_asU8())) !== 0) {
      throw new Error(`block ${this.#height} data hash mismatch`);
    }
    this.#apply(block, pvt);
  }

  /** Applies a durable block to the in-memory state and indexes, then tells listeners. */
  /** `parsed`: the envelopes as validation parsed them (undefined: malformed); absent on replay, parsed here. */
  #apply(
    block: InstanceType<typeof common.Block>,
    pvt: Map<number, Uint8Array>,
    parsed?: readonly (ParsedTx | undefined)[],
  ): CommittedBlock {
    const header = block.getHeader()!;
    const number = header.getNumber();
    const envelopes = block.getData()?.getDataList_asU8() ?? [];
    const codes =
      block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER] ?? new Uint8Array();
    const committed: CommittedBlock = { number, txs: [], events: [] };
    envelopes.forEach((envBytes, txNum) => {
      const code = codes[txNum] ?? TxCode.BAD_PAYLOAD;
      let tx: ParsedTx | undefined;
      if (parsed) tx = parsed[txNum];
      else {
        try {
          tx = parseEnvelope(envBytes);
        } catch {
          tx = undefined;
        }
      }
      if (number === 0 && txNum === 0) this.#genesisEnvelope = envBytes;
      if (!tx) return;
      if (tx.headerType === common.HeaderType.CONFIG && code === TxCode.VALID) {
        this.#configEnvelope = envBytes;
        this.#lastConfigBlock = number;
      }
      committed.txs.push({ txId: tx.txId, code });
      if (tx.txId !== '' && !this.#txIndex.has(tx.txId))
        this.#txIndex.set(tx.txId, { blockNumber: number, txIndex: txNum, code });
      if (code !== TxCode.VALID || !tx.endorsed) return;
      const version = { blockNum: number, txNum };
      const pvtWrites = pvt.has(txNum) ? decodePvtRwSet(pvt.get(txNum)!) : undefined;
      for (const ns of tx.endorsed.rwsets) {
        for (const w of ns.writes) this.#applyWrite(ns.namespace, w, version, tx);
        for (const c of ns.collections) {
          for (const w of c.hashedWrites) {
            this.state.putHashed(
              ns.namespace,
              c.name,
              w.keyHash.toString('hex'),
              w.isDelete ? undefined : { valueHash: w.valueHash, version },
            );
          }
          for (const w of pvtWrites?.get(ns.namespace)?.get(c.name) ?? []) {
            this.state.putPrivate(ns.namespace, c.name, w.key, w.isDelete ? undefined : Buffer.from(w.value));
          }
        }
      }
      if (tx.endorsed.event) committed.events.push(tx.endorsed.event);
    });
    this.#blockEvents[number] = committed.events;
    this.#height = number + 1;
    this.#lastHeaderHash = blockHeaderHash(number, header.getPreviousHash_asU8(), header.getDataHash_asU8());
    for (const listener of this.#listeners) listener(committed);
    return committed;
  }

  #applyWrite(ns: string, w: KeyWrite, version: Version, tx: ParsedTx): void {
    const value = Buffer.from(w.value);
    if (w.isDelete) this.state.delete(ns, w.key);
    else this.state.put(ns, w.key, value, version);
    this.state.addHistory(ns, w.key, {
      txId: tx.txId,
      timestamp: tx.timestamp,
      isDelete: w.isDelete,
      value: w.isDelete ? Buffer.alloc(0) : value,
    });
  }
}

/** Record = [u32 block length][block][u32 count]([u32 txNum][u32 length][private rwset])*. */
function encodeRecord(blockBytes: Uint8Array, pvt: Map<number, Uint8Array>): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(4);
  head.writeUInt32BE(blockBytes.length);
  parts.push(head, Buffer.from(blockBytes));
  const count = Buffer.alloc(4);
  count.writeUInt32BE(pvt.size);
  parts.push(count);
  for (const [txNum, bytes] of pvt) {
    const h = Buffer.alloc(8);
    h.writeUInt32BE(txNum, 0);
    h.writeUInt32BE(bytes.length, 4);
    parts.push(h, Buffer.from(bytes));
  }
  return Buffer.concat(parts);
}

function decodeRecord(record: Buffer): { blockBytes: Buffer; pvt: Map<number, Uint8Array> } {
  const blockLen = record.readUInt32BE(0);
  const blockBytes = record.subarray(4, 4 + blockLen);
  let offset = 4 + blockLen;
  const pvt = new Map<number, Uint8Array>();
  const count = record.readUInt32BE(offset);
  offset += 4;
  for (let i = 0; i < count; i++) {
    const txNum = record.readUInt32BE(offset);
    const len = record.readUInt32BE(offset + 4);
    pvt.set(txNum, record.subarray(offset + 8, offset + 8 + len));
    offset += 8 + len;
  }
  return { blockBytes, pvt };
}

/** True when a block's only envelope is a CONFIG transaction. */
function isConfigBlock(envelopes: Uint8Array[], parsed?: readonly (ParsedTx | undefined)[]): boolean {
  if (envelopes.length !== 1) return false;
  if (parsed) return parsed[0]?.headerType === common.HeaderType.CONFIG;
  try {
    return parseEnvelope(envelopes[0]!).headerType === common.HeaderType.CONFIG;
  } catch {
    return false;
  }
}
