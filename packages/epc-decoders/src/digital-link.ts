/**
 * GS1 Digital Link URIs (GS1 Digital Link URI syntax 1.x), as printed in QR codes on items:
 * `https://{any host}/{optional path}/01/{GTIN}/22/{cpv}/10/{lot}/21/{serial}?{attributes}`. Pure.
 *
 * Any host is accepted (brands run their own resolvers); the primary key is found as the first `01` (or the
 * legacy short name `gtin`) path segment followed by a GTIN-8/12/13/14, which is widened to 14 digits. Key
 * qualifiers come in the order 22, 10, 21 (§4.3); only the serial (21 or `ser`) matters here. Query-string
 * attributes are ignored. Compressed Digital Links are not decoded (reported as having no GTIN).
 */
import { isValidGtin14, isValidSerial } from './gs1';

/** Longest URI accepted (QR codes on items carry well under 1 KiB). */
export const DIGITAL_LINK_CHARS_MAX = 2048;
/** Most path segments examined (bounds the scan). */
const PATH_SEGMENTS_MAX = 32;

const QUALIFIER_NAMES: Readonly<Record<string, string>> = {
  '22': '22',
  cpv: '22',
  '10': '10',
  lot: '10',
  '21': '21',
  ser: '21',
};

/** The result of reading one Digital Link. */
export type DigitalLinkResult =
  | { readonly ok: true; readonly gtin: string; readonly serial: string | undefined }
  | { readonly ok: false; readonly reason: string };

/** @returns true if the text is an http(s) URI, the only form a Digital Link takes */
export function isHttpUri(text: string): boolean {
  return /^https?:\/\//i.test(text);
}

/**
 * @param uri the scanned URI
 * @returns the GTIN-14 and the serial (undefined if the link names a product, not an item)
 */
export function parseDigitalLink(uri: string): DigitalLinkResult {
  if (uri.length > DIGITAL_LINK_CHARS_MAX) return { ok: false, reason: 'digital-link-too-long' };
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return { ok: false, reason: 'digital-link-not-a-uri' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: 'digital-link-not-a-uri' };
  const segments = url.pathname
    .split('/')
    .filter((s) => s.length > 0)
    .slice(0, PATH_SEGMENTS_MAX);
  const at = segments.findIndex(
    (s, i) => (s === '01' || s === 'gtin') && /^(\d{8}|\d{12,14})$/.test(segments[i + 1] ?? ''),
  );
  if (at === -1) return { ok: false, reason: 'digital-link-no-gtin' };
  const gtin = (segments[at + 1] ?? '').padStart(14, '0');
  if (!isValidGtin14(gtin)) return { ok: false, reason: 'gs1-gtin-check-digit' };

  if ((segments.length - at) % 2 !== 0) return { ok: false, reason: 'digital-link-bad-qualifier' };
  let serial: string | undefined;
  for (let i = at + 2; i + 1 < segments.length; i += 2) {
    const ai = QUALIFIER_NAMES[segments[i] ?? ''];
    if (ai === undefined) return { ok: false, reason: 'digital-link-bad-qualifier' };
    if (ai !== '21') continue;
    let value: string;
    try {
      value = decodeURIComponent(segments[i + 1] ?? '');
    } catch {
      return { ok: false, reason: 'digital-link-bad-escape' };
    }
    if (!isValidSerial(value)) return { ok: false, reason: 'gs1-serial-charset' };
    serial = value;
  }
  return { ok: true, gtin, serial };
}
