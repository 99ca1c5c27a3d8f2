#!/usr/bin/env node
/*
 * Web console first view: milliseconds from navigation start to the console's first meaningful render, in headless
 * Chromium with an empty cache each run, against a running gateway (e.g. `npm start`, the embedded default).
 *
 *   node bench/console-first-view.js --key <API key> [--url http://127.0.0.1:8080] [--item <item id>] [--runs 5]
 *
 * Figures per run: the sign-in form (no key), the key's main view (key already in the tab's sessionStorage), with
 * --item the item's provenance timeline drawn (its two API calls answered), and the main view after a reload of that
 * tab (assets cached, the key's role kept in sessionStorage). The console sets the
 * performance marks `console:first-view` and `console:view-data`. Prints one line per figure (median, min, max),
 * the bundle's size, then one JSON line.
 */
'use strict';

const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const { gzipSync } = require('node:zlib');
const { chromium } = require('playwright-core');

/** Debian's chromium (`bash scripts/services.sh browser` installs it). */
const CHROMIUM = '/usr/bin/chromium';
/** Most runs accepted. */
const MAX_RUNS = 50;
/** Longest wait for a mark, in milliseconds. */
const MARK_TIMEOUT_MS = 30_000;

function arg(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : fallback;
}

async function mark(page, name) {
  // The mark, or an error box (a wrong key or item id) to report instead of waiting in vain.
  await page.waitForFunction(
    (n) => performance.getEntriesByName(n).length > 0 || document.querySelector('main [role="alert"]'),
    name,
    { timeout: MARK_TIMEOUT_MS },
  );
  const failed = await page.evaluate(() => document.querySelector('main [role="alert"]')?.textContent);
  if (failed) throw new Error(`the console shows an error: ${failed}`);
  return page.evaluate((n) => performance.getEntriesByName(n)[0].startTime, name);
}

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const median =
    sorted.length % 2
      ? sorted[(sorted.length - 1) / 2]
      : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return { median: Math.round(median), min: Math.round(sorted[0]), max: Math.round(sorted[sorted.length - 1]) };
}

function bundleBytes() {
  const dir = join(__dirname, '..', 'gateway', 'dist', 'console', 'assets');
  let raw = 0;
  let gzip = 0;
  for (const name of readdirSync(dir)) {
    if (!/\.(js|css)$/.test(name)) continue;
    const bytes = readFileSync(join(dir, name));
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  return { raw, gzip };
}

async function main() {
  const url = arg('url', 'http://127.0.0.1:8080').replace(/\/$/, '');
  const key = arg('key', process.env.HAINAN_API_KEY);
  const item = arg('item');
  const runs = Number(arg('runs', '5'));
  if (!key) throw new Error('--key <API key> is required (npm start prints the bootstrap customs key)');
  if (!Number.isInteger(runs) || runs < 1 || runs > MAX_RUNS) throw new Error(`--runs must be 1..${MAX_RUNS}`);

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
  const figures = { signInForm: [], mainView: [], timeline: [], reloadView: [] };
  try {
    for (let run = 0; run < runs; run++) {
      const cold = await browser.newContext({ viewport: { width: 1200, height: 820 } });
      const page = await cold.newPage();
      await page.goto(`${url}/console/`);
      figures.signInForm.push(await mark(page, 'console:first-view'));
      await cold.close();

      const signedIn = await browser.newContext({ viewport: { width: 1200, height: 820 } });
      await signedIn.addInitScript((k) => sessionStorage.setItem('hainan.console.apiKey', k), key);
      const view = await signedIn.newPage();
      await view.goto(`${url}/console/${item ? `#/provenance/${encodeURIComponent(item)}` : ''}`);
      figures.mainView.push(await mark(view, 'console:first-view'));
      if (item) figures.timeline.push(await mark(view, 'console:view-data'));
      // A reload of the signed-in tab: assets cached, the key's role from sessionStorage.
      await view.reload();
      figures.reloadView.push(await mark(view, 'console:first-view'));
      await signedIn.close();
    }
  } finally {
    await browser.close();
  }
  const result = {
    url,
    runs,
    signInFormMs: stats(figures.signInForm),
    mainViewMs: stats(figures.mainView),
    ...(item ? { timelineMs: stats(figures.timeline) } : {}),
    reloadViewMs: stats(figures.reloadView),
    bundleBytes: bundleBytes(),
  };
  const line = (label, s) => console.log(`${label.padEnd(34)} median ${s.median} ms (min ${s.min}, max ${s.max})`);
  line('sign-in form', result.signInFormMs);
  line('main view of the key (signed in)', result.mainViewMs);
  if (result.timelineMs) line('item timeline drawn', result.timelineMs);
  line('main view after a reload', result.reloadViewMs);
  console.log(`bundle (js + css)                  ${result.bundleBytes.raw} bytes, ${result.bundleBytes.gzip} gzipped`);
  console.log(JSON.stringify(result));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
