/**
 * GS1 arithmetic the gateway needs in several places (item ids, capture events, event hashes, step bodies): the
 * mod-10 check digit and the SGTIN grammar are @hainan/ledger-model's (the chain's own), re-exported here; this module
 * adds the GTIN-14 / GLN an EPC pure-identity URN encodes.
 */
import { gs1CheckDigit, gtinOfSgtin, hasValidGs1CheckDigit, parseSgtin } from '@hainan/ledger-model';

export { gs1CheckDigit, hasValidGs1CheckDigit };

/** The GTIN-14 (indicator digit first) and serial (URN form) of an SGTIN URN, or undefined when it is not a valid SGTIN. */
export function sgtinParts(urn: string): { gtin: string; serial: string } | undefined {
  const sgtin = parseSgtin(urn);
  return sgtin === undefined ? undefined : { gtin: gtinOfSgtin(sgtin), serial: sgtin.serial };
}

/** The 13-digit key (with its check digit) of company prefix + reference, as SGLN and PGLN URNs split it. */
export function glnOf(companyPrefix: string, reference: string): string | undefined {
  const body = `${companyPrefix}${reference}`;
  return body.length === 12 ? `${body}${gs1CheckDigit(body)}` : undefined;
}
