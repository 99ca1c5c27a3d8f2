// Pins the fabric-shim 2.5.8 range-read rules that decide how a loose-item entry may check existence (issue #16 Must 2).
// How: calls the shim's own ChaincodeStub methods on a stand-in `this` whose handler records the range it is asked for,
// so no peer is needed; a shim upgrade that changes either rule fails here first.
import { ChaincodeStub } from 'fabric-shim';
import t from 'tap';

type Range = { collection: string; start: string; end: string };

/** A stand-in stub: the shim's methods only need createCompositeKey, the handler and the ids. */
function fakeStub(): { stub: ChaincodeStub; ranges: Range[] } {
  const ranges: Range[] = [];
  const handler = {
    async handleGetStateByRange(collection: string, start: string, end: string) {
      ranges.push({ collection, start, end });
      return {
        iterator: {
          async next() {
            return { done: true };
          },
          async close() {},
        },
      };
    },
  };
  const stub = Object.create(ChaincodeStub.prototype) as ChaincodeStub;
  Object.assign(stub, { handler, channel_id: 'ch', txId: 'tx' });
  return { stub, ranges };
}

t.test(
  'getStateByRange refuses composite keys, so item keys (composite) cannot be range-read through it',
  async (t) => {
    const { stub, ranges } = fakeStub();
    const start = stub.createCompositeKey('item', ['urn:epc:id:sgtin:0614141.107346.1']);
    const end = stub.createCompositeKey('item', ['urn:epc:id:sgtin:0614141.107346.9']);
    await t.rejects(
      Promise.resolve().then(() => stub.getStateByRange(start, end)),
      /contains a null character which is not allowed/,
    );
    t.same(ranges, [], 'the refusal happens in the chaincode, before the peer is asked');
  },
);

t.test(
  'getStateByPartialCompositeKey is the only public composite range, and it is bounded by whole attributes',
  async (t) => {
    const { stub, ranges } = fakeStub();
    const it = stub.getStateByPartialCompositeKey('item', []);
    await (await it).close();
    // The item key has one attribute (the whole SGTIN), so the narrowest public range over items is every item.
    t.same(ranges, [{ collection: '', start: '\u0000item\u0000', end: '\u0000item\u0000\u{10FFFF}' }]);
  },
);
