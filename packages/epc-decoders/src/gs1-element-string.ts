/**
 * GS1 element strings, as a scanner transmits the content of a GS1-128, GS1 DataMatrix, GS1 QR Code or
 * GS1 DataBar symbol: Application Identifiers (AIs) followed by their data, variable-length fields ended by
 * FNC1, which scanners send as the ASCII group separator (GS, 0x1D). Also the human-readable bracketed form
 * `(01)80614141123458(21)6789` (typed, or sent by keyboard-wedge scanners that cannot send GS). Pure.
 *
 * Rules, from the GS1 General Specifications:
 * - the number of digits of an AI follows from its first two digits (§3.2, AI table; e.g. `01` is 2 digits,
 *   `310n` is 4, `410` is 3);
 * - AIs whose first two digits are in the "predefined length" table (§7.8.5, Figure 7.8.5-2) have a fixed
 *   length and are never followed by FNC1; all others run to the next FNC1 or the end of the data;
 * - AI 01 (GTIN) is 14 digits with a check digit; AI 21 (serial) is 1-20 characters of CSET 82.
 */
import { GS, isValidGtin14, isValidSerial } from './gs1';

/** Longest element string accepted (a GS1 DataMatrix carries at most a few hundred characters of AIs). */
export const ELEMENT_STRING_CHARS_MAX = 2048;
/** Most AIs in one element string (bounds the parse loop). */
const AIS_MAX = 64;
/** Longest AI data field in the GS1 AI table (e.g. AIs 91-99, X..90). */
const AI_DATA_CHARS_MAX = 90;

/** Figure 7.8.5-2: two-digit AI prefix -> total length (AI digits + data) of element strings with a predefined length. */
const PREDEFINED_TOTAL_LENGTH: Readonly<Record<string, number>> = {
  '00': 20,
  '01': 16,
  '02': 16,
  '03': 16,
  '04': 18,
  '11': 8,
  '12': 8,
  '13': 8,
  '14': 8,
  '15': 8,
  '16': 8,
  '17': 8,
  '18': 8,
  '19': 8,
  '20': 4,
  '31': 10,
  '32': 10,
  '33': 10,
  '34': 10,
  '35': 10,
  '36': 10,
  '41': 16,
};

/** Number of AI digits for each two-digit prefix in use (GS1 General Specifications §3.2). */
function aiDigits(prefix: string): number | undefined {
  const n = Number(prefix);
  if (n <= 4) return 2; // 00-04
  if (n >= 10 && n <= 22) return 2;
  if (n === 30 || n === 37) return 2;
  if (n >= 90) return 2; // 90-99
  if (n >= 23 && n <= 25) return 3; // 235, 24n, 25n
  if (n >= 40 && n <= 42) return 3; // 40n, 41n, 42n
  if (n === 71) return 3; // 710-717 (national healthcare reimbursement numbers)
  if ((n >= 31 && n <= 36) || n === 39 || n === 43) return 4; // 31nn-36nn, 39nn, 43nn
  if (n === 70 || n === 72 || (n >= 80 && n <= 82)) return 4; // 70nn, 72nn, 80nn-82nn
  return undefined;
}

/** Data format of the AIs we check more closely: `N` digits or `X` CSET 82, fixed or up to a maximum. */
interface AiFormat {
  readonly numeric: boolean;
  readonly fixed?: number;
  readonly max?: number;
}
const AI_FORMATS: Readonly<Record<string, AiFormat>> = {
  '00': { numeric: true, fixed: 18 },
  '01': { numeric: true, fixed: 14 },
  '02': { numeric: true, fixed: 14 },
  '03': { numeric: true, fixed: 14 },
  '10': { numeric: false, max: 20 },
  '11': { numeric: true, fixed: 6 },
  '12': { numeric: true, fixed: 6 },
  '13': { numeric: true, fixed: 6 },
  '15': { numeric: true, fixed: 6 },
  '16': { numeric: true, fixed: 6 },
  '17': { numeric: true, fixed: 6 },
  '20': { numeric: true, fixed: 2 },
  '21': { numeric: false, max: 20 },
  '22': { numeric: false, max: 20 },
  '30': { numeric: true, max: 8 },
  '37': { numeric: true, max: 8 },
  '240': { numeric: false, max: 30 },
  '241': { numeric: false, max: 30 },
  '250': { numeric: false, max: 30 },
  '251': { numeric: false, max: 30 },
  '400': { numeric: false, max: 30 },
  '401': { numeric: false, max: 30 },
  '402': { numeric: true, fixed: 17 },
  '403': { numeric: false, max: 30 },
  '420': { numeric: false, max: 20 },
  '422': { numeric: true, fixed: 3 },
  '8001': { numeric: true, fixed: 14 },
  '8004': { numeric: false, max: 30 },
  '8005': { numeric: true, fixed: 6 },
  '8006': { numeric: true, fixed: 18 },
  '8017': { numeric: true, fixed: 18 },
  '8018': { numeric: true, fixed: 18 },
  '90': { numeric: false, max: 30 },
};

