// Proves @hainan/ledger-model gives every way EPCIS names one GS1 key (EPC tag URI, pure-identity URN, class and
// id-pattern URNs, Digital Link on any domain with short names, lot, CPV or query) one canonical Digital Link, refuses
// what names no key, and maps CBV 1.x URNs and CBV 2.0 short names to their web URIs.
// How: literal identifiers; the expected keys are the GS1 Tag Data Standard's worked examples (0614141 ...) or have
// their check digit verified here by hand.
import t from 'tap';
import {
  canonicalGs1Uri,
  cbvTermUri,
  cbvUrnToWebUri,
  epcTagUriToPureIdentity,
  gs1DigitalLinkOf,
  hasValidGs1CheckDigit,
} from '@hainan/ledger-model';

t.test('EPC URNs as canonical Digital Link', async (t) => {
  const cases: readonly [string, string][] = [
    ['urn:epc:id:sgtin:0614141.812345.6789', 'https://id.gs1.org/01/80614141123458/21/6789'],
    ['urn:epc:id:sgtin:0614141.712345.32a%2Fb', 'https://id.gs1.org/01/70614141123451/21/32a%2Fb'],
    ['urn:epc:id:sgtin:0614141.712345.A(1)*', 'https://id.gs1.org/01/70614141123451/21/A%281%29%2A'],
    ['urn:epc:id:sscc:0614141.1234567890', 'https://id.gs1.org/00/106141412345678908'],
    ['urn:epc:id:sgln:0614141.12345.400', 'https://id.gs1.org/414/0614141123452/254/400'],
    ['urn:epc:id:sgln:0614141.12345.0', 'https://id.gs1.org/414/0614141123452'],
    ['urn:epc:id:grai:0614141.12345.400', 'https://id.gs1.org/8003/00614141123452400'],
    ['urn:epc:id:giai:0614141.32a%2Fb', 'https://id.gs1.org/8004/061414132a%2Fb'],
    ['urn:epc:id:gsrn:0614141.1234567890', 'https://id.gs1.org/8018/061414112345678902'],
    ['urn:epc:id:gdti:0614141.12345.006847', 'https://id.gs1.org/253/0614141123452006847'],
    ['urn:epc:id:pgln:0614141.00001', 'https://id.gs1.org/417/0614141000012'],
    ['urn:epc:class:lgtin:0614141.712345.L42', 'https://id.gs1.org/01/70614141123451/10/L42'],
    ['urn:epc:idpat:sgtin:0614141.712345.*', 'https://id.gs1.org/01/70614141123451'],
  ];
  for (const [urn, dl] of cases) {
    t.equal(gs1DigitalLinkOf(urn), dl, urn);
    const key = /\/(?:01|00|414|417|8018)\/(\d+)/.exec(dl)?.[1];
    if (key !== undefined) t.ok(hasValidGs1CheckDigit(key), `${key} carries its check digit`);
  }
});

t.test(
  'any Digital Link to the canonical one: domain, short names, GTIN padding, lot under serial, CPV, query',
  async (t) => {
    const cases: readonly [string, string][] = [
      ['https://id.gs1.org/01/80614141123458/21/6789', 'https://id.gs1.org/01/80614141123458/21/6789'],
      ['https://brand.example.com/gtin/80614141123458/ser/6789', 'https://id.gs1.org/01/80614141123458/21/6789'],
      [
        'http://shop.example.org/some/path/01/80614141123458/21/6789?linkType=pip',
        'https://id.gs1.org/01/80614141123458/21/6789',
      ],
      ['https://id.gs1.org/01/80614141123458/10/L42/21/6789', 'https://id.gs1.org/01/80614141123458/21/6789'],
      ['https://id.gs1.org/01/80614141123458/22/2A/21/6789', 'https://id.gs1.org/01/80614141123458/21/6789'],
      ['https://id.gs1.org/01/614141123452', 'https://id.gs1.org/01/00614141123452'],
      ['https://id.gs1.org/01/0614141123452/10/L42', 'https://id.gs1.org/01/00614141123452/10/L42'],
      ['https://example.com/sscc/106141412345678908', 'https://id.gs1.org/00/106141412345678908'],
      ['https://example.com/gln/0614141123452', 'https://id.gs1.org/414/0614141123452'],
    ];
    for (const [input, dl] of cases) t.equal(gs1DigitalLinkOf(input), dl, input);
  },
);

