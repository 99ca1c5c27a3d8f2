// Proves there is one SGTIN / item-id grammar: every consumer (the step routes' TypeBox schemas compiled by Fastify, the
// items route's id parser, the chaincode's parseSgtin, the gateway's GS1 helpers, the scanner agent's URN decoder and
// the gateway's stocktake read decoder) accepts exactly what @hainan/ledger-model accepts, on shared vectors that
// include a 30-character serial (wider than GS1's 20, accepted by the chain since the start, so accepted everywhere).
// How: each consumer is imported and run on every vector; its verdict is compared with the model's.
import t from 'tap';
import Fastify from 'fastify';
import { Type, type TSchema } from '@fastify/type-provider-typebox';
import {
  ITEM_ID,
  isValidLocation,
  LOCATION_SOURCE,
  SGTIN_URN,
  parseSgtin as modelParseSgtin,
} from '@hainan/ledger-model';
import { sgtinParts } from '../../gateway/src/domain/gs1';
import { parseItemId } from '../../gateway/src/domain/item-id';
import { Location as AccountsLocation } from '../../gateway/src/routes/accounts/schema';
import { ItemId, Location, Sgtin } from '../../gateway/src/routes/steps/schema';
import { Location as StocktakeLocation } from '../../gateway/src/routes/stocktakes/schema';
import { isValidLocation as agentIsValidLocation } from '../../scanner-agent/src/config';
import { newReadDecoder } from '../../gateway/src/stocktake/read-decoder';
import { parseSgtinUrn } from '../../packages/epc-decoders/src/gs1';
import { keyOfUpload } from '../../packages/epc-decoders/src/upload-key';

const SERIAL_30 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123';
const SGTIN_VECTORS = [
  'urn:epc:id:sgtin:0614141.812345.6789',
  'urn:epc:id:sgtin:6901234.000101.L1',
  `urn:epc:id:sgtin:6901234.000101.${SERIAL_30}`,
  `urn:epc:id:sgtin:6901234.000101.${'x'.repeat(20)}`,
  `urn:epc:id:sgtin:6901234.000101.${'x'.repeat(60)}`,
  `urn:epc:id:sgtin:6901234.000101.${'x'.repeat(61)}`,
  'urn:epc:id:sgtin:6901234.000101.a%2Fb',
  'urn:epc:id:sgtin:6901234.000101.a/b',
  'urn:epc:id:sgtin:6901234.000101.a.b',
  'urn:epc:id:sgtin:6901234.000101.a~b',
  'urn:epc:id:sgtin:123456.1234567.1',
  'urn:epc:id:sgtin:123456789012.1.1',
  'urn:epc:id:sgtin:0614141.81234.6789',
  'urn:epc:id:sgtin:0614141.8123456.6789',
  'urn:epc:id:sgtin:12345.12345678.1',
  'urn:epc:id:sgtin:0614141.812345.',
  'urn:epc:id:sgtin:0614141.812345.a b',
  'urn:epc:id:sgtin:0614141.812345.é',
  'urn:epc:id:sgtin:0614141.812345',
  'urn:epc:id:SGTIN:0614141.812345.1',
  ' urn:epc:id:sgtin:0614141.812345.1',
  'urn:epc:id:sgtin:0614141.812345.1\n',
  'urn:epc:id:sgln:0614141.12345.0',
  '',
];
const LOCATION_VECTORS = [
  '6901234000013',
  '6901234000012',
  '690123400001',
  'urn:epc:id:sgln:0614141.12345.0',
  'urn:epc:id:sgln:061414112345..x',
  `urn:epc:id:sgln:0614141.12345.${'e'.repeat(30)}`,
  `urn:epc:id:sgln:0614141.12345.${'e'.repeat(60)}`,
  `urn:epc:id:sgln:0614141.12345.${'e'.repeat(61)}`,
  'urn:epc:id:sgln:0614141.1234.0',
  'urn:epc:id:sgln:0614141.12345.',
  'urn:epc:id:sgtin:0614141.812345.1',
];
const TRACE_CODE_VECTORS = ['4600000000000017', '460000000000001', '46000000000000170', '460000000000001a'];

t.test(
  'the model: the chain has always accepted up to 60 printable ASCII characters of serial, so the grammar does',
  async (t) => {
    t.ok(SGTIN_URN.test(`urn:epc:id:sgtin:6901234.000101.${SERIAL_30}`), '30-character serial');
    t.ok(SGTIN_URN.test(`urn:epc:id:sgtin:6901234.000101.${'x'.repeat(60)}`), '60 characters');
    t.notOk(SGTIN_URN.test(`urn:epc:id:sgtin:6901234.000101.${'x'.repeat(61)}`), '61 characters');
    t.notOk(SGTIN_URN.test('urn:epc:id:sgtin:0614141.81234.6789'), 'prefix and item reference make 13 digits');
  },
);

