/**
 * A few DOM helpers instead of a framework: `h()` builds elements (text is always set as text, never as HTML, so
 * nothing the ledger or a user typed can inject markup), plus formatters that follow the chosen language.
 */
import { ApiError } from './api';
import { currentLang, t } from './i18n';

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/**
 * Create an element.
 *
 * @param tag - Tag name.
 * @param attrs - Attributes; `on<event>` keys add listeners; false/null/undefined values are left out.
 * @param children - Child nodes or text.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (value === true) {
      el.setAttribute(name, '');
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, ...children);
  return el;
}

/** Append children (text as text nodes). */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(
      typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child,
    );
  }
}

/** Replace all children. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Create an SVG element. */
export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  ...children: (Node | string)[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  for (const child of children) el.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  return el;
}

/** An integer in the current language. */
export function fmtInt(n: number): string {
  return new Intl.NumberFormat(currentLang()).format(n);
}

/** A decimal with one fraction digit. */
export function fmtRate(n: number): string {
  return new Intl.NumberFormat(currentLang(), { maximumFractionDigits: 1, minimumFractionDigits: 1 }).format(n);
}

/** Hainan wall-clock fields of an instant (Asia/Shanghai). */
const SHANGHAI = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/**
 * An instant as Hainan wall-clock time, `yyyy-mm-dd hh:mm:ss` (+08:00): the same unambiguous form in both languages,
 * as customs documents write it.
 */
export function fmtTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const part = (type: string) => SHANGHAI.formatToParts(date).find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')}`;
}

/** A `<time>` element for an instant. */
export function timeEl(iso: string): HTMLTimeElement {
  return h('time', { datetime: iso }, fmtTime(iso));
}

/** A labelled value for a `<dl>`. */
export function pair(label: string, value: Child, attrs: Attrs = {}): DocumentFragment {
  const frag = document.createDocumentFragment();
  append(frag, h('dt', {}, label), h('dd', attrs, value));
  return frag;
}

/** Monospace identifier that wraps anywhere (tx ids, hashes, EPCs). */
export function code(text: string): HTMLElement {
  return h('code', { class: 'id' }, text);
}

/** A problem box (role=alert, so screen readers announce it). */
export function errorBox(message: string): HTMLElement {
  return h('div', { class: 'error', role: 'alert' }, message);
}

/** The text of an error for the page. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) return t('common.error', { detail: err.detail, code: err.code });
  return err instanceof Error ? err.message : String(err);
}

/** A loading line. */
export function loading(): HTMLElement {
  return h('p', { class: 'muted', 'aria-busy': 'true' }, t('common.loading'));
}

/** Say something to screen readers without moving focus. */
export function announce(message: string): void {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  // A change after a tick is announced even when the text repeats.
  window.setTimeout(() => (region.textContent = message), 50);
}
