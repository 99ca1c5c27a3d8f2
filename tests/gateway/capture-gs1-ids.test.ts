// Proves that an EPCIS item may be named in every GS1 form and still lands on the one item the chain keys by its SGTIN
// URN: a Digital Link (any host, short names, GTIN-13, serials with characters the two forms encode differently) is
// converted with the company-prefix length on record for its GTIN (never guessed); a tag URI loses its filter; an
// unregistered GTIN is UNKNOWN_GTIN; SSCC / GRAI / GIAI / SGLN and product classes are recognised and refused with
// EPC_SCHEME_UNSUPPORTED, not INVALID_EPC.
// How: the pure ledger-model conversion and the capture mapping with a literal company-prefix book.
import t from 'tap';
import { gs1DigitalLinkOf, gs1KeyOf, sgtinUrnOfGtin } from '@hainan/ledger-model';
import { canonicalEventId } from '../../gateway/src/capture/event-hash';
import { companyPrefixBook, type CompanyPrefixBook } from '../../gateway/src/capture/company-prefixes';
import { isRefusal, locationOf, mapEvent, type StepRequest } from '../../gateway/src/capture/event-mapping';
import { parseItemId } from '../../gateway/src/domain/item-id';

t.test(
  'GTIN-14 + serial + company-prefix length to the SGTIN URN (TDS §7.1), serial escaped for the URN',
  async (t) => {
    // GS1 TDS examples: GTIN 80614141123458, company prefix 0614141 (7 digits), serial 6789.
    t.equal(sgtinUrnOfGtin('80614141123458', '6789', 7), 'urn:epc:id:sgtin:0614141.812345.6789');
    t.equal(
      sgtinUrnOfGtin('09520123456788', '12345', 7),
      'urn:epc:id:sgtin:9520123.045678.12345',
      'GS1 Digital Link standard example',
    );
    t.equal(
      sgtinUrnOfGtin('09520123456788', '12345', 12),
      'urn:epc:id:sgtin:952012345678.0.12345',
      'a 12-digit prefix leaves the indicator alone',
    );
    t.equal(
      sgtinUrnOfGtin('80614141123458', '32a/b', 7),
      'urn:epc:id:sgtin:0614141.812345.32a%2Fb',
      'TDS Annex A escape',
    );
    t.equal(
      sgtinUrnOfGtin('80614141123458', 'A"%&/<>?1', 7),
      'urn:epc:id:sgtin:0614141.812345.A%22%25%26%2F%3C%3E%3F1',
      'all seven URN escapes',
    );
    t.equal(
      sgtinUrnOfGtin('80614141123458', "!()*+,:;='-._", 7),
      "urn:epc:id:sgtin:0614141.812345.!()*+,:;='-._",
      'what Digital Link encodes, the URN leaves raw',
    );
    t.equal(sgtinUrnOfGtin('80614141123459', '1', 7), undefined, 'bad check digit');
    t.equal(sgtinUrnOfGtin('80614141123458', '1', 5), undefined, 'prefix shorter than 6');
    t.equal(sgtinUrnOfGtin('80614141123458', '1', 13), undefined, 'prefix longer than 12');
    t.equal(sgtinUrnOfGtin('80614141123458', 'x'.repeat(61), 7), undefined, 'longer than the ledger grammar');
    // Round trip with the canonical Digital Link of the hash module, for serials that need escapes in one form or the other.
    for (const serial of ['6789', 'A/B', 'a!b(c)*+,:d', 'x%y?z', 'A"B&C<D>E']) {
      const urn = sgtinUrnOfGtin('80614141123458', serial, 7)!;
      const link = gs1DigitalLinkOf(urn)!;
      const ref = parseItemId(link);
      t.same(ref, { kind: 'gtinSerial', gtin: '80614141123458', serial }, `${link} reads back the raw serial`);
      t.equal(sgtinUrnOfGtin('80614141123458', serial, 7), urn, `${serial}: Digital Link and URN name one item`);
    }
  },
);

