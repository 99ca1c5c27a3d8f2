/**
 * The chain's own request rules, applied to a mapped capture step before the document is accepted: the step's request
 * (header, its event id, its items in transaction-sized slices) goes through the decoder the chaincode's transaction
 * uses (@hainan/ledger-model), so an amount, category, regime, HS code, location, event time or reference the chain
 * would refuse refuses the whole document at once, with the chain's code and words, instead of one transaction after
 * the others committed. Pure: no I/O. What only the ledger state decides (an item already entered, who holds it, a
 * port in the rules in force) can still refuse a transaction later; the capture's status names those events.
 */
import {
  ChaincodeError,
  decodeContainerReceiveRequest,
  decodeContainerShipRequest,
  decodeDeclareErrorRequest,
  decodeGoodsRequest,
  decodePackRequest,
  decodeObserveRequest,
  ITEMS_PER_TRANSACTION_MAX,
  unique,
  type Fields,
  type TxClock,
} from '@hainan/ledger-model';
import { listFieldOf } from './chunking';
import type { StepRequest } from './event-mapping';

/** The chain's decoder of a step's request. */
function decoderOf(fn: StepRequest['fn']): (f: Fields, clock: TxClock) => unknown {
  if (fn === 'goods:Observe') return decodeObserveRequest;
  if (fn === 'goods:DeclareError') return decodeDeclareErrorRequest;
  if (fn === 'goods:Pack' || fn === 'goods:Unpack') return decodePackRequest;
  if (fn === 'goods:ShipContainer') return decodeContainerShipRequest;
  if (fn === 'goods:ReceiveContainer') return decodeContainerReceiveRequest;
  return (f, clock) => decodeGoodsRequest(fn, f, clock);
}

/**
 * What the chain would refuse in this step's requests, whatever the ledger state.
 *
 * @param step - The mapped step.
 * @param eventId - The event's id (the chain records it as its EPCIS eventID when the event is one transaction).
 * @param clock - Now: event times are checked against it as the chain checks them against its transaction time
 *   (later, so an event time not in the future now is not in the future then).
 * @returns The chain's refusal, or undefined when the chain's request rules accept the step.
 */
export function ledgerRuleRefusal(step: StepRequest, eventId: string, clock: TxClock): ChaincodeError | undefined {
  const itemsField = listFieldOf(step.fn);
  const decode = decoderOf(step.fn);
  try {
    // One decode per transaction-sized slice, as the chunks will be submitted (the header is the same in each).
    for (let from = 0; from === 0 || from < step.items.length; from += ITEMS_PER_TRANSACTION_MAX) {
      decode(
        { ...step.header, eventId, [itemsField]: step.items.slice(from, from + ITEMS_PER_TRANSACTION_MAX) },
        clock,
      );
    }
    // The chain refuses an item named twice in one transaction; across the slices of one event the second would
    // be a state conflict on the chain. Either way it is knowable now.
    if (step.fn !== 'goods:Associate' && step.fn !== 'goods:DeclareError') unique(step.sgtins, 'item');
  } catch (err) {
    if (err instanceof ChaincodeError) return err;
    throw err;
  }
  return undefined;
}
