/**
 * Readiness that means "a transaction can commit now": the endorsement path and the ordering service, probed the way
 * a real transaction uses them, without writing anything.
 *
 * 1. Endorse (never submit) the chaincode's cheap read-only `system:GetVersion` with the endorsing organisations of the
 *    policy: the same Gateway → peers → chaincode path a submit takes. A stopped chaincode server, a peer that is
 *    down, an identity the channel refuses or a chaincode not defined all fail here, each named.
 * 2. The orderer: the endorsed probe is submitted with a deliberately wrong signature. A reachable orderer refuses it
 *    at its Writers check (no block, nothing ordered); an unreachable one makes the peer's gateway answer gRPC 14
 *    `no orderers could successfully process transaction`. Real submits feed an {@link OrdererWatch} too, so an
 *    outage seen by traffic counts at once; the signature probe runs at most every `ordererProbeIntervalMs` while
 *    the orderer looks fine, and on every readiness probe while it does not (recovery is seen by itself).
 *
 * Callers (the health plugin) cache the outcome for a few seconds and run one probe at a time.
 */
import type { Gateway } from '@hyperledger/fabric-gateway';
import { LedgerErrorCode, toLedgerError } from './errors';

/** Why the gateway cannot commit right now: a stable reason code and a sentence for the operator. */
export interface NotReadyReason {
  /** `chaincode-unendorsable`, `orderer-unreachable`, `ledger-unreachable`, `ledger-identity-refused`, `ledger-misconfigured`. */
  readonly reason: string;
  readonly detail: string;
}

/** Thrown by a readiness check that knows why: the health plugin lists `reasons` in its 503. */
export class NotReadyError extends Error {
  readonly reasons: readonly NotReadyReason[];

  constructor(reasons: readonly NotReadyReason[]) {
    super(reasons.map((r) => r.detail).join('; '));
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'NotReadyError';
    this.reasons = reasons;
  }
}

/** What the peer's gateway answers when it reached no orderer (Fabric 2.5 internal/pkg/gateway/api.go Submit). */
const NO_ORDERER_PATTERN = /no orderers could successfully process transaction|no orderer nodes available/;
const GRPC_UNAVAILABLE = 14;

/** The transaction used as the probe: read-only, no ledger access, present in every build of the chaincode. */
export const PROBE_CONTRACT = 'system';
export const PROBE_TRANSACTION = 'GetVersion';

/** How often the orderer is probed while nothing suggests it is down. */
export const DEFAULT_ORDERER_PROBE_INTERVAL_MS = 15_000;

/**
 * What real submits tell about the ordering service: the last one that found no orderer marks it unreachable until
 * a submit (or the readiness probe) reaches it again.
 */
export class OrdererWatch {
  #unreachable: { since: number; message: string } | undefined;

  /** Record a submit's outcome: `undefined` for one that reached an orderer, else what it threw. */
  observe(err?: unknown): void {
    if (err === undefined) {
      this.#unreachable = undefined;
      return;
    }
    const text = describe(err);
    if (grpcCodeOf(err) === GRPC_UNAVAILABLE && NO_ORDERER_PATTERN.test(text)) {
      this.#unreachable ??= { since: Date.now(), message: text };
    }
  }

  /** Since when, and with which error, the orderer looks unreachable; undefined while it looks fine. */
  get unreachable(): { readonly since: number; readonly message: string } | undefined {
    return this.#unreachable;
  }
}

/** The watch every ledger client of this process reports its submits to. */
export const processOrdererWatch = new OrdererWatch();

