// Proves the capture mapping of cases and pallets (issue 15 Must 3): an AggregationEvent ADD / DELETE with an SSCC or
// GRAI parent becomes goods:Pack / goods:Unpack (items and cases among childEPCs told apart, tag URIs read as their
// URN), an OBSERVE aggregation stays an observation, a shipping / receiving ObjectEvent naming only containers becomes
// goods:ShipContainer / goods:ReceiveContainer with the containers as the transaction's list; the chain's request rules
// accept what the mapping builds.
// How: pure calls (no database, no peer).
import t from 'tap';
import { chunkSteps } from '../../gateway/src/capture/chunking';
import { isRefusal, mapEvent, type StepRequest } from '../../gateway/src/capture/event-mapping';
import { ledgerRuleRefusal } from '../../gateway/src/capture/ledger-rules';
import { mapCapturedEvent } from '../../gateway/src/capture/observation-mapping';
import { product } from '../../testkit/src/trace';

const GOODS = product(77);
const NO_BOOK = new Map<string, ReadonlySet<number>>();
const CLOCK = { ms: Date.now(), iso: new Date().toISOString() };
const PALLET = 'urn:epc:id:sscc:6901234.0000000001';
const CASE = 'urn:epc:id:sscc:6901234.0000000002';
const CRATE = 'urn:epc:id:grai:6901234.00001.C7';
const BASE = { eventTime: '2026-01-05T10:00:00+08:00', eventTimeZoneOffset: '+08:00' };
const party = '91460000MA5TDF000D';

function step(event: Record<string, unknown>): StepRequest {
  const s = mapEvent(event, NO_BOOK);
  if (isRefusal(s)) throw new Error(`${s.code}: ${s.message}`);
  return s;
}

t.test('AggregationEvent ADD / DELETE with a case or pallet parent packs and unpacks', async (t) => {
  const pack = step({
    type: 'AggregationEvent',
    action: 'ADD',
    bizStep: 'packing',
    parentID: PALLET,
    childEPCs: [CASE, 'urn:epc:tag:sscc-96:1.6901234.0000000003', GOODS.sgtin(1)],
    ...BASE,
  });
  t.equal(pack.fn, 'goods:Pack');
  t.same(pack.header.parent, PALLET);
  t.same(
    pack.items,
    [CASE, 'urn:epc:id:sscc:6901234.0000000003', GOODS.sgtin(1)],
    'cases (tag URIs as their URN), then items',
  );
  t.equal(pack.divisible, false, 'an event packing cases is one transaction');
  t.equal(ledgerRuleRefusal(pack, 'urn:uuid:x', CLOCK), undefined, 'the chain accepts the request');

  const unpack = step({
    type: 'AggregationEvent',
    action: 'DELETE',
    bizStep: 'unpacking',
    parentID: CRATE,
    childEPCs: [GOODS.sgtin(2)],
    ...BASE,
  });
  t.same([unpack.fn, unpack.header.parent, unpack.items], ['goods:Unpack', CRATE, [GOODS.sgtin(2)]], 'a GRAI parent');
  t.equal(ledgerRuleRefusal(unpack, 'urn:uuid:y', CLOCK), undefined);

  const observed = mapCapturedEvent(
    {
      type: 'AggregationEvent',
      action: 'OBSERVE',
      bizStep: 'receiving',
      parentID: PALLET,
      childEPCs: [GOODS.sgtin(3)],
      ...BASE,
    },
    NO_BOOK,
    'urn:uuid:z',
    () => 'ni:///sha-256;abc?ver=CBV2.0',
  );
  t.equal((observed as StepRequest).fn, 'goods:Observe', 'an OBSERVE aggregation stays an observation');
  const quantities = mapCapturedEvent(
    {
      type: 'AggregationEvent',
      action: 'ADD',
      bizStep: 'packing',
      parentID: PALLET,
      childQuantityList: [{ epcClass: 'urn:epc:class:lgtin:4012345.011111.4444', quantity: 10 }],
      ...BASE,
    },
    NO_BOOK,
    'urn:uuid:q',
    () => 'ni:///sha-256;abd?ver=CBV2.0',
  );
  t.equal((quantities as StepRequest).fn, 'goods:Observe', 'a quantity-only aggregation stays an observation');
});

t.test('shipping and receiving of containers only move the containers', async (t) => {
  const ship = step({
    type: 'ObjectEvent',
    action: 'OBSERVE',
    bizStep: 'shipping',
    epcList: [PALLET],
    bizTransactionList: [{ type: 'desadv', bizTransaction: 'urn:hn:shipment:SH-1' }],
    destinationList: [
      { type: 'owning_party', destination: `https://ns.hainan-traceability.dev/epcis/party/${party}` },
      { type: 'location', destination: 'urn:epc:id:sgln:6901234.00002.0' },
    ],
    ...BASE,
  });
  t.same([ship.fn, ship.items, ship.header.shipmentId], ['goods:ShipContainer', [PALLET], 'SH-1']);
  t.equal(ledgerRuleRefusal(ship, 'urn:uuid:s', CLOCK), undefined);
  const [chunk] = chunkSteps([{ seq: 0, eventId: 'urn:uuid:s', step: ship }]);
  t.same(chunk!.request.containers, [PALLET], 'the transaction lists the containers');
  const receive = step({
    type: 'ObjectEvent',
    action: 'OBSERVE',
    bizStep: 'receiving',
    epcList: [PALLET],
    bizTransactionList: [{ type: 'desadv', bizTransaction: 'urn:hn:shipment:SH-1' }],
    bizLocation: { id: 'urn:epc:id:sgln:6901234.00002.0' },
    ...BASE,
  });
  t.same([receive.fn, receive.items], ['goods:ReceiveContainer', [PALLET]]);
  t.equal(ledgerRuleRefusal(receive, 'urn:uuid:r', CLOCK), undefined);
});
