/**
 * Address preservation: did every source a header claimed arrive at the backend? Compared as multisets of
 * `addr:port` strings (canonical form on both sides), so a duplicate or a stranger is noticed, not absorbed.
 * Exactly, key by key, while both sides kept every distinct key; by digest when either had more than it keeps
 * (a long churn run): then equal digests pass, and unequal ones fail with the count difference.
 */
import type { ProxyVerification } from '../documents/result.js';
import type { SourceTallyDoc } from './source-tally.js';

const EXAMPLES = 5;

export function compareSources(
  sent: SourceTallyDoc,
  seen: SourceTallyDoc | null,
  source: string,
  error: string | null = null,
): ProxyVerification {
  const sentTotal = sent.digest.count;
  if (seen === null) {
    return {
      ok: false,
      source,
      method: 'exact',
      sent: sentTotal,
      seen: 0,
      matched: 0,
      missing: sentTotal,
      unexpected: 0,
      examplesMissing: Object.keys(sent.counts).slice(0, EXAMPLES),
      examplesUnexpected: [],
      error: error ?? 'the backend did not answer',
    };
  }
  const seenTotal = seen.digest.count;
  let matched = 0;
  const examplesUnexpected: string[] = [];
  for (const [key, n] of Object.entries(seen.counts)) {
    const m = Math.min(n, sent.counts[key] ?? 0);
    matched += m;
    if (n > m && examplesUnexpected.length < EXAMPLES) examplesUnexpected.push(key);
  }
  const examplesMissing: string[] = [];
  for (const [key, n] of Object.entries(sent.counts)) {
    if ((seen.counts[key] ?? 0) < n && examplesMissing.length < EXAMPLES) examplesMissing.push(key);
  }
  if (sent.overflow > 0 || seen.overflow > 0) {
    const same =
      sent.digest.count === seen.digest.count && sent.digest.a === seen.digest.a && sent.digest.b === seen.digest.b;
    // Unequal multisets of equal size: at least one claimed source is missing and one stranger arrived.
    const missing = same ? 0 : Math.max(sentTotal - seenTotal, sentTotal === seenTotal ? 1 : 0);
    const unexpected = same ? 0 : Math.max(seenTotal - sentTotal, sentTotal === seenTotal ? 1 : 0);
    return {
      ok: error === null && same && sentTotal > 0,
      source,
      method: 'digest',
      sent: sentTotal,
      seen: seenTotal,
      matched: same ? sentTotal : Math.min(sentTotal, seenTotal) - Math.min(missing, unexpected),
      missing,
      unexpected,
      examplesMissing: same ? [] : examplesMissing,
      examplesUnexpected: same ? [] : examplesUnexpected,
      error,
    };
  }
  const missing = sentTotal - matched;
  const unexpected = seenTotal - matched;
  return {
    ok: error === null && missing === 0 && unexpected === 0 && sentTotal > 0,
    source,
    method: 'exact',
    sent: sentTotal,
    seen: seenTotal,
    matched,
    missing,
    unexpected,
    examplesMissing,
    examplesUnexpected,
    error,
  };
}
