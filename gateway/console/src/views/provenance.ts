/**
 * Provenance (customs' main view): type or paste any id of an item (EPC hex, SGTIN URN, GS1 Digital Link, 16-digit
 * code) and see its chain as a timeline (what, when, where, who, which documents, which transaction in which block),
 * the anomalies around it (customs hold, missed at a stocktake, refused steps), and download the EPCIS 2.0 document
 * and the verifiable dossier. Reads `/v1/items/{id}/history` and `/v1/items/{id}/anomalies`.
 */
import { download, getJson } from '../api';
import { code, errorBox, errorText, fmtTime, h, loading, pair, replace, timeEl } from '../dom';
import { has, label, t } from '../i18n';
import type { View } from '../main';

interface ItemNow {
  sgtin: string;
  traceCode: string | null;
  gtin: string;
  status: string;
  holder: string;
  location: string;
  regime: string;
  held: boolean;
  lastTxId: string;
  lastBlock: string;
  lastEventTime: string;
}

interface EpcisEvent {
  eventTime?: string;
  bizStep?: string;
  bizLocation?: { id: string };
  readPoint?: { id: string };
  bizTransactionList?: { type: string; bizTransaction: string }[];
  destinationList?: { type: string; destination: string }[];
  'hn:reason'?: string;
  // Issue 18: an exit's risk screening and an inspection result.
  'hn:riskAction'?: string;
  'hn:riskScore'?: number;
  'hn:riskRules'?: string[];
  // An exit's credit class when inspection discrepancies made it key-attention, and those (release list@time).
  'hn:creditClass'?: string;
  'hn:creditBasis'?: string[];
  'hn:method'?: string;
  'hn:verdict'?: string;
  'hn:consequence'?: string;
  'hn:evidenceSha256'?: string;
  'hn:evidenceUri'?: string;
}

interface HistoryEvent {
  txId: string;
  blockNumber: string;
  type: string;
  eventTime: string;
  recordTime: string;
  actor: { mspId?: string; enterpriseId?: string | null } | null;
  item: { status?: string; location?: string; holder?: string } | null;
  epcis: EpcisEvent[];
}

interface History {
  sgtin: string;
  item: ItemNow;
  events: HistoryEvent[];
  truncated: boolean;
}

interface Anomalies {
  held: { reason: string; heldAt: string; by: string } | null;
  missedAtStocktakes: { stocktakeId: string; enterprise: string; location: string; closedAt: string; txId: string }[];
  refusedSteps: {
    captureId: string;
    seq: number;
    fn: string;
    code: string | null;
    message: string | null;
    receivedAt: string;
  }[];
  truncated: boolean;
}

/** Transaction types that are anomalies in themselves. */
const FLAGGED_TYPES = new Set(['HOLD', 'SEIZURE']);

/** Label of a customs document type (CBV or the hn: extension types). */
function documentLabel(type: string): string {
  if (type.endsWith('import_declaration')) return t('doc.importDeclaration');
  if (type.endsWith('release_list')) return t('doc.releaseList');
  if (type.endsWith('consolidated_declaration')) return t('doc.declaration');
  if (type.endsWith('desadv')) return t('doc.shipment');
  if (type.endsWith('inv')) return t('doc.sale');
  if (type.endsWith('prodorder')) return t('doc.processing');
  return t('doc.other');
}

/** The document number at the end of a bizTransaction URN (`urn:hn:decl:D-1` -> `D-1`). */
function documentNumber(urn: string): string {
  const i = urn.lastIndexOf(':');
  return i >= 0 ? urn.slice(i + 1) : urn;
}

function eventLabel(type: string): string {
  return has(`event.${type}`) ? t(`event.${type}`) : type;
}

function placeOf(event: HistoryEvent): string {
  const epcis = event.epcis[0];
  const here = epcis?.bizLocation?.id ?? epcis?.readPoint?.id ?? event.item?.location ?? '';
  const to = epcis?.destinationList?.find((d) => d.type === 'location' || d.type.endsWith('location'))?.destination;
  return to && to !== here ? `${here} → ${to}` : here;
}

