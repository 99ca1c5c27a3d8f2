// Proves the console shows one call, one response (issue 18 Must 5, 一呼一应): customs opens Requests and sees the open
// requests with their due times, the same request flagged overdue when judged past its due time, and an accepted
// inspection booking with its answer and slot; an enterprise sees its own requests under its own navigation.
// How: headless Debian Chromium (playwright-core) against the gateway app on a real port, with a dev peer process, the
// projection follower and a real PostgreSQL; the requests filed and answered by chaincode transactions (console-world).
import t from 'tap';
import { ENTERPRISES, gln } from '../../testkit/src/trace';
import { launchBrowser, newPage, signIn, startConsoleWorld, type ConsoleWorld } from './helpers/console-world';

const { importer } = ENTERPRISES;
const HOUR_MS = 3_600_000;
let world: ConsoleWorld;
let correctionDueAt: string;

t.before(async () => {
  world = await startConsoleWorld(t);
  const inADay = Date.now() + 24 * HOUR_MS;
  await world.submit(importer.identity, 'requests:FileRequest', {
    requestId: 'REQ-BOOK',
    kind: 'INSPECTION_BOOKING',
    place: gln(3),
    window: { from: new Date(inADay).toISOString(), to: new Date(inADay + 4 * HOUR_MS).toISOString() },
  });
  const filed = await world.chain.submit<{ request: { dueAt: string } }>(importer.identity, 'requests:FileRequest', {
    requestId: 'REQ-FIX',
    kind: 'RECORD_CORRECTION',
    ref: 'D-2026-0007',
    reason: 'wrong HS code declared',
  });
  world.expectEvents(1);
  correctionDueAt = filed.request.dueAt;
  await world.submit('customs-admin', 'requests:AnswerRequest', {
    requestId: 'REQ-BOOK',
    answer: 'ACCEPT',
    slot: { from: new Date(inADay + HOUR_MS).toISOString(), to: new Date(inADay + 2 * HOUR_MS).toISOString() },
  });
  await world.caughtUp();
});

const rowsOf = (page: import('playwright-core').Page) =>
  page.locator('#requests tbody tr').evaluateAll((rows) =>
    rows.map((r) => ({
      id: r.getAttribute('data-request'),
      overdue: r.classList.contains('overdue'),
      text: r.textContent ?? '',
    })),
  );

t.test('customs sees open requests, the overdue flag past the due time, and answers', async (t) => {
  const browser = await launchBrowser(t);
  const { page, context } = await newPage(browser);
  t.teardown(() => context.close());
  await signIn(page, world.baseUrl, world.keys.customs, '#/requests');
  await page.locator('#requests tbody tr').first().waitFor();
  const open = await rowsOf(page);
  t.same(
    open.map((r) => [r.id, r.overdue]),
    [['REQ-FIX', false]],
    'open requests only, not overdue yet',
  );
  t.match(open[0]!.text, /Correction of a record.*D-2026-0007: wrong HS code declared.*Open/);

  const later = new Date(Date.parse(correctionDueAt) + 1000).toISOString();
  await page.goto(`${world.baseUrl}/console/#/requests/open/-/${encodeURIComponent(later)}`);
  await page.locator('#overdue-count').waitFor();
  const overdue = await rowsOf(page);
  t.same(
    overdue.map((r) => [r.id, r.overdue]),
    [['REQ-FIX', true]],
    'flagged past its due time',
  );
  t.match(overdue[0]!.text, /Overdue/);
  t.match((await page.locator('#overdue-count').textContent()) ?? '', /1 open past their due time/);

  await page.goto(`${world.baseUrl}/console/#/requests/accepted`);
  await page.locator('#requests tbody tr[data-request="REQ-BOOK"]').waitFor();
  const [booking] = await rowsOf(page);
  t.match(booking!.text, /Inspection booking.*Accepted/, 'the accepted booking');
  t.match(booking!.text, /Accepted \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} to \d{4}-/, 'the answer with its slot');
});

t.test('an enterprise sees its own requests', async (t) => {
  const browser = await launchBrowser(t);
  const { page, context } = await newPage(browser);
  t.teardown(() => context.close());
  await signIn(page, world.baseUrl, world.keys.importer);
  await page.locator('nav a', { hasText: 'Requests' }).click();
  await page.locator('#requests tbody tr').first().waitFor();
  t.same(
    (await rowsOf(page)).map((r) => r.id),
    ['REQ-FIX'],
  );
  t.equal(await page.locator('#request-party').count(), 0, 'no party field: its own requests only');
});
