/**
 * One goods, one chain: the `goods` contract's steps as plain JSON routes, one chaincode transaction each, submitted
 * as the caller's enterprise. Enterprises and operators may call them; the chaincode decides who holds what, who may
 * process (trade role `processor`) and which port, regime and credit class allow an exit.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Role } from '../../domain/principal';
import {
  AssociationBody,
  AssociationResult,
  DeclarationBody,
  DeclarationResult,
  EndOfLifeBody,
  EntryBody,
  ExitBody,
  ExitResult,
  ProcessingBody,
  ProcessingResult,
  ReceiptBody,
  ShipmentBody,
  itemsResult,
} from './schema';
import { postStep } from './submit-step';

/** Enterprises move goods; operators are enterprises too (they receive, ship, destroy). Customs holds no goods. */
const HOLDERS: readonly Role[] = ['enterprise', 'operator'];
const TAG = 'goods';

/** Routes `POST /v1/{entries,associations,shipments,receipts,processings,exits,declarations,destructions,returns}`. */
const goodsSteps: FastifyPluginAsyncTypebox = async (fastify) => {
  postStep(fastify, {
    url: '/entries',
    tag: TAG,
    summary: 'First-line entry of serialized items',
    roles: HOLDERS,
    body: EntryBody,
    result: itemsResult('items', 'Items entered and the book movements'),
    contract: 'goods',
    transaction: 'Enter',
    gs1: (b) => [
      ['/location', b.location, 'location'],
      ['/product/gtin', b.product.gtin, 'gtin'],
    ],
  });
  postStep(fastify, {
    url: '/associations',
    tag: TAG,
    summary: 'Associate 16-digit traceability codes with items the caller holds',
    roles: HOLDERS,
    body: AssociationBody,
    result: AssociationResult,
    contract: 'goods',
    transaction: 'Associate',
  });
  postStep(fastify, {
    url: '/shipments',
    tag: TAG,
    summary: 'Ship items to an enterprise and location (they go IN_TRANSIT)',
    roles: HOLDERS,
    body: ShipmentBody,
    result: itemsResult('shipped', 'Items shipped and the book movements'),
    contract: 'goods',
    transaction: 'Ship',
    gs1: (b) => [['/toLocation', b.toLocation, 'location']],
  });
  postStep(fastify, {
    url: '/receipts',
    tag: TAG,
    summary: 'Receive a shipment at the location it was sent to',
    roles: HOLDERS,
    body: ReceiptBody,
    result: itemsResult('received', 'Items received and the book movements'),
    contract: 'goods',
    transaction: 'Receive',
    gs1: (b) => [['/location', b.location, 'location']],
  });
  postStep(fastify, {
    url: '/processings',
    tag: TAG,
    summary: 'Process items into new ones (processors)',
    roles: HOLDERS,
    body: ProcessingBody,
    result: ProcessingResult,
    contract: 'goods',
    transaction: 'Process',
    gs1: (b) => [
      ['/location', b.location, 'location'],
      ['/outputProduct/gtin', b.outputProduct.gtin, 'gtin'],
    ],
  });
  postStep(fastify, {
    url: '/exits',
    tag: TAG,
    summary: 'Second-line exit through a port with a release list',
    roles: HOLDERS,
    body: ExitBody,
    result: ExitResult,
    contract: 'goods',
    transaction: 'Exit',
  });
  postStep(fastify, {
    url: '/declarations',
    tag: TAG,
    summary: "Consolidated declaration of a month's batch exits",
    roles: HOLDERS,
    body: DeclarationBody,
    result: DeclarationResult,
    contract: 'goods',
    transaction: 'Declare',
  });
  postStep(fastify, {
    url: '/destructions',
    tag: TAG,
    summary: 'Destroy items the caller holds',
    roles: HOLDERS,
    body: EndOfLifeBody,
    result: itemsResult('items', 'Items destroyed and the book movements'),
    contract: 'goods',
    transaction: 'Destroy',
  });
  postStep(fastify, {
    url: '/returns',
    tag: TAG,
    summary: 'Return items the caller holds abroad through the first line',
    roles: HOLDERS,
    body: EndOfLifeBody,
    result: itemsResult('items', 'Items returned and the book movements'),
    contract: 'goods',
    transaction: 'ReturnAbroad',
  });
};

export default goodsSteps;