function timelineEntry(event: HistoryEvent): HTMLElement {
  const screened = event.epcis.find((e) => e['hn:riskAction']);
  const inspected = event.epcis.find((e) => e['hn:verdict']);
  const credited = event.epcis.find((e) => e['hn:creditBasis']);
  const flagged =
    FLAGGED_TYPES.has(event.type) ||
    inspected?.['hn:verdict'] === 'DISCREPANCY' ||
    screened?.['hn:riskAction'] === 'HOLD';
  const documents = event.epcis.flatMap((e) => e.bizTransactionList ?? []);
  const reason = event.epcis.find((e) => e['hn:reason'])?.['hn:reason'];
  const actor = event.actor ? `${event.actor.enterpriseId ?? '—'} (${event.actor.mspId ?? '?'})` : '—';
  return h(
    'li',
    { class: flagged ? 'event flagged' : 'event', 'data-type': event.type },
    h('h3', {}, eventLabel(event.type), flagged ? h('span', { class: 'badge bad' }, t('prov.flag')) : null),
    h(
      'dl',
      { class: 'facts' },
      pair(t('common.time'), timeEl(event.eventTime)),
      pair(t('prov.place'), code(placeOf(event))),
      pair(t('prov.actor'), actor),
      documents.length > 0
        ? pair(
            t('prov.documents'),
            h(
              'ul',
              { class: 'plain' },
              ...documents.map((d) => h('li', {}, `${documentLabel(d.type)} `, code(documentNumber(d.bizTransaction)))),
            ),
          )
        : null,
      reason ? pair(t('prov.flag'), reason) : null,
      screened
        ? pair(
            t('prov.risk'),
            t('prov.riskValue', {
              action: screened['hn:riskAction'] ?? '',
              score: String(screened['hn:riskScore'] ?? 0),
              rules: (screened['hn:riskRules'] ?? []).join(', '),
            }),
          )
        : null,
      credited
        ? pair(
            t('prov.credit'),
            h(
              'span',
              { class: 'credit-basis' },
              t('prov.creditValue', {
                class: credited['hn:creditClass'] ?? '',
                count: String(credited['hn:creditBasis']?.length ?? 0),
                exits: (credited['hn:creditBasis'] ?? []).map((b) => b.split('@')[0]).join(', '),
              }),
            ),
          )
        : null,
      inspected
        ? pair(
            t('prov.inspection'),
            t('prov.inspectionValue', {
              method: inspected['hn:method'] ?? '',
              verdict: inspected['hn:verdict'] ?? '',
              consequence: inspected['hn:consequence'] ?? '',
            }),
          )
        : null,
      inspected?.['hn:evidenceSha256']
        ? pair(
            t('prov.evidence'),
            h('span', {}, code(inspected['hn:evidenceSha256']), ' ', inspected['hn:evidenceUri'] ?? ''),
          )
        : null,
      event.item?.status ? pair(t('prov.after'), label('item', event.item.status)) : null,
      pair(t('common.txid'), code(event.txId)),
      pair(t('common.block'), event.blockNumber),
    ),
  );
}

function anomaliesSection(item: ItemNow, anomalies: Anomalies): HTMLElement {
  const entries: HTMLElement[] = [];
  if (anomalies.held) {
    entries.push(
      h(
        'li',
        { class: 'anomaly' },
        t('prov.held', { at: fmtTime(anomalies.held.heldAt), reason: anomalies.held.reason }),
      ),
    );
  }
  for (const m of anomalies.missedAtStocktakes) {
    entries.push(
      h(
        'li',
        { class: 'anomaly', 'data-kind': 'missing' },
        t('prov.missed', { id: m.stocktakeId.slice(0, 8), location: m.location, at: fmtTime(m.closedAt) }),
        ' ',
        h('a', { href: `#/stocktakes/${encodeURIComponent(m.stocktakeId)}` }, t('st.open')),
      ),
    );
  }
  for (const r of anomalies.refusedSteps) {
    entries.push(
      h(
        'li',
        { class: 'anomaly', 'data-kind': 'refused' },
        t('prov.refused', { fn: r.fn, code: r.code ?? '', message: r.message ?? '' }),
      ),
    );
  }
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'anomalies-h' },
    h(
      'h2',
      { id: 'anomalies-h' },
      t('prov.anomalies'),
      entries.length > 0 || item.held ? h('span', { class: 'badge bad' }, String(entries.length)) : null,
    ),
    entries.length === 0
      ? h('p', { class: 'ok-text' }, t('prov.noAnomalies'))
      : h('ul', { class: 'anomalies' }, ...entries),
  );
}

