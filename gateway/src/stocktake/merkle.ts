/**
 * The Merkle tree of a stocktake's counted set, hashed as Certificate Transparency does (RFC 6962 §2.1, kept in
 * RFC 9162 §2.1): leaf hash = SHA-256(0x00 || data), node hash = SHA-256(0x01 || left || right), and a tree of n
 * leaves splits at the largest power of two below n. Written here (not taken from a library) because it is ~100
 * lines, needs only node:crypto, and anyone verifying a proof can re-implement it from the RFC.
 *
 * The tree is built bottom-up, promoting an unpaired last node one level unchanged; that yields exactly the RFC
 * 6962 tree (the left subtree is always the full power of two), and the tests check it against the recursive
 * definition. Pure: no framework, no I/O.
 */
import { createHash, hash } from 'node:crypto';

/** Name of the hashing scheme, returned with every proof so a verifier knows what to run. */
export const MERKLE_ALGORITHM = 'RFC6962-SHA256' as const;

/** Most leaves one tree may hold (a stocktake's counted set is bounded well below this). */
export const MERKLE_LEAVES_MAX = 1_000_000;

/** Longest audit path accepted by {@link verifyInclusion}: ceil(log2(2^64)) covers any tree size. */
export const AUDIT_PATH_LENGTH_MAX = 64;

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);
const HASH_HEX = /^[0-9a-f]{64}$/;

/**
 * Hash of a leaf: SHA-256(0x00 || data).
 *
 * @param data - The leaf data; a string is hashed as its UTF-8 bytes.
 * @returns The 32-byte hash.
 */
export function leafHash(data: string | Uint8Array): Buffer {
  // One-shot crypto.hash is ~3x faster than createHash for short inputs (100,000 leaves per close).
  return hash(
    'sha256',
    Buffer.concat([LEAF_PREFIX, typeof data === 'string' ? Buffer.from(data, 'utf8') : data]),
    'buffer',
  );
}

/**
 * Hash of an interior node: SHA-256(0x01 || left || right).
 *
 * @param left - Hash of the left child.
 * @param right - Hash of the right child.
 * @returns The 32-byte hash.
 */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return hash('sha256', Buffer.concat([NODE_PREFIX, left, right]), 'buffer');
}

/** An inclusion proof of one leaf, as served by `GET /v1/stocktakes/{id}/proof/{epc}`. */
export interface InclusionProof {
  /** Position of the leaf among the sorted leaves, from 0. */
  readonly leafIndex: number;
  /** Number of leaves. */
  readonly treeSize: number;
  /** Sibling hashes from the leaf level up to just below the root, lowercase hex. */
  readonly auditPath: readonly string[];
  /** The tree head (root hash), lowercase hex. */
  readonly root: string;
}

/** A built tree: every level kept, so proofs are read off without rehashing. */
export interface MerkleTree {
  /** Number of leaves. */
  readonly size: number;
  /** Root hash, lowercase hex (SHA-256 of the empty string for an empty tree, as RFC 6962 defines). */
  readonly root: string;
  /**
   * Audit path of one leaf.
   *
   * @param leafIndex - Position of the leaf, 0 <= leafIndex < size.
   * @returns The proof.
   */
  proof(leafIndex: number): InclusionProof;
}

/**
 * Build the tree of the given leaves, in the order given (the caller sorts them).
 *
 * @param leaves - Leaf data, at most {@link MERKLE_LEAVES_MAX}.
 * @returns The tree.
 */
export function buildMerkleTree(leaves: readonly (string | Uint8Array)[]): MerkleTree {
  if (leaves.length > MERKLE_LEAVES_MAX) {
    throw new RangeError(`a Merkle tree holds at most ${MERKLE_LEAVES_MAX} leaves, got ${leaves.length}`);
  }
  const levels: Buffer[][] = [leaves.map((leaf) => leafHash(leaf))];
  // Each level halves (rounding up), so this loop runs at most ceil(log2(MERKLE_LEAVES_MAX)) + 1 times.
  for (let level = levels[0]!; level.length > 1; ) {
    const next: Buffer[] = new Array<Buffer>(Math.ceil(level.length / 2));
    for (let i = 0; i + 1 < level.length; i += 2) {
      next[i >> 1] = nodeHash(level[i]!, level[i + 1]!);
    }
    if (level.length % 2 === 1) {
      next[next.length - 1] = level[level.length - 1]!; // unpaired: promoted unchanged (RFC 6962 split rule)
    }
    levels.push(next);
    level = next;
  }
  const size = leaves.length;
  const top = levels[levels.length - 1]!;
  const root = size === 0 ? createHash('sha256').digest('hex') : top[0]!.toString('hex');
  return {
    size,
    root,
    proof(leafIndex) {
      if (!Number.isInteger(leafIndex) || leafIndex < 0 || leafIndex >= size) {
        throw new RangeError(`leaf index ${leafIndex} is outside a tree of ${size} leaves`);
      }
      const auditPath: string[] = [];
      let index = leafIndex;
      for (let l = 0; l < levels.length - 1; l++) {
        const level = levels[l]!;
        const sibling = index ^ 1;
        if (sibling < level.length) {
          auditPath.push(level[sibling]!.toString('hex'));
        }
        index >>= 1;
      }
      return { leafIndex, treeSize: size, auditPath, root };
    },
  };
}

/**
 * Merkle tree head of the leaves, as in RFC 6962 §2.1.
 *
 * @param leaves - Leaf data in order.
 * @returns The root hash, lowercase hex.
 */
export function merkleRoot(leaves: readonly (string | Uint8Array)[]): string {
  return buildMerkleTree(leaves).root;
}

/**
 * Check that `leafData` is the leaf at `proof.leafIndex` of a tree of `proof.treeSize` leaves with root `proof.root`
 * (RFC 9162 §2.1.3.2, "verifying an inclusion proof"). Standalone: needs only SHA-256 and the proof; never throws
 * on a malformed proof, it answers false.
 *
 * @param leafData - The leaf, e.g. the item's SGTIN URN (hashed as UTF-8).
 * @param proof - Index, size, audit path and root, hashes in hex.
 * @returns True when the path leads from the leaf to the root.
 */
export function verifyInclusion(leafData: string | Uint8Array, proof: InclusionProof): boolean {
  const { leafIndex, treeSize, auditPath, root } = proof;
  if (!Number.isSafeInteger(leafIndex) || !Number.isSafeInteger(treeSize) || leafIndex < 0 || leafIndex >= treeSize) {
    return false;
  }
  if (
    !Array.isArray(auditPath) ||
    auditPath.length > AUDIT_PATH_LENGTH_MAX ||
    typeof root !== 'string' ||
    !HASH_HEX.test(root)
  ) {
    return false;
  }
  // Indexes can exceed 2^31, so halve with Math.floor rather than bit shifts.
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r: Buffer = leafHash(leafData);
  for (const hex of auditPath) {
    if (typeof hex !== 'string' || !HASH_HEX.test(hex) || sn === 0) {
      return false;
    }
    const p = Buffer.from(hex, 'hex');
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      // Skip the levels where this node was promoted unchanged (it had no right sibling).
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.toString('hex') === root;
}
