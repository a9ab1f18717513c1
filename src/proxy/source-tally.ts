/**
 * A multiset of claimed source addresses (`addr:port`) in bounded memory, kept the same way by the generator
 * (what its headers claimed) and the target (what it parsed), so --verify-proxy can compare them after any run,
 * churn included. Exact counts for the first MAX_TRACKED_SOURCES distinct keys; past that only counted as
 * overflow. Every key, tracked or not, also goes into an order-independent digest (two 32-bit hashes summed mod
 * 2^32, and the count), so two multisets too large to keep are still compared: equal digests mean equal multisets
 * but for a chance of about 2^-64.
 */

/** Distinct keys kept exactly, per tally (~100 B each: ~20 MB at most). */
export const MAX_TRACKED_SOURCES = 200_000;

export interface SourceDigest {
  count: number;
  a: number;
  b: number;
}

/** The tally as it crosses threads, processes and HTTP. */
export interface SourceTallyDoc {
  counts: Record<string, number>;
  /** Occurrences of keys past the tracked ones (not in `counts`). */
  overflow: number;
  digest: SourceDigest;
}

export class SourceTally {
  readonly counts = new Map<string, number>();
  overflow = 0;
  readonly digest: SourceDigest = { count: 0, a: 0, b: 0 };

  constructor(private readonly max = MAX_TRACKED_SOURCES) {}

  add(key: string, n = 1): void {
    const tracked = this.counts.get(key);
    if (tracked !== undefined) this.counts.set(key, tracked + n);
    else if (this.counts.size < this.max) this.counts.set(key, n);
    else this.overflow += n;
    addToDigest(this.digest, key, n);
  }

  /** Adds another tally (another worker, another target process). */
  merge(doc: SourceTallyDoc): void {
    for (const [key, n] of Object.entries(doc.counts)) {
      const tracked = this.counts.get(key);
      if (tracked !== undefined) this.counts.set(key, tracked + n);
      else if (this.counts.size < this.max) this.counts.set(key, n);
      else this.overflow += n;
    }
    this.overflow += doc.overflow;
    this.digest.count += doc.digest.count;
    this.digest.a = (this.digest.a + doc.digest.a) >>> 0;
    this.digest.b = (this.digest.b + doc.digest.b) >>> 0;
  }

  clear(): void {
    this.counts.clear();
    this.overflow = 0;
    this.digest.count = 0;
    this.digest.a = 0;
    this.digest.b = 0;
  }

  toDoc(): SourceTallyDoc {
    return { counts: Object.fromEntries(this.counts), overflow: this.overflow, digest: { ...this.digest } };
  }
}

function addToDigest(d: SourceDigest, key: string, n: number): void {
  // FNV-1a over the UTF-16 code units, from two offsets: two independent 32-bit hashes with no allocation.
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  d.count += n;
  d.a = (d.a + Math.imul(a >>> 0, n)) >>> 0;
  d.b = (d.b + Math.imul(b >>> 0, n)) >>> 0;
}

export function mergeTallies(docs: SourceTallyDoc[]): SourceTallyDoc {
  const t = new SourceTally();
  for (const d of docs) t.merge(d);
  return t.toDoc();
}
