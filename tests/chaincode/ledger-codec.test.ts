// Proves the ledger codec writes one byte sequence per value (sorted keys, integers only) and reads it back unchanged.
// How: encodes literal values in different key orders and compares bytes, feeds it every refused kind of value, and round-trips records.
import t from 'tap';
import { AssertionError } from 'node:assert';
import { MAX_DEPTH, decode, encode, encodeToString } from '../../chaincode/src/ledger-codec';

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

t.test('objects built in a different key order encode to identical bytes', async (t) => {
  const a = {
    sgtin: 'urn:epc:id:sgtin:0614141.812345.6789',
    amountFen: 12_345,
    meta: { z: [3, 1, 2], a: null, m: { y: true, b: 'x' } },
  };
  const b = {
    meta: { m: { b: 'x', y: true }, a: null, z: [3, 1, 2] },
    amountFen: 12_345,
    sgtin: 'urn:epc:id:sgtin:0614141.812345.6789',
  };
  t.same(encode(a), encode(b));
  t.equal(
    text(encode(a)),
    '{"amountFen":12345,"meta":{"a":null,"m":{"b":"x","y":true},"z":[3,1,2]},"sgtin":"urn:epc:id:sgtin:0614141.812345.6789"}',
    'keys sorted at every level, array order kept, no whitespace',
  );
});

t.test('an absent optional field encodes like a missing one', async (t) => {
  t.equal(encodeToString({ a: 1, note: undefined }), encodeToString({ a: 1 }));
});

t.test('strings are escaped the JSON way, including U+0000 of composite keys', async (t) => {
  t.equal(
    encodeToString({ k: '\u0000item\u0000x\u0000', s: '离岛免税 "q"' }),
    '{"k":"\\u0000item\\u0000x\\u0000","s":"离岛免税 \\"q\\""}',
  );
});

t.test('integers up to the safe limit are kept exactly; -0 is written as 0', async (t) => {
  t.equal(
    encodeToString([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, -0, 0]),
    '[9007199254740991,-9007199254740991,0,0]',
  );
});

t.test('floats, NaN, Infinity and unsafe integers are refused with an assertion naming the path', async (t) => {
  const refused: Array<[string, unknown, RegExp]> = [
    ['float', { priceFen: 12.5 }, /\$\.priceFen: 12\.5 is not a safe integer/],
    ['NaN', { n: Number.NaN }, /\$\.n: NaN/],
    ['Infinity', [1, Number.POSITIVE_INFINITY], /\$\[1\]: Infinity/],
    ['-Infinity', Number.NEGATIVE_INFINITY, /\$: -Infinity/],
    ['unsafe integer', { big: 2 ** 53 }, /\$\.big: 9007199254740992 is not a safe integer/],
    ['float deep inside', { a: [{ b: { c: 0.1 } }] }, /\$\.a\[0\]\.b\.c: 0\.1/],
  ];
  for (const [name, value, message] of refused) {
    t.throws(() => encode(value), AssertionError, `${name} throws AssertionError`);
    t.throws(() => encode(value), { message }, `${name} message names the path`);
  }
});

t.test('values with no single JSON form are refused', async (t) => {
  const refused: Array<[string, unknown]> = [
    ['bigint', { n: 10n }],
    ['Date', { at: new Date(0) }],
    ['Buffer', { b: Buffer.from('x') }],
    ['Map', new Map()],
    ['undefined in an array', [1, undefined]],
    ['top-level undefined', undefined],
    ['function', { f: () => 1 }],
    ['symbol', { s: Symbol('s') }],
  ];
  for (const [name, value] of refused) {
    t.throws(() => encode(value), AssertionError, name);
  }
});

t.test('nesting deeper than MAX_DEPTH is refused, so a cycle cannot loop forever', async (t) => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  t.throws(() => encode(cyclic), { message: /nesting deeper than 64/ });
  let deep: unknown = 1;
  for (let i = 0; i < MAX_DEPTH; i++) {
    deep = [deep];
  }
  t.doesNotThrow(() => encode(deep), 'exactly MAX_DEPTH levels is fine');
  t.throws(() => encode([deep]), AssertionError, 'one more level is refused');
});

t.test('decode(encode(x)) gives x back', async (t) => {
  const record = {
    sgtin: 'urn:epc:id:sgtin:0614141.812345.6789',
    gtin: '80614141123458',
    priceFen: 1_999_900,
    deltaFen: -250,
    held: false,
    note: null,
    tags: ['cosmetics', '化妆品'],
    empty: { list: [], obj: {} },
  };
  t.same(decode(encode(record)), record);
  t.same(decode<number[]>(encode([1, 2, 3])), [1, 2, 3]);
  t.equal(decode<string>(encode('plain')), 'plain');
  t.equal(decode<null>(encode(null)), null);
});

t.test('decode refuses empty bytes, malformed UTF-8 and non-JSON', async (t) => {
  t.throws(
    () => decode(new Uint8Array()),
    { message: /cannot decode empty bytes/ },
    'getState of a missing key is not a value',
  );
  t.throws(() => decode(Uint8Array.of(0x7b, 0xff, 0x7d)), { message: /not valid UTF-8/ });
  t.throws(() => decode(Buffer.from('{"a":')), { message: /not JSON/ });
});
