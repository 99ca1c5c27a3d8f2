// Proves amounts of money are accepted only as non-negative integer fen and are written for people without float rounding.
// How: literal good and bad amounts through requireFen, and boundary amounts through formatFen.
import t from 'tap';
import { ChaincodeError, ErrorCode } from '@hainan/ledger-model';
import { formatFen, requireFen } from '../../../chaincode/src/domain/money';

t.test('requireFen accepts non-negative safe integers only, naming the argument and value', async (t) => {
  t.equal(requireFen(0, 'priceFen'), 0);
  t.equal(requireFen(1_999_999, 'priceFen'), 1_999_999);
  for (const bad of [-1, 0.5, 19999.99, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '100', null, undefined]) {
    try {
      requireFen(bad, 'priceFen');
      t.fail(`accepted ${String(bad)}`);
    } catch (error) {
      t.ok(error instanceof ChaincodeError && error.code === ErrorCode.INVALID_ARGUMENT, String(bad));
      t.match((error as Error).message, /^INVALID_ARGUMENT: priceFen must be a non-negative integer number of fen/);
    }
  }
});

t.test('formatFen writes yuan with two decimals', async (t) => {
  t.equal(formatFen(1_999_999), '19999.99 CNY');
  t.equal(formatFen(2_000_000), '20000.00 CNY');
  t.equal(formatFen(5), '0.05 CNY');
  t.equal(formatFen(0), '0.00 CNY');
  t.equal(formatFen(-150), '-1.50 CNY');
});
