/**
 * The world of a console browser test: a dev peer process with the traceability chaincode, a private PostgreSQL
 * database, the gateway app with real ledger clients listening on a real port (serving the built console at
 * /console/), capture jobs, the projection follower, API keys for customs, an importer (enterprise) and an operator, and Debian's
 * headless Chromium driven by playwright-core. Also: sign-in, screenshots into docs/screenshots/, and a contrast
 * check of every text element on a page.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CAPTURE_QUEUE, newCaptureJobHandler } from '../../../gateway/src/capture/processor';
import { newLedgerClients } from '../../../gateway/src/ledger/ledger-clients';
import { readConnectionProfile } from '../../../gateway/src/ledger/ledger-settings';
import { CONSOLE_DIR } from '../../../gateway/src/plugins/console';
import type { ProjectionFollower } from '../../../gateway/src/projection/follower';
import { REPO_ROOT, startDevnetProcess, type DevnetProcess } from '../../../testkit/src/devnet';
import { ENTERPRISES, registerDevnetEnterprises, TraceClient } from '../../../testkit/src/trace';
import { bearer, buildTestApp } from '../../gateway/helpers/app';
import { createMigratedDatabase, type Teardown } from '../../gateway/helpers/database';
import { startProjection } from '../../gateway/helpers/projection';
import { waitFor } from '../../gateway/helpers/wait';

/** Debian's chromium (scripts/services.sh browser installs it); a test tool's own browser download does not work here. */
export const CHROMIUM = '/usr/bin/chromium';
/** Where the tests write the screenshots the README links to. */
export const SCREENSHOT_DIR = join(REPO_ROOT, 'docs', 'screenshots');
/** Viewport of every page (small enough for small PNGs, wide enough for the desktop layout). */
export const VIEWPORT = { width: 1200, height: 820 };

/** API keys of the world. */
export interface Keys {
  customs: string;
  /** enterprise1 (EnterpriseMSP), role enterprise. */
  importer: string;
  /** operator1 (OperatorMSP), role operator. */
  operator: string;
}

/** A running world. */
export interface ConsoleWorld {
  readonly baseUrl: string;
  readonly app: FastifyInstance;
  readonly chain: TraceClient;
  readonly devnet: DevnetProcess;
  readonly keys: Keys;
  readonly follower: ProjectionFollower;
  /** Submit `contract:Fn` to the chain directly as a dev-network identity (counted for {@link caughtUp}). */
  submit(identity: string, fn: string, request: unknown, transient?: Record<string, unknown>): Promise<void>;
  /** Count `n` ledger events caused another way (through the gateway). */
  expectEvents(n: number): void;
  /** Wait until the projection applied every event counted so far. */
  caughtUp(): Promise<void>;
  /** Call the gateway's API over HTTP with a key. */
  api(method: string, path: string, key: string, body?: unknown): Promise<{ status: number; json: any }>;
}

/**
 * Start the world; everything stops at teardown.
 *
 * @param t - The test (teardown).
 */
export async function startConsoleWorld(t: Teardown): Promise<ConsoleWorld> {
  if (!existsSync(join(CONSOLE_DIR, 'index.html'))) {
    throw new Error(`the console is not built (${CONSOLE_DIR}): run \`npm run build\` (npm test does)`);
  }
  const devnet = await startDevnetProcess();
  t.teardown(() => devnet.stop());
  const chain = new TraceClient(devnet);
  t.teardown(() => chain.close());
  let submitted = 0;
  await registerDevnetEnterprises(chain);
  submitted += Object.keys(ENTERPRISES).length;

  const databaseUrl = await createMigratedDatabase(t);
  const { settings, problems } = readConnectionProfile(join(devnet.dataDir, 'connection.json'));
  if (!settings) throw new Error(problems.join('; '));
  const ledgers = newLedgerClients({ settings, customsMspId: 'CustomsMSP' });
  t.teardown(() => ledgers.close());
  const built = await buildTestApp(t, { databaseUrl, ledgers });
  const app = built.app;
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  // Captures are submitted by queue jobs, as in the gateway process.
  built.jobQueue.process(CAPTURE_QUEUE, newCaptureJobHandler({ captures: app.repositories.captures, ledgers }), {
    concurrency: 2,
  });

  const follower = startProjection(t, settings, databaseUrl);

  async function api(method: string, path: string, key: string, body?: unknown) {
    const res = await fetch(`${address}${path}`, {
      method,
      headers: { ...bearer(key), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let json: unknown = text;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, json: json as any };
  }

  const newKey = async (e: { id: string; identity: string; mspId: string }, role: 'enterprise' | 'operator') => {
    const created = await api('POST', '/v1/enterprises', built.customsKey, {
      id: e.id,
      name: e.identity,
      roles: [role],
      mspId: e.mspId,
    });
    if (created.status !== 201) throw new Error(JSON.stringify(created.json));
    const key = await api('POST', `/v1/enterprises/${e.id}/keys`, built.customsKey, { role, label: 'console test' });
    if (key.status !== 201) throw new Error(JSON.stringify(key.json));
    return key.json.key as string;
  };
  const keys: Keys = {
    customs: built.customsKey,
    importer: await newKey(ENTERPRISES.importer, 'enterprise'),
    operator: await newKey(ENTERPRISES.operator, 'operator'),
  };

  return {
    baseUrl: address,
    app,
    chain,
    devnet,
    keys,
    follower,
    async submit(identity, fn, request, transient) {
      await chain.submit(identity, fn, request, transient);
      submitted++;
    },
    expectEvents(n) {
      submitted += n;
    },
    async caughtUp() {
      await waitFor('the projection to catch up', () => follower.status().eventsApplied === submitted);
    },
    api,
  };
}

/**
 * Launch headless Chromium; closed at teardown.
 *
 * @throws Error naming the command that installs it, when it is absent.
 */
export async function launchBrowser(t: Teardown): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run \`bash scripts/services.sh browser\` (npm test does)`);
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Running as root in a container: no user namespaces for the sandbox; /dev/shm may be small.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
  t.teardown(() => browser.close());
  return browser;
}

