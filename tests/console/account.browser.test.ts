// Proves the console's account book in a real browser: an enterprise sees its balances by GTIN / regime / location, the period close status, the balance over time drawn from its movements, and a reconciliation of ERP figures whose variance lists the ledger events (tx ids) behind it; customs opens any enterprise's book.
// How: headless Debian Chromium (playwright-core) against the gateway app on a real port with a dev peer process, the projection follower and a real PostgreSQL; entries back-dated over four months, a shipment, and a period closed on the chain through the gateway.
import t from 'tap';
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
const CREAM = product(202);
const COFFEE = product(303); // never entered

/** `yyyy-mm` of the Asia/Shanghai month `monthsBack` months before the current one. */
function shanghaiMonth(monthsBack: number): string {
  const now = new Date(Date.now() + 8 * 3_600_000); // UTC fields of this are Shanghai wall-clock fields
  const index = now.getUTCFullYear() * 12 + now.getUTCMonth() - monthsBack;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}
const CLOSED = shanghaiMonth(3);
const CURRENT = shanghaiMonth(0);
const inMonth = (month: string, day: number) => `${month}-${String(day).padStart(2, '0')}T10:00:00+08:00`;

let world: ConsoleWorld;

t.before(async () => {
  world = await startConsoleWorld(t);
  const enter = (declarationNo: string, p: typeof PERFUME, regime: string, serials: number[], eventTime: string) =>
    world.submit(importer.identity, 'goods:Enter', {
      declarationNo,
      location: L1,
      regime,
      product: { gtin: p.gtin, hsCode: '330300', category: 'COSMETICS' },
      unitValueFen: 10_000,
      items: serials.map((s) => p.sgtin(s)),
      eventTime,
    });
  await enter('D-1', PERFUME, 'ZERO_TARIFF', [1, 2, 3, 4, 5], inMonth(CLOSED, 10));
  await enter('D-2', CREAM, 'BONDED', [1, 2, 3], inMonth(shanghaiMonth(2), 15));
  await enter('D-3', PERFUME, 'ZERO_TARIFF', [6, 7, 8], inMonth(shanghaiMonth(1), 5));
  await world.submit(importer.identity, 'goods:Ship', {
    shipmentId: 'S-1',
    toEnterprise: operator.id,
    toLocation: L2,
    items: [PERFUME.sgtin(1), PERFUME.sgtin(2)],
  });
  await world.submit(operator.identity, 'goods:Receive', {
    shipmentId: 'S-1',
    location: L2,
    items: [PERFUME.sgtin(1), PERFUME.sgtin(2)],
  });
  const closed = await world.api(
    'POST',
    `/v1/enterprises/${importer.id}/account/periods/${CLOSED}/close`,
    world.keys.importer,
  );
  if (closed.status !== 200) throw new Error(JSON.stringify(closed.json));
  world.expectEvents(1);
  await world.caughtUp();
});

