/**
 * Where an EPCIS webhook may deliver (server-side request forgery rules, one place for the subscription route that
 * checks a `dest` when it is given and the HTTP client that checks the address it resolves to): `http:` or `https:`,
 * no credentials in the URL, and no loopback, private, link-local, shared, multicast or unspecified address unless
 * the host is on the operator's allow-list.
 */
import { BlockList, isIP } from 'node:net';

/** Addresses a webhook may not reach unless its host is allowed by name. */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 127],
  ['64:ff9b::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

/**
 * Whether an IP address is loopback, private, link-local, shared, multicast or unspecified.
 *
 * @param address - IPv4 or IPv6 text.
 */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped?.[1] !== undefined) return PRIVATE.check(mapped[1], 'ipv4');
    return PRIVATE.check(address, 'ipv6');
  }
  return true; // not an address: refuse
}

/** Why a destination is refused, or undefined when it may be used (as far as can be told before resolving). */
export function destinationProblem(dest: string, allowedHosts: readonly string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(dest);
  } catch {
    return 'dest is not an absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'dest must be an http: or https: URL';
  if (url.username !== '' || url.password !== '') return 'dest must not carry credentials; use signatureToken';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (allowedHosts.includes(host.toLowerCase())) return undefined;
  if (host.toLowerCase() === 'localhost' || host.toLowerCase().endsWith('.localhost')) {
    return 'dest names a loopback host';
  }
  if (isIP(host) !== 0 && isPrivateAddress(host)) return 'dest is a private, loopback or link-local address';
  return undefined;
}
