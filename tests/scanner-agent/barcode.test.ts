// Proves barcode contents become the right item (or a stated reason): GS1 element strings with FNC1/GS and AIM identifiers, GS1 Digital Link on any host, Hainan 16-digit codes, URNs and EPC hex typed by a wedge.
// How: literal barcode strings through the pure decoders, checking the dedup key and what is uploaded, and the reason for each refusal.
import t from 'tap';
import { EpcReadDecoder } from '../../packages/epc-decoders/src/epc-read';
import {
  GS,
  digitalLinkOf,
  escapeEpcUriSerial,
  gs1CheckDigit,
  isValidGtin14,
  parseSgtinUrn,
  unescapeEpcUriSerial,
} from '../../packages/epc-decoders/src/gs1';
import { parseBracketedElementString, parseElementString } from '../../packages/epc-decoders/src/gs1-element-string';
import { parseDigitalLink } from '../../packages/epc-decoders/src/digital-link';
import { decodeTextRead } from '../../packages/epc-decoders/src/text-read';
import { keyOfUpload } from '../../packages/epc-decoders/src/upload-key';
import { Read } from '../../packages/epc-decoders/src/reads';

const TEST_ITEM_KEY = '0180614141123458216789';
const TEST_ITEM_LINK = 'https://id.gs1.org/01/80614141123458/21/6789';

function read(text: string): Read {
  return decodeTextRead(text, new EpcReadDecoder());
}
function reason(text: string): string {
  const r = read(text);
  return r.kind === 'undecodable' ? r.reason : r.kind === 'item' ? `item ${r.key}` : 'a repeat';
}

t.test('GS1 primitives', async (t) => {
  t.equal(gs1CheckDigit('8061414112345'), 8);
  t.ok(isValidGtin14('80614141123458'));
  t.notOk(isValidGtin14('80614141123459'));
  t.equal(escapeEpcUriSerial('a"%&/<>?b'), 'a%22%25%26%2F%3C%3E%3Fb');
  t.equal(unescapeEpcUriSerial('a%22%25%26%2F%3C%3E%3Fb'), 'a"%&/<>?b');
  t.equal(unescapeEpcUriSerial('a/b'), undefined, 'a / must be escaped in the URI');
  t.equal(unescapeEpcUriSerial('a%41'), undefined, 'only the Table A-1 escapes are legal');
  t.same(parseSgtinUrn('urn:epc:id:sgtin:0614141.812345.6789'), {
    companyPrefix: '0614141',
    itemRef: '812345',
    serial: '6789',
    gtin: '80614141123458',
  });
  t.equal(parseSgtinUrn('urn:epc:id:sgtin:0614141.81234.6789'), undefined, '12 digits of prefix + item');
  t.equal(digitalLinkOf('80614141123458', 'A/B (1)'), 'https://id.gs1.org/01/80614141123458/21/A%2FB%20%281%29');
});

t.test('element strings in FNC1 form: predefined lengths need no GS, variable ones end at GS or the end', async (t) => {
  const r = parseElementString(`01806141411234581726123110ABC123${GS}216789`);
  t.ok(r.ok);
  if (r.ok)
    t.same(Array.from(r.ais), [
      ['01', '80614141123458'],
      ['17', '261231'],
      ['10', 'ABC123'],
      ['21', '6789'],
    ]);
  const measures = parseElementString(`0180614141123458310200150021XYZ`);
  t.ok(
    measures.ok && measures.ais.get('3102') === '001500' && measures.ais.get('21') === 'XYZ',
    '4-digit AI 3102, six digits, no separator',
  );
  const leadingGs = parseElementString(`${GS}0180614141123458216789${GS}`);
  t.ok(leadingGs.ok, 'a leading FNC1 (sent as GS) and a trailing GS are tolerated');
  const afterFixed = parseElementString(`0180614141123458${GS}216789`);
  t.ok(afterFixed.ok, 'a GS after a predefined-length field is tolerated');
});