/** A fresh context (own sessionStorage) and page in a language. */
export async function newPage(
  browser: Browser,
  lang: 'en' | 'zh-CN' = 'en',
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: VIEWPORT,
    locale: lang,
    timezoneId: 'Asia/Shanghai',
    acceptDownloads: true,
  });
  const page = await context.newPage();
  page.on('pageerror', (err) => process.stderr.write(`[browser pageerror] ${err.message}\n`));
  return { context, page };
}

/** Open the console and sign in with `key` through the form (keyboard only: type, Enter). */
export async function signIn(page: Page, baseUrl: string, key: string, hash = ''): Promise<void> {
  await page.goto(`${baseUrl}/console/${hash}`);
  await page.locator('#api-key').waitFor();
  await page.keyboard.type(key); // the field has focus on load
  await page.keyboard.press('Enter');
  await page.locator('nav').waitFor();
}

/** Tallest screenshot, in CSS pixels: a long page is cut there, to keep the PNGs small. */
export const SCREENSHOT_HEIGHT_MAX = 1_500;

/** Write `docs/screenshots/<name>.png`: the viewport, or the page from its top (at most {@link SCREENSHOT_HEIGHT_MAX}). */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  const height = fullPage
    ? Math.min(
        SCREENSHOT_HEIGHT_MAX,
        await page.evaluate(() => (globalThis as any).document.documentElement.scrollHeight as number),
      )
    : VIEWPORT.height;
  await page.screenshot({
    path,
    fullPage,
    clip: { x: 0, y: 0, width: VIEWPORT.width, height },
    animations: 'disabled',
    caret: 'hide',
  });
  return path;
}

/** A text element whose contrast is below 4.5:1. */
export interface LowContrast {
  text: string;
  ratio: number;
  color: string;
  background: string;
}

/**
 * WCAG 2 contrast of every visible element that holds text directly (HTML and SVG text) against its effective
 * background (the nearest opaque ancestor background, white at the root).
 *
 * @returns The elements below `min` (4.5:1 by default), and how many were checked.
 */
export async function lowContrast(page: Page, min = 4.5): Promise<{ checked: number; failures: LowContrast[] }> {
  return page.evaluate((minRatio) => {
    const doc = (globalThis as any).document;
    const win = globalThis as any;
    const parse = (c: string): [number, number, number, number] => {
      const m = /rgba?\(([^)]+)\)/.exec(c);
      if (!m) return [0, 0, 0, 1];
      const p = m[1]!
        .split(/[ ,/]+/)
        .filter(Boolean)
        .map(Number);
      return [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0, p[3] ?? 1];
    };
    const lum = ([r, g, b]: number[]) => {
      const f = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
    };
    const background = (el: any): [number, number, number, number] => {
      for (let e = el; e; e = e.parentElement) {
        const bg = parse(win.getComputedStyle(e).backgroundColor);
        if (bg[3] > 0.5) return bg;
      }
      return [255, 255, 255, 1];
    };
    const failures: { text: string; ratio: number; color: string; background: string }[] = [];
    let checked = 0;
    for (const el of Array.from(doc.querySelectorAll('body *')) as any[]) {
      const own = Array.from(el.childNodes as ArrayLike<any>).some(
        (n: any) => n.nodeType === 3 && n.textContent.trim() !== '',
      );
      if (!own) continue;
      const style = win.getComputedStyle(el);
      const rect = el.getBoundingClientRect();
      if (style.visibility === 'hidden' || style.display === 'none' || rect.width <= 1 || rect.height <= 1) continue;
      if (el.closest('.sr-only, title, desc, option')) continue;
      const isSvg = el.namespaceURI === 'http://www.w3.org/2000/svg';
      const fg = parse(isSvg ? style.fill : style.color);
      const bg = background(isSvg ? (el.ownerSVGElement ?? el) : el);
      const [l1, l2] = [lum(fg), lum(bg)].sort((a, b) => b - a) as [number, number];
      const ratio = (l1 + 0.05) / (l2 + 0.05);
      checked++;
      if (ratio < minRatio) {
        failures.push({
          text: el.textContent.trim().slice(0, 40),
          ratio: Math.round(ratio * 100) / 100,
          color: style.color,
          background: `rgb(${bg.slice(0, 3).join(',')})`,
        });
      }
    }
    return { checked, failures };
  }, min);
}

/**
 * Milliseconds from navigation start to a performance mark of the console, waiting for it to be set.
 *
 * @param name - `console:first-view` or `console:view-data`.
 */
export async function markTime(page: Page, name: string): Promise<number> {
  await page.waitForFunction((n) => (globalThis as any).performance.getEntriesByName(n).length > 0, name);
  return page.evaluate((n) => Math.round((globalThis as any).performance.getEntriesByName(n)[0].startTime), name);
}
