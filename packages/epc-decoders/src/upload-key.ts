/**
 * Recomputes the deduplication key of a string the agent uploaded (SGTIN URN, GS1 Digital Link URI, Hainan
 * code). The spool stores only what is uploaded; after a restart this rebuilds the set of items already
 * counted in a session. Pure.
 */
import { parseDigitalLink } from './digital-link';
import { hainanKey, itemKey, keyOfSgtinUrn, parseSgtinUrn } from './gs1';
import { isHainanCode } from './hainan-code';

/**
 * @param upload a string the agent produced as an item read's `upload`
 * @returns its key, or undefined if it is not one of the three forms
 */
export function keyOfUpload(upload: string): string | undefined {
  if (isHainanCode(upload)) return hainanKey(upload);
  if (upload.startsWith('urn:')) {
    const urn = parseSgtinUrn(upload);
    return urn === undefined ? undefined : keyOfSgtinUrn(urn);
  }
  const link = parseDigitalLink(upload);
  return link.ok && link.serial !== undefined ? itemKey(link.gtin, link.serial) : undefined;
}
