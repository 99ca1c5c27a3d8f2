/**
 * One call, one response (一呼一应): the requests enterprises filed with customs, from `GET /v1/requests`. Customs sees
 * every party's (or one party's, by its code), an enterprise its own; open requests by default, each with its due time
 * and a flag when it is overdue (still open past that time), answered ones with their answer and its time.
 */
import { getJson } from '../api';
import { code, errorBox, errorText, fmtTime, h, loading, replace, timeEl } from '../dom';
import { label, t } from '../i18n';
import type { View, ViewContext } from '../main';

interface RequestView {
  requestId: string;
  enterprise: string;
  kind: string;
  status: string;
  filedAt: string;
  dueAt: string;
  answeredAt: string | null;
  overdue: boolean;
  answeredLate: boolean | null;
  detail: { place?: string; window?: { from: string; to: string }; items?: string[]; ref?: string; reason?: string };
  answers: { answer: string; at: string; slot?: { from: string; to: string }; reason?: string }[];
}

/** Statuses the filter offers (`''`: every status). */
const STATUSES = ['open', 'accepted', 'refused', 'done', ''] as const;
/** Requests shown in one list; the API pages beyond, the console shows the oldest. */
const REQUESTS_SHOWN = 200;
/** The unified social credit code shape (the gateway checks the check character). */
const USCC = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

/** What was asked, in one line. */
function asked(r: RequestView): string {
  const d = r.detail;
  if (d.window)
    return `${d.place ?? ''} ${t('req.window', { from: fmtTime(d.window.from), to: fmtTime(d.window.to) })}`;
  if (d.items) return t('req.items', { n: d.items.length });
  return [d.ref, d.reason].filter((s) => s !== undefined).join(': ');
}

/** The last answer, in one line. */
function answered(r: RequestView): HTMLElement | string {
  const last = r.answers[r.answers.length - 1];
  if (!last) return '—';
  const slot = last.slot ? ` ${t('req.window', { from: fmtTime(last.slot.from), to: fmtTime(last.slot.to) })}` : '';
  return h(
    'span',
    {},
    `${label('req.answer', last.answer)}${slot}${last.reason ? `: ${last.reason}` : ''} `,
    timeEl(last.at),
    r.answeredLate ? h('span', { class: 'badge bad' }, t('req.late')) : null,
  );
}

function row(r: RequestView): HTMLElement {
  return h(
    'tr',
    { class: r.overdue ? 'overdue' : false, 'data-request': r.requestId },
    h('td', {}, code(r.requestId)),
    h('td', {}, code(r.enterprise)),
    h('td', {}, label('req.kind', r.kind)),
    h('td', {}, asked(r)),
    h('td', {}, timeEl(r.filedAt)),
    h(
      'td',
      {},
      timeEl(r.dueAt),
      r.overdue ? h('span', { class: 'badge bad overdue-flag' }, ` ${t('req.overdue')}`) : null,
    ),
    h('td', {}, label('req.status', r.status)),
    h('td', {}, answered(r)),
  );
}

async function showRequests(body: HTMLElement, query: URLSearchParams, alive: () => boolean): Promise<void> {
  replace(body, loading());
  try {
    query.set('perPage', String(REQUESTS_SHOWN));
    const res = await getJson<{ requests: RequestView[]; nextPageToken?: string }>(`/v1/requests?${query.toString()}`);
    if (!alive()) return;
    const overdue = res.requests.filter((r) => r.overdue).length;
    const heads = ['id', 'enterprise', 'kind', 'asked', 'filed', 'due', 'status', 'answer'];
    replace(
      body,
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'requests-h' },
        h('h2', { id: 'requests-h' }, t('req.list', { n: res.requests.length })),
        overdue > 0 ? h('p', { class: 'error', id: 'overdue-count' }, t('req.overdueCount', { n: overdue })) : null,
        res.requests.length === 0
          ? h('p', { class: 'muted' }, t('common.none'))
          : h(
              'div',
              { class: 'scroll' },
              h(
                'table',
                { class: 'data', id: 'requests' },
                h('caption', { class: 'sr-only' }, t('req.title')),
                h('thead', {}, h('tr', {}, ...heads.map((k) => h('th', { scope: 'col' }, t(`req.col.${k}`))))),
                h('tbody', {}, ...res.requests.map(row)),
              ),
            ),
        res.nextPageToken ? h('p', { class: 'muted' }, t('req.more', { n: REQUESTS_SHOWN })) : null,
      ),
    );
    performance.mark('console:view-data');
  } catch (err: unknown) {
    if (alive()) replace(body, errorBox(errorText(err)));
  }
}

/**
 * `#/requests[/<status>[/<party or ->[/<instant>]]]`: the instant judges overdue at another time than now (what falls
 * overdue by the end of the day if left unanswered).
 */
export const renderRequests: View = (main: HTMLElement, ctx: ViewContext) => {
  let alive = true;
  const status = (STATUSES as readonly string[]).includes(ctx.params[0] ?? 'open') ? (ctx.params[0] ?? 'open') : 'open';
  const party = ctx.params[1] && USCC.test(ctx.params[1]) ? ctx.params[1] : '';
  const at = ctx.params[2] && !Number.isNaN(Date.parse(ctx.params[2])) ? ctx.params[2] : '';
  const body = h('div', {});
  const atInput = h('input', {
    id: 'request-at',
    type: 'text',
    value: at,
    placeholder: '2026-03-09T17:00:00+08:00',
    autocomplete: 'off',
    spellcheck: 'false',
    size: 28,
  });
  const select = h(
    'select',
    { id: 'request-status' },
    ...STATUSES.map((s) => h('option', { value: s, selected: s === status }, t(`req.filter.${s || 'all'}`))),
  );
  const partyInput =
    ctx.me.role === 'customs'
      ? h('input', {
          id: 'request-party',
          type: 'text',
          value: party,
          autocomplete: 'off',
          spellcheck: 'false',
          pattern: USCC.source,
          maxlength: 18,
          size: 22,
        })
      : null;
  main.append(
    h('h1', {}, t('req.title')),
    h('p', { class: 'intro' }, t('req.intro')),
    h(
      'form',
      {
        class: 'card lookup',
        onsubmit: (e: Event) => {
          e.preventDefault();
          const p = partyInput?.value.trim().toUpperCase() ?? '';
          const when = atInput.value.trim();
          const tail = Number.isNaN(Date.parse(when)) ? '' : `/${encodeURIComponent(when)}`;
          ctx.navigate(`#/requests/${select.value}${USCC.test(p) || tail ? `/${USCC.test(p) ? p : '-'}` : ''}${tail}`);
        },
      },
      h('div', { class: 'field' }, h('label', { for: 'request-status' }, t('common.status')), select),
      partyInput
        ? h('div', { class: 'field' }, h('label', { for: 'request-party' }, t('common.enterprise')), partyInput)
        : null,
      h('div', { class: 'field' }, h('label', { for: 'request-at' }, t('req.at')), atInput),
      h('button', { type: 'submit' }, t('acct.show')),
    ),
    body,
  );
  const query = new URLSearchParams();
  if (status !== '') query.set('status', status);
  if (party !== '') query.set('party', party);
  if (at !== '') query.set('at', at);
  void showRequests(body, query, () => alive);
  return () => {
    alive = false;
  };
};