t.test('what names no GS1 key stays unnamed', async (t) => {
  for (const value of [
    'urn:epc:id:sgtin:0614141.812345', // no serial
    'urn:epc:id:sgtin:061414.812345.1', // prefix and reference are not 13 digits
    `urn:epc:id:sgtin:0614141.812345.${'x'.repeat(21)}`, // serial longer than GS1 allows
    'https://example.com/products/123',
    'https://id.gs1.org/99/9780345418913',
    'http://transaction.acme.com/po/12345678',
    'urn:uuid:6f4a9c1e-0000-4000-8000-000000000000',
    'shipping',
    '42',
  ]) {
    t.equal(gs1DigitalLinkOf(value), undefined, value);
    t.equal(canonicalGs1Uri(value), value, `${value} kept as it is`);
  }
});

t.test('EPC tag URIs to pure identities: the filter value names nothing', async (t) => {
  t.equal(
    epcTagUriToPureIdentity('urn:epc:tag:sgtin-96:3.0614141.812345.6789'),
    'urn:epc:id:sgtin:0614141.812345.6789',
  );
  t.equal(
    epcTagUriToPureIdentity('urn:epc:tag:sgtin-198:1.0614141.812345.32a%2Fb'),
    'urn:epc:id:sgtin:0614141.812345.32a%2Fb',
  );
  t.equal(epcTagUriToPureIdentity('urn:epc:tag:sscc-96:0.0614141.1234567890'), 'urn:epc:id:sscc:0614141.1234567890');
  t.equal(epcTagUriToPureIdentity('urn:epc:tag:sgln-96:0.0614141.12345.400'), 'urn:epc:id:sgln:0614141.12345.400');
  t.equal(epcTagUriToPureIdentity('urn:epc:tag:gid-96:31415.271828.1414'), 'urn:epc:id:gid:31415.271828.1414');
  t.equal(
    epcTagUriToPureIdentity('urn:epc:id:sgtin:0614141.812345.6789'),
    'urn:epc:id:sgtin:0614141.812345.6789',
    'a pure identity unchanged',
  );
  t.equal(
    epcTagUriToPureIdentity('urn:epc:raw:96.x3074257BF7194E4000001A85'),
    'urn:epc:raw:96.x3074257BF7194E4000001A85',
    'a raw read unchanged',
  );
});

t.test('one item, one canonical id, however it was read or written', async (t) => {
  const forms = [
    'urn:epc:tag:sgtin-96:3.0614141.812345.6789',
    'urn:epc:id:sgtin:0614141.812345.6789',
    'https://id.gs1.org/01/80614141123458/21/6789',
    'https://brand.example.com/01/80614141123458/10/LOT7/21/6789?exp=261231',
  ];
  t.same(new Set(forms.map(canonicalGs1Uri)), new Set(['https://id.gs1.org/01/80614141123458/21/6789']));
  t.not(
    canonicalGs1Uri('urn:epc:id:sgtin:0614141.812345.6790'),
    canonicalGs1Uri(forms[1]!),
    'another serial is another item',
  );
});

t.test('CBV vocabulary: 1.x URNs and 2.0 short names as web URIs', async (t) => {
  t.equal(cbvUrnToWebUri('urn:epcglobal:cbv:bizstep:shipping'), 'https://ref.gs1.org/cbv/BizStep-shipping');
  t.equal(cbvUrnToWebUri('urn:epcglobal:cbv:disp:in_transit'), 'https://ref.gs1.org/cbv/Disp-in_transit');
  t.equal(cbvUrnToWebUri('urn:epcglobal:cbv:btt:po'), 'https://ref.gs1.org/cbv/BTT-po');
  t.equal(cbvUrnToWebUri('urn:epcglobal:cbv:sdt:owning_party'), 'https://ref.gs1.org/cbv/SDT-owning_party');
  t.equal(cbvUrnToWebUri('urn:epcglobal:cbv:er:incorrect_data'), 'https://ref.gs1.org/cbv/ER-incorrect_data');
  t.equal(cbvUrnToWebUri('urn:example:bizstep:inspecting'), 'urn:example:bizstep:inspecting', 'other URNs unchanged');
  t.equal(cbvTermUri('bizStep', 'receiving'), 'https://ref.gs1.org/cbv/BizStep-receiving');
  t.equal(cbvTermUri('disposition', 'in_progress'), 'https://ref.gs1.org/cbv/Disp-in_progress');
  t.equal(cbvTermUri('bizTransactionType', 'po'), 'https://ref.gs1.org/cbv/BTT-po');
  t.equal(cbvTermUri('measurementType', 'Temperature'), 'https://gs1.org/voc/Temperature');
  t.equal(cbvTermUri('bizStep', 'in_progress'), undefined, 'a disposition is no business step');
  t.equal(cbvTermUri('bizStep', 'teleporting'), undefined, 'not a CBV term');
});
