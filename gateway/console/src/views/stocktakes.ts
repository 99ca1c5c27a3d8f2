/**
 * Stocktakes (operators' main view): the list, and one stocktake live. While it is open the counts (unique items,
 * reads, undecodable, reads per second) are pushed by the server over server-sent events as counters upload
 * batches, with a chart of unique items over time; an operator or enterprise key may close it. A closed stocktake
 * shows its matched / missing / unexpected report with a chart, the Merkle root and the attesting transaction.
 */
import { getJson, postJson, watchStream } from '../api';
import { barChart, stepChart, type Point } from '../charts';
import { announce, code, errorBox, errorText, fmtInt, fmtRate, h, loading, pair, replace, timeEl } from '../dom';
import { t } from '../i18n';
import type { View, ViewContext } from '../main';

interface Stocktake {
  id: string;
  enterprise: string;
  location: string;
  status: 'open' | 'closing' | 'closed';
  createdAt: string;
  counts: {
    uniqueItems: number;
    undecodable: number;
    reads: number;
    batches: number;
    matched?: number;
    missing?: number;
    unexpected?: number;
  };
  txId?: string;
}

interface Counts {
  uniqueItems: number;
  reads: number;
  undecodable: number;
  batches: number;
  readsPerSecond: number;
  at: string;
}

interface Report {
  id: string;
  location: string;
  counts: { matched: number; missing: number; unexpected: number };
  matched: string[];
  missing: string[];
  unexpected: string[];
  truncated?: boolean;
  merkleRoot: string;
  txId: string;
  closedAt: string;
}

/** Most identities listed per category on the page. */
const LIST_MAX = 1_000;
/** Points kept for the progress chart. */
const SERIES_MAX = 600;
/** Screen readers hear the count at most this often, in milliseconds. */
const ANNOUNCE_EVERY_MS = 5_000;

function statusBadge(status: Stocktake['status']): HTMLElement {
  return h('span', { class: status === 'open' ? 'badge info' : 'badge' }, t(`status.${status}`));
}

function listView(main: HTMLElement, ctx: ViewContext): () => void {
  let alive = true;
  const body = h('div', {});
  const filter = h(
    'select',
    { id: 'st-filter', onchange: () => void load() },
    h('option', { value: 'open' }, t('st.filter.open')),
    h('option', { value: 'all' }, t('st.filter.all')),
  );
  main.append(
    h('h1', {}, t('st.title')),
    h('p', { class: 'intro' }, t('st.intro')),
    h(
      'div',
      { class: 'toolbar' },
      h('label', { for: 'st-filter' }, t('st.filter')),
      filter,
      h('button', { type: 'button', class: 'secondary', onclick: () => void load() }, t('common.refresh')),
    ),
    body,
  );
  async function load(): Promise<void> {
    replace(body, loading());
    try {
      const query = filter.value === 'open' ? '?status=open&limit=50' : '?limit=50';
      const { stocktakes } = await getJson<{ stocktakes: Stocktake[] }>(`/v1/stocktakes${query}`);
      if (!alive) return;
      if (stocktakes.length === 0) {
        replace(body, h('p', { class: 'muted' }, t('st.empty')));
        return;
      }
      replace(
        body,
        h(
          'table',
          { class: 'data' },
          h('caption', { class: 'sr-only' }, t('st.title')),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...[
                t('common.location'),
                t('common.enterprise'),
                t('common.status'),
                t('st.created'),
                t('st.unique'),
                '',
              ].map((c) => h('th', { scope: 'col' }, c)),
            ),
          ),
          h(
            'tbody',
            {},
            ...stocktakes.map((s) =>
              h(
                'tr',
                {},
                h('td', {}, code(s.location)),
                h('td', {}, s.enterprise),
                h('td', {}, statusBadge(s.status)),
                h('td', {}, timeEl(s.createdAt)),
                h('td', { class: 'num' }, fmtInt(s.counts.uniqueItems)),
                h(
                  'td',
                  {},
                  h(
                    'a',
                    {
                      href: `#/stocktakes/${encodeURIComponent(s.id)}`,
                      'aria-label': `${t('st.open')}: ${s.location}`,
                    },
                    t('st.open'),
                  ),
                ),
              ),
            ),
          ),
        ),
      );
      performance.mark('console:view-data');
    } catch (err: unknown) {
      if (alive) replace(body, errorBox(errorText(err)));
    }
  }
  void load();
  void ctx;
  return () => {
    alive = false;
  };
}

