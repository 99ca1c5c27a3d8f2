/**
 * GS1 URI canonicalisation, one definition for the chaincode, the gateway and the agent: every way EPCIS names the
 * same GS1 key (EPC pure-identity URN, EPC tag URI, EPC class and id-pattern URNs, any GS1 Digital Link URI) to one
 * canonical GS1 Digital Link URI on id.gs1.org, and CBV 2.0 vocabulary (CBV 1.x URNs, short names) to its web URIs.
 *
 * The Digital Link rules follow the reference implementation of the CBV 2.0 "EPCIS Event Hash ID"
 * (github.com/RalphTro/epcis-event-hash-generator, dl_normaliser): the most fine-grained identification level only
 * (a serial wins over a lot), no CPV, no query string, GTINs padded to 14 digits. The target is Digital Link, not
 * the EPC URN, because a Digital Link does not say how long the GS1 company prefix is, so it cannot be turned back
 * into a URN without a prefix-length table; the other direction needs nothing. Dependency-free.
 */
import { gs1CheckDigit } from './gs1';

/** Characters GS1 Digital Link requires percent-encoded that EPC URNs may carry unencoded (DL standard table 7-1). */
function percentEncode(text: string): string {
  return text
    .replaceAll('!', '%21')
    .replaceAll('(', '%28')
    .replaceAll(')', '%29')
    .replaceAll('*', '%2A')
    .replaceAll('+', '%2B')
    .replaceAll(',', '%2C')
    .replaceAll(':', '%3A');
}

/** Company prefix and reference together: 13 digits (GTIN-based keys) or 12 (GLN-based), as `.`-separated parts. */
const CP13 =
  '(?:\\d{6}\\.\\d{7}|\\d{7}\\.\\d{6}|\\d{8}\\.\\d{5}|\\d{9}\\.\\d{4}|\\d{10}\\.\\d{3}|\\d{11}\\.\\d{2}|\\d{12}\\.\\d{1})';
const CP12 =
  '(?:\\d{6}\\.\\d{6}|\\d{7}\\.\\d{5}|\\d{8}\\.\\d{4}|\\d{9}\\.\\d{3}|\\d{10}\\.\\d{2}|\\d{11}\\.\\d{1}|\\d{12}\\.)';
/** GRAI / GDTI / SGCN id patterns allow an empty reference written `..` after a 12-digit prefix. */
const CP12_DOTS =
  '(?:\\d{6}\\.\\d{6}|\\d{7}\\.\\d{5}|\\d{8}\\.\\d{4}|\\d{9}\\.\\d{3}|\\d{10}\\.\\d{2}|\\d{11}\\.\\d{1}|\\d{12}\\.\\.)';
/** One character of an EPC URI serial (TDS: GS1 AI encodable character set 82, escaped where needed). */
const EPC_CHAR =
  "(?:%2[125-9A-Fa-f]|%3[0-9A-Fa-f]|%4[1-9A-Fa-f]|%5[0-9AaFf]|%6[1-9A-Fa-f]|%7[0-9Aa]|[!')(*+,.0-9:;=A-Za-z_-])";
const CPI_CHAR = '(?:%2[3dfDF]|%3[0-9]|%4[1-9A-Fa-f]|%5[0-9Aa]|[0-9A-Z-])';
const re = (source: string): RegExp => new RegExp(source);
/** A company prefix of n digits followed by up to (30 - n) characters, for GIAI / GINC / CPI style keys. */
const variable = (char: string, total: number): string =>
  `(?:${[6, 7, 8, 9, 10, 11, 12].map((n) => `\\d{${n}}\\.${char}{1,${total - n}}`).join('|')})`;

/** The GTIN (with check digit) from company prefix and item reference (indicator digit first). */
function gtinOf(companyPrefix: string, itemRef: string): string {
  const body = itemRef.slice(0, 1) + companyPrefix + itemRef.slice(1);
  return body + String(gs1CheckDigit(body));
}

const afterDot = (uri: string): string => uri.slice(uri.indexOf('.') + 1);
const withCheck = (body: string): string => body + String(gs1CheckDigit(body));
const DL = 'https://id.gs1.org/';

