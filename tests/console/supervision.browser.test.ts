// Proves the console shows the supervision loop in an item's provenance (issue 18 Must 2): customs looks up an item
// whose exit was screened by a risk rule and inspected with a discrepancy, and its timeline shows the exit's screening
// (action, score, rules), the inspection result (method, verdict, consequence) with the evidence hash and URI, the
// inspection flagged as an anomaly, and the item's hold.
// How: headless Debian Chromium (playwright-core) against the gateway app on a real port, with a dev peer process, the
// projection follower and a real PostgreSQL; the data made by chaincode transactions (console-world).
import t from 'tap';
import { ENTERPRISES, gln, product } from '../../testkit/src/trace';
import { launchBrowser, newPage, signIn, startConsoleWorld, type ConsoleWorld } from './helpers/console-world';

const { importer } = ENTERPRISES;
const PERFUME = product(121);
const [A, B] = [PERFUME.sgtin(1), PERFUME.sgtin(2)];
const EVIDENCE = { sha256: 'cd'.repeat(32), uri: 's3://h986-scans/RL-CONSOLE.dcm' };
let world: ConsoleWorld;

t.before(async () => {
  world = await startConsoleWorld(t);
  const { submit } = world;
  await submit('customs-admin', 'customs:SetRiskRules', {
    effectiveFrom: '2025-01-01T00:00:00Z',
    rules: [{ id: 'PERFUME-HS', when: { hsCodePrefixes: ['3303'] }, weight: 60, action: 'IMAGE_REVIEW' }],
  });
  await submit(importer.identity, 'goods:Enter', {
    declarationNo: 'D-RISK',
    location: gln(1),
    regime: 'ZERO_TARIFF',
    product: { gtin: PERFUME.gtin, hsCode: '330300', category: 'COSMETICS' },
    unitValueFen: 40_000,
    items: [A, B],
  });
  await submit(importer.identity, 'goods:Exit', {
    releaseListNo: 'RL-CONSOLE',
    port: 'HAIKOU_XINHAIGANG',
    items: [A, B].map((id) => ({ id, exitValueFen: 60_000 })),
  });
  await submit('customs-admin', 'customs:RecordInspection', {
    releaseListNo: 'RL-CONSOLE',
    method: 'IMAGE_REVIEW',
    officer: 'HK-0042',
    verdict: 'DISCREPANCY',
    discrepancies: [{ kind: 'QUANTITY', items: [B] }],
    evidence: EVIDENCE,
    consequence: { kind: 'HOLD', items: [B] },
  });
  await world.caughtUp();
});

t.test('the timeline shows the risk screening and the inspection result with its evidence', async (t) => {
  const browser = await launchBrowser(t);
  const { page, context } = await newPage(browser);
  t.teardown(() => context.close());
  await signIn(page, world.baseUrl, world.keys.customs);
  await page.fill('#item-id', B);
  await page.press('#item-id', 'Enter');
  await page.locator('ol.timeline li.event').first().waitFor();
  const types = await page
    .locator('ol.timeline li.event')
    .evaluateAll((els) => els.map((el) => (el as any).dataset.type));
  t.same(types, ['ENTRY', 'EXIT', 'INSPECTION']);
  const exit = (await page.locator('ol.timeline li.event').nth(1).textContent()) ?? '';
  t.match(exit, /Risk screening\s*IMAGE_REVIEW, score 60 PERFUME-HS/, 'the exit shows its screening');
  const inspection = page.locator('ol.timeline li.event').nth(2);
  t.equal(
    await inspection
      .locator('h3')
      .textContent()
      .then((s) => s?.startsWith('Inspection result')),
    true,
    'labelled',
  );
  t.equal(await inspection.getAttribute('class'), 'event flagged', 'a discrepancy is flagged');
  const text = (await inspection.textContent()) ?? '';
  t.match(text, /Inspection\s*IMAGE_REVIEW: DISCREPANCY, HOLD/, 'method, verdict, consequence');
  t.ok(text.includes(EVIDENCE.sha256) && text.includes(EVIDENCE.uri), 'the evidence hash and where the scan is kept');
  t.match(
    (await page.locator('#anomalies-h').locator('xpath=..').textContent()) ?? '',
    /inspection of RL-CONSOLE: DISCREPANCY/,
    'the hold is an anomaly',
  );
});

t.test('an exit after the third discrepancy shows the key-attention class with its basis', async (t) => {
  // RL-CONSOLE above is the importer's first discrepancy; two more reach the default rule (3 within 365 days).
  const C = Array.from({ length: 3 }, (_, i) => PERFUME.sgtin(10 + i));
  await world.submit(importer.identity, 'goods:Enter', {
    declarationNo: 'D-CREDIT',
    location: gln(1),
    regime: 'ZERO_TARIFF',
    product: { gtin: PERFUME.gtin, hsCode: '330300', category: 'COSMETICS' },
    unitValueFen: 40_000,
    items: C,
  });
  for (const [n, id] of [C[0]!, C[1]!].entries()) {
    const releaseListNo = `RL-CREDIT-${n + 1}`;
    await world.submit(importer.identity, 'goods:Exit', {
      releaseListNo,
      port: 'HAIKOU_XINHAIGANG',
      items: [{ id, exitValueFen: 60_000 }],
    });
    await world.submit('customs-admin', 'customs:RecordInspection', {
      releaseListNo,
      method: 'IMAGE_REVIEW',
      officer: 'HK-0042',
      verdict: 'DISCREPANCY',
      discrepancies: [{ kind: 'VALUE', items: [id] }],
      evidence: EVIDENCE,
      consequence: { kind: 'CORRECTION' },
    });
  }
  await world.submit(importer.identity, 'goods:Exit', {
    releaseListNo: 'RL-CREDIT-3',
    port: 'HAIKOU_XINHAIGANG',
    items: [{ id: C[2]!, exitValueFen: 60_000 }],
  });
  await world.caughtUp();

  const browser = await launchBrowser(t);
  const { page, context } = await newPage(browser);
  t.teardown(() => context.close());
  await signIn(page, world.baseUrl, world.keys.customs);
  await page.fill('#item-id', C[2]!);
  await page.press('#item-id', 'Enter');
  await page.locator('ol.timeline li.event').nth(1).waitFor();
  const exit = (await page.locator('ol.timeline li.event').nth(1).textContent()) ?? '';
  t.match(
    exit,
    /Credit class\s*KEY_ATTENTION: 3 inspection discrepancies RL-CONSOLE, RL-CREDIT-1, RL-CREDIT-2/,
    'the exit shows the class the discrepancies made and which results',
  );
  // An exit before the rule was reached shows no credit line.
  await page.fill('#item-id', C[0]!);
  await page.press('#item-id', 'Enter');
  await page.locator('ol.timeline li.event').nth(2).waitFor();
  const before = (await page.locator('ol.timeline li.event').nth(1).textContent()) ?? '';
  t.notMatch(before, /Credit class/, 'no credit basis before the third discrepancy');
});
