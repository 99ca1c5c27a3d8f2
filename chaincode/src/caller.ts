/**
 * Who is calling: the submitting identity as the shim decodes it from the signed proposal.
 */
import type { Context } from 'fabric-contract-api';

/** The certificate attribute that carries the caller's role (for example `customs`, `operator`). */
export const ROLE_ATTRIBUTE = 'role';

/** The certificate attribute that carries the caller's 18-character unified social credit code. */
export const ENTERPRISE_ID_ATTRIBUTE = 'enterpriseId';

/** The calling identity, as plain data. */
export interface Caller {
  /** MSP id of the caller's organisation, e.g. `CustomsMSP`. */
  readonly mspId: string;
  /** `x509::<subject DN>::<issuer DN>`, unique per certificate subject and issuer. */
  readonly id: string;
  /** The `role` attribute of the certificate, or null when the certificate has none. */
  readonly role: string | null;
  /** The `enterpriseId` attribute of the certificate, or null when the certificate has none. */
  readonly enterpriseId: string | null;
}

/**
 * Reads the caller from the transaction context.
 *
 * @param ctx the transaction context
 * @returns the caller's MSP id, id and known attributes
 */
export function callerOf(ctx: Context): Caller {
  const identity = ctx.clientIdentity;
  return {
    mspId: identity.getMSPID(),
    id: identity.getID(),
    role: identity.getAttributeValue(ROLE_ATTRIBUTE),
    enterpriseId: identity.getAttributeValue(ENTERPRISE_ID_ATTRIBUTE),
  };
}
