/**
 * The `item` contract: one serialized item's record and its history ("one goods, one chain").
 *
 * Deliberately small for now: commissioning an SGTIN, reading it, and reading its history. The lifecycle
 * state machine, account postings and access rules arrive with the domain layer. Transactions stay thin:
 * check arguments, read, decide, write through the codec, emit one event.
 */
import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { callerOf } from '../caller';
import { gtinOfSgtin, isValidGtin14, isValidLocation, parseSgtin, type Sgtin } from '../domain/gs1';
import { newAlreadyExists, newInvalidArgument, newNotFound } from '../errors';
import { decode, encode, encodeToString } from '../ledger-codec';
import { timestampToIso } from '../tx-time';
import { CHAINCODE_VERSION } from '../version';

/** Composite-key object type for item records: keys are `\u0000item\u0000<sgtin>\u0000`. */
export const ITEM_KEY_TYPE = 'item';

/** Chaincode event emitted by {@link ItemContract.Commission}; its payload is the codec bytes of the {@link ItemRecord}. */
export const ITEM_COMMISSIONED_EVENT = 'ItemCommissioned';

/** Most history entries one `History` call returns (newest first); an item has a few dozen events in its life. */
export const HISTORY_ENTRIES_MAX = 1000;

/** An item as stored on the ledger. */
export interface ItemRecord {
  /** `urn:epc:id:sgtin:CompanyPrefix.ItemRef.Serial`. */
  readonly sgtin: string;
  /** GTIN-14 of the trade item; always the one the SGTIN encodes. */
  readonly gtin: string;
  /** GLN or SGLN URI of where the item was commissioned. */
  readonly locationGln: string;
  /** MSP of the organisation that commissioned the item. */
  readonly commissionedByMspId: string;
  /** Client id (`x509::subject::issuer`) of the commissioning identity. */
  readonly commissionedById: string;
  /** `enterpriseId` attribute of the commissioning identity, or null if its certificate has none. */
  readonly commissionedByEnterpriseId: string | null;
  /** Proposal time of the commissioning transaction, ISO-8601 UTC. */
  readonly commissionedAt: string;
  /** Id of the commissioning transaction. */
  readonly commissionTxId: string;
}

/** One entry of an item's history, newest first. */
export interface ItemHistoryEntry {
  readonly txId: string;
  /** Proposal time of the transaction that wrote this version, ISO-8601 UTC. */
  readonly timestamp: string;
  readonly isDelete: boolean;
  /** The record as written, or null for a delete. */
  readonly value: ItemRecord | null;
}

function requireSgtin(sgtin: string): Sgtin {
  const parsed = parseSgtin(sgtin);
  if (parsed === undefined) {
    throw newInvalidArgument(`sgtin must be urn:epc:id:sgtin:CompanyPrefix.ItemRef.Serial, got ${JSON.stringify(sgtin)}`);
  }
  return parsed;
}

function itemKey(ctx: Context, sgtin: string): string {
  return ctx.stub.createCompositeKey(ITEM_KEY_TYPE, [sgtin]);
}

/** Commissioning and reading serialized items. Results are canonical JSON text from the ledger codec. */
@Info({ title: 'Item', description: 'Serialized items: commissioning, current record and history', version: CHAINCODE_VERSION })
export class ItemContract extends Contract {
  constructor() {
    super('item');
  }

  /**
   * Gives an SGTIN its ledger record. Refused with ALREADY_EXISTS if the SGTIN was commissioned before;
   * a client retrying its own submission may treat that as success.
   *
   * @param sgtin `urn:epc:id:sgtin:...` of the item
   * @param gtin GTIN-14 of the item; must be the one the SGTIN encodes
   * @param locationGln 13-digit GLN or `urn:epc:id:sgln:...` of where the item is
   * @returns canonical JSON of the new {@link ItemRecord}
   */
  @Transaction()
  @Returns('string')
  async Commission(ctx: Context, sgtin: string, gtin: string, locationGln: string): Promise<string> {
    const parsed = requireSgtin(sgtin);
    if (!isValidGtin14(gtin)) {
      throw newInvalidArgument(`gtin must be 14 digits with a valid check digit, got ${JSON.stringify(gtin)}`);
    }
    const encodedGtin = gtinOfSgtin(parsed);
    if (gtin !== encodedGtin) {
      throw newInvalidArgument(`gtin ${gtin} does not match the sgtin, which encodes gtin ${encodedGtin}`);
    }
    if (!isValidLocation(locationGln)) {
      throw newInvalidArgument(`locationGln must be a 13-digit GLN or urn:epc:id:sgln:..., got ${JSON.stringify(locationGln)}`);
    }

    const key = itemKey(ctx, sgtin);
    const existing = await ctx.stub.getState(key);
    if (existing.length > 0) {
      throw newAlreadyExists(`item ${sgtin} is already commissioned`);
    }

    const caller = callerOf(ctx);
    const record: ItemRecord = {
      sgtin,
      gtin,
      locationGln,
      commissionedByMspId: caller.mspId,
      commissionedById: caller.id,
      commissionedByEnterpriseId: caller.enterpriseId,
      commissionedAt: timestampToIso(ctx.stub.getTxTimestamp()),
      commissionTxId: ctx.stub.getTxID(),
    };
    const bytes = encode(record);
    await ctx.stub.putState(key, bytes);
    ctx.stub.setEvent(ITEM_COMMISSIONED_EVENT, bytes);
    return encodeToString(record);
  }

  /**
   * Reads an item's current record.
   *
   * @param sgtin `urn:epc:id:sgtin:...` of the item
   * @returns canonical JSON of the {@link ItemRecord}; NOT_FOUND if it was never commissioned
   */
  @Transaction(false)
  @Returns('string')
  async Read(ctx: Context, sgtin: string): Promise<string> {
    requireSgtin(sgtin);
    const bytes = await ctx.stub.getState(itemKey(ctx, sgtin));
    if (bytes.length === 0) {
      throw newNotFound(`item ${sgtin} is not on the ledger`);
    }
    return encodeToString(decode<ItemRecord>(bytes));
  }

  /**
   * Reads every committed version of an item's record, newest first, at most {@link HISTORY_ENTRIES_MAX}.
   *
   * @param sgtin `urn:epc:id:sgtin:...` of the item
   * @returns canonical JSON array of {@link ItemHistoryEntry}; NOT_FOUND if the item has no history
   */
  @Transaction(false)
  @Returns('string')
  async History(ctx: Context, sgtin: string): Promise<string> {
    requireSgtin(sgtin);
    const entries: ItemHistoryEntry[] = [];
    for await (const modification of ctx.stub.getHistoryForKey(itemKey(ctx, sgtin))) {
      entries.push({
        txId: modification.txId,
        timestamp: timestampToIso(modification.timestamp),
        isDelete: modification.isDelete,
        value: modification.isDelete || modification.value.length === 0 ? null : decode<ItemRecord>(modification.value),
      });
      if (entries.length >= HISTORY_ENTRIES_MAX) {
        break; // leaving the loop closes the iterator on the peer
      }
    }
    if (entries.length === 0) {
      throw newNotFound(`item ${sgtin} has no history on the ledger`);
    }
    return encodeToString(entries);
  }
}
