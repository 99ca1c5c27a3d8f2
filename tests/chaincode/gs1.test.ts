// Proves the chaincode accepts only well-formed GS1 identifiers and ties each SGTIN to its one GTIN.
// How: checks the domain test vector (SGTIN 0614141.812345.6789 = GTIN 80614141123458) and literal malformed identifiers.
import t from 'tap';
import { gs1CheckDigit, gtinOfSgtin, isValidGtin14, isValidLocation, parseSgtin } from '@hainan/ledger-model';

t.test('the domain test vector: SGTIN urn:epc:id:sgtin:0614141.812345.6789 encodes GTIN 80614141123458', async (t) => {
  const sgtin = parseSgtin('urn:epc:id:sgtin:0614141.812345.6789');
  t.same(sgtin, { companyPrefix: '0614141', itemRef: '812345', serial: '6789' });
  t.equal(sgtin && gtinOfSgtin(sgtin), '80614141123458');
  t.ok(isValidGtin14('80614141123458'));
});

t.test('check digits', async (t) => {
  t.equal(gs1CheckDigit('8061414112345'), 8);
  t.equal(gs1CheckDigit('690123456789'), 2, 'GLN 6901234567892');
  t.notOk(isValidGtin14('80614141123459'), 'wrong check digit');
  t.notOk(isValidGtin14('0614141123458'), '13 digits');
});

t.test('malformed SGTINs are refused', async (t) => {
  for (const bad of [
    '',
    'urn:epc:id:sgtin:0614141.81234.6789', // 12 digits of prefix + item
    'urn:epc:id:sgtin:0614141.812345.', // no serial
    'urn:epc:id:sgtin:0614141.812345.67 89', // space in serial
    'urn:epc:id:sgtin:0614141.812345.\u0000', // NUL would break composite keys
    `urn:epc:id:sgtin:0614141.812345.${'9'.repeat(61)}`,
    '3074257BF7194E4000001A85', // tag hex: the scanner agent converts it first
  ]) {
    t.equal(parseSgtin(bad), undefined, JSON.stringify(bad));
  }
});

t.test('locations: a 13-digit GLN with its check digit, or an SGLN URI', async (t) => {
  t.ok(isValidLocation('6901234567892'));
  t.notOk(isValidLocation('6901234567891'));
  t.ok(isValidLocation('urn:epc:id:sgln:0614141.00001.0'));
  t.notOk(isValidLocation('urn:epc:id:sgln:0614141.0001.0'), '11 digits of prefix + location');
  t.notOk(isValidLocation('Haikou warehouse'));
});
