// Proves the pieces behind the live stocktake stream: a stream token opens one stream once, within its minute, for the key it was issued to, and cannot be forged; the live view sends only newer totals, derives reads per second over its window, and forgets a stocktake nobody watches.
// How: the pure modules (domain/stream-token.ts, stocktake/live.ts) with a fake clock.
import t from 'tap';
import { newStreamTokens } from '../../gateway/src/domain/stream-token';
import { RATE_WINDOW_MS, StocktakeLive, type LiveEvent } from '../../gateway/src/stocktake/live';

t.test('stream tokens: bound to a key, single use, short-lived, unforgeable, bounded', async (t) => {
  let now = 1_000_000;
  const tokens = newStreamTokens({ ttlMs: 60_000, outstandingMax: 3, now: () => now });
  const a = tokens.issue('key-a');
  t.equal(a.expiresAt.getTime(), now + 60_000);
  t.same(tokens.redeem(a.token), { ok: true, keyId: 'key-a' }, 'names its key');
  t.same(tokens.redeem(a.token), { ok: false, reason: 'already-used' }, 'once');

  const b = tokens.issue('key-b');
  const [prefix, , expiry, nonce, mac] = b.token.split('.');
  t.same(
    tokens.redeem([prefix, 'key-a', expiry, nonce, mac].join('.')),
    { ok: false, reason: 'bad-signature' },
    'another key id breaks the MAC',
  );
  t.same(
    tokens.redeem([prefix, 'key-b', String(Number(expiry) + 60_000), nonce, mac].join('.')),
    { ok: false, reason: 'bad-signature' },
    'so does a later expiry',
  );
  t.same(tokens.redeem('htk_an-api-key'), { ok: false, reason: 'malformed' }, 'an API key is not a token');
  t.same(tokens.redeem('x'.repeat(500)), { ok: false, reason: 'malformed' });
  const other = newStreamTokens({ now: () => now });
  t.same(other.redeem(b.token), { ok: false, reason: 'bad-signature' }, "another process's secret");

  now += 60_000;
  t.same(tokens.redeem(b.token), { ok: false, reason: 'expired' }, 'expired at its expiry');

  tokens.issue('k');
  tokens.issue('k');
  tokens.issue('k');
  t.throws(() => tokens.issue('k'), /outstanding/, 'bounded outstanding tokens');
  now += 60_000;
  t.doesNotThrow(() => tokens.issue('k'), 'expired ones make room');
  t.throws(() => tokens.issue('a.b'), /without '\.'/);
});

t.test('live view: newer totals only, reads per second, forgotten when unwatched', async (t) => {
  let now = 0;
  const live = new StocktakeLive(() => now);
  t.equal(
    live.publishTotals('s1', { uniqueItems: 1, reads: 1, undecodable: 0, batches: 1 }),
    undefined,
    'nobody watches: nothing kept',
  );
  t.equal(live.watched('s1'), false);

  const seen: LiveEvent[] = [];
  const stop = live.subscribe('s1', (e) => seen.push(e));
  live.publishTotals('s1', { uniqueItems: 0, reads: 0, undecodable: 0, batches: 0 }); // the totals when the stream opened
  now = 2_000;
  live.publishTotals('s1', { uniqueItems: 5, reads: 20, undecodable: 1, batches: 1 });
  now = 2_500;
  t.equal(
    live.publishTotals('s1', { uniqueItems: 4, reads: 10, undecodable: 0, batches: 0 }),
    undefined,
    'an older publication arriving late is not sent',
  );
  now = 4_000;
  live.publishTotals('s1', { uniqueItems: 9, reads: 40, undecodable: 1, batches: 2 });
  t.same(
    seen.map((e) => (e.kind === 'counts' ? [e.counts.uniqueItems, e.counts.readsPerSecond] : e.kind)),
    [
      [0, 0],
      [5, 10],
      [9, 10],
    ],
    '40 reads in 4 s',
  );

  now = 4_000 + RATE_WINDOW_MS + 1;
  t.equal(live.current('s1')?.readsPerSecond, 0, 'nothing in the last window: 0 reads/s');

  live.publishClosed('s1', { counts: { matched: 9 } });
  t.same(seen.at(-1), { kind: 'closed', report: { counts: { matched: 9 } } });
  stop();
  t.equal(live.watched('s1'), false, 'forgotten when the last watcher leaves');
});