function render(results: HTMLElement, history: History, anomalies: Anomalies): void {
  const item = history.item;
  const safe = item.sgtin.replace(/[^A-Za-z0-9.-]/g, '_');
  const downloads = h(
    'section',
    { class: 'card', 'aria-labelledby': 'downloads-h' },
    h('h2', { id: 'downloads-h' }, t('prov.downloads')),
    h(
      'p',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          id: 'dl-epcis',
          onclick: () =>
            void download(
              `/v1/items/${encodeURIComponent(item.sgtin)}/history?format=epcis`,
              `${safe}.epcis.jsonld`,
              'application/ld+json',
            ),
        },
        t('prov.epcis'),
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          id: 'dl-dossier',
          onclick: () => void download(`/v1/items/${encodeURIComponent(item.sgtin)}/dossier`, `${safe}.dossier.json`),
        },
        t('prov.dossier'),
      ),
    ),
  );
  replace(
    results,
    h(
      'div',
      { class: 'grid' },
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'current-h' },
        h(
          'h2',
          { id: 'current-h' },
          t('prov.current'),
          ' ',
          h(
            'span',
            { class: item.held ? 'badge bad' : 'badge', 'data-status': item.status },
            item.held ? `${label('item', item.status)} · ${t('item.HELD')}` : label('item', item.status),
          ),
        ),
        h(
          'dl',
          { class: 'facts' },
          pair(t('prov.sgtin'), code(item.sgtin)),
          pair(t('common.gtin'), code(item.gtin)),
          item.traceCode ? pair(t('prov.traceCode'), code(item.traceCode)) : null,
          pair(t('prov.holder'), item.holder),
          pair(t('common.location'), code(item.location)),
          pair(t('common.regime'), label('regime', item.regime)),
          pair(t('common.block'), item.lastBlock),
        ),
      ),
      anomaliesSection(item, anomalies),
      downloads,
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'timeline-h' },
      h('h2', { id: 'timeline-h' }, t('prov.timeline')),
      h('p', { class: 'muted' }, t('prov.events', { n: history.events.length })),
      h('ol', { class: 'timeline' }, ...history.events.map(timelineEntry)),
      history.truncated ? h('p', { class: 'muted' }, t('prov.truncated')) : null,
    ),
  );
}

export const renderProvenance: View = (main, ctx) => {
  const initial = ctx.params[0] ?? '';
  const input = h('input', {
    id: 'item-id',
    name: 'item-id',
    type: 'text',
    value: initial,
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': 'item-id-hint',
    size: 48,
  });
  const results = h('div', { id: 'provenance-results' });
  main.append(
    h('h1', {}, t('prov.title')),
    h('p', { class: 'intro' }, t('prov.intro')),
    h(
      'form',
      {
        class: 'card lookup',
        role: 'search',
        onsubmit: (e: Event) => {
          e.preventDefault();
          const id = input.value.trim();
          if (id !== '') ctx.navigate(`#/provenance/${encodeURIComponent(id)}`);
        },
      },
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'item-id' }, t('prov.id')),
        input,
        h('p', { id: 'item-id-hint', class: 'hint' }, t('prov.id.hint')),
      ),
      h('button', { type: 'submit' }, t('prov.lookup')),
    ),
    results,
  );
  let alive = true;
  if (initial !== '') {
    replace(results, loading());
    const id = encodeURIComponent(initial);
    Promise.all([getJson<History>(`/v1/items/${id}/history`), getJson<Anomalies>(`/v1/items/${id}/anomalies`)])
      .then(([history, anomalies]) => {
        if (!alive) return;
        render(results, history, anomalies);
        performance.mark('console:view-data');
      })
      .catch((err: unknown) => alive && replace(results, errorBox(errorText(err))));
  } else {
    input.focus();
  }
  return () => {
    alive = false;
  };
};
