/**
 * Registers an enterprise on the ledger (customs contract `RegisterEnterprise`) under the calling customs
 * officer's organisation, so the chaincode's own access control applies. Gateway key roles map to the chaincode's
 * trade roles: an `operator` is a duty-free operator; an `enterprise` may import, process and ship.
 */
import { LedgerError } from '../adapters/fabric';
import type { EnterpriseRole } from '../domain/principal';
import type { LedgerClients, RegisterEnterpriseOnLedger } from '../ports';

/** Chaincode trade roles granted for each gateway key role. */
export const TRADE_ROLES: Readonly<Record<EnterpriseRole, readonly string[]>> = {
  operator: ['operator'],
  enterprise: ['importer', 'logistics', 'processor'],
};

/** The port implementation on the Fabric ledger; `ALREADY_EXISTS` on the chain counts as done (a retried create). */
export function newRegisterEnterpriseOnLedger(ledgers: LedgerClients): RegisterEnterpriseOnLedger {
  return async ({ caller, enterprise }) => {
    const roles = [...new Set(enterprise.roles.flatMap((r) => TRADE_ROLES[r]))].sort();
    const request = { id: enterprise.id, name: enterprise.name, mspId: enterprise.mspId, roles };
    try {
      await ledgers.forCaller(caller, 'customs').submit('RegisterEnterprise', [JSON.stringify(request)]);
    } catch (err) {
      if (err instanceof LedgerError && err.code === 'ALREADY_EXISTS') return;
      throw err;
    }
  };
}
