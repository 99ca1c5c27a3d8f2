// Proves the console's live stocktake in a real browser: an operator watches a replayed handheld recording fill an open stocktake (the unique count on screen climbs batch by batch, pushed by the server over SSE with no polling), closes it and sees matched / missing / unexpected with a chart, while a customs officer watching the same stocktake gets the report pushed; and that the stream route takes a single-use stream token (never the API key) and is bounded per key.
// How: headless Debian Chromium (playwright-core) against the gateway app on a real port with a dev peer process, the projection follower and a real PostgreSQL; reads are posted over HTTP as a counter would; the stream route is also called with fetch.
import t from 'tap';
import { tds } from '@hainan/epc-decoders';
import { ENTERPRISES, gln, product } from '../../testkit/src/trace';
import {
  launchBrowser,
  lowContrast,
  newPage,
  screenshot,
  signIn,
  startConsoleWorld,
  type ConsoleWorld,
} from './helpers/console-world';

const { importer, operator } = ENTERPRISES;
const L1 = gln(1);
const L2 = gln(2);
const PERFUME = product(101);

function epcHex(serial: number): string {
  return new tds.Sgtin96()
    .setFilter(1)
    .setPartition(5)
    .setCompanyPrefix(6901234)
    .setItemReference(101)
    .setSerial(serial)
    .toHexString();
}

/**
 * A handheld recording, replayed batch by batch: RFID repeats, several forms of one item (EPC hex, URN, Digital
 * Link), an undecodable read, an item booked elsewhere (13, at L1) and one nobody knows (999). Items 11 and 12 of the
 * operator's book at L2 are never read.
 */
const RECORDING: { reads: string[]; uniqueAfter: number }[] = [
  { reads: [epcHex(1), epcHex(1), epcHex(2), epcHex(2), epcHex(3)], uniqueAfter: 3 },
  { reads: [epcHex(3), epcHex(4), epcHex(5), PERFUME.sgtin(5), 'E28011700000020A1B2C3D4E'], uniqueAfter: 5 },
  { reads: [`https://id.gs1.org/01/${PERFUME.gtin}/21/6`, epcHex(7), epcHex(7), epcHex(8)], uniqueAfter: 8 },
  { reads: [epcHex(9), epcHex(10), epcHex(13), epcHex(9)], uniqueAfter: 11 },
  { reads: [PERFUME.sgtin(999), epcHex(1), epcHex(2)], uniqueAfter: 12 },
];
const TOTAL_READS = RECORDING.reduce((n, b) => n + b.reads.length, 0);
/** Pause between replayed batches, so that a rate shows. */
const BATCH_INTERVAL_MS = 400;

let world: ConsoleWorld;

t.before(async () => {
  world = await startConsoleWorld(t);
  const serials = Array.from({ length: 14 }, (_, i) => i + 1);
  await world.submit(importer.identity, 'goods:Enter', {
    declarationNo: 'D-200',
    location: L1,
    regime: 'ZERO_TARIFF',
    product: { gtin: PERFUME.gtin, hsCode: '330300', category: 'COSMETICS' },
    unitValueFen: 10_000,
    items: serials.map((s) => PERFUME.sgtin(s)),
  });
  const shipped = serials.slice(0, 12).map((s) => PERFUME.sgtin(s));
  await world.submit(importer.identity, 'goods:Ship', {
    shipmentId: 'S-10',
    toEnterprise: operator.id,
    toLocation: L2,
    items: shipped,
  });
  await world.submit(operator.identity, 'goods:Receive', { shipmentId: 'S-10', location: L2, items: shipped });
  await world.caughtUp();
});

async function openStocktake(): Promise<string> {
  const opened = await world.api('POST', '/v1/stocktakes', world.keys.operator, { location: L2, deviceIds: ['h1'] });
  if (opened.status !== 201) throw new Error(JSON.stringify(opened.json));
  return opened.json.id as string;
}

