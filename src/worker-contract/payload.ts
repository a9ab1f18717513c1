/** Deterministic payload bytes from a seed (mulberry32), so the same --seed sends the same bytes. */
export function fillPayload(buf: Buffer, seed: number): void {
  let a = seed >>> 0;
  for (let i = 0; i < buf.length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    buf[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
}
