// Proves item ids in every accepted form (SGTIN URN, SGTIN-96/198 hex, GS1 Digital Link, 16-digit code) parse to what the projection looks up, bad ones are refused, and the gateway's canonical JSON is byte-identical to the chaincode's codec.
// How: pure functions on literal ids and on EPCs encoded with epc-tds; canonicalJson compared with chaincode encodeToString on a nested record.
import t from 'tap';
import * as epcTdsModule from 'epc-tds';
import { encodeToString } from '../../chaincode/src/ledger-codec';
import { parseItemId, serialLookupForms } from '../../gateway/src/domain/item-id';
import { canonicalJson } from '../../gateway/src/projection/canonical-json';

type Tds = typeof epcTdsModule.default;
const tds: Tds = (epcTdsModule as unknown as { default?: Tds }).default ?? (epcTdsModule as unknown as Tds);

t.test('accepted forms', async (t) => {
  t.same(parseItemId('urn:epc:id:sgtin:6901234.000101.L1'), {
    kind: 'sgtin',
    sgtin: 'urn:epc:id:sgtin:6901234.000101.L1',
  });
  t.same(
    parseItemId('3035A537C8001940000003E9'),
    { kind: 'sgtin', sgtin: 'urn:epc:id:sgtin:6901234.000101.1001' },
    'SGTIN-96 hex',
  );
  t.same(
    parseItemId('3035a537c8001940000003e9'),
    { kind: 'sgtin', sgtin: 'urn:epc:id:sgtin:6901234.000101.1001' },
    'lower case hex',
  );
  const hex198 = new tds.Sgtin198()
    .setFilter(1)
    .setPartition(5)
    .setCompanyPrefix(6901234)
    .setItemReference(101)
    .setSerial('L1')
    .toHexString();
  t.same(parseItemId(hex198), { kind: 'sgtin', sgtin: 'urn:epc:id:sgtin:6901234.000101.L1' }, 'SGTIN-198 hex');
  t.same(
    parseItemId('https://id.example.com/01/06901234001013/21/L%2F1'),
    { kind: 'gtinSerial', gtin: '06901234001013', serial: 'L/1' },
    'Digital Link, any host, encoded serial',
  );
  t.same(parseItemId('http://x.test/some/prefix/01/06901234001013/21/1001?linkType=all'), {
    kind: 'gtinSerial',
    gtin: '06901234001013',
    serial: '1001',
  });
  t.same(parseItemId('4600000000000017'), { kind: 'traceCode', code: '4600000000000017' });
});

t.test('refused forms', async (t) => {
  for (const bad of [
    '',
    'abc',
    '460000000000001',
    'urn:epc:id:sscc:0614141.1234567890',
    '3174257BF7194E4000001A85',
    'https://id.example.com/01/06901234001017/21/1',
    'https://id.example.com/01/0690123400101/21/1',
    'x'.repeat(400),
  ]) {
    t.equal(parseItemId(bad), undefined, JSON.stringify(bad.slice(0, 60)));
  }
});

t.test('canonical JSON equals the chaincode codec', async (t) => {
  const value = {
    z: 1,
    a: [{ y: 'é"\\', b: null, c: true }],
    m: { k2: -5, k10: 'x', K: 0 },
    ü: 'unicode key',
    '': 'empty',
  };
  t.equal(canonicalJson(value), encodeToString(value));
});

t.test('a Digital Link serial is looked up in its EPC URI form first, then as it is', async (t) => {
  const ref = parseItemId('https://id.gs1.org/01/80614141123458/21/A%2FB%3F1');
  t.match(ref, { kind: 'gtinSerial', serial: 'A/B?1' }, 'the Digital Link carries the serial unescaped');
  t.same(serialLookupForms('A/B?1'), ['A%2FB%3F1', 'A/B?1'], 'the URN form (as the chain stores it) first');
  t.same(serialLookupForms('plain-1'), ['plain-1'], 'a serial without reserved characters is looked up once');
});