/** Trade measures 31nn-36nn: six digits (the last AI digit says where the decimal point is). */
const MEASURE_FORMAT: AiFormat = { numeric: true, fixed: 6 };

/** The AIs and values of one element string, in order. */
export type ElementStringResult =
  | { readonly ok: true; readonly ais: ReadonlyMap<string, string> }
  | { readonly ok: false; readonly reason: string };

function fail(reason: string): ElementStringResult {
  return { ok: false, reason };
}

function checkValue(ai: string, value: string): string | undefined {
  if (value.length === 0) return 'gs1-empty-field';
  if (value.length > AI_DATA_CHARS_MAX) return 'gs1-field-too-long';
  const format = AI_FORMATS[ai] ?? (/^3[1-6]\d\d$/.test(ai) ? MEASURE_FORMAT : undefined);
  if (format !== undefined) {
    if (format.fixed !== undefined && value.length !== format.fixed) return 'gs1-field-length';
    if (format.max !== undefined && value.length > format.max) return 'gs1-field-length';
    if (format.numeric && !/^\d+$/.test(value)) return 'gs1-field-not-numeric';
  }
  if (ai === '01' && !isValidGtin14(value)) return 'gs1-gtin-check-digit';
  if (ai === '21' && !isValidSerial(value)) return 'gs1-serial-charset';
  // Printable ASCII only: GS1 data is CSET 82/39/64, all inside 0x21-0x7E.
  if (!/^[!-~]+$/.test(value)) return 'gs1-field-charset';
  return undefined;
}

/**
 * Parses an element string in FNC1 (GS-separated) form. A leading GS (some scanners send the symbol's
 * first FNC1) and a GS after a predefined-length field are tolerated.
 *
 * @param data the symbol's data without the AIM symbology identifier
 * @returns the AIs, or the reason the data is not a valid element string
 */
export function parseElementString(data: string): ElementStringResult {
  if (data.length > ELEMENT_STRING_CHARS_MAX) return fail('gs1-too-long');
  const ais = new Map<string, string>();
  let pos = 0;
  for (let fields = 0; pos < data.length; fields++) {
    if (fields >= AIS_MAX) return fail('gs1-too-many-fields');
    if (data[pos] === GS) {
      pos++;
      continue;
    }
    const prefix = data.slice(pos, pos + 2);
    const digits = /^\d\d$/.test(prefix) ? aiDigits(prefix) : undefined;
    if (digits === undefined) return fail('gs1-unknown-ai');
    const ai = data.slice(pos, pos + digits);
    if (ai.length < digits || !/^\d+$/.test(ai)) return fail('gs1-truncated');
    pos += digits;
    let value: string;
    const total = PREDEFINED_TOTAL_LENGTH[prefix];
    if (total !== undefined) {
      value = data.slice(pos, pos + total - digits);
      if (value.length < total - digits) return fail('gs1-truncated');
      pos += value.length;
    } else {
      const end = data.indexOf(GS, pos);
      value = data.slice(pos, end === -1 ? data.length : end);
      pos += value.length;
    }
    const problem = checkValue(ai, value);
    if (problem !== undefined) return fail(problem);
    const previous = ais.get(ai);
    if (previous !== undefined && previous !== value) return fail('gs1-conflicting-fields');
    ais.set(ai, value);
  }
  return ais.size === 0 ? fail('gs1-empty') : { ok: true, ais };
}

const BRACKETED = /^(?:\(\d{2,4}\)[^()]+)+$/;
const BRACKETED_FIELD = /\((\d{2,4})\)([^()]+)/g;

/** @returns true if `text` looks like the human-readable `(AI)value(AI)value` form */
export function isBracketedElementString(text: string): boolean {
  return text.length <= ELEMENT_STRING_CHARS_MAX && BRACKETED.test(text);
}

/**
 * Parses the human-readable form `(01)80614141123458(21)6789`. Values may not contain brackets (the form is
 * ambiguous otherwise); such serials need the FNC1 form.
 *
 * @returns the AIs, or the reason the text is not a valid element string
 */
export function parseBracketedElementString(text: string): ElementStringResult {
  if (!isBracketedElementString(text)) return fail('gs1-bracketed-syntax');
  const ais = new Map<string, string>();
  let fields = 0;
  const field = new RegExp(BRACKETED_FIELD.source, 'g');
  for (let m = field.exec(text); m !== null; m = field.exec(text)) {
    if (++fields > AIS_MAX) return fail('gs1-too-many-fields');
    const [, ai = '', value = ''] = m;
    if (aiDigits(ai.slice(0, 2)) !== ai.length) return fail('gs1-unknown-ai');
    const total = PREDEFINED_TOTAL_LENGTH[ai.slice(0, 2)];
    if (total !== undefined && value.length !== total - ai.length) return fail('gs1-field-length');
    const problem = checkValue(ai, value);
    if (problem !== undefined) return fail(problem);
    const previous = ais.get(ai);
    if (previous !== undefined && previous !== value) return fail('gs1-conflicting-fields');
    ais.set(ai, value);
  }
  return { ok: true, ais };
}
