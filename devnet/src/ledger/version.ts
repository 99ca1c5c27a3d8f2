/** Committed version of a key: the block and the transaction's position in it, as in Fabric's KV read sets. */
export interface Version {
  blockNum: number;
  txNum: number;
}

/** True when both versions are absent or both point at the same transaction. */
export function sameVersion(a: Version | undefined, b: Version | undefined): boolean {
  if (!a || !b) return a === b;
  return a.blockNum === b.blockNum && a.txNum === b.txNum;
}
