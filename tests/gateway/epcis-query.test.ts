// Proves the EPCIS query parser reads both forms a query arrives in (URL parameters, the JSON of a named query) into
// the same conditions, refuses unknown, unsupported, malformed and contradictory parameters, bounds lists; that page
// tokens are refused with another query; and that webhook destinations are refused when they could reach the
// gateway's own network.
// How: pure functions on literal inputs.
import t from 'tap';
import { EpcisQueryError, parseEpcisQuery } from '../../gateway/src/domain/epcis-query';
import { destinationProblem, isPrivateAddress } from '../../gateway/src/domain/webhook-destination';
import { decodeCursor, encodeCursor } from '../../gateway/src/services/epcis/cursor';

t.test('URL and JSON forms give the same conditions', async (t) => {
  const url = parseEpcisQuery({
    EQ_bizStep: 'shipping|https://ref.gs1.org/cbv/BizStep-receiving',
    MATCH_epc: 'urn:epc:idpat:sgtin:6901234.000301.*',
    EQ_bizTransaction_desadv: 'urn:hn:shipment:S-1',
    GE_eventTime: '2026-01-31T08:00:00+08:00',
  });
  const json = parseEpcisQuery({
    EQ_bizStep: ['shipping', 'urn:epcglobal:cbv:bizstep:receiving'],
    MATCH_epc: ['urn:epc:idpat:sgtin:6901234.000301.*'],
    EQ_bizTransaction_desadv: ['urn:hn:shipment:S-1'],
    GE_eventTime: '2026-01-31T00:00:00.000Z',
  });
  t.same(url, json);
  t.same(url.conditions, [
    { kind: 'equals', field: 'bizStep', values: ['shipping', 'receiving'] },
    { kind: 'match', field: 'epc', exact: [], prefixes: ['urn:epc:id:sgtin:6901234.000301.'] },
    { kind: 'typed', list: 'bizTransactionList', type: 'desadv', values: ['urn:hn:shipment:S-1'] },
    { kind: 'time', field: 'eventTime', op: 'GE', value: '2026-01-31T00:00:00.000Z' },
  ]);
  t.same(parseEpcisQuery({}).order, { by: 'chain', direction: 'ASC' });
  t.same(parseEpcisQuery({ orderBy: 'eventTime' }).order, { by: 'eventTime', direction: 'DESC' });
  t.same(parseEpcisQuery({ MATCH_anyEPC: 'urn:epc:idpat:sgtin:6901234.000301.7' }).conditions, [
    { kind: 'match', field: 'anyEPC', exact: ['urn:epc:id:sgtin:6901234.000301.7'], prefixes: [] },
  ]);
});

t.test('unknown, unsupported, malformed and contradictory parameters are refused', async (t) => {
  for (const [parameters, why] of [
    [{ EQ_colour: 'red' }, 'unknown'],
    [{ colour: 'red' }, 'unknown'],
    [{ EQ_quantity: '3' }, 'unsupported'],
    [{ MATCH_epcClass: 'urn:epc:class:lgtin:1.2.3' }, 'unsupported'],
    [{ EQ_action: 'JUMP' }, 'bad action'],
    [{ GE_eventTime: '2026-01-31' }, 'no time of day'],
    [{ orderBy: 'quantity' }, 'bad orderBy'],
    [{ orderDirection: 'UP' }, 'bad direction'],
    [{ eventCountLimit: '3' }, 'eventCountLimit without orderBy'],
    [{ orderBy: 'eventTime', eventCountLimit: '3', maxEventCount: '4' }, 'both counts'],
    [{ maxEventCount: '0' }, 'not positive'],
    [{ EQ_bizStep: '' }, 'empty list'],
    [{ EQ_bizStep: Array.from({ length: 101 }, (_, i) => `s${i}`).join('|') }, 'list too long'],
    [{ MATCH_epc: 'urn:epc:idpat:sgtin:*.000301.7' }, 'a wildcard before a value'],
    [Object.fromEntries(Array.from({ length: 41 }, (_, i) => [`EQ_bizTransaction_t${i}`, 'x'])), 'too many'],
  ] as const) {
    t.throws(() => parseEpcisQuery(parameters), EpcisQueryError, why);
  }
});

t.test('a page token belongs to its query', async (t) => {
  const query = parseEpcisQuery({ EQ_bizStep: 'shipping' });
  const token = encodeCursor(query, { after: { blockNumber: 7n, txSeq: 1, eventSeq: 0 }, remaining: 3 });
  t.same(decodeCursor(query, token), { after: { blockNumber: 7n, txSeq: 1, eventSeq: 0 }, remaining: 3 });
  t.throws(() => decodeCursor(parseEpcisQuery({ EQ_bizStep: 'receiving' }), token), { code: 'INVALID_PAGE_TOKEN' });
  t.throws(() => decodeCursor(query, 'garbage'), { code: 'INVALID_PAGE_TOKEN' });
  const byTime = parseEpcisQuery({ orderBy: 'eventTime' });
  const timed = encodeCursor(byTime, {
    after: { blockNumber: 1n, txSeq: 0, eventSeq: 0, eventTime: '2026-01-31 00:00:00.123456+00' },
  });
  t.equal(decodeCursor(byTime, timed).after.eventTime, '2026-01-31 00:00:00.123456+00');
});

t.test('webhook destinations that could reach the gateway network are refused', async (t) => {
  for (const address of [
    '127.0.0.1',
    '10.2.3.4',
    '172.20.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    'fd00::1',
    'fe80::1',
    '::ffff:10.0.0.1',
  ]) {
    t.ok(isPrivateAddress(address), address);
  }
  for (const address of ['8.8.8.8', '2001:4860:4860::8888', '::ffff:8.8.8.8'])
    t.notOk(isPrivateAddress(address), address);
  t.equal(destinationProblem('https://partner.example.com/hook', []), undefined);
  t.match(destinationProblem('http://169.254.169.254/latest', []), /private/);
  t.match(destinationProblem('http://[::1]:8080/', []), /private/);
  t.match(destinationProblem('http://localhost/', []), /loopback/);
  t.match(destinationProblem('file:///etc/passwd', []), /http/);
  t.match(destinationProblem('https://user:pw@partner.example.com/', []), /credentials/);
  t.equal(destinationProblem('http://127.0.0.1:9000/hook', ['127.0.0.1']), undefined, 'allowed by the operator');
});
