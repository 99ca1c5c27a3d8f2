/**
 * Access control from the caller's identity (MSP id + certificate attributes). Customs is the customs MSP with
 * role `customs`; an enterprise is a caller whose `enterpriseId` attribute names an enterprise customs
 * registered for the caller's MSP. Every denial has its code. A caller whose enterprise customs suspended is refused
 * before any contract looks at its request ({@link refuseSuspendedCaller}, run before every ledger transaction).
 */
import { ChaincodeError, ErrorCode, newAccessDenied } from '@hainan/ledger-model';
import type { EnterpriseRecord, EnterpriseRole } from '../domain/records';
import { suspensionInEffect, type SuspensionRecord } from '../domain/suspension';
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
  if (!isCustoms(ctx))
    throw newAccessDenied(
      `only customs may ${what}; caller is ${ctx.caller.mspId} with role ${ctx.caller.role ?? 'none'}`,
    );
}

/** Loads an enterprise or refuses with UNKNOWN_ENTERPRISE. */
export async function loadEnterprise(ctx: TraceContext, id: string): Promise<EnterpriseRecord> {
  const ent = await ctx.store.get<EnterpriseRecord>(KeyType.enterprise, [id]);
  if (!ent) throw new ChaincodeError(ErrorCode.UNKNOWN_ENTERPRISE, `enterprise ${id} is not registered by customs`);
  return ent;
}

/** The caller's enterprise, verified against its MSP and (optionally) a required trade role. */
export async function requireEnterprise(
  ctx: TraceContext,
  role?: EnterpriseRole,
  what = 'do this',
): Promise<EnterpriseRecord> {
  const id = ctx.caller.enterpriseId;
  if (!id)
    throw newAccessDenied(`only an enterprise may ${what}; the caller's certificate has no enterpriseId attribute`);
  const ent = await loadEnterprise(ctx, id);
  if (ent.mspId !== ctx.caller.mspId) {
    throw newAccessDenied(`enterprise ${id} belongs to ${ent.mspId}, but the caller signs for ${ctx.caller.mspId}`);
  }
  if (role && !ent.roles.includes(role))
    throw newAccessDenied(`only a registered ${role} may ${what}; ${id} is ${ent.roles.join(', ')}`);
  return ent;
}

/**
 * Refuses every transaction a suspended enterprise makes as itself (ENTERPRISE_SUSPENDED): any caller other than
 * customs whose certificate names an enterprise, whatever the contract or function, reads or writes. Run before
 * every ledger transaction, so that no contract can forget it and a client that bypasses the gateway gains nothing.
 * The read puts the suspension key in the transaction's read set: a transaction endorsed before a suspension but
 * ordered after it fails validation (MVCC_READ_CONFLICT) instead of slipping through.
 */
export async function refuseSuspendedCaller(ctx: TraceContext): Promise<void> {
  const id = ctx.caller.enterpriseId;
  if (id === null || isCustoms(ctx)) return;
  const suspension = await ctx.store.get<SuspensionRecord>(KeyType.suspension, [id]);
  if (suspensionInEffect(suspension, ctx.txMs)) {
    throw new ChaincodeError(
      ErrorCode.ENTERPRISE_SUSPENDED,
      `enterprise ${id} is suspended by customs since ${suspension!.effectiveAt}: ${suspension!.reason}`,
    );
  }
}
