/**
 * The compact form of a LedgerEvent's items: items whose records are equal apart from their SGTIN travel as one
 * record and a list of SGTINs.
 *
 * Why: a batch transaction changes up to 1,000 items that, for a first-line entry or a shipment, differ only in
 * their SGTIN. Listing every record whole made the event half of the transaction's envelope, and those bytes are
 * encoded by the chaincode, carried to the peer, to the client, back to the orderer, into the block, to every
 * event listener, and parsed there. Measured with bench/chaincode-throughput.js: about a fifth of the committed
 * items/s. A follower expands the groups back into the same records ({@link expandItemGroups}).
 */
import type { ItemRecord } from '../domain/records';

/** Items that are equal apart from their SGTIN: `record` holds every field but `sgtin`. */
export interface ItemGroup {
  record: Omit<ItemRecord, 'sgtin'>;
  sgtins: string[];
}

/** Most recent groups an item is compared with; bounds the work for a batch of all-different items. */
const GROUPS_COMPARED_MAX = 4;

/**
 * Groups items, keeping the order of first appearance of each group and of the items within it.
 *
 * @param items the changed items, as they now are
 * @returns the groups; expanding them gives back every item
 */
export function groupItems(items: readonly ItemRecord[]): ItemGroup[] {
  const groups: ItemGroup[] = [];
  for (const item of items) {
    const { sgtin, ...record } = item;
    let home: ItemGroup | undefined;
    for (let g = groups.length - 1; g >= Math.max(0, groups.length - GROUPS_COMPARED_MAX); g--) {
      if (sameJson(groups[g]!.record, record)) {
        home = groups[g];
        break;
      }
    }
    if (home) home.sgtins.push(sgtin);
    else groups.push({ record, sgtins: [sgtin] });
  }
  return groups;
}

/** The items of the groups, in group order. */
export function expandItemGroups(groups: readonly ItemGroup[]): ItemRecord[] {
  return groups.flatMap((g) => g.sgtins.map((sgtin) => ({ ...g.record, sgtin }) as ItemRecord));
}

/** Deep equality of plain JSON data (what the ledger codec accepts); an absent key equals an undefined one. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).filter((k) => ra[k] !== undefined);
  const kb = Object.keys(rb).filter((k) => rb[k] !== undefined);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!sameJson(ra[k], rb[k])) return false;
  return true;
}
