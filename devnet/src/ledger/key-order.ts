/**
 * Key order of the world state. A Fabric peer compares keys as UTF-8 bytes (LevelDB); JavaScript compares
 * strings as UTF-16 code units, which disagree for characters above U+FFFF versus U+E000..U+FFFF (so
 * `\u{10FFFF}`, the shim's composite-key upper bound, would sort too early). This comparator orders by
 * code point, which equals UTF-8 byte order.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(i);
    if (ca === cb) continue;
    // Move surrogates above the rest of the BMP so that code-unit order becomes code-point order.
    if (ca >= 0xd800) ca += ca >= 0xe000 ? -0x800 : 0x2000;
    if (cb >= 0xd800) cb += cb >= 0xe000 ? -0x800 : 0x2000;
    return ca - cb;
  }
  return a.length - b.length;
}
