/**
 * Classifies and decodes one textual read (a barcode's content, a keyboard-wedge line, a QR code): AIM
 * symbology identifier first, then GS1 element string, GS1 Digital Link, SGTIN URN, EPC hex, or Hainan
 * 16-digit traceability code. Pure.
 *
 * AIM symbology identifiers (ISO/IEC 15424: `]` + symbology + modifier) settle what the data is when the
 * scanner sends them: `]C1` GS1-128, `]e0` GS1 DataBar, `]d2` GS1 DataMatrix, `]Q3` GS1 QR Code and `]J1`
 * GS1 DotCode carry element strings (the leading FNC1 is implied by the identifier); `]E0`/`]E4` (EAN/UPC)
 * and `]I1` (ITF-14) carry only a GTIN, which names a product, not an item. Any other identifier (`]Q1`
 * plain QR, `]d1` plain DataMatrix, `]C0` Code 128, ...) carries free text, classified like text without one.
 *
 * Ambiguity, settled on purpose: without an AIM identifier, exactly 16 digits are a Hainan traceability code
 * (`0180614141123458`, an element string holding only a GTIN, is read as a code, not as "GTIN, no serial").
 * The Hainan code has no published check digit, so any 16 digits are accepted.
 */
import { ItemRead, Read, undecodable } from './reads';
import { EpcReadDecoder } from './epc-read';
import { GS, digitalLinkOf, hainanKey, itemKey, keyOfSgtinUrn, parseSgtinUrn } from './gs1';
import {
  ElementStringResult,
  isBracketedElementString,
  parseBracketedElementString,
  parseElementString,
} from './gs1-element-string';
import { isHttpUri, parseDigitalLink } from './digital-link';
import { isHainanCode } from './hainan-code';

/** AIM identifiers whose data is a GS1 element string. */
const GS1_AIM = new Set([']C1', ']e0', ']d2', ']Q3', ']J1']);
/** AIM identifiers whose data is a bare GTIN (EAN-13/UPC-A, EAN-8, ITF-14 with check digit). */
const GTIN_ONLY_AIM = new Set([']E0', ']E4', ']I1']);
const AIM = /^\][A-Za-z][0-9A-Za-z]/;
const EPC_HEX = /^(?:[0-9A-Fa-f]{24}|[0-9A-Fa-f]{50}|[0-9A-Fa-f]{52})$/;
/** Element string without AIM identifier: starts with FNC1/GS, or with AI 01 and a GTIN. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: GS (0x1d) is the GS1 separator a scanner sends
const BARE_ELEMENT_STRING = /^(?:\u001d|01\d{14})/;

/** Longest text read decoded (longer input is undecodable, not truncated). */
export const TEXT_READ_CHARS_MAX = 4096;

/**
 * @param gtin the GTIN-14
 * @param serial the serial
 * @returns an item read uploaded as a GS1 Digital Link URI (see gs1.ts for why not an SGTIN URN)
 */
export function barcodeItem(gtin: string, serial: string): ItemRead {
  return { kind: 'item', key: itemKey(gtin, serial), upload: digitalLinkOf(gtin, serial) };
}

function fromElementString(result: ElementStringResult, text: string): Read {
  if (!result.ok) return undecodable(result.reason, text);
  const gtin = result.ais.get('01');
  const serial = result.ais.get('21');
  if (gtin === undefined) return undecodable(result.ais.has('00') ? 'gs1-sscc-not-an-item' : 'gs1-no-gtin', text);
  if (serial === undefined) return undecodable('gs1-no-serial', text);
  return barcodeItem(gtin, serial);
}

/**
 * Decodes one textual read.
 *
 * @param text the content as the scanner sent it (AIM identifier included if enabled), without line ending
 * @param epc decoder (with its memo) used when the text is an EPC in hex
 * @returns an item read or an undecodable read with its reason
 */
export function decodeTextRead(text: string, epc: EpcReadDecoder): Read {
  if (text.length === 0) return undecodable('empty', text);
  if (text.length > TEXT_READ_CHARS_MAX) return undecodable('text-too-long', text);
  let data = text;
  if (AIM.test(text)) {
    const aim = text.slice(0, 3);
    data = text.slice(3);
    if (GS1_AIM.has(aim)) {
      return fromElementString(
        data.startsWith('(') ? parseBracketedElementString(data) : parseElementString(data),
        text,
      );
    }
    if (GTIN_ONLY_AIM.has(aim)) return undecodable('gtin-without-serial', text);
  }
  if (data.startsWith('urn:epc:id:sgtin:')) {
    const urn = parseSgtinUrn(data);
    return urn === undefined
      ? undecodable('urn-invalid', text)
      : { kind: 'item', key: keyOfSgtinUrn(urn), upload: data };
  }
  if (data.startsWith('urn:epc:')) return undecodable('urn-not-sgtin', text);
  if (isHttpUri(data)) {
    const link = parseDigitalLink(data);
    if (!link.ok) return undecodable(link.reason, text);
    return link.serial === undefined ? undecodable('gs1-no-serial', text) : barcodeItem(link.gtin, link.serial);
  }
  if (isHainanCode(data)) return { kind: 'item', key: hainanKey(data), upload: data };
  if (EPC_HEX.test(data)) {
    const read = epc.decodeHex(data);
    // Keep the text as typed in the preview, the reason from the EPC decoder.
    return read.kind === 'undecodable' ? undecodable(read.reason, text) : read;
  }
  if (isBracketedElementString(data)) return fromElementString(parseBracketedElementString(data), text);
  if (BARE_ELEMENT_STRING.test(data))
    return fromElementString(parseElementString(data.startsWith(GS) ? data.slice(1) : data), text);
  return undecodable('unrecognised', text);
}
