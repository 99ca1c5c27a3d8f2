// The in-memory world of the container tests: goods, parties and places, item records, and a world state in a Map
// that counts every putState, committed through the chaincode's own ledger/commit.ts.
import type { PackRequest } from '@hainan/ledger-model';
import { decidePack } from '../../../chaincode/src/domain/containers';
import type { Decision, Tx } from '../../../chaincode/src/domain/decision';
import type { ItemRecord, MovementRecord } from '../../../chaincode/src/domain/records';
import { commit } from '../../../chaincode/src/ledger/commit';
import { LedgerStore } from '../../../chaincode/src/ledger/store';
import type { TraceContext } from '../../../chaincode/src/ledger/trace-context';
import { product } from '../../../testkit/src/trace';

export const GOODS = product(77);
export const A = '91460000MA5T000001';
export const B = '91460000MA5T000002';
export const L1 = '6901234000012';
export const L2 = '6901234000029';
export const AT = '2025-12-10T02:00:00.000Z';
export { sscc } from '../../../testkit/src/trace';
let txSeq = 0;
export const nextTx = (): Tx => ({ id: (++txSeq).toString(16).padStart(64, '0'), iso: AT, ms: Date.parse(AT) });
export const time = { iso: AT, ms: Date.parse(AT) };

export function item(serial: number, changes: Partial<ItemRecord> = {}): ItemRecord {
  return {
    sgtin: GOODS.sgtin(serial),
    product: { gtin: GOODS.gtin, hsCode: '330300', category: 'COSMETICS' },
    regime: 'ZERO_TARIFF',
    valueFen: 40_000,
    importedMaterialsFen: 40_000,
    status: 'IN_STOCK',
    holder: A,
    location: L1,
    entry: { declarationNo: 'D-1', enteredAt: '2025-12-01T00:00:00.000Z', enteredBy: A },
    lastEventTime: '2025-12-01T00:00:00.000Z',
    lastTxId: 'b'.repeat(64),
    ...changes,
  };
}

/** A world state in a Map, with the composite-key layout of Fabric and a count of state writes. */
export class CountingState {
  readonly state = new Map<string, Uint8Array>();
  puts = 0;

  ctx(tx: Tx, enterprise: string): TraceContext {
    const stub = {
      createCompositeKey: (type: string, attrs: string[]) =>
        `\u0000${type}\u0000${attrs.map((a) => `${a}\u0000`).join('')}`,
      getState: async (k: string) => this.state.get(k) ?? new Uint8Array(),
      putState: async (k: string, v: Uint8Array) => {
        this.puts += 1;
        this.state.set(k, v);
      },
    };
    return {
      stub,
      store: new LedgerStore(stub as never),
      txId: tx.id,
      txTime: tx.iso,
      txMs: tx.ms,
      caller: { mspId: 'Org1MSP', enterpriseId: enterprise },
    } as unknown as TraceContext;
  }

  /** Commits a decision as the chaincode does; the number of keys it wrote and its movements. */
  async commit(d: Decision, tx: Tx, enterprise = A): Promise<{ writes: number; movements: MovementRecord[] }> {
    const before = this.puts;
    const movements = await commit(this.ctx(tx, enterprise), d);
    return { writes: this.puts - before, movements };
  }

  async get<T>(type: string, attrs: string[]): Promise<T | undefined> {
    return new LedgerStore(this.ctx(nextTx(), A).stub).get<T>(type, attrs);
  }
}

export const packReq = (parent: string, items: string[], containers: string[] = []): PackRequest => ({
  eventTime: time,
  parent,
  items,
  containers,
  eventId: undefined,
});

/** A case of `n` fresh items packed by A at L1; the case record after packing. */
export function packCase(caseId: string, first: number, n: number): { decision: Decision; items: ItemRecord[] } {
  const items = Array.from({ length: n }, (_, i) => item(first + i));
  const req = packReq(
    caseId,
    items.map((i) => i.sgtin),
  );
  return { decision: decidePack(req, A, { parent: undefined, items, containers: [] }, nextTx()), items };
}
