/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial), used to frame spool records so a torn or damaged record is
 * detected. Written out because `zlib.crc32` only exists from Node 20.15 and the agent supports all of 20.x.
 */

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * @param bytes data to checksum
 * @returns the CRC-32 as an unsigned 32-bit integer (crc32("123456789") = 0xCBF43926)
 */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = (TABLE[(crc ^ (bytes[i] ?? 0)) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