/** EPC URN forms, each to its Digital Link; `[company prefix, reference, rest]` come from splitting at the dots. */
const URN_RULES: readonly (readonly [RegExp, (cp: string, ref: string, rest: string, uri: string) => string])[] = [
  [
    re(`^urn:epc:id:sgtin:${CP13}\\.${EPC_CHAR}{1,20}$`),
    (cp, ref, rest) => `${DL}01/${gtinOf(cp, ref)}/21/${percentEncode(rest)}`,
  ],
  [
    re(
      `^urn:epc:id:sscc:(?:\\d{6}\\.\\d{11}|\\d{7}\\.\\d{10}|\\d{8}\\.\\d{9}|\\d{9}\\.\\d{8}|\\d{10}\\.\\d{7}|\\d{11}\\.\\d{6}|\\d{12}\\.\\d{5})$`,
    ),
    (cp, _ref, _rest, uri) => `${DL}00/${withCheck(afterDot(uri).slice(0, 1) + cp + afterDot(uri).slice(1))}`,
  ],
  [
    re(`^urn:epc:id:sgln:${CP12}\\.${EPC_CHAR}{1,20}$`),
    (cp, ref, rest) => `${DL}414/${withCheck(cp + ref)}${rest === '0' ? '' : `/254/${percentEncode(rest)}`}`,
  ],
  [
    re(`^urn:epc:id:grai:${CP12_DOTS}\\.${EPC_CHAR}{1,16}$`),
    (cp, ref, rest) => `${DL}8003/${withCheck(`0${cp}${ref}`)}${percentEncode(rest)}`,
  ],
  [
    re(`^urn:epc:id:giai:${variable(EPC_CHAR, 30)}$`),
    (cp, _ref, _rest, uri) => `${DL}8004/${cp}${percentEncode(afterDot(uri))}`,
  ],
  [
    re(
      `^urn:epc:id:gsrn:(?:\\d{6}\\.\\d{11}|\\d{7}\\.\\d{10}|\\d{8}\\.\\d{9}|\\d{9}\\.\\d{8}|\\d{10}\\.\\d{7}|\\d{11}\\.\\d{6}|\\d{12}\\.\\d{5})$`,
    ),
    (cp, _ref, _rest, uri) => `${DL}8018/${withCheck(cp + afterDot(uri))}`,
  ],
  [
    re(
      `^urn:epc:id:gsrnp:(?:\\d{6}\\.\\d{11}|\\d{7}\\.\\d{10}|\\d{8}\\.\\d{9}|\\d{9}\\.\\d{8}|\\d{10}\\.\\d{7}|\\d{11}\\.\\d{6}|\\d{12}\\.\\d{5})$`,
    ),
    (cp, _ref, _rest, uri) => `${DL}8017/${withCheck(cp + afterDot(uri))}`,
  ],
  [
    re(`^urn:epc:id:gdti:${CP12_DOTS}${EPC_CHAR}{1,20}$`),
    (cp, ref, rest) => `${DL}253/${withCheck(cp + ref)}${percentEncode(rest)}`,
  ],
  [
    re(`^urn:epc:id:cpi:${variable(CPI_CHAR, 30)}\\.\\d{1,12}$`),
    (cp, _ref, _rest, uri) =>
      `${DL}8010/${percentEncode(cp + uri.slice(uri.indexOf('.') + 1, uri.lastIndexOf('.')))}/8011/${uri.slice(uri.lastIndexOf('.') + 1)}`,
  ],
  [re(`^urn:epc:id:sgcn:${CP12}\\.\\d{1,12}$`), (cp, ref, rest) => `${DL}255/${withCheck(cp + ref)}${rest}`],
  [
    re(`^urn:epc:id:ginc:${variable(EPC_CHAR, 30)}$`),
    (cp, _ref, _rest, uri) => `${DL}401/${cp}${percentEncode(afterDot(uri))}`,
  ],
  [
    re(
      `^urn:epc:id:gsin:(?:\\d{6}\\.\\d{10}|\\d{7}\\.\\d{9}|\\d{8}\\.\\d{8}|\\d{9}\\.\\d{7}|\\d{10}\\.\\d{6}|\\d{11}\\.\\d{5}|\\d{12}\\.\\d{4})$`,
    ),
    (cp, _ref, _rest, uri) => `${DL}402/${withCheck(cp + afterDot(uri))}`,
  ],
  [
    re(`^urn:epc:id:itip:${CP13}\\.\\d{2}\\.\\d{2}\\.${EPC_CHAR}{1,20}$`),
    (cp, ref, rest) => {
      const [piece, total, ...serial] = rest.split('.');
      return `${DL}8006/${gtinOf(cp, ref)}${piece}${total}/21/${percentEncode(serial.join('.'))}`;
    },
  ],
  [
    re(`^urn:epc:id:upui:${CP13}\\.${EPC_CHAR}{1,28}$`),
    (cp, ref, rest) => `${DL}01/${gtinOf(cp, ref)}/235/${percentEncode(rest)}`,
  ],
  [re(`^urn:epc:id:pgln:${CP12}$`), (cp, ref) => `${DL}417/${withCheck(cp + ref)}`],
  [
    re(`^urn:epc:class:lgtin:${CP13}\\.${EPC_CHAR}{1,20}$`),
    (cp, ref, rest) => `${DL}01/${gtinOf(cp, ref)}/10/${percentEncode(rest)}`,
  ],
  [re(`^urn:epc:idpat:sgtin:${CP13}\\.\\*$`), (cp, ref) => `${DL}01/${gtinOf(cp, ref)}`],
  [re(`^urn:epc:idpat:grai:${CP12_DOTS}\\.\\*$`), (cp, ref) => `${DL}8003/${withCheck(`0${cp}${ref}`)}`],
  [re(`^urn:epc:idpat:gdti:${CP12_DOTS}\\.\\*$`), (cp, ref) => `${DL}253/${withCheck(cp + ref)}`],
  [re(`^urn:epc:idpat:sgcn:${CP12_DOTS}\\.\\*$`), (cp, ref) => `${DL}255/${withCheck(cp + ref)}`],
  [
    re(`^urn:epc:idpat:cpi:${variable(CPI_CHAR, 30)}\\.\\*$`),
    (cp, _ref, _rest, uri) => `${DL}8010/${percentEncode(cp + uri.slice(uri.indexOf('.') + 1, uri.lastIndexOf('.')))}`,
  ],
  [
    re(`^urn:epc:idpat:itip:${CP13}\\.\\d{2}\\.\\d{2}\\.\\*$`),
    (cp, ref, rest) => {
      const [piece, total] = rest.split('.');
      return `${DL}8006/${gtinOf(cp, ref)}${piece}${total}`;
    },
  ],
  [re(`^urn:epc:idpat:upui:${CP13}\\.\\*$`), (cp, ref) => `${DL}01/${gtinOf(cp, ref)}`],
];

