/**
 * Base class of the traceability contracts: sets up the context before each transaction and emits the
 * transaction's single chaincode event after it (Fabric keeps only the last event set per transaction). Before any
 * transaction, a suspended enterprise is refused (access.ts), in this one place for every contract.
 */
import { Contract } from 'fabric-contract-api';
import { LEDGER_EVENT_NAME, LEDGER_EVENT_VERSION } from '@hainan/ledger-model';
import { callerOf } from '../caller';
import { encode } from '../ledger-codec';
import { timestampToIso } from '../tx-time';
import { groupItems } from './item-groups';
import { TraceContext } from './trace-context';
import { LedgerStore } from './store';
import { refuseSuspendedCaller } from './access';

export abstract class LedgerContract extends Contract {
  override createContext(): TraceContext {
    return new TraceContext();
  }

  override async beforeTransaction(ctx: TraceContext): Promise<void> {
    ctx.store = new LedgerStore(ctx.stub);
    ctx.caller = callerOf(ctx);
    ctx.txId = ctx.stub.getTxID();
    ctx.txTime = timestampToIso(ctx.stub.getTxTimestamp());
    ctx.txMs = Date.parse(ctx.txTime);
    ctx.ledgerEvent = undefined;
    await refuseSuspendedCaller(ctx);
  }

  override async afterTransaction(ctx: TraceContext): Promise<void> {
    if (!ctx.ledgerEvent) return;
    // On the chain the items travel grouped (item-groups.ts); `items` stays the in-chaincode view.
    const { items, ...rest } = ctx.ledgerEvent;
    ctx.stub.setEvent(LEDGER_EVENT_NAME, encode({ ...rest, v: LEDGER_EVENT_VERSION, itemGroups: groupItems(items) }));
  }
}
