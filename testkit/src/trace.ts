/**
 * Test helpers for the traceability chaincode on the dev peer: the dev network's enterprises, valid GS1
 * identifiers, and a small client that submits `contract:Function` with one JSON request and returns the
 * parsed JSON result or the chaincode's stable error code.
 */
import { createHash } from 'node:crypto';
import { gs1CheckDigit } from '@hainan/ledger-model';
import type { Gateway } from '@hyperledger/fabric-gateway';
import { connectGateway, DevnetProcess } from './devnet';

/** Enterprises whose identities the dev network issues (see devnet crypto-material.ts). */
export const ENTERPRISES = {
  operator: { id: '91460000MA5TDF000D', identity: 'operator1', mspId: 'OperatorMSP', roles: ['operator'] },
  importer: {
    id: '91460000MA5TKJ000H',
    identity: 'enterprise1',
    mspId: 'EnterpriseMSP',
    roles: ['importer', 'logistics'],
  },
  processor: { id: '91460000MA5TJG000B', identity: 'enterprise2', mspId: 'EnterpriseMSP', roles: ['processor'] },
} as const;

/** GS1 mod-10 check digit (the ledger's, @hainan/ledger-model). */
export const checkDigit = gs1CheckDigit;

/** A 13-digit GLN under company prefix 6901234 with a valid check digit. */
export function gln(locationRef: number): string {
  const body = `6901234${String(locationRef).padStart(5, '0')}`;
  return body + checkDigit(body);
}

/** A product: its GTIN-14 and a maker of SGTINs (company prefix 6901234, 6-digit item reference with indicator 0). */
export function product(itemRef: number): { gtin: string; sgtin(serial: string | number): string } {
  const ref = `0${String(itemRef).padStart(5, '0')}`;
  const body = `06901234${ref.slice(1)}`;
  return { gtin: body + checkDigit(body), sgtin: (serial) => `urn:epc:id:sgtin:6901234.${ref}.${serial}` };
}

/**
 * A first-line entry request (`goods:Enter`) of `serials` of `p` at `location`: zero-tariff cosmetics at 100 yuan each,
 * the shape most chain tests enter their goods with.
 */
export function entryRequest(
  p: ReturnType<typeof product>,
  location: string,
  serials: readonly (string | number)[],
  declarationNo = 'D-1',
) {
  return {
    declarationNo,
    location,
    regime: 'ZERO_TARIFF',
    product: { gtin: p.gtin, hsCode: '330300', category: 'COSMETICS' },
    unitValueFen: 10_000,
    items: serials.map((s) => p.sgtin(s)),
  };
}

/** A case's or pallet's SSCC URN under company prefix 6901234 (serial reference `n`). */
export const sscc = (n: number): string => `urn:epc:id:sscc:6901234.${String(n).padStart(10, '0')}`;

/** A person code as the gateway makes it (HMAC in production; a plain hash is enough for tests). */
export function personCode(seed: string): string {
  return createHash('sha256').update(`person:${seed}`).digest('hex');
}

/** A chaincode failure with its stable code. */
export class ChainError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    Object.setPrototypeOf(this, new.target.prototype); // keeps instanceof under any compile target
    this.name = 'ChainError';
  }
}

/** Reads the stable code from a client error (`chaincode response 500, CODE: detail`). */
export function chainErrorOf(err: unknown): ChainError {
  const e = err as { details?: { message: string }[]; message?: string };
  const text = e.details?.[0]?.message ?? e.message ?? String(err);
  const m = /chaincode response \d+, ([A-Z_]+): (.*)$/s.exec(text);
  return new ChainError(m?.[1] ?? 'UNKNOWN', m?.[2] ?? text);
}

/** A client of the traceability chaincode per dev-network identity. */
export class TraceClient {
  readonly #gateways = new Map<string, Gateway & { grpcClient: { close(): void } }>();

  constructor(
    private readonly devnet: DevnetProcess,
    private readonly chaincode = 'traceability',
  ) {}

  #contract(identity: string, contractName: string) {
    let gw = this.#gateways.get(identity);
    if (!gw) this.#gateways.set(identity, (gw = connectGateway(this.devnet.profile, identity)));
    return gw.getNetwork(this.devnet.profile.channel).getContract(this.chaincode, contractName);
  }

  /** Submits `contract:Fn` as `identity`; resolves the parsed result, rejects with ChainError. */
  async submit<T = Record<string, unknown>>(
    identity: string,
    fn: string,
    request: unknown,
    transient?: Record<string, unknown>,
  ): Promise<T> {
    const [contractName, name] = fn.split(':') as [string, string];
    try {
      const bytes = await this.#contract(identity, contractName).submit(name, {
        arguments: [JSON.stringify(request)],
        ...(transient
          ? { transientData: Object.fromEntries(Object.entries(transient).map(([k, v]) => [k, JSON.stringify(v)])) }
          : {}),
      });
      return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
    } catch (err) {
      throw chainErrorOf(err);
    }
  }

  /** Evaluates `contract:Fn` as `identity`. */
  async evaluate<T = Record<string, unknown>>(identity: string, fn: string, request: unknown): Promise<T> {
    const [contractName, name] = fn.split(':') as [string, string];
    try {
      const bytes = await this.#contract(identity, contractName).evaluate(name, {
        arguments: [JSON.stringify(request)],
      });
      return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
    } catch (err) {
      throw chainErrorOf(err);
    }
  }

  /** Expects `promise` to fail with `code`; returns the error. */
  static async refused(promise: Promise<unknown>): Promise<ChainError> {
    try {
      await promise;
    } catch (err) {
      return err instanceof ChainError || (err as { name?: string }).name === 'ChainError'
        ? (err as ChainError)
        : chainErrorOf(err);
    }
    return new ChainError('NOT_REFUSED', 'the call succeeded');
  }

  close(): void {
    for (const gw of this.#gateways.values()) {
      gw.close();
      gw.grpcClient.close();
    }
    this.#gateways.clear();
  }
}

/** Registers the dev network's enterprises (as customs). */
export async function registerDevnetEnterprises(client: TraceClient): Promise<void> {
  for (const e of Object.values(ENTERPRISES)) {
    await client.submit('customs-admin', 'customs:RegisterEnterprise', {
      id: e.id,
      name: e.identity,
      mspId: e.mspId,
      roles: e.roles,
    });
  }
}