t.test(
  'item ids: tag URIs are their pure identity; Digital Links by GS1 reading, short names and GTIN-13 included',
  async (t) => {
    t.same(parseItemId('urn:epc:tag:sgtin-96:3.0614141.812345.6789'), {
      kind: 'sgtin',
      sgtin: 'urn:epc:id:sgtin:0614141.812345.6789',
    });
    t.same(parseItemId('urn:epc:tag:sgtin-198:1.0614141.812345.32a%2Fb'), {
      kind: 'sgtin',
      sgtin: 'urn:epc:id:sgtin:0614141.812345.32a%2Fb',
    });
    t.equal(parseItemId('urn:epc:tag:sgtin-96:3.0614141.81234.6789'), undefined, 'a tag URI with a bad split');
    t.same(parseItemId('https://id.gs1.org/01/09520123456788/21/12345'), {
      kind: 'gtinSerial',
      gtin: '09520123456788',
      serial: '12345',
    });
    t.same(
      parseItemId('https://brand.example/gtin/9520123456788/ser/12345'),
      { kind: 'gtinSerial', gtin: '09520123456788', serial: '12345' },
      'short names, GTIN-13',
    );
    t.same(
      parseItemId('https://id.gs1.org/01/09520123456788/10/L1/21/A%2FB%21'),
      { kind: 'gtinSerial', gtin: '09520123456788', serial: 'A/B!' },
      'lot ignored, percent-decoded',
    );
    t.equal(parseItemId('https://id.gs1.org/01/09520123456788'), undefined, 'a product is not an item');
    t.equal(parseItemId('https://id.gs1.org/01/09520123456789/21/1'), undefined, 'bad check digit');
  },
);

t.test('GS1 keys recognised in every form', async (t) => {
  const cases: [string, string][] = [
    ['urn:epc:id:sscc:0614141.1234567890', 'sscc'],
    ['urn:epc:tag:sscc-96:0.0614141.1234567890', 'sscc'],
    ['https://id.gs1.org/00/106141412345678908', 'sscc'],
    ['urn:epc:id:sgln:0614141.12345.400', 'sgln'],
    ['urn:epc:id:grai:0614141.12345.400', 'grai'],
    ['urn:epc:id:giai:0614141.12345400', 'giai'],
    ['https://example.com/8004/061414112345400', 'giai'],
    ['urn:epc:class:lgtin:0614141.012345.998877', 'lgtin'],
    ['urn:epc:idpat:sgtin:0614141.812345.*', 'gtin'],
    ['urn:epc:tag:sgtin-96:3.0614141.812345.6789', 'sgtin'],
  ];
  for (const [uri, scheme] of cases) t.equal(gs1KeyOf(uri)?.scheme, scheme, uri);
  t.equal(gs1KeyOf('urn:epc:id:sgtin:123'), undefined);
  t.equal(gs1KeyOf('not a uri'), undefined);
});

const GTIN = '06901234001013';
const URN = (serial: string) => `urn:epc:id:sgtin:6901234.000101.${serial}`;
const LINK = (serial: string) => `https://id.gs1.org/01/${GTIN}/21/${encodeURIComponent(serial)}`;
const BOOK: CompanyPrefixBook = new Map([[GTIN, new Set([7])]]);
const ENTRY = {
  type: 'ObjectEvent',
  action: 'ADD',
  bizStep: 'entering_exiting',
  eventTime: '2026-01-01T00:00:00Z',
  eventTimeZoneOffset: '+08:00',
  epcList: [URN('1'), URN('2')],
  bizLocation: { id: 'urn:epc:id:sgln:6901234.00001.0' },
  bizTransactionList: [
    { type: 'https://ns.hainan-traceability.dev/epcis/btt/import_declaration', bizTransaction: 'urn:hn:decl:D-7' },
  ],
  'hn:regime': 'ZERO_TARIFF',
  'hn:hsCode': '330300',
  'hn:category': 'COSMETICS',
  'hn:unitValueFen': 10000,
};
const RECEIVE = {
  type: 'ObjectEvent',
  action: 'OBSERVE',
  bizStep: 'receiving',
  eventTime: '2026-01-01T00:00:00Z',
  eventTimeZoneOffset: '+08:00',
  epcList: [URN('1')],
  bizLocation: { id: 'urn:epc:id:sgln:6901234.00002.0' },
  bizTransactionList: [{ type: 'desadv', bizTransaction: 'urn:hn:shipment:S-1' }],
};

