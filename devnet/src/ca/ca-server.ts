/**
 * The dev CA's HTTP(S) server: fabric-ca-server's REST framing for the endpoints the project uses (`cainfo`,
 * `register`, `enroll`, `reenroll`, `revoke`, `gencrl`, under `/api/v1/` and at the root as fabric-ca-server
 * mounts them), serving several CAs in one server the way fabric-ca-server's multi-CA mode does (the CA is
 * chosen by the `ca` query parameter or the body's `caname`, else the default CA). Responses are written
 * byte for byte like fabric-ca's serverEndpoint: `{"result":…,"errors":[…],"messages":[],"success":…}`.
 */
import { createServer as createHttpServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { CaErrorCode as E, CaHttpError, newHttpErr, toCaHttpError } from './ca-errors';
import { Caller, DevFabricCa } from './dev-fabric-ca';

/** Largest request body read (a CSR or a registration is a few KB). fabric-ca reads any size; we refuse. */
export const MAX_REQUEST_BODY_BYTES = 256 * 1024;
/** Bounds on the time a client may take to send a request, and on idle keep-alive connections. */
const REQUEST_TIMEOUT_MS = 30_000;
const HEADERS_TIMEOUT_MS = 10_000;
const KEEP_ALIVE_TIMEOUT_MS = 5_000;

/** Options of the CA server. */
export interface CaServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The CAs served; the first is the default CA. */
  cas: DevFabricCa[];
  /** Serve HTTPS with this certificate (PEM); plain HTTP when absent. */
  tls?: { certPem: string; keyPem: string };
  /** Server log (one line per failed request, like fabric-ca-server's INFO line). */
  log?: (line: string) => void;
}

