/**
 * GS1 arithmetic the gateway needs in several places (item ids, capture events, event hashes, step bodies): the
 * mod-10 check digit, and the GTIN-14 / GLN an EPC pure-identity URN encodes.
 */

/** GS1 mod-10 check digit of `body` (the digits before it): weights 3, 1, 3, ... from the right. */
export function gs1CheckDigit(body: string): number {
    let sum = 0;
    for (let i = body.length - 1, weight = 3; i >= 0; i--, weight = 4 - weight) sum += (body.charCodeAt(i) - 48) * weight;
    return (10 - (sum % 10)) % 10;
}

/** Whether the last digit of `digits` is the GS1 check digit of the ones before it. */
export function hasValidGs1CheckDigit(digits: string): boolean {
    return gs1CheckDigit(digits.slice(0, -1)) === digits.charCodeAt(digits.length - 1) - 48;
}

const SGTIN_URN = /^urn:epc:id:sgtin:(\d{6,12})\.(\d{1,7})\.([\x21-\x7e]{1,20})$/;

/** The GTIN-14 (indicator digit first) and serial of an SGTIN URN, or undefined when it is not a valid SGTIN. */
export function sgtinParts(urn: string): { gtin: string; serial: string } | undefined {
    const m = SGTIN_URN.exec(urn);
    if (!m || m[1]!.length + m[2]!.length !== 13) return undefined;
    const body = `${m[2]!.slice(0, 1)}${m[1]}${m[2]!.slice(1)}`;
    return { gtin: `${body}${gs1CheckDigit(body)}`, serial: m[3]! };
}

/** The 13-digit key (with its check digit) of company prefix + reference, as SGLN and PGLN URNs split it. */
export function glnOf(companyPrefix: string, reference: string): string | undefined {
    const body = `${companyPrefix}${reference}`;
    return body.length === 12 ? `${body}${gs1CheckDigit(body)}` : undefined;
}
