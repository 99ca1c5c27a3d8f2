/**
 * Requests of the container transactions (issue 15 Must 3: cases and pallets on the chain). A container is a case or
 * pallet named by its SSCC or GRAI EPC URN; its children are items (SGTIN URNs) or other containers (cases on a
 * pallet). The gateway maps EPCIS AggregationEvent ADD / DELETE and container moves to these requests and checks them
 * with the same decoders as the chaincode.
 */
import { newInvalidArgument } from './errors';
import { list, str, unique, type Fields } from './fields';
import { parseSgtin } from './gs1';
import { ITEMS_PER_TRANSACTION_MAX } from './limits';
import { REF } from './patterns';
import { decodeEventTime, eventIdOf, locationOf, type EventTime, type TxClock } from './goods-requests';

/** A container id: an SSCC (cases, pallets) or GRAI (returnable assets: crates, roll cages) EPC URN. */
export const CONTAINER_ID = /^urn:epc:id:(?:sscc:\d{6,12}\.\d{5,11}|grai:\d{6,12}\.\d{0,6}\.[!%-?A-Z_a-z\x22]{1,16})$/;

/** How deep containers may nest (item in case on pallet in ...): bounds every walk up a container chain. */
export const CONTAINER_DEPTH_MAX = 4;

/** Whether an EPC names a container (SSCC or GRAI) rather than an item. */
export function isContainerId(epc: string): boolean {
  return CONTAINER_ID.test(epc);
}

/** Decodes one element of a `containers` list (SSCC or GRAI EPC URN). */
export function containerIdOf(v: unknown, i: number): string {
  if (typeof v !== 'string' || !CONTAINER_ID.test(v))
    throw newInvalidArgument(`containers[${i}] must be an SSCC or GRAI EPC URN, got ${JSON.stringify(v)}`);
  return v;
}

/** goods:Pack (AggregationEvent ADD) and goods:Unpack (AggregationEvent DELETE). */
export interface PackRequest {
  readonly eventTime: EventTime;
  /** The case or pallet (SSCC or GRAI URN). */
  readonly parent: string;
  /** Items (SGTIN URNs) put in or taken out. */
  readonly items: readonly string[];
  /** Containers (cases) put in or taken out. */
  readonly containers: readonly string[];
  readonly eventId: string | undefined;
}

export function decodePackRequest(f: Fields, tx: TxClock): PackRequest {
  const eventTime = decodeEventTime(f, tx);
  const parent = str(f, 'parent', { maxLength: 120 });
  if (!CONTAINER_ID.test(parent)) throw newInvalidArgument(`parent must be an SSCC or GRAI EPC URN, got ${parent}`);
  // Either list may be absent or empty (a pallet of cases names no item); together they name at least one child.
  // `items` may name cases too (an EPCIS childEPCs list as it is): they are told apart by their scheme.
  const children =
    f.items === undefined
      ? []
      : list(
          f,
          'items',
          ITEMS_PER_TRANSACTION_MAX,
          (v, i) => {
            if (typeof v === 'string' && (CONTAINER_ID.test(v) || parseSgtin(v))) return v;
            throw newInvalidArgument(`items[${i}] must be an SGTIN URN or an SSCC / GRAI EPC URN`);
          },
          0,
        );
  const items = children.filter((c) => !CONTAINER_ID.test(c));
  const containers = [
    ...children.filter((c) => CONTAINER_ID.test(c)),
    ...(f.containers === undefined ? [] : list(f, 'containers', ITEMS_PER_TRANSACTION_MAX, containerIdOf, 0)),
  ];
  if (items.length + containers.length > ITEMS_PER_TRANSACTION_MAX)
    throw newInvalidArgument(`a pack names at most ${ITEMS_PER_TRANSACTION_MAX} children per transaction`);
  if (items.length + containers.length === 0) throw newInvalidArgument('name at least one child (items or containers)');
  unique([...items, ...containers], 'child');
  if (containers.includes(parent)) throw newInvalidArgument(`${parent} cannot contain itself`);
  return { eventTime, parent, items, containers, eventId: eventIdOf(f) };
}

/** goods:ShipContainer — a case or pallet (with everything in it) to another enterprise or location. */
export interface ContainerShipRequest {
  readonly eventTime: EventTime;
  readonly shipmentId: string;
  readonly toEnterprise: string;
  readonly toLocation: string;
  readonly containers: readonly string[];
  readonly eventId: string | undefined;
}

/** Containers moved by one transaction: each one key whatever it holds, so a few hundred per transaction at most. */
export const CONTAINERS_PER_TRANSACTION_MAX = 500;

export function decodeContainerShipRequest(f: Fields, tx: TxClock): ContainerShipRequest {
  const eventTime = decodeEventTime(f, tx);
  const shipmentId = str(f, 'shipmentId', { pattern: REF });
  const toEnterprise = str(f, 'toEnterprise', { maxLength: 18 });
  const toLocation = locationOf(f, 'toLocation');
  const containers = list(f, 'containers', CONTAINERS_PER_TRANSACTION_MAX, containerIdOf);
  unique(containers, 'container');
  return { eventTime, shipmentId, toEnterprise, toLocation, containers, eventId: eventIdOf(f) };
}

/** goods:ReceiveContainer — the receiver confirms containers at the location they were sent to. */
export interface ContainerReceiveRequest {
  readonly eventTime: EventTime;
  readonly shipmentId: string;
  readonly location: string;
  readonly containers: readonly string[];
  readonly eventId: string | undefined;
}

export function decodeContainerReceiveRequest(f: Fields, tx: TxClock): ContainerReceiveRequest {
  const eventTime = decodeEventTime(f, tx);
  const shipmentId = str(f, 'shipmentId', { pattern: REF });
  const location = locationOf(f, 'location');
  const containers = list(f, 'containers', CONTAINERS_PER_TRANSACTION_MAX, containerIdOf);
  unique(containers, 'container');
  return { eventTime, shipmentId, location, containers, eventId: eventIdOf(f) };
}