/** A running CA server. */
export interface CaServer {
  /** `http(s)://host:port`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

type Handler = (ctx: RequestContext) => Promise<{ result: unknown; headers?: Record<string, string> }>;

interface Endpoint {
  methods: string[];
  successStatus: number;
  handler: Handler;
}

/** What a handler gets: the resolved CA, the raw body and lazily parsed JSON. */
interface RequestContext {
  req: IncomingMessage;
  ca: DevFabricCa;
  body: Buffer;
  /** `ReadBody`: the JSON object of a required body (400 code 4 when empty, 5 when not JSON). */
  readBody(): Record<string, unknown>;
  /** `TokenAuthentication` against the resolved CA. */
  token(): Caller;
}

/** Go's encoding/json escapes these characters by default; so do we, for byte-identical bodies. */
function goJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function parseJsonObject(body: Buffer): Record<string, unknown> | undefined {
  if (body.length === 0) return undefined;
  const text = body.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw newHttpErr(400, E.BadReqBody, `Invalid request body: ${(err as Error).message}; body=${text}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw newHttpErr(
      400,
      E.BadReqBody,
      `Invalid request body: json: cannot unmarshal ${Array.isArray(parsed) ? 'array' : typeof parsed} into Go value; body=${text}`,
    );
  }
  return parsed as Record<string, unknown>;
}

/** Go's JSON decoding matches field names case-insensitively (`CAName` and `caname` both fill CAName). */
function field(obj: Record<string, unknown> | undefined, name: string): unknown {
  if (!obj) return undefined;
  if (name in obj) return obj[name];
  const key = Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : obj[key];
}

const ENDPOINTS: Record<string, Endpoint> = {
  cainfo: { methods: ['GET', 'POST', 'HEAD'], successStatus: 200, handler: async (ctx) => ({ result: ctx.ca.info() }) },
  register: {
    methods: ['POST'],
    successStatus: 201,
    handler: async (ctx) => {
      const body = ctx.readBody();
      const caller = ctx.token();
      const { secret, location } = await ctx.ca.register(caller, body, ctx.body.toString('utf8'));
      return { result: { secret }, headers: { Location: location } };
    },
  },
  enroll: {
    methods: ['POST'],
    successStatus: 201,
    handler: async (ctx) => {
      const caller = await ctx.ca.authenticateBasic(ctx.req.headers.authorization);
      return { result: await ctx.ca.enroll(caller, ctx.readBody(), false) };
    },
  },
  reenroll: {
    methods: ['POST'],
    successStatus: 201,
    handler: async (ctx) => {
      const caller = ctx.token();
      return { result: await ctx.ca.enroll(caller, ctx.readBody(), true) };
    },
  },
  revoke: {
    methods: ['POST'],
    successStatus: 200,
    handler: async (ctx) => {
      const body = ctx.readBody();
      return { result: await ctx.ca.revoke(ctx.token(), body) };
    },
  },
  gencrl: {
    methods: ['POST'],
    successStatus: 200,
    handler: async (ctx) => {
      const body = ctx.readBody();
      return { result: await ctx.ca.genCrl(ctx.token(), body, ctx.body.toString('utf8')) };
    },
  },
};

/** Reads the body up to MAX_REQUEST_BODY_BYTES; a larger one is refused without reading it all. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_REQUEST_BODY_BYTES) {
      reject(newHttpErr(413, E.ReadingReqBody, 'Failed reading request body: http: request body too large'));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        reject(newHttpErr(413, E.ReadingReqBody, 'Failed reading request body: http: request body too large'));
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', (err) =>
      reject(newHttpErr(500, E.ReadingReqBody, `Failed reading request body: ${err.message}`)),
    );
  });
}

/** Writes fabric-ca's envelope: result (or ""), errors, messages, success — in that byte order. */
function writeEnvelope(
  res: ServerResponse,
  method: string,
  status: number,
  result: unknown,
  error: CaHttpError | undefined,
): void {
  res.statusCode = status;
  res.setHeader('Connection', 'Keep-Alive');
  if (method === 'HEAD') {
    res.setHeader('Content-Length', '0');
    res.end();
    return;
  }
  res.setHeader('Content-Type', 'application/json');
  const resultJson = result === undefined ? '""' : `${goJson(result)}\n`;
  const errors = error ? `${goJson({ code: error.remoteCode, message: error.remoteMessage })}\n` : '';
  res.end(`{"result":${resultJson},"errors":[${errors}],"messages":[],"success":${error ? 'false' : 'true'}}`);
}

/** Starts the CA server. */
export async function startCaServer(options: CaServerOptions): Promise<CaServer> {
  const [defaultCa] = options.cas;
  if (!defaultCa) throw new Error('the CA server needs at least one CA');
  const byName = new Map(options.cas.map((ca) => [ca.name, ca]));
  const log = options.log ?? (() => undefined);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://ca.invalid');
    const name = url.pathname.replace(/^\/api\/v1\//, '/').slice(1);
    const endpoint = Object.hasOwn(ENDPOINTS, name) ? ENDPOINTS[name] : undefined;
    if (!endpoint) {
      // gorilla/mux's answer to an unknown route.
      res.statusCode = 404;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end('404 page not found\n');
      return;
    }
    const method = req.method ?? 'GET';
    try {
      if (!endpoint.methods.includes(method))
        throw newHttpErr(405, E.MethodNotAllowed, `Method ${method} is not allowed`);
      const body = await readBody(req);
      // getCAName: the `ca` query parameter, then the body's caname, else the default CA.
      let parsed: Record<string, unknown> | undefined;
      let parsedError: unknown;
      try {
        parsed = parseJsonObject(body);
      } catch (err) {
        parsedError = err;
      }
      const caName =
        url.searchParams.get('ca') || (parsedError ? undefined : String(field(parsed, 'caname') ?? '')) || '';
      if (parsedError && !url.searchParams.get('ca')) throw parsedError;
      const ca = caName === '' ? defaultCa : byName.get(caName);
      if (!ca) throw newHttpErr(404, E.CANotFound, `CA '${caName}' does not exist`);
      const ctx: RequestContext = {
        req,
        ca,
        body,
        readBody() {
          if (parsedError) throw parsedError;
          if (!parsed) throw newHttpErr(400, E.EmptyReqBody, 'Empty request body');
          return parsed;
        },
        token: () => ca.authenticateToken(req.headers.authorization, method, req.url ?? '/', body),
      };
      const { result, headers } = await endpoint.handler(ctx);
      for (const [k, v] of Object.entries(headers ?? {})) res.setHeader(k, v);
      writeEnvelope(res, method, endpoint.successStatus, result, undefined);
    } catch (err) {
      const he = toCaHttpError(err);
      log(`${req.socket.remoteAddress ?? '-'} ${method} ${req.url} ${he.status} ${he.localCode} "${he.message}"`);
      writeEnvelope(res, method, he.status, undefined, he);
    }
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err) => {
      log(`CA request failed: ${(err as Error).stack ?? err}`);
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  };
  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.certPem, key: options.tls.keyPem }, listener)
    : createHttpServer(listener);
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `${options.tls ? 'https' : 'http'}://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
