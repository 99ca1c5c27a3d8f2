// Proves there is one canonical JSON encoder: the chaincode's ledger codec and the gateway's projection both write
// @hainan/ledger-model's bytes, the projection's hashes of ledger payloads are the ones the gateway's former copy gave,
// the gateway now refuses what the chain refuses (floats, unsafe integers), and hostile nesting is refused with a code.
// How: literal payloads encoded by the three entry points and hashed against pinned SHA-256s (computed with the former
// gateway encoder); refused values and a 100,000-deep array.
import t from 'tap';
import { AssertionError } from 'node:assert';
import { encodeCanonicalJson, NestingTooDeepError } from '@hainan/ledger-model';
import { encodeToString } from '../../chaincode/src/ledger-codec';
import { ProblemError } from '../../gateway/src/errors';
import { canonicalJson, sha256Hex } from '../../gateway/src/projection/canonical-json';

const PAYLOADS: readonly [unknown, string][] = [
  [
    {
      v: 1,
      type: 'goods.Entered',
      txId: 'a1b2',
      items: [
        {
          sgtin: 'urn:epc:id:sgtin:6901234.000101.L1',
          state: 'IN_BOND',
          owner: 'ENT-1',
          valueFen: 129_900,
          traceCode: '4600000000000017',
        },
      ],
      movements: [{ account: 'bond:ENT-1', deltaFen: -129_900, at: '2026-03-01T10:00:00+08:00' }],
    },
    '0dcabb6b652c280556b7d0af649702b32364486befd933cedaa31758301b0ac4',
  ],
  [
    {
      v: 1,
      type: 'sale.Sold',
      sale: {
        saleId: 'S-1',
        personCode: 'ab'.repeat(32),
        lines: [
          {
            sgtin: 'urn:epc:id:sgtin:6901234.000101.ABCDEFGHIJKLMNOPQRSTUVWXYZ0123',
            priceFen: Number.MAX_SAFE_INTEGER,
          },
        ],
        quota: { usedFen: 0, leftFen: -0 },
      },
      note: '离岛免税 "q" \\ \u0000',
      ü: null,
      '': true,
      z: [[], {}, [[[]]]],
    },
    '43d6576ae2838b288432fbc3843ee8aad37406937d9552ca26cc5a3bdee996c6',
  ],
  [
    {
      eventID: 'ni:///sha-256;00?ver=CBV2.0',
      epcList: Array.from({ length: 50 }, (_, i) => `urn:epc:id:sgtin:6901234.000101.${i}`),
      bizStep: 'shipping',
      readPoint: { id: 'urn:epc:id:sgln:6901234.00001.0' },
      optional: undefined,
    },
    '9a7e794a3ef0360bead539d3a7ba784597a285b3c0117317f3c7268a4523042f',
  ],
];

t.test('chaincode codec, gateway projection and model write the same bytes, with the hashes of before', async (t) => {
  for (const [payload, sha] of PAYLOADS) {
    const text = encodeCanonicalJson(payload);
    t.equal(encodeToString(payload), text, 'chaincode');
    t.equal(canonicalJson(payload), text, 'gateway');
    t.equal(sha256Hex({ json: payload }), sha, 'projection hash unchanged');
    t.equal(sha256Hex(Buffer.from(text, 'utf8')), sha);
  }
});

t.test('the gateway refuses what the chain refuses', async (t) => {
  for (const value of [{ priceFen: 12.5 }, { big: 2 ** 53 }, [Number.NaN], { at: new Date(0) }, [1, undefined]]) {
    t.throws(() => canonicalJson(value), AssertionError);
    t.throws(() => encodeToString(value), AssertionError);
  }
  t.equal(
    canonicalJson([1.5, { a: 2 ** 53 }], { integersOnly: false }),
    '[1.5,{"a":9007199254740992}]',
    'keys of parsed JSON may hold any number',
  );
});

t.test('hostile nesting: a coded refusal, never a stack overflow', async (t) => {
  let deep: unknown = 'bottom';
  for (let i = 0; i < 100_000; i++) deep = [deep];
  const thrown = (f: () => unknown): unknown => {
    try {
      f();
    } catch (error) {
      return error;
    }
    return undefined;
  };
  t.ok(thrown(() => encodeCanonicalJson(deep)) instanceof NestingTooDeepError);
  t.throws(() => encodeToString(deep), AssertionError);
  let refusal: unknown;
  try {
    canonicalJson(deep);
  } catch (error) {
    refusal = error;
  }
  t.ok(refusal instanceof ProblemError && refusal.code === 'NESTING_TOO_DEEP');
});
