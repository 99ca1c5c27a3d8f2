// Every list's nextPageToken goes through one codec (gateway/src/page-token.ts): each list's token comes back as the
// position it was made from, and anything else — another list's token, an old version, garbage, a forged field — is
// refused with INVALID_PAGE_TOKEN (a 400 problem), never misread as a position and never a 500.
import t, { type Test } from 'tap';
import { ProblemError } from '../../gateway/src/errors';
import { decodePageToken, encodePageToken } from '../../gateway/src/page-token';
import { decodeContentsToken, encodeContentsToken } from '../../gateway/src/routes/containers/page-token';
import { decodeRequestToken, encodeRequestToken } from '../../gateway/src/routes/requests/page-token';
import { decodeMovementToken, encodeMovementToken } from '../../gateway/src/routes/accounts/page-token';
import { decodeEventsToken, encodeEventsToken } from '../../gateway/src/routes/events/index';

/** Asserts that `fn` refuses with INVALID_PAGE_TOKEN (a ProblemError: the 400 problem a client sees). */
function refused(t: Test, fn: () => unknown, why: string): void {
  try {
    fn();
    t.fail(`${why}: accepted`);
  } catch (e) {
    t.ok(e instanceof ProblemError && e.code === 'INVALID_PAGE_TOKEN' && e.statusCode === 400, why);
  }
}

const sgtin = 'urn:epc:id:sgtin:6901234.012345.1001';
const request = { filedAt: new Date('2026-12-01T08:00:00.123Z'), requestId: 'REQ-7' };
const movement = {
  blockNumber: 12_345_678_901n,
  txSeq: 3,
  gtin: '06901234123457',
  regime: 'ZERO_TARIFF',
  location: 'L1',
};
const event = { blockNumber: 42n, txSeq: 1, eventSeq: 2 };

t.test('each list reads back the position its token was made from', async (t) => {
  t.equal(decodeContentsToken(encodeContentsToken(sgtin)), sgtin);
  t.same(decodeRequestToken(encodeRequestToken(request)), request);
  t.same(decodeMovementToken(encodeMovementToken(movement)), movement);
  t.same(decodeEventsToken(encodeEventsToken(event)), event);
});

t.test("a list refuses another list's token", async (t) => {
  refused(t, () => decodeContentsToken(encodeEventsToken(event)), 'an events token as container contents');
  refused(t, () => decodeEventsToken(encodeContentsToken(sgtin)), 'a contents token as events');
  refused(t, () => decodeMovementToken(encodeRequestToken(request)), 'a requests token as movements');
  refused(t, () => decodeRequestToken(encodeMovementToken(movement)), 'a movements token as requests');
});

t.test('old versions, garbage and forged fields are refused, not misread', async (t) => {
  refused(t, () => decodeContentsToken(encodePageToken(0, [sgtin])), 'an older version');
  refused(t, () => decodeContentsToken('%%%not-base64%%%'), 'not base64url');
  refused(t, () => decodeContentsToken(Buffer.from('{"a":1}').toString('base64url')), 'JSON but no array');
  refused(t, () => decodeContentsToken(encodePageToken(1, ['x'.repeat(201)])), 'an SGTIN longer than any');
  refused(t, () => decodeMovementToken(encodePageToken(1, ['1e3', 3, 'g', 'r', 'l'])), 'a block that is no integer');
  refused(t, () => decodeMovementToken(encodePageToken(1, ['1', 1.5, 'g', 'r', 'l'])), 'a fractional position');
  refused(t, () => decodeRequestToken(encodePageToken(1, ['yesterday', 'REQ-7'])), 'a filing time that is no time');
  refused(t, () => decodeEventsToken(encodePageToken(1, ['1', 2])), 'a field missing');
  // A reader that throws (a conversion it could not make) is a refusal too, never an error of the server.
  refused(
    t,
    () =>
      decodePageToken(encodePageToken(1, ['x']), 1, 1, () => {
        throw new RangeError('cannot convert');
      }),
    'a conversion that throws',
  );
});
