/**
 * Who is calling: the roles an API key can carry and the principal the auth plugin attaches to each request.
 * Pure; no framework imports.
 */

/** The roles of the HTTP API, one per kind of user (see the domain reference: customs, operators, enterprises). */
export const ROLES = ['customs', 'operator', 'enterprise'] as const;

/** One of {@link ROLES}. */
export type Role = (typeof ROLES)[number];

/** Roles an enterprise may be granted (customs is not an enterprise). */
export const ENTERPRISE_ROLES = ['operator', 'enterprise'] as const;

/** One of {@link ENTERPRISE_ROLES}. */
export type EnterpriseRole = (typeof ENTERPRISE_ROLES)[number];

/** The authenticated caller of one request. */
export interface Principal {
  /** Id of the API key used. */
  readonly keyId: string;
  readonly role: Role;
  /** The key's enterprise (unified social credit code); null for customs. */
  readonly enterpriseId: string | null;
  /**
   * Fabric MSP the gateway signs the caller's transactions with: the enterprise's `mspId`, or the customs MSP from
   * the configuration for a customs key.
   */
  readonly mspId: string;
}

/** An enterprise as customs registered it with the gateway. */
export interface Enterprise {
  /** Unified social credit code. */
  readonly id: string;
  readonly name: string;
  /** Roles its keys may take. */
  readonly roles: readonly EnterpriseRole[];
  /** Fabric MSP whose identity signs for it. */
  readonly mspId: string;
  readonly createdAt: Date;
}

/**
 * Whether `principal` may read or act on resources of enterprise `enterpriseId`: customs may see every enterprise,
 * an enterprise only itself.
 *
 * @param principal - The caller.
 * @param enterpriseId - Owner of the resource.
 * @returns True when allowed.
 */
export function mayAccessEnterprise(principal: Principal, enterpriseId: string): boolean {
  return principal.role === 'customs' || principal.enterpriseId === enterpriseId;
}