t.test('an operator watches a replayed stocktake fill and close; customs sees the report pushed', async (t) => {
  const id = await openStocktake();
  const browser = await launchBrowser(t);
  const op = await newPage(browser);
  const customs = await newPage(browser);
  t.teardown(() => Promise.all([op.context.close(), customs.context.close()]));
  const page = op.page;

  await signIn(page, world.baseUrl, world.keys.operator);
  t.equal(
    await page.locator('nav a[aria-current="page"]').textContent(),
    'Stocktakes',
    'an operator lands on stocktakes',
  );
  const row = page.locator('table.data tbody tr', { hasText: L2 });
  await row.waitFor();
  t.match(await row.textContent(), /open/);
  await row.locator('a').click();
  await page.locator('#st-conn[data-state="live"]').waitFor();
  t.equal(await page.locator('#m-unique').textContent(), '0', 'nothing counted yet');

  await signIn(customs.page, world.baseUrl, world.keys.customs, `#/stocktakes/${id}`);
  await customs.page.locator('#st-conn[data-state="live"]').waitFor();
  t.equal(await customs.page.locator('#st-close').count(), 0, 'customs watches but may not close');

  // From now on the operator's page must not ask for the stocktake again: every update is pushed.
  const asked: string[] = [];
  page.on('request', (request) => {
    if (request.url().includes('/v1/')) asked.push(`${request.method()} ${new URL(request.url()).pathname}`);
  });

  const seen: string[] = [];
  for (const [i, batch] of RECORDING.entries()) {
    const res = await world.api('POST', `/v1/stocktakes/${id}/reads`, world.keys.operator, {
      batchId: `b${i + 1}`,
      deviceId: 'h1',
      reads: batch.reads,
    });
    t.equal(res.status, 200, `batch ${i + 1} accepted`);
    await page.waitForFunction(
      (n) => (globalThis as any).document.getElementById('m-unique')?.textContent === n,
      String(batch.uniqueAfter),
      { timeout: 10_000 },
    );
    seen.push((await page.locator('#m-unique').textContent()) ?? '');
    if (i === 2) {
      await page.waitForFunction(
        () => parseFloat((globalThis as any).document.getElementById('m-rate')?.textContent ?? '0') > 0,
      );
      await screenshot(page, 'stocktake-live');
    }
    await new Promise((resolve) => setTimeout(resolve, BATCH_INTERVAL_MS));
  }
  t.same(
    seen,
    RECORDING.map((b) => String(b.uniqueAfter)),
    'the unique count on screen climbs with each batch',
  );
  t.same(asked, [], 'no request from the page while it filled: the counts were pushed');
  t.equal(await page.locator('#m-reads').textContent(), String(TOTAL_READS), 'every read received');
  t.equal(await page.locator('#m-undecodable').textContent(), '1', 'the undecodable read');
  t.ok(parseFloat((await page.locator('#m-rate').textContent()) ?? '0') > 0, 'reads per second shown');
  t.ok(await page.locator('#st-progress svg path.line').count(), 'the progress chart');
  await customs.page.waitForFunction(
    () => (globalThis as any).document.getElementById('m-unique')?.textContent === '12',
  );
  t.pass('customs sees the same count');

  // Close: the report on the operator's page, and pushed to customs.
  page.once('dialog', (dialog) => void dialog.accept());
  await page.click('#st-close');
  await page.locator('#st-report').waitFor({ timeout: 60_000 });
  const counts = async (p: typeof page) => [
    await p.locator('#r-matched').textContent(),
    await p.locator('#r-missing').textContent(),
    await p.locator('#r-unexpected').textContent(),
  ];
  t.same(
    await counts(page),
    ['10', '2', '2'],
    'matched 10, missing 2 (11, 12), unexpected 2 (13 booked at L1, 999 unknown)',
  );
  await page.locator('details.ids-missing summary').click();
  t.same(
    await page.locator('details.ids-missing li').allTextContents(),
    [PERFUME.sgtin(11), PERFUME.sgtin(12)],
    'the missing items',
  );
  await page.locator('details.ids-unexpected summary').click();
  t.same(await page.locator('details.ids-unexpected li').allTextContents(), [PERFUME.sgtin(13), PERFUME.sgtin(999)]);
  t.match(
    await page.locator('#st-report svg[role="img"] desc').textContent(),
    /Matched: 10, Missing: 2, Unexpected: 2/,
    'the chart says its data',
  );
  t.same((await lowContrast(page)).failures, [], 'every text at least 4.5:1');
  await screenshot(page, 'stocktake-report', true);

  await customs.page.locator('#st-report').waitFor();
  t.same(await counts(customs.page), ['10', '2', '2'], 'the report reached the customs page by push');
  t.equal(await customs.page.locator('#st-conn').getAttribute('data-state'), 'closed', 'and its stream ended');

  const report = await world.api('GET', `/v1/stocktakes/${id}/report`, world.keys.customs);
  t.match(await page.locator('#st-report').textContent(), new RegExp(report.json.merkleRoot), 'the Merkle root');
  t.match(await page.locator('#st-report').textContent(), new RegExp(report.json.txId), 'the attesting transaction');
});

const readers = new WeakMap<
  Response,
  { reader: ReadableStreamDefaultReader<Uint8Array>; buffer: string; done: boolean }
>();