t.test('capture mapping: Digital Links and tag URIs land on the items of the URN form', async (t) => {
  const serials = ['1', 'A/B', 'x!y(z)', 'p?q&r'];
  const byUrn = mapEvent(
    { ...RECEIVE, epcList: serials.map((s) => URN(s.replace('/', '%2F').replace('?', '%3F').replace('&', '%26'))) },
    BOOK,
  ) as StepRequest;
  const byLink = mapEvent({ ...RECEIVE, epcList: serials.map(LINK) }, BOOK) as StepRequest;
  const byTag = mapEvent(
    { ...RECEIVE, epcList: byUrn.sgtins.map((u) => u.replace('urn:epc:id:sgtin:', 'urn:epc:tag:sgtin-198:1.')) },
    BOOK,
  ) as StepRequest;
  t.same(byLink.items, byUrn.items, 'Digital Link');
  t.same(byTag.items, byUrn.items, 'tag URI');
  t.same(byLink.gtins, [GTIN]);
  t.same(byLink.header, byUrn.header);
  // (A tag URI keeps its own hash: the reference implementation does not turn tag URIs into keys, and ids must match it.)
  t.equal(
    canonicalEventId({ ...RECEIVE, epcList: [URN('A%2FB'), URN('3')] }),
    canonicalEventId({ ...RECEIVE, epcList: [LINK('A/B'), LINK('3')] }),
    'one event hash id for URN and Digital Link: the same event re-posted in the other form is a duplicate',
  );
  const entry = mapEvent(
    { ...ENTRY, epcList: [URN('1'), LINK('2'), 'urn:epc:tag:sgtin-96:1.6901234.000101.3'] },
    BOOK,
  ) as StepRequest;
  t.same(entry.items, [URN('1'), URN('2'), URN('3')], 'an entry of a GTIN on record');
  t.match(entry.header, { product: { gtin: GTIN } });
});

