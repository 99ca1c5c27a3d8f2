// An in-memory world state for calling the goods and customs contracts directly, counting what a transaction sends to
// the peer: state reads by key type, state writes, and partial-composite range reads (as fabric-shim 2.5.8 builds them).
import { decode, encode } from '../../../chaincode/src/ledger-codec';
import { LedgerStore } from '../../../chaincode/src/ledger/store';
import { KeyType } from '../../../chaincode/src/ledger/keys';
import type { TraceContext } from '../../../chaincode/src/ledger/trace-context';
import { ENTERPRISES } from '../../../testkit/src/trace';

/** What one transaction sent to the peer. */
export interface Messages {
  /** GetState calls, by key type (`item`, `irun`, ...). */
  reads: Record<string, number>;
  writes: number;
  /** Range reads (getStateByPartialCompositeKey). */
  ranges: number;
}

const SEP = '\u0000';
const keyOf = (type: string, attrs: readonly string[]) =>
  `${SEP}${type}${SEP}${attrs.map((a) => `${a}${SEP}`).join('')}`;
const split = (key: string) => {
  const [, type = '', ...rest] = key.split(SEP);
  return { objectType: type, attributes: rest.slice(0, -1) };
};

let txSeq = 0;

/**
 * A world state committed transaction by transaction: each {@link run} sees the committed state only (no
 * read-your-own-writes, as on a peer) and its writes are applied when it returns without throwing.
 */
export class CountingLedger {
  readonly state = new Map<string, Uint8Array>();

  /** Puts a record straight into the committed state (a ledger that already holds it). */
  seed(type: string, attrs: readonly string[], value: unknown): void {
    this.state.set(keyOf(type, attrs), encode(value));
  }

  /** Seeds the dev network's enterprises (testkit ENTERPRISES) as registered, white-listed enterprises. */
  seedEnterprises(): this {
    for (const e of Object.values(ENTERPRISES)) {
      this.seed(KeyType.enterprise, [e.id], {
        id: e.id,
        name: e.identity,
        mspId: e.mspId,
        roles: [...e.roles],
        registeredAt: '2025-01-01T00:00:00.000Z',
        credit: { class: 'WHITELIST', history: [] },
      });
    }
    return this;
  }

  has(type: string, attrs: readonly string[]): boolean {
    return this.state.has(keyOf(type, attrs));
  }

  /** Runs one transaction as `caller`; its result and the messages it sent. Writes commit only on success. */
  async run<R>(
    caller: { mspId: string; enterpriseId: string | null; role?: string },
    body: (ctx: TraceContext) => Promise<R>,
    at = '2025-12-10T02:00:00.000Z',
  ): Promise<{ result: R; messages: Messages }> {
    const messages: Messages = { reads: {}, writes: 0, ranges: 0 };
    const pending = new Map<string, Uint8Array>();
    const committed = this.state;
    const stub = {
      createCompositeKey: (type: string, attrs: string[]) => keyOf(type, attrs),
      splitCompositeKey: split,
      getState: async (k: string) => {
        const type = split(k).objectType;
        messages.reads[type] = (messages.reads[type] ?? 0) + 1;
        return committed.get(k) ?? new Uint8Array();
      },
      putState: async (k: string, v: Uint8Array) => {
        messages.writes += 1;
        pending.set(k, v);
      },
      getStateByPartialCompositeKey: async (type: string, attrs: string[]) => {
        messages.ranges += 1;
        const start = keyOf(type, attrs);
        const keys = [...committed.keys()].filter((k) => k.startsWith(start)).sort();
        let i = 0;
        return {
          next: async () =>
            i < keys.length
              ? { done: false, value: { key: keys[i]!, value: committed.get(keys[i++]!)! } }
              : { done: true, value: undefined },
          close: async () => {},
        };
      },
    };
    const txId = (++txSeq).toString(16).padStart(64, '0');
    const ctx = {
      stub,
      store: new LedgerStore(stub as never),
      txId,
      txTime: at,
      txMs: Date.parse(at),
      caller: { role: null, ...caller },
      ledgerEvent: undefined,
    } as unknown as TraceContext;
    const result = await body(ctx);
    for (const [k, v] of pending) committed.set(k, v);
    return { result, messages };
  }

  /** Items on the ledger: those with their own key and those whose first state their run keeps (item-runs.ts). */
  itemCount(): number {
    const items = new Set<string>();
    for (const [k, v] of this.state) {
      const { objectType, attributes } = split(k);
      if (objectType === KeyType.item) items.add(attributes[0]!);
      if (objectType !== KeyType.itemRun) continue;
      const run = decode<string[] | { entered?: { serials: string[] }[] }>(v);
      if (Array.isArray(run)) continue;
      for (const g of run.entered ?? [])
        for (const serial of g.serials) items.add(`urn:epc:id:sgtin:${attributes[0]}.${serial}`);
    }
    return items.size;
  }
}
