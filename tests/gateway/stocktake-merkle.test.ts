// Proves the stocktake Merkle tree is the RFC 6962 tree (same head as the recursive definition, the CT test
// vectors) and that every inclusion proof verifies while a tampered leaf, path, index, size or root does not.
// How: pure functions of gateway/src/stocktake/merkle.ts against a literal transcription of RFC 6962 §2.1.
import t from 'tap';
import { createHash } from 'node:crypto';
import { buildMerkleTree, leafHash, merkleRoot, nodeHash, verifyInclusion } from '../../gateway/src/stocktake/merkle';

/** RFC 6962 §2.1 MTH, recursively, as written in the RFC. */
function mth(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return createHash('sha256').digest();
  if (leaves.length === 1) return leafHash(leaves[0]!);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

/** The eight leaves of the Certificate Transparency reference tests (merkle_tree_test.cc). */
const CT_LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map((h) => Buffer.from(h, 'hex'));

t.test('tree heads equal the RFC 6962 definition for 0..70 leaves, and the CT reference vectors', async (t) => {
  for (let n = 0; n <= 70; n++) {
    const leaves = Array.from({ length: n }, (_, i) => Buffer.from(`urn:epc:id:sgtin:6901234.000101.${i}`));
    t.equal(merkleRoot(leaves), mth(leaves).toString('hex'), `n=${n}`);
  }
  t.equal(
    merkleRoot([]),
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'empty tree: SHA-256 of nothing',
  );
  t.equal(
    merkleRoot(CT_LEAVES.slice(0, 1)),
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    'one empty leaf',
  );
  t.equal(
    merkleRoot(CT_LEAVES),
    '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
    'the eight CT leaves',
  );
});

t.test('every proof verifies; tampering with anything makes it fail', async (t) => {
  for (const n of [1, 2, 3, 5, 7, 8, 9, 31, 33]) {
    const leaves = Array.from({ length: n }, (_, i) => `item-${String(i).padStart(3, '0')}`);
    const tree = buildMerkleTree(leaves);
    for (let i = 0; i < n; i++) {
      const proof = tree.proof(i);
      t.ok(verifyInclusion(leaves[i]!, proof), `n=${n} i=${i}`);
      t.notOk(verifyInclusion(`${leaves[i]}x`, proof), 'tampered leaf');
      if (proof.auditPath.length > 0) {
        const path = [...proof.auditPath];
        path[path.length - 1] = createHash('sha256').update('evil').digest('hex');
        t.notOk(verifyInclusion(leaves[i]!, { ...proof, auditPath: path }), 'tampered path');
        t.notOk(verifyInclusion(leaves[i]!, { ...proof, auditPath: proof.auditPath.slice(1) }), 'shortened path');
      }
      if (n > 1) t.notOk(verifyInclusion(leaves[i]!, { ...proof, leafIndex: (i + 1) % n }), 'wrong index');
      t.notOk(verifyInclusion(leaves[i]!, { ...proof, root: '0'.repeat(64) }), 'wrong root');
    }
  }
  t.notOk(
    verifyInclusion('a', { leafIndex: 1, treeSize: 1, auditPath: [], root: merkleRoot(['a']) }),
    'index outside the tree',
  );
  t.notOk(
    verifyInclusion('a', { leafIndex: 0, treeSize: 1, auditPath: ['zz'], root: merkleRoot(['a']) }),
    'malformed hash',
  );
});
