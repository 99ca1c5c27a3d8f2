/**
 * The HTTP client of EPCIS webhook deliveries, careful about where it connects (server-side request forgery): only
 * `http:` and `https:` URLs without credentials; the host name is resolved once and the connection goes to exactly
 * the address that was checked (no second lookup a DNS rebinding could answer differently); loopback, private,
 * link-local, CGNAT, multicast and unspecified addresses are refused unless the host is in the allow-list
 * (`EPCIS_WEBHOOK_ALLOWED_HOSTS`); redirects are not followed; the response body is not read; each POST has a
 * deadline.
 */
import { lookup as dnsLookup } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { destinationProblem, isPrivateAddress } from '../../domain/webhook-destination';

/** Deadline of one POST, in milliseconds (connect to last response byte of the status line). */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;

/** Options of {@link newWebhookClient}. */
export interface WebhookClientOptions {
  /** Hosts (names or addresses, lower case) that may be private: an in-house regulator endpoint, a test receiver. */
  readonly allowedHosts?: readonly string[];
  readonly timeoutMs?: number;
}

/**
 * Create the POST function of the webhook dispatcher.
 *
 * @param options - Allow-list and deadline.
 * @returns `post(dest, body, headers)` resolving with the HTTP status.
 */
export function newWebhookClient(
  options: WebhookClientOptions = {},
): (dest: string, body: string, headers: Readonly<Record<string, string>>) => Promise<number> {
  const allowed = (options.allowedHosts ?? []).map((h) => h.toLowerCase());
  const timeoutMs = options.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  return (dest, body, headers) =>
    new Promise<number>((resolve, reject) => {
      const problem = destinationProblem(dest, allowed);
      if (problem !== undefined) {
        reject(new Error(problem));
        return;
      }
      const url = new URL(dest);
      const hostAllowed = allowed.includes(url.hostname.replace(/^\[|\]$/g, '').toLowerCase());
      // The address checked is the address connected to: one lookup, inside the connection.
      const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
        dnsLookup(hostname, { ...lookupOptions, all: false }, (err, address, family) => {
          if (err) return callback(err, '', 0);
          if (!hostAllowed && isPrivateAddress(address as string)) {
            return callback(new Error(`dest resolves to a private address (${String(address)})`), '', 0);
          }
          callback(null, address as string, family as number);
        });
      };
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(
        url,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          lookup,
          timeout: timeoutMs,
        },
        (res) => {
          res.resume(); // the body is not ours to read; drain it so the socket is freed
          resolve(res.statusCode ?? 0);
        },
      );
      const deadline = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      req.on('close', () => clearTimeout(deadline));
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
}
