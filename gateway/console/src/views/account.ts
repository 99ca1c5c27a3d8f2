/**
 * The account book (enterprises' main view; customs picks any enterprise): balances by GTIN / regime / location,
 * period close status, the balance over time (computed here from the movements), the movements themselves, and a
 * reconciliation of ERP figures against the book with the events behind every variance.
 */
import { getJson, postJson } from '../api';
import { stepChart, type Point } from '../charts';
import { code, errorBox, errorText, fmtInt, fmtTime, h, loading, pair, replace, timeEl } from '../dom';
import { has, label, t } from '../i18n';
import type { View, ViewContext } from '../main';

interface Balances {
  enterprise: string;
  asOf: string;
  projection: { blockNumber: string; txId: string | null; updatedAt: string } | null;
  balances: { gtin: string; regime: string; location: string; quantity: number }[];
  truncated: boolean;
  closedPeriods: {
    period: string;
    closedAt: string;
    closedBy: string;
    snapshotHash: string;
    txId: string;
    blockNumber: string;
  }[];
}

interface Movement {
  txId: string;
  blockNumber: string;
  txSeq: number;
  eventType: string;
  eventTime: string;
  period: string;
  gtin: string;
  regime: string;
  location: string;
  qty: number;
}

interface Variance {
  gtin: string;
  regime: string | null;
  location: string | null;
  erpQuantity: number | null;
  ledgerQuantity: number;
  difference: number;
  status: 'QUANTITY_DIFFERS' | 'MISSING_IN_LEDGER' | 'MISSING_IN_ERP';
  eventCount: number | null;
  events: {
    txId: string;
    blockNumber: string;
    eventType: string;
    eventTime: string;
    regime: string;
    location: string;
    qty: number;
  }[];
  truncated: boolean;
}

interface Reconciliation {
  id: string;
  summary: { erpLines: number; ledgerLines: number; matched: number; variances: number };
  variances: Variance[];
}

/** Pages of 1,000 movements read for the chart and the table. */
const MOVEMENT_PAGES_MAX = 10;
/** Movements listed in the table (the newest). */
const MOVEMENTS_SHOWN = 100;
/** The unified social credit code shape (the gateway checks the check character). */
const USCC = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

/** `yyyy-mm` of the Asia/Shanghai month now. */
function shanghaiMonth(): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
  }).formatToParts(new Date());
  return `${parts.find((p) => p.type === 'year')?.value}-${parts.find((p) => p.type === 'month')?.value}`;
}

function eventLabel(type: string): string {
  return has(`event.${type}`) ? t(`event.${type}`) : type;
}

async function allMovements(enterprise: string): Promise<Movement[]> {
  const out: Movement[] = [];
  let token: string | undefined;
  for (let page = 0; page < MOVEMENT_PAGES_MAX; page++) {
    const query = new URLSearchParams({ perPage: '1000' });
    if (token) query.set('nextPageToken', token);
    const res = await getJson<{ movements: Movement[]; nextPageToken?: string }>(
      `/v1/enterprises/${enterprise}/account/movements?${query.toString()}`,
    );
    out.push(...res.movements);
    token = res.nextPageToken;
    if (!token) break;
  }
  return out;
}

/** The running balance after each movement of `gtin` (all products when empty), in event-time order. */
function balanceSeries(movements: readonly Movement[], gtin: string): Point[] {
  const chosen = movements.filter((m) => gtin === '' || m.gtin === gtin);
  // Event time decides (a back-dated event belongs where it happened); chain order breaks ties.
  const ordered = chosen
    .map((m, i) => ({ m, i, at: Date.parse(m.eventTime) }))
    .sort((a, b) => a.at - b.at || a.i - b.i);
  let balance = 0;
  return ordered.map(({ m, at }) => ({ at, value: (balance += m.qty) }));
}