t.test('capture mapping refusals: unregistered GTIN, ambiguous split, keys that are no trade item', async (t) => {
  const unknown = mapEvent({ ...RECEIVE, epcList: [LINK('1')] }, new Map());
  t.ok(isRefusal(unknown));
  t.match(unknown, { code: 'UNKNOWN_GTIN', message: new RegExp(`epcList\\[0\\].*${GTIN}.*company prefix`) });
  t.match(mapEvent({ ...RECEIVE, epcList: [LINK('1')] }), { code: 'UNKNOWN_GTIN' }, 'no book: no guess');
  t.match(mapEvent({ ...RECEIVE, epcList: [LINK('1')] }, new Map([[GTIN, new Set([7, 8])]])), {
    code: 'GTIN_PREFIX_AMBIGUOUS',
    message: /7 and 8 digits/,
  });
  for (const [epc, what] of [
    ['urn:epc:id:sscc:0614141.1234567890', /SSCC/],
    ['https://id.gs1.org/00/106141412345678908', /SSCC/],
    ['urn:epc:id:grai:0614141.12345.400', /GRAI/],
    ['urn:epc:id:giai:0614141.12345400', /GIAI/],
    ['urn:epc:id:sgln:0614141.12345.400', /SGLN/],
    ['urn:epc:tag:sscc-96:0.0614141.1234567890', /SSCC/],
    [`https://id.gs1.org/01/${GTIN}`, /without a serial/],
  ] as const) {
    t.match(
      mapEvent({ ...RECEIVE, epcList: [URN('1'), epc] }, BOOK),
      { code: 'EPC_SCHEME_UNSUPPORTED', message: what },
      epc,
    );
  }
  t.match(mapEvent({ ...RECEIVE, epcList: ['urn:epc:id:sgtin:123'] }, BOOK), { code: 'INVALID_EPC' }, 'not GS1 at all');
  const quantities = (epcClass: string) =>
    mapEvent({ ...RECEIVE, epcList: [], quantityList: [{ epcClass, quantity: 5 }] }, BOOK);
  t.match(quantities('urn:epc:class:lgtin:6901234.000101.L1'), {
    code: 'EPC_SCHEME_UNSUPPORTED',
    message: /quantityList\[0\]\.epcClass.*class of items.*\/10\/L1/,
  });
  t.match(
    quantities(`https://id.gs1.org/01/${GTIN}/10/L1`),
    { code: 'EPC_SCHEME_UNSUPPORTED' },
    'a class as Digital Link',
  );
  t.match(
    quantities('urn:epc:idpat:sgtin:6901234.000101.*'),
    { code: 'EPC_SCHEME_UNSUPPORTED' },
    'a class as id pattern',
  );
  t.match(quantities('lot-1'), { code: 'INVALID_EPC' });
  t.match(mapEvent({ ...RECEIVE, epcList: [] }, BOOK), { code: 'EPCIS_EVENT_INCOMPLETE' }, 'no items, no quantities');
  const association = {
    type: 'AssociationEvent',
    action: 'ADD',
    eventTime: '2026-01-01T00:00:00Z',
    eventTimeZoneOffset: '+08:00',
    childEPCs: [LINK('1')],
  };
  t.same(
    (
      mapEvent(
        { ...association, parentID: 'https://ns.hainan-traceability.dev/epcis/tcode/4600000000000017' },
        BOOK,
      ) as StepRequest
    ).items,
    [{ sgtin: URN('1'), code: '4600000000000017' }],
    'a child named by Digital Link',
  );
  t.match(mapEvent({ ...association, parentID: 'urn:epc:id:grai:0614141.12345.400' }, BOOK), {
    code: 'EPC_SCHEME_UNSUPPORTED',
    message: /parentID.*GRAI/,
  });
});

t.test('locations: SGLN tag URIs and Digital Links of a GLN become the GLN', async (t) => {
  t.equal(locationOf('urn:epc:id:sgln:0614141.12345.0'), '0614141123452');
  t.equal(locationOf('urn:epc:tag:sgln-96:3.0614141.12345.0'), '0614141123452');
  t.equal(locationOf('https://id.gs1.org/414/0614141123452'), '0614141123452');
  t.equal(locationOf('urn:epc:tag:sgln-96:3.0614141.12345.400'), 'urn:epc:id:sgln:0614141.12345.400');
  t.equal(
    locationOf('https://id.gs1.org/414/0614141123452/254/400'),
    'https://id.gs1.org/414/0614141123452/254/400',
    'no split: left to the chain rule',
  );
});

t.test("the company-prefix book: the document's own URNs, the registry only for Digital Links", async (t) => {
  const asked: string[][] = [];
  const registry = {
    companyPrefixDigits: async (gtins: readonly string[]) => {
      asked.push([...gtins]);
      return new Map([['09520123456788', new Set([7])]]);
    },
  };
  const none = await companyPrefixBook(registry, [{ epcList: [URN('1')] }]);
  t.same(asked, [], 'no Digital Link: no lookup');
  t.equal(none.size, 0, 'and nothing to convert');
  const book = await companyPrefixBook(registry, [
    { epcList: [URN('1'), LINK('2')] },
    { childEPCs: ['https://id.gs1.org/01/09520123456788/21/9'] },
  ]);
  t.same(asked, [[GTIN, '09520123456788']]);
  t.same([...book.get(GTIN)!], [7], 'from the document');
  t.same([...book.get('09520123456788')!], [7], 'from the registry');
});
