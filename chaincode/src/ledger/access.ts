/**
 * Access control from the caller's identity (MSP id + certificate attributes). Customs is the customs MSP with
 * role `customs`; an enterprise is a caller whose `enterpriseId` attribute names an enterprise customs
 * registered for the caller's MSP. Every denial has its code.
 */
import { ChaincodeError, ErrorCode, newAccessDenied } from '../errors';
import type { EnterpriseRecord, EnterpriseRole } from '../domain/records';
import { KeyType } from './keys';
import type { TraceContext } from './trace-context';

/** MSP id of the customs organisation. */
export const CUSTOMS_MSP_ID = 'CustomsMSP';
/** Role attribute customs identities carry. */
export const CUSTOMS_ROLE = 'customs';

/** True when the caller is customs. */
export function isCustoms(ctx: TraceContext): boolean {
  return ctx.caller.mspId === CUSTOMS_MSP_ID && ctx.caller.role === CUSTOMS_ROLE;
}

/** Refuses anyone but customs. */
export function requireCustoms(ctx: TraceContext, what: string): void {
  if (!isCustoms(ctx)) throw newAccessDenied(`only customs may ${what}; caller is ${ctx.caller.mspId} with role ${ctx.caller.role ?? 'none'}`);
}

/** Loads an enterprise or refuses with UNKNOWN_ENTERPRISE. */
export async function loadEnterprise(ctx: TraceContext, id: string): Promise<EnterpriseRecord> {
  const ent = await ctx.store.get<EnterpriseRecord>(KeyType.enterprise, [id]);
  if (!ent) throw new ChaincodeError(ErrorCode.UNKNOWN_ENTERPRISE, `enterprise ${id} is not registered by customs`);
  return ent;
}

/** The caller's enterprise, verified against its MSP and (optionally) a required trade role. */
export async function requireEnterprise(ctx: TraceContext, role?: EnterpriseRole, what = 'do this'): Promise<EnterpriseRecord> {
  const id = ctx.caller.enterpriseId;
  if (!id) throw newAccessDenied(`only an enterprise may ${what}; the caller's certificate has no enterpriseId attribute`);
  const ent = await loadEnterprise(ctx, id);
  if (ent.mspId !== ctx.caller.mspId) {
    throw newAccessDenied(`enterprise ${id} belongs to ${ent.mspId}, but the caller signs for ${ctx.caller.mspId}`);
  }
  if (role && !ent.roles.includes(role)) throw newAccessDenied(`only a registered ${role} may ${what}; ${id} is ${ent.roles.join(', ')}`);
  return ent;
}