function periodsSection(data: Balances): HTMLElement {
  const current = shanghaiMonth();
  const closed = [...data.closedPeriods].reverse();
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'periods-h' },
    h('h2', { id: 'periods-h' }, t('acct.periods')),
    h(
      'p',
      { id: 'current-period' },
      h('span', { class: 'badge info' }, current),
      ' ',
      t('acct.currentPeriod', { period: current }),
    ),
    closed.length === 0
      ? h('p', { class: 'muted' }, t('acct.noClosed'))
      : h(
          'ul',
          { class: 'plain periods' },
          ...closed.map((p) =>
            h(
              'li',
              {},
              h('span', { class: 'badge' }, p.period),
              ' ',
              t('acct.closedPeriod', { period: p.period, at: fmtTime(p.closedAt) }),
              h(
                'dl',
                { class: 'facts' },
                pair(t('acct.snapshot'), code(p.snapshotHash)),
                pair(t('common.txid'), code(p.txId)),
                pair(t('common.block'), p.blockNumber),
              ),
            ),
          ),
        ),
  );
}

function balancesSection(data: Balances): HTMLElement {
  const total = data.balances.reduce((sum, b) => sum + b.quantity, 0);
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'balances-h' },
    h('h2', { id: 'balances-h' }, t('acct.balances')),
    h('p', { class: 'muted' }, t('acct.asOf', { at: fmtTime(data.asOf), block: data.projection?.blockNumber ?? '—' })),
    h(
      'table',
      { class: 'data', id: 'balances' },
      h('caption', { class: 'sr-only' }, t('acct.balances')),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...[t('common.gtin'), t('common.regime'), t('common.location'), t('common.quantity')].map((c, i) =>
            h('th', { scope: 'col', class: i === 3 ? 'num' : false }, c),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        ...data.balances.map((b) =>
          h(
            'tr',
            {},
            h('td', {}, code(b.gtin)),
            h('td', {}, label('regime', b.regime)),
            h('td', {}, code(b.location)),
            h('td', { class: 'num' }, fmtInt(b.quantity)),
          ),
        ),
      ),
      h(
        'tfoot',
        {},
        h('tr', {}, h('th', { scope: 'row', colspan: 3 }, t('acct.total')), h('td', { class: 'num' }, fmtInt(total))),
      ),
    ),
  );
}

function chartSection(movements: readonly Movement[]): HTMLElement {
  const gtins = [...new Set(movements.map((m) => m.gtin))].sort();
  const box = h('figure', { id: 'balance-chart' });
  const select = h(
    'select',
    { id: 'chart-gtin', onchange: () => draw() },
    h('option', { value: '' }, t('acct.allGtins')),
    ...gtins.map((g) => h('option', { value: g }, g)),
  );
  const draw = () =>
    replace(
      box,
      stepChart(t('acct.chart'), balanceSeries(movements, select.value)),
      h('figcaption', { class: 'muted' }, t('acct.chart')),
    );
  draw();
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'chart-h' },
    h('h2', { id: 'chart-h' }, t('acct.chart')),
    h('div', { class: 'toolbar' }, h('label', { for: 'chart-gtin' }, t('acct.chartFor')), select),
    box,
  );
}

function movementsSection(movements: readonly Movement[]): HTMLElement {
  const newest = movements.slice(-MOVEMENTS_SHOWN).reverse();
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'movements-h' },
    h('h2', { id: 'movements-h' }, t('acct.movements')),
    movements.length > MOVEMENTS_SHOWN
      ? h('p', { class: 'muted' }, t('acct.moreMovements', { shown: MOVEMENTS_SHOWN, total: movements.length }))
      : null,
    h(
      'div',
      { class: 'scroll', tabindex: '0', role: 'region', 'aria-labelledby': 'movements-h' },
      h(
        'table',
        { class: 'data', id: 'movements' },
        h('caption', { class: 'sr-only' }, t('acct.movements')),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...[
              t('common.time'),
              t('common.type'),
              t('common.gtin'),
              t('common.regime'),
              t('common.location'),
              t('common.quantity'),
              t('common.txid'),
              t('common.block'),
            ].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h(
          'tbody',
          {},
          ...newest.map((m) =>
            h(
              'tr',
              {},
              h('td', {}, timeEl(m.eventTime)),
              h('td', {}, eventLabel(m.eventType)),
              h('td', {}, code(m.gtin)),
              h('td', {}, label('regime', m.regime)),
              h('td', {}, code(m.location)),
              h('td', { class: m.qty < 0 ? 'num neg' : 'num' }, m.qty > 0 ? `+${fmtInt(m.qty)}` : fmtInt(m.qty)),
              h('td', {}, code(`${m.txId.slice(0, 16)}…`), h('span', { class: 'sr-only' }, m.txId)),
              h('td', { class: 'num' }, m.blockNumber),
            ),
          ),
        ),
      ),
    ),
  );
}

