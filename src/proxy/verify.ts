/**
 * Address preservation: did every source a header claimed arrive at the backend? Compared as multisets of
 * `addr:port` strings (canonical form on both sides), so a duplicate or a stranger is noticed, not absorbed.
 */
import type { ProxyVerification } from '../documents/result.js';

const EXAMPLES = 5;

export function compareSources(
  sent: Iterable<string>,
  seen: Record<string, number> | null,
  source: string,
  error: string | null = null,
): ProxyVerification {
  const sentCounts = new Map<string, number>();
  let sentTotal = 0;
  for (const s of sent) {
    sentCounts.set(s, (sentCounts.get(s) ?? 0) + 1);
    sentTotal++;
  }
  if (seen === null) {
    return {
      ok: false,
      source,
      sent: sentTotal,
      seen: 0,
      matched: 0,
      missing: sentTotal,
      unexpected: 0,
      examplesMissing: [...sentCounts.keys()].slice(0, EXAMPLES),
      examplesUnexpected: [],
      error: error ?? 'the backend did not answer',
    };
  }
  let seenTotal = 0;
  let matched = 0;
  const examplesUnexpected: string[] = [];
  for (const [key, n] of Object.entries(seen)) {
    seenTotal += n;
    const m = Math.min(n, sentCounts.get(key) ?? 0);
    matched += m;
    if (n > m && examplesUnexpected.length < EXAMPLES) examplesUnexpected.push(key);
  }
  const examplesMissing: string[] = [];
  for (const [key, n] of sentCounts) {
    if ((seen[key] ?? 0) < n && examplesMissing.length < EXAMPLES) examplesMissing.push(key);
  }
  const missing = sentTotal - matched;
  const unexpected = seenTotal - matched;
  return {
    ok: error === null && missing === 0 && unexpected === 0 && sentTotal > 0,
    source,
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