/** Options of {@link newCommitPathProbe}. */
export interface CommitPathProbeOptions {
  /** A connected gateway (the customs identity): the probe signs as it. */
  gateway: Gateway;
  channel: string;
  chaincode: string;
  /** The organisations the endorsement policy needs; empty lets the peer's gateway choose (its discovery). */
  endorsingOrganizations?: readonly string[];
  /** Defaults to {@link processOrdererWatch}. */
  watch?: OrdererWatch;
  /** Defaults to {@link DEFAULT_ORDERER_PROBE_INTERVAL_MS}. */
  ordererProbeIntervalMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * The probe: resolves when the chaincode can be endorsed and the orderer reached, else rejects with a
 * {@link NotReadyError} naming each cause.
 *
 * @param options - Gateway, channel, chaincode, policy organisations.
 * @returns A function running one probe.
 */
export function newCommitPathProbe(options: Readonly<CommitPathProbeOptions>): () => Promise<void> {
  const watch = options.watch ?? processOrdererWatch;
  const interval = options.ordererProbeIntervalMs ?? DEFAULT_ORDERER_PROBE_INTERVAL_MS;
  const now = options.now ?? Date.now;
  const orgs = [...(options.endorsingOrganizations ?? [])];
  const contract = options.gateway.getNetwork(options.channel).getContract(options.chaincode, PROBE_CONTRACT);
  let lastOrdererProbe = Number.NEGATIVE_INFINITY;

  return async () => {
    const proposal = contract.newProposal(PROBE_TRANSACTION, orgs.length > 0 ? { endorsingOrganizations: orgs } : {});
    let endorsed;
    try {
      endorsed = await proposal.endorse();
    } catch (err: unknown) {
      // The orderer is not asked when endorsement fails; what the watch knows still counts.
      throw new NotReadyError([endorsementReason(err, options.chaincode, orgs), ...watchReasons(watch)]);
    }
    if (watch.unreachable === undefined && now() - lastOrdererProbe < interval) return;
    lastOrdererProbe = now();
    // A wrong signature (the digest's bytes reversed): the orderer refuses it at its Writers check, so nothing is
    // ordered and no block is cut; only an unreachable orderer gives gRPC 14.
    const signature = Uint8Array.from(endorsed.getDigest()).reverse();
    const unsigned = options.gateway.newSignedTransaction(endorsed.getBytes(), signature);
    try {
      await unsigned.submit();
      watch.observe(); // accepted after all (a gateway that does not check): the orderer answered
    } catch (err: unknown) {
      watch.observe(grpcCodeOf(err) === GRPC_UNAVAILABLE ? err : undefined);
    }
    const reasons = watchReasons(watch);
    if (reasons.length > 0) throw new NotReadyError(reasons);
  };
}

function watchReasons(watch: OrdererWatch): NotReadyReason[] {
  const down = watch.unreachable;
  if (down === undefined) return [];
  return [
    {
      reason: 'orderer-unreachable',
      detail: `no orderer could be reached since ${new Date(down.since).toISOString()}: ${down.message}`,
    },
  ];
}

/** The reason an endorsement of the probe failed, naming the organisation whose peer could not endorse. */
export function endorsementReason(err: unknown, chaincode: string, orgs: readonly string[]): NotReadyReason {
  const ledgerError = toLedgerError(err);
  const details = detailsOf(err);
  const text = details.map((d) => d.message).find((m) => m.length > 0) ?? ledgerError.message;
  if (ledgerError.kind === 'identity') {
    return { reason: 'ledger-identity-refused', detail: `the peer refused the gateway's probe identity: ${text}` };
  }
  if (ledgerError.code === LedgerErrorCode.LEDGER_MISCONFIGURED) {
    return {
      reason: 'ledger-misconfigured',
      detail: `the peer knows no chaincode ${chaincode} on this channel: ${describe(err)}`,
    };
  }
  if (ledgerError.code === LedgerErrorCode.LEDGER_UNAVAILABLE && details.length === 0) {
    return { reason: 'ledger-unreachable', detail: `the gateway peer cannot be reached: ${describe(err)}` };
  }
  const named = [...new Set(details.map((d) => d.mspId).filter((m) => m.length > 0))];
  const who =
    named.length > 0 ? named.join(', ') : orgs.length > 0 ? orgs.join(', ') : "the endorsement policy's organisations";
  const where = details.length > 0 ? ` (peer ${details.map((d) => d.address).join(', ')})` : '';
  return {
    reason: 'chaincode-unendorsable',
    detail: `chaincode ${chaincode} cannot be endorsed by ${who}${where}: ${text}`,
  };
}

function detailsOf(err: unknown): { address: string; mspId: string; message: string }[] {
  const details = (err as { details?: unknown } | undefined)?.details;
  if (!Array.isArray(details)) return [];
  return details.slice(0, 16).map((d: { address?: unknown; mspId?: unknown; message?: unknown }) => ({
    address: typeof d.address === 'string' ? d.address : '',
    mspId: typeof d.mspId === 'string' ? d.mspId : '',
    message: typeof d.message === 'string' ? d.message : '',
  }));
}

function grpcCodeOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const details = detailsOf(err)
    .map((d) => d.message)
    .filter((m) => m.length > 0);
  return details.length > 0 ? `${message} (${details.join('; ')})` : message;
}