/** ERP lines from the text area: `gtin,regime,location,quantity`, regime and location may be empty. */
function parseErpLines(
  text: string,
): { lines: { gtin: string; regime?: string; location?: string; quantity: number }[] } | { badLine: number } {
  const lines: { gtin: string; regime?: string; location?: string; quantity: number }[] = [];
  const rows = text.split(/\r?\n/);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!.trim();
    if (row === '' || row.startsWith('#')) continue;
    const cells = row.split(/[,\t;]/).map((c) => c.trim());
    const [gtin, regime, location, quantity] = cells;
    if (cells.length !== 4 || !gtin || quantity === undefined || !/^-?\d+$/.test(quantity)) return { badLine: i + 1 };
    lines.push({ gtin, ...(regime ? { regime } : {}), ...(location ? { location } : {}), quantity: Number(quantity) });
  }
  return { lines };
}

function varianceCard(v: Variance, index: number): HTMLElement {
  const headingId = `variance-${index}`;
  return h(
    'article',
    { class: 'variance', 'aria-labelledby': headingId, 'data-status': v.status },
    h(
      'h3',
      { id: headingId },
      h('span', { class: 'badge bad' }, has(`var.${v.status}`) ? t(`var.${v.status}`) : v.status),
      ' ',
      code([v.gtin, v.regime ?? '*', v.location ?? '*'].join(' · ')),
    ),
    h(
      'dl',
      { class: 'facts inline' },
      pair(t('acct.erp'), v.erpQuantity === null ? '—' : fmtInt(v.erpQuantity)),
      pair(t('acct.ledger'), fmtInt(v.ledgerQuantity)),
      pair(t('acct.difference'), `${v.difference > 0 ? '+' : ''}${fmtInt(v.difference)}`, { class: 'neg' }),
    ),
    h(
      'details',
      { class: 'behind' },
      h('summary', {}, t('acct.eventsBehind', { n: v.eventCount ?? v.events.length })),
      h(
        'table',
        { class: 'data' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...[t('common.time'), t('common.type'), t('common.quantity'), t('common.txid'), t('common.block')].map(
              (c) => h('th', { scope: 'col' }, c),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          ...v.events.map((e) =>
            h(
              'tr',
              {},
              h('td', {}, timeEl(e.eventTime)),
              h('td', {}, eventLabel(e.eventType)),
              h('td', { class: e.qty < 0 ? 'num neg' : 'num' }, e.qty > 0 ? `+${fmtInt(e.qty)}` : fmtInt(e.qty)),
              h('td', {}, code(e.txId)),
              h('td', { class: 'num' }, e.blockNumber),
            ),
          ),
        ),
      ),
    ),
  );
}

function reconcileSection(enterprise: string, data: Balances): HTMLElement {
  const area = h('textarea', {
    id: 'erp-lines',
    rows: 6,
    cols: 60,
    spellcheck: 'false',
    'aria-describedby': 'erp-hint',
  });
  const out = h('div', { id: 'reconciliation' });
  const form = h(
    'form',
    {
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const parsed = parseErpLines(area.value);
        if ('badLine' in parsed) {
          replace(out, errorBox(t('acct.badLine', { n: parsed.badLine })));
          area.focus();
          return;
        }
        replace(out, loading());
        try {
          const result = await postJson<Reconciliation>(
            `/v1/enterprises/${enterprise}/account/reconciliations`,
            { lines: parsed.lines },
            { 'idempotency-key': crypto.randomUUID() },
          );
          const { summary } = result;
          replace(
            out,
            h(
              'h3',
              { id: 'reconciliation-h', tabindex: '-1' },
              t('acct.summary', {
                erp: summary.erpLines,
                ledger: summary.ledgerLines,
                matched: summary.matched,
                variances: summary.variances,
              }),
            ),
            result.variances.length === 0
              ? h('p', { class: 'ok-text' }, t('acct.noVariance'))
              : h('div', { class: 'variances' }, ...result.variances.map(varianceCard)),
          );
          document.getElementById('reconciliation-h')?.focus();
          performance.mark('console:view-data');
        } catch (err: unknown) {
          replace(out, errorBox(errorText(err)));
        }
      },
    },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'erp-lines' }, t('acct.erpLines')),
      area,
      h(
        'p',
        { id: 'erp-hint', class: 'hint' },
        t('acct.example', { line: '06901234001018,ZERO_TARIFF,6901234000013,5' }),
      ),
    ),
    h(
      'p',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          id: 'erp-fill',
          onclick: () => {
            area.value = data.balances.map((b) => [b.gtin, b.regime, b.location, b.quantity].join(',')).join('\n');
            area.focus();
          },
        },
        t('acct.fill'),
      ),
      h('button', { type: 'submit', id: 'erp-run' }, t('acct.run')),
    ),
  );
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'reconcile-h' },
    h('h2', { id: 'reconcile-h' }, t('acct.reconcile')),
    form,
    out,
  );
}

