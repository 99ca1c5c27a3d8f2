/**
 * The web console: sign-in with an API key, then the views that key's role uses, routed by the URL fragment
 * (`#/provenance/<id>`, `#/stocktakes/<id>`, `#/account/<enterprise>`,
 * `#/requests/<status>/<enterprise>`) so that every view can be linked, bookmarked
 * and reached with Back. Plain DOM; each view renders into `<main>` and returns a cleanup (closing event streams).
 *
 * Performance marks for the browser tests: `console:first-view` when the first view is on screen, and
 * `console:view-data` each time a view has drawn the data it fetched.
 */
import './style.css';
import { forgetKey, storedKey, storedMe, storeKey, whenUnauthenticated, whoIs, ApiError, type Me } from './api';
import { announce, errorBox, errorText, h, replace } from './dom';
import { currentLang, setLang, t, type Lang } from './i18n';
import { renderAccount } from './views/account';
import { renderProvenance } from './views/provenance';
import { renderRequests } from './views/requests';
import { renderStocktakes } from './views/stocktakes';

/** What a view gets. */
export interface ViewContext {
  readonly me: Me;
  /** Path segments after the view name, decoded. */
  readonly params: readonly string[];
  /** Go to another fragment route. */
  navigate(route: string): void;
}

/** A view draws into `main` and may return a cleanup. */
export type View = (main: HTMLElement, ctx: ViewContext) => (() => void) | undefined;

type ViewName = 'provenance' | 'stocktakes' | 'account' | 'requests';

const VIEWS: Record<ViewName, View> = {
  provenance: renderProvenance,
  stocktakes: renderStocktakes,
  account: renderAccount,
  requests: renderRequests,
};

/** The views of each role, its main one first. */
const VIEWS_BY_ROLE: Record<Me['role'], readonly ViewName[]> = {
  customs: ['provenance', 'stocktakes', 'account', 'requests'],
  operator: ['stocktakes', 'provenance', 'account', 'requests'],
  enterprise: ['account', 'stocktakes', 'provenance', 'requests'],
};

const app = document.getElementById('app')!;
let me: Me | undefined;
let cleanup: (() => void) | undefined;
let firstViewMarked = false;
let signInMessage: string | undefined;

function markFirstView(): void {
  if (firstViewMarked) return;
  firstViewMarked = true;
  performance.mark('console:first-view');
}

/** The route in the fragment: view name and decoded segments. */
function parseRoute(): { view: string; params: string[] } {
  const hash = location.hash;
  if (!hash.startsWith('#/')) return { view: '', params: [] };
  const [view = '', ...params] = hash.slice(2).split('/');
  return { view, params: params.map((p) => decodeURIComponent(p)) };
}

function navigate(route: string): void {
  if (location.hash === route) void render();
  else location.hash = route;
}

function languageSwitch(): HTMLElement {
  const select = h(
    'select',
    {
      id: 'lang',
      onchange: (e: Event) => {
        setLang((e.target as HTMLSelectElement).value as Lang);
        void render().then(() => document.getElementById('lang')?.focus());
      },
    },
    h('option', { value: 'en', lang: 'en', selected: currentLang() === 'en' }, 'English'),
    h('option', { value: 'zh-CN', lang: 'zh-CN', selected: currentLang() === 'zh-CN' }, '简体中文'),
  );
  return h('div', { class: 'lang' }, h('label', { for: 'lang' }, t('lang.label')), select);
}

function shell(active: ViewName | undefined): HTMLElement {
  const main = h('main', { id: 'main', tabindex: '-1' });
  const nav =
    me === undefined
      ? null
      : h(
          'nav',
          { 'aria-label': t('nav.label') },
          h(
            'ul',
            {},
            ...VIEWS_BY_ROLE[me.role].map((name) =>
              h(
                'li',
                {},
                h('a', { href: `#/${name}`, 'aria-current': name === active ? 'page' : false }, t(`nav.${name}`)),
              ),
            ),
          ),
        );
  const who =
    me === undefined
      ? null
      : h(
          'div',
          { class: 'who' },
          h(
            'span',
            {},
            t('signedin.as', { role: t(`role.${me.role}`) }),
            me.enterpriseId ? ` · ${me.enterpriseId}` : '',
          ),
          h('button', { type: 'button', class: 'secondary', onclick: () => signOut() }, t('signout')),
        );
  replace(
    app,
    h(
      'header',
      { class: 'top' },
      h('p', { class: 'brand' }, t('app.title')),
      nav,
      h('div', { class: 'tools' }, who, languageSwitch()),
    ),
    main,
  );
  return main;
}

