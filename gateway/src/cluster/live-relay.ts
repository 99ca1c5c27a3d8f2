/**
 * The live stocktake view across gateway processes: a reader's batch lands on one process, its watcher's event stream
 * may be open on another. Every process publishes the totals it records (and the report when it closes a stocktake)
 * on the bus; every process hands what it receives to its own watchers. Totals are cumulative and the view ignores
 * any that are not newer, so duplicates and reordering are harmless and a lost message is made good by the next one.
 */
import { StocktakeLive, type StocktakeTotals } from '../stocktake/live';
import type { Bus } from './bus';

/** The bus channel. */
export const LIVE_CHANNEL = 'stocktake-live';

type LiveMessage =
  | { readonly kind: 'totals'; readonly id: string; readonly totals: StocktakeTotals }
  | { readonly kind: 'closed'; readonly id: string; readonly report: unknown };

/** A live view whose publications reach the watchers of every process. */
export class RelayedStocktakeLive extends StocktakeLive {
  constructor(
    private readonly bus: Bus,
    now?: () => number,
  ) {
    super(now);
    bus.subscribe(LIVE_CHANNEL, (message, fromSelf) => {
      if (fromSelf) return;
      const live = message as LiveMessage;
      if (live.kind === 'totals') super.publishTotals(live.id, live.totals);
      else if (live.kind === 'closed') super.publishClosed(live.id, live.report);
    });
  }

  /** Someone may watch it in another process: the routes must always publish. */
  override watched(_stocktakeId: string): boolean {
    return true;
  }

  override publishTotals(stocktakeId: string, totals: StocktakeTotals) {
    const { uniqueItems, reads, undecodable, batches } = totals;
    this.bus.publish(LIVE_CHANNEL, {
      kind: 'totals',
      id: stocktakeId,
      totals: { uniqueItems, reads, undecodable, batches },
    } satisfies LiveMessage);
    return super.publishTotals(stocktakeId, totals);
  }

  override publishClosed(stocktakeId: string, report: unknown): void {
    this.bus.publish(LIVE_CHANNEL, { kind: 'closed', id: stocktakeId, report } satisfies LiveMessage);
    super.publishClosed(stocktakeId, report);
  }
}