/** Read server-sent events from a response until `n` more arrived or the stream ended (keeps its place between calls). */
async function readEvents(
  res: Response,
  n: number,
): Promise<{ events: { event: string; data: any }[]; ended: boolean }> {
  let state = readers.get(res);
  if (state === undefined) {
    state = { reader: res.body!.getReader(), buffer: '', done: false };
    readers.set(res, state);
  }
  const decoder = new TextDecoder();
  const events: { event: string; data: any }[] = [];
  for (let chunks = 0; chunks < 100; chunks++) {
    let cut: number;
    while (events.length < n && (cut = state.buffer.indexOf('\n\n')) >= 0) {
      const frame = state.buffer.slice(0, cut);
      state.buffer = state.buffer.slice(cut + 2);
      const event = /^event: (.*)$/m.exec(frame)?.[1] ?? 'message';
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      events.push({ event, data: data === undefined ? undefined : JSON.parse(data) });
    }
    if (events.length >= n || state.done) break;
    const { value, done } = await state.reader.read();
    if (done) state.done = true;
    else state.buffer += decoder.decode(value, { stream: true });
  }
  return { events, ended: state.done };
}

t.test(
  'the stream route: single-use stream tokens, never the API key; bounded per key; ends with the report',
  async (t) => {
    const id = await openStocktake();
    const url = `${world.baseUrl}/v1/stocktakes/${id}/stream`;
    const controllers: AbortController[] = [];
    t.teardown(() => controllers.forEach((c) => c.abort()));
    const open = (query: string, headers: Record<string, string> = {}) => {
      const controller = new AbortController();
      controllers.push(controller);
      return { controller, response: fetch(`${url}${query}`, { headers, signal: controller.signal }) };
    };

    const token = (await world.api('POST', '/v1/stream-tokens', world.keys.operator)).json as {
      token: string;
      expiresAt: string;
    };
    t.notOk(token.token.includes(world.keys.operator), 'the token is not the key');
    t.ok(Date.parse(token.expiresAt) - Date.now() <= 60_000, 'valid for at most a minute');
    const first = await open(`?access_token=${encodeURIComponent(token.token)}`).response;
    t.equal(first.status, 200);
    t.match(first.headers.get('content-type'), /^text\/event-stream/);
    const initial = await readEvents(first, 1);
    t.match(
      initial.events[0],
      { event: 'counts', data: { uniqueItems: 0, reads: 0, readsPerSecond: 0 } },
      'the counts at once',
    );

    const replay = await open(`?access_token=${encodeURIComponent(token.token)}`).response;
    t.equal(replay.status, 401, 'a token opens one stream, once');
    t.match(await replay.json(), { code: 'UNAUTHENTICATED', detail: /already used/ });
    t.equal(
      (await open(`?access_token=${encodeURIComponent(world.keys.operator)}`).response).status,
      401,
      'the API key is not accepted in the URL',
    );
    t.equal((await open('').response).status, 401, 'nothing: 401');
    const importerToken = (await world.api('POST', '/v1/stream-tokens', world.keys.importer)).json.token as string;
    t.equal(
      (await open(`?access_token=${encodeURIComponent(importerToken)}`).response).status,
      403,
      'another enterprise: 403',
    );

    // A batch is pushed to the open stream.
    await world.api('POST', `/v1/stocktakes/${id}/reads`, world.keys.operator, {
      batchId: 'x1',
      deviceId: 'h1',
      reads: [epcHex(1), epcHex(2)],
    });
    const pushed = await readEvents(first, 1);
    t.match(
      pushed.events[0],
      { event: 'counts', data: { uniqueItems: 2, reads: 2, batches: 1 } },
      'counts pushed after the batch',
    );

    // At most 4 streams per key (the first one is open).
    const more = [
      open('', { authorization: `Bearer ${world.keys.operator}` }),
      open('', { authorization: `Bearer ${world.keys.operator}` }),
      open('', { authorization: `Bearer ${world.keys.operator}` }),
    ];
    t.same(
      await Promise.all(more.map(async (m) => (await m.response).status)),
      [200, 200, 200],
      'three more with the Authorization header',
    );
    const fifth = await open('', { authorization: `Bearer ${world.keys.operator}` }).response;
    t.equal(fifth.status, 429, 'the fifth is refused');
    t.equal(((await fifth.json()) as { code: string }).code, 'RATE_LIMITED');
    const customsStream = await open('', { authorization: `Bearer ${world.keys.customs}` }).response;
    t.equal(customsStream.status, 200, 'another key is not affected');
    more.forEach((m) => m.controller.abort());

    // The close ends every stream of the stocktake with the report.
    const closed = await world.api('POST', `/v1/stocktakes/${id}/close`, world.keys.operator);
    t.equal(closed.status, 200, 'closed');
    const end = await readEvents(first, 10);
    t.match(end.events.at(-1), { event: 'report', data: { counts: { matched: 2, missing: 10, unexpected: 0 } } });
    t.ok((await readEvents(first, 1)).ended, 'then the server ends the stream');
    const late = await readEvents(customsStream, 10);
    t.match(late.events.at(-1), { event: 'report' }, 'every watcher gets it');

    // A stream of a closed stocktake answers the report and ends.
    const after = await open('', { authorization: `Bearer ${world.keys.customs}` }).response;
    const once = await readEvents(after, 10);
    t.same([once.events.map((e) => e.event), once.ended], [['report'], true]);
  },
);
