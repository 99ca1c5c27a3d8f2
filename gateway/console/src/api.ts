/**
 * The console's client of the gateway's `/v1` API: the API key from the sign-in form, kept in sessionStorage (gone
 * when the tab closes), sent as `Authorization: Bearer`. Errors are the gateway's problem+json bodies. Event streams
 * use EventSource, which cannot send headers: the console first asks `POST /v1/stream-tokens` for a single-use
 * ticket and puts that (never the key) in the stream URL.
 */

const KEY_STORAGE = 'hainan.console.apiKey';
const ME_STORAGE = 'hainan.console.me';

/** Who the key is (`GET /v1/me`). */
export interface Me {
  keyId: string;
  role: 'customs' | 'operator' | 'enterprise';
  enterpriseId: string | null;
  mspId: string;
}

/** A refused or failed call, with the gateway's stable code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(`${status} ${code}: ${detail}`);
    this.name = 'ApiError';
  }
}

/** Called when the key stops working (401), so the console can return to the sign-in form. */
let onUnauthenticated: (err: ApiError) => void = () => undefined;

/** Set the handler of a 401. */
export function whenUnauthenticated(handler: (err: ApiError) => void): void {
  onUnauthenticated = handler;
}

/** The stored key, if signed in. */
export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

/** Keep the key for this tab, with who it is (so a reload draws at once and checks the key in the background). */
export function storeKey(key: string, me: Me): void {
  sessionStorage.setItem(KEY_STORAGE, key);
  sessionStorage.setItem(ME_STORAGE, JSON.stringify(me));
}

/** Who the stored key was when last checked, if known. */
export function storedMe(): Me | undefined {
  try {
    const text = sessionStorage.getItem(ME_STORAGE);
    const me = text === null ? undefined : (JSON.parse(text) as Me);
    return me && typeof me.role === 'string' && typeof me.keyId === 'string' ? me : undefined;
  } catch {
    return undefined;
  }
}

/** Forget the key. */
export function forgetKey(): void {
  sessionStorage.removeItem(KEY_STORAGE);
  sessionStorage.removeItem(ME_STORAGE);
}

/** Most time a call may take, in milliseconds. */
const CALL_TIMEOUT_MS = 30_000;

async function call(
  method: string,
  path: string,
  options: { body?: unknown; key?: string; accept?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const key = options.key ?? storedKey();
  const headers: Record<string, string> = { accept: options.accept ?? 'application/json', ...options.headers };
  if (key) headers.authorization = `Bearer ${key}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const controller = new AbortController();
  const timer = window.setTimeout(() => controller.abort(), CALL_TIMEOUT_MS);
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      signal: controller.signal,
      cache: 'no-store',
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
  } catch (err: unknown) {
    throw new ApiError(0, 'NETWORK', err instanceof Error ? err.message : String(err));
  } finally {
    window.clearTimeout(timer);
  }
  if (!res.ok) {
    let code = `HTTP_${res.status}`;
    let detail = res.statusText;
    try {
      const problem = (await res.json()) as { code?: string; detail?: string; title?: string };
      code = problem.code ?? code;
      detail = problem.detail ?? problem.title ?? detail;
    } catch {
      // not a problem+json body
    }
    const err = new ApiError(res.status, code, detail);
    if (res.status === 401 && options.key === undefined) onUnauthenticated(err);
    throw err;
  }
  return res;
}

/** GET a JSON resource. */
export async function getJson<T>(path: string): Promise<T> {
  return (await call('GET', path)).json() as Promise<T>;
}

/** POST JSON, answer JSON. */
export async function postJson<T>(path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
  return (
    await call('POST', path, { ...(body === undefined ? {} : { body }), ...(headers ? { headers } : {}) })
  ).json() as Promise<T>;
}

/** Check a key: who it is. Does not store it. */
export async function whoIs(key: string): Promise<Me> {
  return (await call('GET', '/v1/me', { key })).json() as Promise<Me>;
}

/**
 * Download a resource through the API (with the key) as a file.
 *
 * @param path - The API path.
 * @param filename - Name to save as.
 * @param accept - Media type asked for.
 */
export async function download(path: string, filename: string, accept = 'application/json'): Promise<void> {
  const res = await call('GET', path, { accept });
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Handlers of a watched event stream. */
export interface StreamHandlers {
  /** A named event with its JSON data. */
  onEvent(event: string, data: unknown): void;
  /** Connection state for the UI. */
  onState(state: 'connecting' | 'live' | 'reconnecting' | 'closed'): void;
}

/** Longest pause between reconnection attempts, in milliseconds. */
const RECONNECT_DELAY_MAX_MS = 30_000;

/**
 * Open a server-sent event stream with a fresh stream token, and reopen it (new token, capped backoff) when it drops,
 * until `stop()` is called or the server sends an event listed in `finalEvents`.
 *
 * @param path - The stream route, e.g. `/v1/stocktakes/<id>/stream`.
 * @param events - Event names to listen to.
 * @param finalEvents - Events after which the stream is done (the server ends it).
 * @returns stop()
 */
export function watchStream(
  path: string,
  events: readonly string[],
  finalEvents: readonly string[],
  handlers: StreamHandlers,
): () => void {
  let source: EventSource | undefined;
  let stopped = false;
  let attempt = 0;
  let timer: number | undefined;

  const reconnect = () => {
    source?.close();
    source = undefined;
    if (stopped) return;
    handlers.onState('reconnecting');
    const delay = Math.min(RECONNECT_DELAY_MAX_MS, 500 * 2 ** Math.min(attempt, 6));
    attempt++;
    timer = window.setTimeout(() => void open(), delay);
  };

  const open = async () => {
    if (stopped) return;
    handlers.onState(attempt === 0 ? 'connecting' : 'reconnecting');
    let token: string;
    try {
      token = (await postJson<{ token: string }>('/v1/stream-tokens')).token;
    } catch (err: unknown) {
      if (err instanceof ApiError && err.status === 401) return stop();
      return reconnect();
    }
    if (stopped) return;
    const es = new EventSource(`${path}?access_token=${encodeURIComponent(token)}`);
    source = es;
    es.onopen = () => {
      attempt = 0;
      handlers.onState('live');
    };
    for (const name of events) {
      es.addEventListener(name, (e) => {
        let data: unknown;
        try {
          data = JSON.parse((e as MessageEvent<string>).data);
        } catch {
          return;
        }
        handlers.onEvent(name, data);
        if (finalEvents.includes(name)) {
          es.close();
          source = undefined;
          stopped = true;
          handlers.onState('closed');
        }
      });
    }
    es.addEventListener('end', () => reconnect()); // lifetime or shutdown: open a new stream
    // A token is single-use: let no automatic EventSource retry reuse it; reconnect with a new one.
    es.onerror = () => reconnect();
  };

  const stop = () => {
    stopped = true;
    if (timer !== undefined) window.clearTimeout(timer);
    source?.close();
    source = undefined;
  };

  void open();
  return stop;
}