t.test(
  'an enterprise sees its book, its periods, its balance over time, and a reconciliation variance with its events',
  async (t) => {
    const browser = await launchBrowser(t);
    const { page, context } = await newPage(browser);
    t.teardown(() => context.close());

    await signIn(page, world.baseUrl, world.keys.importer);
    t.equal(
      await page.locator('nav a[aria-current="page"]').textContent(),
      'Account book',
      'an enterprise lands on its account book',
    );
    await page.locator('#balances').waitFor();
    const rows = await page
      .locator('#balances tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => Array.from((tr as any).cells as ArrayLike<any>).map((c: any) => c.textContent)),
      );
    t.same(
      rows,
      [
        [PERFUME.gtin, 'Zero tariff', L1, '6'],
        [CREAM.gtin, 'Bonded', L1, '3'],
      ].sort((a, b) => a[0]!.localeCompare(b[0]!)),
      'balances by GTIN, regime and location',
    );
    t.equal(await page.locator('#balances tfoot td').textContent(), '9', 'the total');

    t.match(
      await page.locator('#current-period').textContent(),
      new RegExp(`Current period ${CURRENT}: open`),
      'the current period is open',
    );
    t.match(await page.locator('ul.periods').textContent(), new RegExp(`${CLOSED}.*closed`), 'the closed period');
    t.match(await page.locator('ul.periods').textContent(), /Snapshot hash\s*[0-9a-f]{64}/, 'with its snapshot hash');

    // Balance over time, from the movements: +5 (closed month), +3 cream, +3 perfume, -2 shipped.
    t.match(
      await page.locator('#balance-chart svg desc').textContent(),
      /^4 points; from 5 to 9; min 5, max 11/,
      'all products',
    );
    await page.selectOption('#chart-gtin', PERFUME.gtin);
    t.match(
      await page.locator('#balance-chart svg desc').textContent(),
      /^3 points; from 5 to 6; min 5, max 8/,
      'one product',
    );
    t.equal(await page.locator('#movements tbody tr').count(), 4, 'the movements');

    // Reconcile: the book's lines, with the ERP counting one perfume more, and a product the book does not have.
    await page.click('#erp-fill');
    const filled = await page.inputValue('#erp-lines');
    t.equal(filled.split('\n').length, 2, 'filled from the book');
    await page.fill(
      '#erp-lines',
      `${filled.replace(`${PERFUME.gtin},ZERO_TARIFF,${L1},6`, `${PERFUME.gtin},ZERO_TARIFF,${L1},7`)}\n${COFFEE.gtin},ZERO_TARIFF,${L1},4`,
    );
    await page.click('#erp-run');
    await page.locator('.variance').first().waitFor();
    t.match(await page.locator('#reconciliation-h').textContent(), /3 ERP lines, 2 book lines, 1 matched, 2 variances/);
    const differs = page.locator('.variance[data-status="QUANTITY_DIFFERS"]');
    t.match(await differs.textContent(), /ERP\s*7\s*Ledger\s*6\s*Difference\s*\+1/, 'ERP 7, ledger 6');
    await differs.locator('summary').click();
    const events = await differs
      .locator('tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => Array.from((tr as any).cells as ArrayLike<any>).map((c: any) => c.textContent)),
      );
    const chain = await world.chain.evaluate<{
      movements: { txId: string; gtin: string; regime: string; location: string; qty: number }[];
    }>('customs-admin', 'account:GetMovements', { enterprise: importer.id, pageSize: 100 });
    const behind = chain.movements.filter(
      (m) => m.gtin === PERFUME.gtin && m.regime === 'ZERO_TARIFF' && m.location === L1,
    );
    const byTx = (a: string[], b: string[]) => a[2]!.localeCompare(b[2]!);
    t.same(
      events.map((e) => [e[1], e[2], e[3]]).sort(byTx),
      behind
        .map((m) => [m.qty > 0 ? 'First-line entry' : 'Shipped', m.qty > 0 ? `+${m.qty}` : String(m.qty), m.txId])
        .sort(byTx),
      "the events behind the variance: the ledger's own movements and tx ids",
    );
    t.same(
      events.map((e) => e[1]),
      ['First-line entry', 'First-line entry', 'Shipped'],
      'in chain order',
    );
    t.match(
      await page.locator('.variance[data-status="MISSING_IN_LEDGER"]').textContent(),
      new RegExp(`Not in the ledger.*${COFFEE.gtin}`),
    );
    t.same((await lowContrast(page)).failures, [], 'every text at least 4.5:1');
    await screenshot(page, 'account', true);

    // Keyboard: the variance's events open with Enter.
    const other = page.locator('.variance[data-status="MISSING_IN_LEDGER"] summary');
    await other.focus();
    await page.keyboard.press('Enter');
    t.equal(
      await page.locator('.variance[data-status="MISSING_IN_LEDGER"] details').getAttribute('open'),
      '',
      'details open by keyboard',
    );
  },
);

t.test("customs opens any enterprise's book; an operator sees only its own", async (t) => {
  const browser = await launchBrowser(t);
  const { page, context } = await newPage(browser, 'zh-CN');
  t.teardown(() => context.close());
  await signIn(page, world.baseUrl, world.keys.customs, '#/account');
  t.equal(await page.getAttribute('html', 'lang'), 'zh-CN', 'a Chinese browser gets Chinese');
  t.equal(await page.locator('label[for="enterprise-id"]').textContent(), '企业（统一社会信用代码）');
  await page.fill('#enterprise-id', importer.id);
  await page.press('#enterprise-id', 'Enter');
  await page.locator('#balances').waitFor();
  t.equal(await page.locator('#balances tfoot td').textContent(), '9', "the importer's book");
  t.match(await page.locator('#current-period').textContent(), new RegExp(`当前账期 ${CURRENT}：未关账`));
  t.same((await lowContrast(page)).failures, [], 'contrast');
  await screenshot(page, 'account-zh');

  const op = await newPage(browser);
  t.teardown(() => op.context.close());
  await signIn(op.page, world.baseUrl, world.keys.operator, '#/account');
  await op.page.locator('#balances').waitFor();
  t.equal(await op.page.locator('#enterprise-id').count(), 0, 'no enterprise picker for an operator');
  t.same(
    await op.page.locator('#balances tbody tr td:first-child').allTextContents(),
    [PERFUME.gtin],
    'its own book: the two perfumes it received',
  );
});