t.test('element string failures', async (t) => {
  const fails = (data: string): string => {
    const r = parseElementString(data);
    return r.ok ? 'ok' : r.reason;
  };
  t.equal(fails('018061414112345'), 'gs1-truncated', 'GTIN cut short');
  t.equal(fails('0180614141123459216789'), 'gs1-gtin-check-digit');
  t.equal(fails('0180614141123458211234567890123456789012'), 'gs1-field-length', 'a 22-character serial');
  t.equal(fails('018061414112345821AB CD'), 'gs1-serial-charset', 'space in the serial');
  t.equal(fails('018061414112345821AB#CD'), 'gs1-serial-charset', '# is not in CSET 82');
  t.equal(fails('0180614141123458990'), 'ok', 'AI 99 with data');
  t.equal(fails('0580614141123458'), 'gs1-unknown-ai', 'no AI starts with 05');
  t.equal(fails('01806141411234581A0101'), 'gs1-unknown-ai', 'letters where an AI should be');
  t.equal(fails(`0180614141123458216789${GS}216790`), 'gs1-conflicting-fields', 'two different serials');
  t.equal(fails(`01806141411234581726AB31`), 'gs1-field-not-numeric', 'expiry date with letters');
  t.equal(fails(`018061414112345821${GS}`), 'gs1-empty-field', 'AI 21 with nothing');
  t.equal(fails(''), 'gs1-empty');
  t.equal(fails('21'.padEnd(3000, 'A')), 'gs1-too-long');
});

t.test('bracketed (human-readable) element strings', async (t) => {
  const r = parseBracketedElementString('(01)80614141123458(17)261231(21)6789');
  t.ok(r.ok && r.ais.get('21') === '6789');
  const bad = parseBracketedElementString('(01)8061414112345(21)6789');
  t.same(bad, { ok: false, reason: 'gs1-field-length' });
});

t.test('AIM symbology identifiers decide what the data is', async (t) => {
  t.same(
    read(`]d20180614141123458172612311125010121${'6789'}`),
    { kind: 'item', key: TEST_ITEM_KEY, upload: TEST_ITEM_LINK },
    ']d2 GS1 DataMatrix: expiry and production dates (predefined lengths, no GS) before the serial',
  );
  t.equal(reason(']C10180614141123458216789'), `item ${TEST_ITEM_KEY}`, ']C1 GS1-128');
  t.equal(reason(']Q30180614141123458216789'), `item ${TEST_ITEM_KEY}`, ']Q3 GS1 QR Code');
  t.equal(reason(']e00180614141123458216789'), `item ${TEST_ITEM_KEY}`, ']e0 GS1 DataBar');
  t.equal(reason(']C1(01)80614141123458(21)6789'), `item ${TEST_ITEM_KEY}`, 'bracketed data after a GS1 AIM');
  t.equal(reason(']E09506000134352'), 'gtin-without-serial', 'EAN-13 names a product, not an item');
  t.equal(reason(']I100012345678905'), 'gtin-without-serial', 'ITF-14');
  t.equal(reason(']d20180614141123458'), 'gs1-no-serial', 'a GS1 DataMatrix with only a GTIN');
  t.equal(reason(']C100106141410000000012'), 'gs1-sscc-not-an-item', 'an SSCC (logistic unit)');
  t.equal(reason(`]Q1${TEST_ITEM_LINK}`), `item ${TEST_ITEM_KEY}`, ']Q1 plain QR carrying a Digital Link');
  t.equal(reason(']Q11234567890123456'), 'item hainan:1234567890123456', ']Q1 plain QR carrying a Hainan code');
  t.equal(reason(']C0hello'), 'unrecognised', 'Code 128 with free text');
});

