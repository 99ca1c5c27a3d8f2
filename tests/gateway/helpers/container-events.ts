/**
 * Synthetic LedgerEvents of cases and pallets for projection tests: the shapes the chaincode emits for packing and
 * container moves (`records.containers`), one transaction per block, block n at time n.
 */
import type { LedgerEventPayload, LedgerItem } from '../../../gateway/src/projection/ledger-event';

export const CASE = 'urn:epc:id:sscc:6901234.0000000001';
export const PALLET = 'urn:epc:id:sscc:6901234.0000000002';
/** An SGTIN of the test product. */
export const sgtinOf = (serial: number) => `urn:epc:id:sgtin:6901234.056789.${serial}`;
export const time = (n: number) => `2026-01-01T00:00:${String(n).padStart(2, '0')}Z`;
/** The transit of a shipment from A at L1 to B at L2. */
export const TRANSIT = { shipmentId: 'SH', to: 'B', toLocation: 'L2', from: 'A', fromLocation: 'L1' };

/** Item `serial` as written by the transaction of block `n`, in stock at A unless `fields` say otherwise. */
export const itemAt = (serial: number, n: number, fields: Partial<LedgerItem> = {}): LedgerItem => ({
  sgtin: sgtinOf(serial),
  product: { gtin: '06901234567892' },
  regime: 'ZERO_TARIFF',
  status: 'IN_STOCK',
  holder: 'A',
  location: 'L1',
  lastEventTime: time(n),
  lastTxId: `tx${n}`,
  ...fields,
});

/** A container record, in stock at A unless `fields` say otherwise. */
export const container = (id: string, fields: Record<string, unknown> = {}) => ({
  id,
  status: 'IN_STOCK',
  holder: 'A',
  location: 'L1',
  ...fields,
});

/** The event of the transaction in block `n` (by A), with its items and, if given, its containers. */
export function containerEvent(n: number, type: string, items: LedgerItem[], containers?: unknown[]) {
  const payload: LedgerEventPayload = {
    txId: `tx${n}`,
    type,
    eventTime: time(n),
    recordTime: time(n),
    actor: { mspId: 'AMSP', enterpriseId: 'A' },
    items,
    movements: [],
    ...(containers === undefined ? {} : { records: { containers } }),
  };
  return {
    position: { blockNumber: BigInt(n), txSeq: 0, transactionId: `tx${n}`, payload: new Uint8Array([n]) },
    payload,
  };
}