function reportSection(report: Report): HTMLElement {
  const list = (key: 'matched' | 'missing' | 'unexpected', ids: string[], total: number) =>
    h(
      'details',
      { class: `ids ids-${key}` },
      h('summary', {}, `${t(`st.${key}`)} (${fmtInt(total)})`),
      ids.length === 0
        ? h('p', { class: 'muted' }, t('common.none'))
        : h('ul', { class: 'plain' }, ...ids.slice(0, LIST_MAX).map((id) => h('li', {}, code(id)))),
      ids.length < total || ids.length > LIST_MAX
        ? h('p', { class: 'muted' }, t('st.listCut', { n: Math.min(ids.length, LIST_MAX) }))
        : null,
    );
  return h(
    'section',
    { class: 'card', id: 'st-report', 'aria-labelledby': 'report-h' },
    h('h2', { id: 'report-h' }, t('st.report')),
    h(
      'dl',
      { class: 'metrics' },
      h(
        'div',
        { class: 'metric ok' },
        h('dt', {}, t('st.matched')),
        h('dd', { id: 'r-matched' }, fmtInt(report.counts.matched)),
      ),
      h(
        'div',
        { class: 'metric bad' },
        h('dt', {}, t('st.missing')),
        h('dd', { id: 'r-missing' }, fmtInt(report.counts.missing)),
      ),
      h(
        'div',
        { class: 'metric warn' },
        h('dt', {}, t('st.unexpected')),
        h('dd', { id: 'r-unexpected' }, fmtInt(report.counts.unexpected)),
      ),
    ),
    h(
      'figure',
      {},
      barChart(t('st.reportChart'), [
        { label: t('st.matched'), value: report.counts.matched, tone: 'ok' },
        { label: t('st.missing'), value: report.counts.missing, tone: 'bad' },
        { label: t('st.unexpected'), value: report.counts.unexpected, tone: 'warn' },
      ]),
      h('figcaption', { class: 'muted' }, t('st.reportChart')),
    ),
    list('missing', report.missing, report.counts.missing),
    list('unexpected', report.unexpected, report.counts.unexpected),
    list('matched', report.matched, report.counts.matched),
    h(
      'dl',
      { class: 'facts' },
      pair(t('st.merkle'), code(report.merkleRoot)),
      pair(t('st.attested'), code(report.txId)),
      pair(t('st.closedAt'), timeEl(report.closedAt)),
    ),
  );
}