function signInView(): void {
  const main = shell(undefined);
  const input = h('input', {
    id: 'api-key',
    name: 'api-key',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    'aria-describedby': 'signin-intro',
  });
  const status = h('div', {});
  const form = h(
    'form',
    {
      class: 'card narrow',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const key = input.value.trim();
        if (key === '') return;
        replace(status, h('p', { class: 'muted' }, t('common.loading')));
        try {
          const who = await whoIs(key);
          storeKey(key, who);
          me = who;
          signInMessage = undefined;
          // A deep link opened before signing in (e.g. #/provenance/<id>) is kept.
          if (location.hash.startsWith('#/')) void render();
          else navigate(`#/${VIEWS_BY_ROLE[who.role][0]}`);
        } catch (err: unknown) {
          const text = err instanceof ApiError && err.status === 401 ? t('signin.bad') : errorText(err);
          replace(status, errorBox(text));
          input.focus();
        }
      },
    },
    h('h1', {}, t('signin.title')),
    h('p', { id: 'signin-intro' }, t('signin.intro')),
    signInMessage ? errorBox(signInMessage) : null,
    h('div', { class: 'field' }, h('label', { for: 'api-key' }, t('signin.key')), input),
    h('button', { type: 'submit' }, t('signin.submit')),
    status,
  );
  main.appendChild(form);
  markFirstView();
  input.focus();
}

function signOut(message?: string): void {
  cleanup?.();
  cleanup = undefined;
  forgetKey();
  me = undefined;
  signInMessage = message;
  if (location.hash !== '') history.replaceState(null, '', location.pathname);
  signInView();
}

async function render(): Promise<void> {
  cleanup?.();
  cleanup = undefined;
  document.title = t('app.title');
  const skip = document.querySelector('.skip-link');
  if (skip) skip.textContent = t('app.skip');
  const key = storedKey();
  if (key === null) return signInView();
  if (me === undefined && storedMe() !== undefined) {
    // Reloaded in a signed-in tab: draw at once as the key was, and check it in the background.
    me = storedMe();
    void revalidate(key);
  }
  if (me === undefined) {
    try {
      me = await whoIs(key);
      storeKey(key, me);
    } catch (err: unknown) {
      if (err instanceof ApiError && err.status === 401) return signOut(t('signin.expired'));
      const main = shell(undefined);
      main.appendChild(errorBox(errorText(err)));
      return;
    }
  }
  const allowed = VIEWS_BY_ROLE[me.role];
  const route = parseRoute();
  const name = (allowed as readonly string[]).includes(route.view) ? (route.view as ViewName) : allowed[0]!;
  if (route.view !== name) {
    history.replaceState(null, '', `#/${name}`);
  }
  const main = shell(name);
  cleanup = VIEWS[name](main, { me, params: name === route.view ? route.params : [], navigate });
  markFirstView();
}

/** Check the stored key again; sign out if it stopped working, redraw if it changed. */
async function revalidate(key: string): Promise<void> {
  try {
    const now = await whoIs(key);
    const changed = JSON.stringify(now) !== JSON.stringify(me);
    storeKey(key, now);
    me = now;
    if (changed) void render();
  } catch (err: unknown) {
    if (err instanceof ApiError && err.status === 401) signOut(t('signin.expired'));
  }
}

whenUnauthenticated(() => signOut(t('signin.expired')));
window.addEventListener('hashchange', () => {
  if (location.hash.startsWith('#/')) {
    void render().then(() => {
      // Say where we are, and move focus to the new view's heading as a page load would, unless the view put
      // it somewhere useful itself (the field of a lookup form).
      const heading = document.querySelector<HTMLElement>('main h1');
      if (!heading) return;
      announce(heading.textContent ?? '');
      if (!document.querySelector('main')?.contains(document.activeElement)) {
        heading.tabIndex = -1;
        heading.focus();
      }
    });
  }
});
// The skip link targets <main>; the fragment router must not treat "#main" as a route.
document.addEventListener('click', (e) => {
  const target = e.target as HTMLElement | null;
  if (target?.classList.contains('skip-link')) {
    e.preventDefault();
    document.getElementById('main')?.focus();
  }
});
document.documentElement.lang = currentLang();
void render();
