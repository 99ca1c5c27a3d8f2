// Proves inspection selection is deterministic, follows the configured rate, and can be audited: only the committed seed verifies.
// How: a fixed seed and golden values, rates 0 and 10000 over many ids, the observed rate over 20,000 fake transaction ids, and reveals of right and wrong seeds.
import t, { type Test } from 'tap';
import { createHash } from 'node:crypto';
import { ChaincodeError, ErrorCode } from '@hainan/ledger-model';
import { isSelected, seedCommitment, selectionDraw, verifyReveal } from '../../../chaincode/src/domain/inspection';

function throwsCode(t: Test, fn: () => unknown, code: ErrorCode, label?: string): void {
  try {
    fn();
    t.fail(`expected ${code}${label === undefined ? '' : ` for ${label}`}`);
  } catch (error) {
    t.ok(error instanceof ChaincodeError, `${label ?? code}: a ChaincodeError`);
    t.equal((error as ChaincodeError).code, code, label ?? code);
  }
}

const SEED = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
/** Draws for txId(0..4) under SEED, computed once with plain node:crypto, outside the module under test. */
const GOLDEN_DRAWS = [3489, 7401, 3997, 1525, 834];
const OTHER_SEED = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a09';
/** Fake Fabric transaction ids: 64 hex characters, like the real ones. */
function txId(i: number): string {
  return createHash('sha256').update(`tx-${i}`).digest('hex');
}

t.test('the commitment is SHA-256 of the seed bytes (not of its hex text)', async (t) => {
  t.equal(seedCommitment('00'.repeat(32)), '66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925');
  t.equal(seedCommitment(SEED.toUpperCase()), seedCommitment(SEED), 'hex case does not matter');
});

t.test(
  'the draw is the first 4 bytes of SHA-256(seed || txId), big-endian, mod 10000, and never changes',
  async (t) => {
    const id = txId(1);
    const digest = createHash('sha256').update(Buffer.from(SEED, 'hex')).update(id, 'utf8').digest();
    t.equal(selectionDraw(SEED, id), digest.readUInt32BE(0) % 10_000);
    // Golden values: an auditor re-checks old selections with this exact function, so it must never drift.
    t.same(
      [0, 1, 2, 3, 4].map((i) => selectionDraw(SEED, txId(i))),
      GOLDEN_DRAWS,
    );
    t.equal(selectionDraw(SEED, id), selectionDraw(SEED, id), 'same inputs, same draw');
    t.not(selectionDraw(SEED, id), selectionDraw(OTHER_SEED, id), 'another seed, another draw (for this id)');
    for (let i = 0; i < 1000; i++) {
      const draw = selectionDraw(SEED, txId(i));
      if (!Number.isInteger(draw) || draw < 0 || draw > 9999) {
        t.fail(`draw ${draw} out of range`);
      }
    }
  },
);

t.test('rate 0 never selects, rate 10000 always does', async (t) => {
  let never = 0;
  let always = 0;
  for (let i = 0; i < 2000; i++) {
    never += isSelected(SEED, txId(i), 0) ? 1 : 0;
    always += isSelected(SEED, txId(i), 10_000) ? 1 : 0;
  }
  t.equal(never, 0);
  t.equal(always, 2000);
});

t.test('over 20,000 transactions the selected share matches the rate (within 5 standard deviations)', async (t) => {
  const count = 20_000;
  for (const rateBp of [100, 300, 2000, 5000]) {
    let selected = 0;
    for (let i = 0; i < count; i++) {
      selected += isSelected(SEED, `tx-${i}`, rateBp) ? 1 : 0;
    }
    const p = rateBp / 10_000;
    const expected = count * p;
    const tolerance = 5 * Math.sqrt(count * p * (1 - p));
    t.ok(
      Math.abs(selected - expected) <= tolerance,
      `${rateBp} bp: ${selected} selected, expected ${expected} ± ${tolerance.toFixed(0)}`,
    );
  }
});

t.test('only the committed seed verifies', async (t) => {
  const commitment = seedCommitment(SEED);
  t.equal(verifyReveal(commitment, SEED), true);
  t.equal(verifyReveal(commitment.toUpperCase(), SEED), true);
  t.equal(verifyReveal(commitment, OTHER_SEED), false, 'one bit off');
  t.equal(verifyReveal(commitment, 'not hex at all'), false);
  t.equal(verifyReveal(commitment, ''), false);
  t.equal(verifyReveal('', SEED), false);
});

t.test('malformed seeds, ids and rates are INVALID_ARGUMENT', async (t) => {
  throwsCode(t, () => seedCommitment('abc'), ErrorCode.INVALID_ARGUMENT, 'odd length');
  throwsCode(t, () => seedCommitment('zz'.repeat(32)), ErrorCode.INVALID_ARGUMENT, 'not hex');
  throwsCode(
    t,
    () => seedCommitment('ab'.repeat(15)),
    ErrorCode.INVALID_ARGUMENT,
    '15 bytes: guessable from the commitment',
  );
  throwsCode(t, () => selectionDraw(SEED, ''), ErrorCode.INVALID_ARGUMENT, 'empty id');
  throwsCode(t, () => selectionDraw(SEED, 'x'.repeat(257)), ErrorCode.INVALID_ARGUMENT, 'over-long id');
  throwsCode(t, () => isSelected(SEED, txId(1), 10_001), ErrorCode.INVALID_ARGUMENT, 'rate above 100%');
  throwsCode(t, () => isSelected(SEED, txId(1), -1), ErrorCode.INVALID_ARGUMENT, 'negative rate');
  throwsCode(t, () => isSelected(SEED, txId(1), 2.5), ErrorCode.INVALID_ARGUMENT, 'fractional rate');
});