function detailView(main: HTMLElement, ctx: ViewContext, id: string): () => void {
  let alive = true;
  let stop: (() => void) | undefined;
  const body = h('div', {}, loading());
  const heading = h('h1', {}, t('st.title'));
  main.append(h('p', {}, h('a', { href: '#/stocktakes' }, `← ${t('st.back')}`)), heading, body);

  let reportShown = false;
  const showReport = (report: Report) => {
    if (!alive || reportShown) return;
    reportShown = true;
    stop?.();
    const live = document.getElementById('st-live');
    if (live) live.querySelector('.close-area')?.remove();
    const status = document.getElementById('st-status');
    if (status) replace(status, statusBadge('closed'));
    body.appendChild(reportSection(report));
    announce(
      `${t('st.report')}: ${t('st.matched')} ${report.counts.matched}, ${t('st.missing')} ${report.counts.missing}, ${t('st.unexpected')} ${report.counts.unexpected}`,
    );
    performance.mark('console:view-data');
  };

  void (async () => {
    let stocktake: Stocktake;
    try {
      stocktake = await getJson<Stocktake>(`/v1/stocktakes/${encodeURIComponent(id)}`);
    } catch (err: unknown) {
      if (alive) replace(body, errorBox(errorText(err)));
      return;
    }
    if (!alive) return;
    heading.textContent = t('st.detail', { location: stocktake.location });
    const header = h(
      'dl',
      { class: 'facts inline' },
      pair(t('common.status'), statusBadge(stocktake.status), { id: 'st-status' }),
      pair(t('common.enterprise'), stocktake.enterprise),
      pair(t('st.created'), timeEl(stocktake.createdAt)),
    );
    if (stocktake.status === 'closed') {
      replace(body, header);
      try {
        showReport(await getJson<Report>(`/v1/stocktakes/${encodeURIComponent(id)}/report`));
      } catch (err: unknown) {
        if (alive) body.appendChild(errorBox(errorText(err)));
      }
      return;
    }

    const metric = (key: string, label: string, value: string) =>
      h('div', { class: 'metric' }, h('dt', {}, label), h('dd', { id: `m-${key}` }, value));
    const conn = h('p', { id: 'st-conn', class: 'conn' }, t('st.state.connecting'));
    const chartBox = h('figure', { id: 'st-progress' });
    const series: Point[] = [];
    let lastAnnounced = 0;
    let chartQueued = false;
    const drawChart = () => {
      chartQueued = false;
      replace(
        chartBox,
        stepChart(t('st.progress'), series, false),
        h('figcaption', { class: 'muted' }, t('st.progress')),
      );
    };
    const update = (counts: Counts) => {
      const set = (key: string, text: string) => {
        const el = document.getElementById(`m-${key}`);
        if (el) el.textContent = text;
      };
      set('unique', fmtInt(counts.uniqueItems));
      set('reads', fmtInt(counts.reads));
      set('undecodable', fmtInt(counts.undecodable));
      set('rate', fmtRate(counts.readsPerSecond));
      set('batches', fmtInt(counts.batches));
      series.push({ at: Date.parse(counts.at), value: counts.uniqueItems });
      if (series.length > SERIES_MAX) series.splice(0, series.length - SERIES_MAX);
      if (!chartQueued) {
        chartQueued = true;
        requestAnimationFrame(drawChart);
      }
      const now = Date.now();
      if (now - lastAnnounced > ANNOUNCE_EVERY_MS) {
        lastAnnounced = now;
        announce(t('st.announce', { n: counts.uniqueItems }));
      }
    };
    const closeStatus = h('div', { role: 'status' });
    const closeButton =
      ctx.me.role === 'customs'
        ? null
        : h(
            'button',
            {
              type: 'button',
              id: 'st-close',
              onclick: async () => {
                if (!window.confirm(t('st.confirmClose'))) return;
                closeButton?.setAttribute('disabled', '');
                replace(closeStatus, h('p', { class: 'muted' }, t('st.closing')));
                try {
                  showReport(await postJson<Report>(`/v1/stocktakes/${encodeURIComponent(id)}/close`));
                  replace(closeStatus);
                } catch (err: unknown) {
                  closeButton?.removeAttribute('disabled');
                  replace(closeStatus, errorBox(errorText(err)));
                }
              },
            },
            t('st.close'),
          );
    replace(
      body,
      header,
      h(
        'section',
        { class: 'card', id: 'st-live', 'aria-labelledby': 'live-h' },
        h('h2', { id: 'live-h' }, t('st.live')),
        conn,
        h(
          'dl',
          { class: 'metrics' },
          metric('unique', t('st.unique'), fmtInt(stocktake.counts.uniqueItems)),
          metric('reads', t('st.reads'), fmtInt(stocktake.counts.reads)),
          metric('undecodable', t('st.undecodable'), fmtInt(stocktake.counts.undecodable)),
          metric('rate', t('st.rate'), fmtRate(0)),
          metric('batches', t('st.batches'), fmtInt(stocktake.counts.batches)),
        ),
        chartBox,
        closeButton ? h('div', { class: 'close-area' }, closeButton, closeStatus) : null,
      ),
    );
    drawChart();
    performance.mark('console:view-data');
    stop = watchStream(
      `/v1/stocktakes/${encodeURIComponent(id)}/stream`,
      ['counts', 'heartbeat', 'report'],
      ['report'],
      {
        onEvent(event, data) {
          if (!alive) return;
          if (event === 'counts') update(data as Counts);
          else if (event === 'heartbeat') {
            const el = document.getElementById('m-rate');
            if (el) el.textContent = fmtRate((data as { readsPerSecond: number }).readsPerSecond);
          } else if (event === 'report') showReport(data as Report);
        },
        onState(state) {
          if (!alive) return;
          conn.textContent = t(`st.state.${state}`);
          conn.className = `conn conn-${state}`;
          conn.setAttribute('data-state', state);
        },
      },
    );
  })();

  return () => {
    alive = false;
    stop?.();
  };
}

export const renderStocktakes: View = (main, ctx) => {
  const id = ctx.params[0];
  return id ? detailView(main, ctx, id) : listView(main, ctx);
};