function showAccount(body: HTMLElement, enterprise: string, isAlive: () => boolean): void {
  replace(body, loading());
  void (async () => {
    try {
      const [data, movements] = await Promise.all([
        getJson<Balances>(`/v1/enterprises/${enterprise}/account`),
        allMovements(enterprise),
      ]);
      if (!isAlive()) return;
      replace(
        body,
        h('div', { class: 'grid' }, periodsSection(data), balancesSection(data)),
        chartSection(movements),
        reconcileSection(enterprise, data),
        movementsSection(movements),
      );
      performance.mark('console:view-data');
    } catch (err: unknown) {
      if (isAlive()) replace(body, errorBox(errorText(err)));
    }
  })();
}

export const renderAccount: View = (main: HTMLElement, ctx: ViewContext) => {
  let alive = true;
  const body = h('div', {});
  main.append(h('h1', {}, t('acct.title')), h('p', { class: 'intro' }, t('acct.intro')));
  if (ctx.me.role === 'customs') {
    const input = h('input', {
      id: 'enterprise-id',
      type: 'text',
      value: ctx.params[0] ?? '',
      required: true,
      autocomplete: 'off',
      spellcheck: 'false',
      pattern: USCC.source,
      maxlength: 18,
      size: 22,
    });
    main.append(
      h(
        'form',
        {
          class: 'card lookup',
          onsubmit: (e: Event) => {
            e.preventDefault();
            const id = input.value.trim().toUpperCase();
            if (USCC.test(id)) ctx.navigate(`#/account/${id}`);
          },
        },
        h('div', { class: 'field' }, h('label', { for: 'enterprise-id' }, t('acct.enterprise')), input),
        h('button', { type: 'submit' }, t('acct.show')),
      ),
    );
    if (ctx.params[0] && USCC.test(ctx.params[0])) showAccount(body, ctx.params[0], () => alive);
    else input.focus();
  } else if (ctx.me.enterpriseId) {
    showAccount(body, ctx.me.enterpriseId, () => alive);
  }
  main.append(body);
  return () => {
    alive = false;
  };
};
