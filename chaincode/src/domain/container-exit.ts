/**
 * Second-line exit of whole cases and pallets (issue 18 Must 3): the part of goods:Exit that concerns containers.
 * Pure; decideExit (domain/goods.ts) calls it with the containers the transaction loaded (their own keys only).
 *
 * Why so: a container key already holds what an exit needs — holder, location, status, the book lines of everything
 * inside (GTIN x regime counts with the HS code), its held contents and its contents' hold history — so a pallet of
 * 1,000 items exits reading and writing its own key (plus one book movement per product line), never the items' keys.
 * The items inside read as EXITED through their top container (effectiveItem); nested cases through their pallet:
 * once the top container is EXITED nothing below it can be unpacked, moved or exited again.
 *
 * Risk screening of a container exit (the facts it screens on): every book line of every container is one screened
 * row, named by the container id, with the line's regime and HS code; as exit value the container's declared value
 * per item inside (rounded down: one value is declared per container); as item history the container's `history`
 * (the most customs holds / inspection discrepancies any item inside had, an upper bound). The enterprise facts
 * (credit class, discrepancies) are the exit's, as for items. A line packed before HS codes were kept in container
 * lines has none, and screening refuses it (INVALID_ARGUMENT) rather than guess. Processed goods are refused in a
 * container: their value-added test is per item (its imported materials), which the container key does not keep;
 * they exit as items.
 */
import {
  ChaincodeError,
  ErrorCode,
  newInvalidArgument,
  newInvalidTransition,
  newNotFound,
  type ExitRequest,
} from '@hainan/ledger-model';
import { contentCount, requireNothingHeld, type ContainerRecord } from './containers';
import type { ExitContainerLine } from './records';
import type { ExitFacts } from './risk';

/** What the containers of an exit contribute: their state after it, their declaration, their screening rows. */
export interface ContainerExit {
  readonly after: ContainerRecord[];
  readonly lines: ExitContainerLine[];
  readonly facts: ExitFacts['items'][number][];
}

/**
 * Checks each container of an exit and marks it EXITED.
 *
 * @param named the request's containers (id and declared value), in order
 * @param loaded their records, in the same order (undefined where not on the ledger)
 * @throws ChaincodeError NOT_FOUND, ITEM_IN_CONTAINER (a case on a pallet: the pallet exits), INVALID_TRANSITION
 * (already exited, or in transit: not at the port), ITEM_HELD (held, or held contents, named), NOT_HOLDER,
 * INVALID_ARGUMENT (empty, or holding duty-paid or processed goods)
 */
export function exitContainers(
  named: NonNullable<ExitRequest['containers']>,
  loaded: readonly (ContainerRecord | undefined)[],
  enterprise: string,
  exit: { releaseListNo: string; port: string; eventTime: string; txId: string },
): ContainerExit {
  const after: ContainerRecord[] = [];
  const lines: ExitContainerLine[] = [];
  const facts: ExitFacts['items'][number][] = [];
  named.forEach(({ id, exitValueFen }, k) => {
    const c = loaded[k];
    if (!c) throw newNotFound(`container ${id} is not on the ledger`);
    if (c.parent)
      throw new ChaincodeError(
        ErrorCode.ITEM_IN_CONTAINER,
        `exit of ${id} refused: it is packed in ${c.parent}; exit ${c.parent} or unpack ${id} first`,
      );
    if (c.status === 'EXITED')
      throw newInvalidTransition(`exit of ${id} refused: it already left with release list ${c.exit?.releaseListNo}`);
    requireNothingHeld(c, 'exit');
    if (c.status !== 'IN_STOCK')
      throw newInvalidTransition(
        `exit of ${id} refused: the container is ${c.status} (not at the port), exit needs IN_STOCK`,
      );
    if (c.holder !== enterprise)
      throw new ChaincodeError(
        ErrorCode.NOT_HOLDER,
        `exit of ${id} refused: held by ${c.holder}, not by ${enterprise}`,
      );
    const count = contentCount(c);
    if (count === 0) throw newInvalidArgument(`exit of ${id} refused: the container is empty`);
    for (const l of c.lines) {
      if (l.regime === 'DUTY_PAID')
        throw newInvalidArgument(`${id} holds duty-paid ${l.gtin}: it leaves without a second-line customs exit`);
      if (l.regime === 'PROCESSED')
        throw newInvalidArgument(
          `${id} holds processed ${l.gtin}: its value added is tested per item; unpack it and exit the items`,
        );
      facts.push({
        sgtin: id,
        regime: l.regime,
        hsCode: l.hsCode ?? '',
        exitValueFen: Math.floor(exitValueFen / count),
        holds: c.history?.holds ?? 0,
        discrepancies: c.history?.discrepancies ?? 0,
      });
    }
    lines.push({ id, exitValueFen, location: c.location, lines: c.lines });
    after.push({
      ...c,
      status: 'EXITED',
      exit: { releaseListNo: exit.releaseListNo, port: exit.port, exitValueFen, exitedAt: exit.eventTime },
      lastEventTime: exit.eventTime,
      lastTxId: exit.txId,
    });
  });
  return { after, lines, facts };
}