t.test(
  "step-route schemas (compiled by Fastify's ajv, as the routes are) accept exactly what the model accepts",
  async (t) => {
    const app = Fastify();
    const route = (url: string, schema: TSchema) =>
      app.post(url, { schema: { body: Type.Object({ v: schema }) } }, async () => ({ ok: true }));
    route('/sgtin', Sgtin);
    route('/item-id', ItemId);
    route('/location', Location);
    route('/stocktake-location', StocktakeLocation);
    route('/accounts-location', AccountsLocation);
    t.teardown(() => app.close());
    const accepts = async (url: string, v: string) =>
      (await app.inject({ method: 'POST', url, payload: { v } })).statusCode === 200;
    for (const v of SGTIN_VECTORS) {
      t.equal(await accepts('/sgtin', v), SGTIN_URN.test(v), `Sgtin ${JSON.stringify(v)}`);
      t.equal(await accepts('/item-id', v), ITEM_ID.test(v), `ItemId ${JSON.stringify(v)}`);
    }
    const location = new RegExp(`^${LOCATION_SOURCE}$`);
    for (const v of LOCATION_VECTORS) {
      for (const url of ['/location', '/stocktake-location', '/accounts-location']) {
        t.equal(await accepts(url, v), location.test(v), `${url} ${JSON.stringify(v)}`);
      }
      t.equal(agentIsValidLocation(v), isValidLocation(v), `agent location ${JSON.stringify(v)}`);
    }
    for (const v of TRACE_CODE_VECTORS) {
      t.equal(await accepts('/item-id', v), ITEM_ID.test(v), `ItemId ${v}`);
      t.notOk(await accepts('/sgtin', v), `Sgtin ${v}`);
    }
  },
);

t.test('the chaincode, the gateway and the scanner agent parse exactly what the model parses', async (t) => {
  for (const v of SGTIN_VECTORS) {
    const model = modelParseSgtin(v);
    const accepted = model !== undefined;
    t.equal(accepted, SGTIN_URN.test(v), `model parse and pattern agree on ${JSON.stringify(v)}`);
    t.equal(sgtinParts(v) !== undefined, accepted, `gateway sgtinParts ${JSON.stringify(v)}`);
    const ref = parseItemId(v);
    t.same(ref, accepted ? { kind: 'sgtin', sgtin: v } : undefined, `items route ${JSON.stringify(v)}`);
    t.equal(parseSgtinUrn(v) !== undefined, accepted, `agent URN decoder ${JSON.stringify(v)}`);
    t.equal(keyOfUpload(v) !== undefined, accepted, `agent upload key ${JSON.stringify(v)}`);
    const read = newReadDecoder().decode(v);
    if (v.startsWith('urn:epc:id:sgtin:')) {
      t.same(
        read,
        accepted ? { kind: 'sgtin', sgtin: v } : { kind: 'undecodable', reason: 'urn-invalid' },
        `stocktake read ${JSON.stringify(v)}`,
      );
    }
  }
  for (const v of TRACE_CODE_VECTORS) {
    t.equal(parseItemId(v) !== undefined, ITEM_ID.test(v), `items route ${v}`);
  }
});

t.test('an item the chain accepted with a 30-character serial can be named by every id form', async (t) => {
  const urn = `urn:epc:id:sgtin:6901234.000101.${SERIAL_30}`;
  t.same(parseItemId(urn), { kind: 'sgtin', sgtin: urn }, 'URN');
  t.same(
    parseItemId(`https://id.example.com/01/06901234001013/21/${SERIAL_30}`),
    { kind: 'gtinSerial', gtin: '06901234001013', serial: SERIAL_30 },
    'Digital Link',
  );
  t.same(sgtinParts(urn), { gtin: '06901234001013', serial: SERIAL_30 });
  const agent = parseSgtinUrn(urn);
  t.equal(agent?.gtin, '06901234001013');
  t.not(keyOfUpload(urn), keyOfUpload('https://id.gs1.org/01/06901234001013/21/ABC'), 'its own dedup key');
  t.equal(
    keyOfUpload('urn:epc:id:sgtin:6901234.000101.a%2Fb'),
    keyOfUpload('https://id.gs1.org/01/06901234001013/21/a%2Fb'),
    'a GS1 serial: tag and barcode share the key',
  );
  t.not(
    keyOfUpload('urn:epc:id:sgtin:6901234.000101.a/b'),
    keyOfUpload('urn:epc:id:sgtin:6901234.000101.a%2Fb'),
    'distinct URNs, distinct keys',
  );
});
