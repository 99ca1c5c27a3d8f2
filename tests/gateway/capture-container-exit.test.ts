// Proves the capture mapping of a second-line exit naming cases (issue 18 Must 3): an exit event whose epcList names
// SSCC / GRAI containers (alone, as tag URIs, or beside items) maps to one goods:Exit in which each container is a line
// with the event's value, accepted by the chain's own request decoder with the containers told apart from the items.
// How: the pure capture mapping and the ledger model's decoder on literal events.
import t from 'tap';
import { decodeExitRequest } from '@hainan/ledger-model';
import { isRefusal, mapEvent, type StepRequest } from '../../gateway/src/capture/event-mapping';

const SGTIN = 'urn:epc:id:sgtin:6901234.000101.1';
const SSCC = 'urn:epc:id:sscc:6901234.0000000001';
const GRAI = 'urn:epc:id:grai:6901234.00001.77';
const EXIT = {
  type: 'ObjectEvent',
  eventTime: '2025-12-10T10:00:00+08:00',
  eventTimeZoneOffset: '+08:00',
  action: 'OBSERVE',
  bizStep: 'departing',
  readPoint: { id: 'urn:hn:port:HAIKOU_XINHAIGANG' },
  bizTransactionList: [{ type: 'release_list', bizTransaction: 'urn:hn:release:R-C' }],
  'hn:exitValueFen': 50_000,
};
const clock = { iso: '2025-12-10T03:00:00.000Z', ms: Date.parse('2025-12-10T03:00:00.000Z') };

t.test('an exit event naming containers maps to goods:Exit with the containers as lines', async (t) => {
  const only = mapEvent({ ...EXIT, epcList: [SSCC, 'urn:epc:tag:sscc-96:0.6901234.0000000002'] }) as StepRequest;
  t.notOk(isRefusal(only));
  t.match(only, { fn: 'goods:Exit', header: { releaseListNo: 'R-C' }, divisible: false });
  t.same(only.items, [
    { id: SSCC, exitValueFen: 50_000 },
    { id: 'urn:epc:id:sscc:6901234.0000000002', exitValueFen: 50_000 },
  ]);
  const mixed = mapEvent({ ...EXIT, epcList: [SGTIN, GRAI] }) as StepRequest;
  t.same(mixed.sgtins, [SGTIN, GRAI], 'the case is ordered against later steps like an item');
  const req = decodeExitRequest({ ...mixed.header, items: mixed.items }, clock);
  t.same(req.lines, [{ id: SGTIN, exitValueFen: 50_000 }], 'the chain reads the item as an item');
  t.same(req.containers, [{ id: GRAI, exitValueFen: 50_000 }], 'and the case as a container');
  t.match(mapEvent({ ...EXIT, epcList: [] }), { code: 'EPCIS_EVENT_INCOMPLETE' }, 'an empty list is still refused');
});
