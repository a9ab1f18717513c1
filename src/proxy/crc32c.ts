/**
 * CRC32C (Castagnoli), as the PROXY v2 PP2_TYPE_CRC32C TLV requires. Node has no built-in CRC32C, and the
 * headers we checksum are small (tens of bytes), so a table-driven implementation is plenty.
 */
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC32C of `bytes[start, end)`. */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * CRC32C of `bytes[start, end)` read as if the 4 bytes at `zeroAt` were zero: a PROXY v2 header's checksum is
 * computed with its own value field zeroed, and a datagram's header is checked where it lies, without a copy.
 */
export function crc32cZeroed(bytes: Uint8Array, start: number, end: number, zeroAt: number): number {
  let crc = 0xffffffff;
  for (let i = start; i < zeroAt; i++) crc = TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  for (let i = 0; i < 4; i++) crc = TABLE[crc & 0xff] ^ (crc >>> 8);
  for (let i = zeroAt + 4; i < end; i++) crc = TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