/** The reference component of a key: as many characters after the first dot as the company prefix leaves of `width`. */
function splitUrn(uri: string, width: number): [string, string, string] {
  const colon = uri.lastIndexOf(':', uri.indexOf('.'));
  const dot = uri.indexOf('.');
  const cp = uri.slice(colon + 1, dot);
  const refEnd = dot + 1 + Math.max(0, width - cp.length);
  const ref = uri.slice(dot + 1, refEnd);
  return [cp, ref, uri.slice(refEnd + 1)];
}

const WIDTH_13 = /^urn:epc:(?:id|idpat|class):(?:sgtin|itip|upui|lgtin):/;

const AI_OF_SHORT_NAME: readonly (readonly [string, string])[] = [
  ['gtin', '01'],
  ['itip', '8006'],
  ['cpid', '8010'],
  ['gln', '414'],
  ['party', '417'],
  ['gsrnp', '8017'],
  ['gsrn', '8018'],
  ['gcn', '255'],
  ['sscc', '00'],
  ['gdti', '253'],
  ['ginc', '401'],
  ['gsin', '402'],
  ['grai', '8003'],
  ['giai', '8004'],
  ['cpv', '22'],
  ['lot', '10'],
  ['ser', '21'],
];
const PRIMARY_AIS = [
  '00',
  '01',
  '253',
  '255',
  '401',
  '402',
  '414',
  '417',
  '8003',
  '8004',
  '8006',
  '8010',
  '8017',
  '8018',
];
const DL_ANY =
  /^https?:(\/\/((([^/?#]*)@)?([^/?#:]*)(:([^/?#]*))?))?((([^?#]*)(\/(01|gtin|8006|itip|8010|cpid|414|gln|417|party|8017|gsrnp|8018|gsrn|255|gcn|00|sscc|253|gdti|401|ginc|402|gsin|8003|grai|8004|giai)\/)(\d{4}[^/]+)(\/[^/]+\/[^/]+)?[/]?(\?([^?\n]*))?(#([^\n]*))?)|(\/[A-Za-z_-]{10}$))/;
const DL_CANONICAL =
  /^(?:https:\/\/id.gs1.org\/(01|8006|8010|414|417|8017|8018|255|00|253|401|402|8003|8004)\/(\d{4}[^/]+)(\/[^/]+\/[^/]+)?[/]?(\?([^?\n]*))?(#([^\n]*))?|(\/[A-Za-z_-]{10}$))/;
/** GS1 AI 82 character set as Digital Link path segments carry it. */
const X = '[\\x22\\x27\\x2D\\x2E\\x30-\\x39\\x3B-\\x3F\\x41-\\x5A\\x5F\\x61-\\x7A]';
const KEY_01_8006 = '^https:\\/\\/id.gs1.org\\/(?:8006\\/\\d{18}|01\\/\\d{14})';
const CPV_LAST = re(`${KEY_01_8006}\\/22\\/(${X}{0,20})$`);
const CPV_THEN_MORE = re(`${KEY_01_8006}\\/22\\/([\\x2F${X.slice(1, -1)}]{0,20})$`);
const LOT_AND_SERIAL = re(`${KEY_01_8006}\\/10\\/(${X}{0,20})\\/21\\/(${X}{0,20})$`);
/** The canonical Digital Link forms the normaliser may give. */
const DL_VALID: readonly RegExp[] = [
  /^https:\/\/id.gs1.org\/00\/(\d{18})$/,
  re(`^https:\\/\\/id.gs1.org\\/01\\/(\\d{14})\\/21\\/(${X}{0,20})$`),
  re(`^https:\\/\\/id.gs1.org\\/01\\/(\\d{14})\\/10\\/(${X}{0,20})$`),
  /^https:\/\/id.gs1.org\/01\/(\d{14})$/,
  re(`^https:\\/\\/id.gs1.org\\/01\\/(\\d{14})\\/235\\/(${X}{0,28})$`),
  re(`^https:\\/\\/id.gs1.org\\/253\\/(\\d{13})(${X}{0,17})$`),
  /^https:\/\/id.gs1.org\/255\/(\d{13})(\d{0,12})$/,
  re(`^https:\\/\\/id.gs1.org\\/401\\/(${X}{0,30})$`),
  /^https:\/\/id.gs1.org\/402\/(\d{17})$/,
  /^https:\/\/id.gs1.org\/414\/(\d{13})$/,
  re(`^https:\\/\\/id.gs1.org\\/414\\/(\\d{13})\\/254\\/(${X}{0,20})$`),
  /^https:\/\/id.gs1.org\/417\/(\d{13})$/,
  re(`^https:\\/\\/id.gs1.org\\/8003\\/(\\d{14})(${X}{0,16})$`),
  re(`^https:\\/\\/id.gs1.org\\/8004\\/(${X}{0,30})$`),
  re(`^https:\\/\\/id.gs1.org\\/8006\\/(\\d{18})\\/21\\/(${X}{0,20})$`),
  re(`^https:\\/\\/id.gs1.org\\/8006\\/(\\d{18})\\/10\\/(${X}{0,20})$`),
  /^https:\/\/id.gs1.org\/8006\/(\d{18})$/,
  /^https:\/\/id.gs1.org\/8010\/([\x23\x2D\x2F\x30-\x39\x41-\x5A]{0,30})\/8011\/(\d{0,12})$/,
  /^https:\/\/id.gs1.org\/8010\/([\x23\x2D\x2F\x30-\x39\x41-\x5A]{0,30})$/,
  /^https:\/\/id.gs1.org\/8017\/(\d{18})$/,
  /^https:\/\/id.gs1.org\/8018\/(\d{18})$/,
];

/** Any GS1 Digital Link URI (any domain, short names, CPV, lot and serial, query) in canonical form, or undefined. */
function canonicalDigitalLink(input: string): string | undefined {
  if (!DL_ANY.test(input)) return undefined;
  let uri = input.includes('?') ? input.slice(0, input.indexOf('?')) : input;
  for (const [name, ai] of AI_OF_SHORT_NAME) uri = uri.replaceAll(`/${name}/`, `/${ai}/`);
  if (!DL_CANONICAL.test(uri)) {
    const ai = PRIMARY_AIS.find((key) => uri.includes(`/${key}/`));
    if (ai !== undefined) uri = `https://id.gs1.org${uri.slice(uri.indexOf(`/${ai}/`))}`;
  }
  if (!/^https:\/\/id.gs1.org\/01\/\d{14}/.test(uri)) {
    // GTIN-13, -12 and -8 are the same key as the GTIN-14 with leading zeros
    if (/^https:\/\/id.gs1.org\/01\/\d{13}/.test(uri)) uri = uri.replaceAll('/01/', '/01/0');
    else if (/^https:\/\/id.gs1.org\/01\/\d{12}/.test(uri)) uri = uri.replaceAll('/01/', '/01/00');
    else if (/^https:\/\/id.gs1.org\/01\/\d{8}/.test(uri)) uri = uri.replaceAll('/01/', '/01/000000');
  }
  const afterCpv = uri.slice(uri.indexOf('/22/') + 4);
  // a consumer product variant is not part of the key
  if (CPV_LAST.test(uri)) uri = uri.slice(0, uri.indexOf('/22/')) + afterCpv.slice(afterCpv.indexOf('/'), -1);
  if (CPV_THEN_MORE.test(uri)) uri = uri.slice(0, uri.indexOf('/22/')) + afterCpv.slice(afterCpv.indexOf('/'));
  if (LOT_AND_SERIAL.test(uri)) {
    // the serial names the instance; the lot adds nothing to its identity
    const afterLot = uri.slice(uri.indexOf('/10/') + 4);
    uri = uri.slice(0, uri.indexOf('/10/')) + afterLot.slice(afterLot.indexOf('/'));
  }
  return DL_VALID.some((rule) => rule.test(uri)) ? uri : undefined;
}

/**
 * The canonical GS1 Digital Link URI of any URI naming a GS1 key (EPC pure-identity, class or id-pattern URN, or a
 * Digital Link on any domain), or undefined when the value is none of these. EPC tag URIs are not keys as the
 * reference sees them: turn them into pure identities first ({@link epcTagUriToPureIdentity}).
 */
export function gs1DigitalLinkOf(uri: string): string | undefined {
  if (typeof uri !== 'string' || !uri.includes('.')) return undefined; // values come from JSON: be safe on any
  if (uri.startsWith('urn:epc:')) {
    for (const [rule, build] of URN_RULES) {
      if (rule.test(uri)) {
        const [cp, ref, rest] = splitUrn(uri, WIDTH_13.test(uri) ? 13 : 12);
        return build(cp, ref, rest, uri);
      }
    }
    return undefined;
  }
  return canonicalDigitalLink(uri);
}

/** EPC tag URI schemes whose first field is the filter value, which names no part of the identity (TDS 12.3). */
const TAG_SCHEMES_WITH_FILTER = /^urn:epc:tag:(sgtin|sscc|sgln|grai|giai|gsrn|gsrnp|gdti|sgcn|itip|cpi)-\d+:\d\.(.+)$/;

/**
 * The EPC pure-identity URN of an EPC tag URI (what an RFID read decodes to: scheme with bit length, filter value):
 * `urn:epc:tag:sgtin-96:3.0614141.812345.6789` → `urn:epc:id:sgtin:0614141.812345.6789`. Anything else unchanged.
 */
export function epcTagUriToPureIdentity(uri: string): string {
  const m = TAG_SCHEMES_WITH_FILTER.exec(uri);
  if (m) return `urn:epc:id:${m[1]}:${m[2]}`;
  const gid = /^urn:epc:tag:gid-96:(.+)$/.exec(uri);
  return gid ? `urn:epc:id:gid:${gid[1]}` : uri;
}

/** The one identity of a GS1 key however written (tag URI, pure identity, Digital Link), or the value unchanged. */
export function canonicalGs1Uri(uri: string): string {
  return gs1DigitalLinkOf(epcTagUriToPureIdentity(uri)) ?? uri;
}

/** CBV 1.x URN prefixes and the CBV 2.0 web URI prefix each became. */
const CBV_OLD_URNS: readonly (readonly [string, string])[] = [
  ['urn:epcglobal:cbv:bizstep:', 'https://ref.gs1.org/cbv/BizStep-'],
  ['urn:epcglobal:cbv:disp:', 'https://ref.gs1.org/cbv/Disp-'],
  ['urn:epcglobal:cbv:btt:', 'https://ref.gs1.org/cbv/BTT-'],
  ['urn:epcglobal:cbv:sdt:', 'https://ref.gs1.org/cbv/SDT-'],
  ['urn:epcglobal:cbv:er:', 'https://ref.gs1.org/cbv/ER-'],
];

/** CBV 1.x vocabulary URNs (`urn:epcglobal:cbv:bizstep:shipping`) in a value as their CBV 2.0 web URIs. */
export function cbvUrnToWebUri(value: string): string {
  let text = value;
  for (const [urn, uri] of CBV_OLD_URNS) text = text.replaceAll(urn, uri);
  return text;
}

/**
 * The short names of CBV 2.0 and GS1 Web Vocabulary (as the EPCIS 2.0 JSON-LD context defines them) and the web URI
 * prefix each stands for, per vocabulary: `bizStep` "shipping" is https://ref.gs1.org/cbv/BizStep-shipping.
 */
const CBV_TERMS = {
  bizStep: {
    prefix: 'https://ref.gs1.org/cbv/BizStep-',
    terms:
      'accepting arriving assembling collecting commissioning consigning creating_class_instance cycle_counting decommissioning departing destroying disassembling dispensing encoding entering_exiting holding inspecting installing killing loading other packing picking receiving removing repackaging repairing replacing reserving retail_selling sampling sensor_reporting shipping staging_outbound stock_taking stocking storing transporting unloading unpacking void_shipping',
  },
  disposition: {
    prefix: 'https://ref.gs1.org/cbv/Disp-',
    terms:
      'active available completeness_verified completeness_inferred conformant container_closed container_open damaged destroyed dispensed disposed encoded expired in_progress in_transit inactive mismatch_instance mismatch_class mismatch_quantity needs_replacement no_pedigree_match non_conformant non_sellable_other partially_dispensed recalled reserved retail_sold returned sellable_accessible sellable_not_accessible stolen unavailable unknown',
  },
  bizTransactionType: {
    prefix: 'https://ref.gs1.org/cbv/BTT-',
    terms: 'bol cert desadv inv pedigree po poc prodorder recadv rma testprd testres upevt',
  },
  sourceDestType: { prefix: 'https://ref.gs1.org/cbv/SDT-', terms: 'owning_party possessing_party location' },
  errorReason: { prefix: 'https://ref.gs1.org/cbv/ER-', terms: 'did_not_occur incorrect_data' },
  component: {
    prefix: 'https://ref.gs1.org/cbv/Comp-',
    terms:
      'x y z axial_distance azimuth height spherical_radius polar_angle elevation_angle easting northing latitude longitude altitude',
  },
  measurementType: {
    prefix: 'https://gs1.org/voc/',
    terms:
      'AbsoluteHumidity AbsorbedDose AbsorbedDoseRate Acceleration Radioactivity Altitude AmountOfSubstance AmountOfSubstancePerUnitVolume Angle AngularAcceleration AngularMomentum AngularVelocity Area Capacitance Conductance Conductivity Count Density Dimensionless DoseEquivalent DoseEquivalentRate DynamicViscosity ElectricCharge ElectricCurrent ElectricCurrentDensity ElectricFieldStrength Energy Exposure Force Frequency Illuminance Inductance Irradiance KinematicViscosity Length LinearMomentum Luminance LuminousFlux LuminousIntensity MagneticFlux MagneticFluxDensity MagneticVectorPotential Mass MassConcentration MassFlowRate MassPerAreaTime MemoryCapacity MolalityOfSolute MolarEnergy MolarMass MolarVolume Power Pressure RadiantFlux RadiantIntensity RelativeHumidity Resistance Resistivity SolidAngle SpecificVolume Speed SurfaceDensity SurfaceTension Temperature Time Torque Voltage Volume VolumeFlowRate VolumeFraction VolumetricFlux Wavenumber',
  },
  sensorAlertType: { prefix: 'https://gs1.org/voc/', terms: 'ALARM_CONDITION ERROR_CONDITION' },
} as const;

/** A CBV / GS1 vocabulary with short names. */
export type CbvVocabulary = keyof typeof CBV_TERMS;
const CBV_TERM_SETS: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  Object.entries(CBV_TERMS).map(([name, { terms }]) => [name, new Set(terms.split(' '))]),
);

/** The web URI of a short name of a vocabulary (`cbvTermUri('disposition', 'in_transit')`), or undefined. */
export function cbvTermUri(vocabulary: CbvVocabulary, term: string): string | undefined {
  return CBV_TERM_SETS.get(vocabulary)?.has(term) ? CBV_TERMS[vocabulary].prefix + term : undefined;
}

/** The EPC scheme (TDS) a Digital Link's primary key stands for; `01` is told apart by its qualifier below. */
const SCHEME_OF_PRIMARY_AI: Readonly<Record<string, string>> = {
  '00': 'sscc',
  '253': 'gdti',
  '255': 'sgcn',
  '401': 'ginc',
  '402': 'gsin',
  '414': 'sgln',
  '417': 'pgln',
  '8003': 'grai',
  '8004': 'giai',
  '8006': 'itip',
  '8010': 'cpi',
  '8017': 'gsrnp',
  '8018': 'gsrn',
};

/** A GS1 key recognised in any of its URI forms. */
export interface Gs1Key {
  /**
   * The EPC scheme: `sgtin`, `sscc`, `sgln`, `grai`, `giai`, ... for an instance; `lgtin` (GTIN + lot) or `gtin`
   * (GTIN alone) for a class of trade items, as EPCIS quantity lists name them.
   */
  readonly scheme: string;
  /** Its canonical GS1 Digital Link URI ({@link canonicalGs1Uri}). */
  readonly digitalLink: string;
}

/**
 * Which GS1 key a URI names, however written (EPC pure-identity, class or id-pattern URN, EPC tag URI, Digital Link on
 * any domain), or undefined when it names none.
 */
export function gs1KeyOf(uri: string): Gs1Key | undefined {
  const digitalLink = gs1DigitalLinkOf(epcTagUriToPureIdentity(uri));
  if (digitalLink === undefined) return undefined;
  const [ai = '', , qualifier] = digitalLink.slice(DL.length).split('/');
  const scheme =
    ai === '01'
      ? qualifier === '21'
        ? 'sgtin'
        : qualifier === '10'
          ? 'lgtin'
          : qualifier === '235'
            ? 'upui'
            : 'gtin'
      : SCHEME_OF_PRIMARY_AI[ai];
  return scheme === undefined ? undefined : { scheme, digitalLink };
}