t.test('GS1 Digital Link: any host, path prefix, short GTINs widened, escapes, attributes ignored', async (t) => {
  t.same(parseDigitalLink(TEST_ITEM_LINK), { ok: true, gtin: '80614141123458', serial: '6789' });
  t.same(parseDigitalLink('https://brand.example.cn/a/b/01/80614141123458/10/LOT1/21/6789?17=261231'), {
    ok: true,
    gtin: '80614141123458',
    serial: '6789',
  });
  t.same(
    parseDigitalLink('HTTPS://ID.GS1.ORG/01/9506000134352/21/A%2Fb'),
    { ok: true, gtin: '09506000134352', serial: 'A/b' },
    'GTIN-13, upper-case scheme and host, escaped serial',
  );
  t.same(
    parseDigitalLink('https://example.com/gtin/80614141123458/ser/6789'),
    { ok: true, gtin: '80614141123458', serial: '6789' },
    'legacy short names',
  );
  t.same(parseDigitalLink('https://id.gs1.org/01/80614141123458'), {
    ok: true,
    gtin: '80614141123458',
    serial: undefined,
  });
  t.same(parseDigitalLink('https://id.gs1.org/01/80614141123459/21/1'), { ok: false, reason: 'gs1-gtin-check-digit' });
  t.same(parseDigitalLink('https://id.gs1.org/01/80614141123458/21'), {
    ok: false,
    reason: 'digital-link-bad-qualifier',
  });
  t.same(parseDigitalLink('https://id.gs1.org/01/80614141123458/99/1'), {
    ok: false,
    reason: 'digital-link-bad-qualifier',
  });
  t.same(parseDigitalLink('https://id.gs1.org/01/80614141123458/21/%E0%A4%A'), {
    ok: false,
    reason: 'digital-link-bad-escape',
  });
  t.same(
    parseDigitalLink('https://id.gs1.org/AQnYUc1gmJZP'),
    { ok: false, reason: 'digital-link-no-gtin' },
    'compressed links are not decoded',
  );
  t.equal(reason('https://id.gs1.org/01/80614141123458'), 'gs1-no-serial');
  t.equal(reason('https://example.com/'), 'digital-link-no-gtin');
});

t.test('text without AIM identifier: URN, EPC hex, Hainan code, element strings', async (t) => {
  t.same(read('urn:epc:id:sgtin:0614141.812345.6789'), {
    kind: 'item',
    key: TEST_ITEM_KEY,
    upload: 'urn:epc:id:sgtin:0614141.812345.6789',
  });
  t.equal(reason('urn:epc:id:sgtin:0614141.812345.67 89'), 'urn-invalid');
  t.equal(reason('urn:epc:id:sscc:0614141.1234567890'), 'urn-not-sgtin');
  t.same(
    read('3074257BF7194E4000001A85'),
    { kind: 'item', key: TEST_ITEM_KEY, upload: 'urn:epc:id:sgtin:0614141.812345.6789' },
    'an RFID handheld in keyboard mode',
  );
  t.equal(reason('3174257BF7194E4000001A85'), 'epc-not-sgtin-sscc-96');
  t.same(read('4600123456789012'), { kind: 'item', key: 'hainan:4600123456789012', upload: '4600123456789012' });
  t.equal(
    reason('0180614141123458'),
    'item hainan:0180614141123458',
    'documented ambiguity: 16 digits without AIM are a Hainan code',
  );
  t.equal(reason('460012345678901'), 'unrecognised', '15 digits');
  t.equal(reason('(01)80614141123458(21)6789'), `item ${TEST_ITEM_KEY}`);
  t.equal(reason(`${GS}0180614141123458216789`), `item ${TEST_ITEM_KEY}`, 'leading GS');
  t.equal(reason('0180614141123458216789'), `item ${TEST_ITEM_KEY}`, 'starts with 01 and a GTIN');
  t.equal(reason(''), 'empty');
  t.equal(reason('x'.repeat(5000)), 'text-too-long');
  const garbage = read('\u0000\u0001\u00ff');
  t.same(
    garbage,
    { kind: 'undecodable', reason: 'unrecognised', raw: '\\x00\\x01\\xff' },
    'control bytes are shown escaped',
  );
});

t.test('the upload of every form maps back to its key (spool rebuild after a restart)', async (t) => {
  for (const text of [
    '3074257BF7194E4000001A85',
    '(01)80614141123458(21)6789',
    '4600123456789012',
    `]d2010950600013435221A/b${GS}10X`,
  ]) {
    const r = read(text);
    t.equal(r.kind, 'item', text);
    if (r.kind === 'item') t.equal(keyOfUpload(r.upload), r.key, text);
  }
  t.equal(keyOfUpload('not an upload'), undefined);
});
