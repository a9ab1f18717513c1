/**
 * What the failed probes' achieved loads say about where a target saturates (the search's own evidence besides
 * pass and fail): a plateau (the achieved value flat while the asked load grows), and a saturation at a passing
 * load. Pure: `shortfalls` maps each failed probe's asked load to what it achieved, when less.
 */

/** One precision step above a load: the failure a confirmed answer needs. */
export function stepAbove(load: number, precision: number): number {
  return Math.max(load + 1, Math.ceil(load * (1 + precision)));
}

/** The failed probes clearly short of what they asked (by more than the precision): [asked, achieved]. */
function clearlyShort(shortfalls: Map<number, number>, precision: number): [number, number][] {
  return [...shortfalls].filter(([load, achieved]) => achieved < load * (1 - precision));
}

/**
 * Two failed probes at different loads, each clearly short, that achieved within the precision of each other: the
 * lower is the plateau, a limit (a connection cap, a rate limit) the bisection would otherwise approach one halving
 * at a time. Null when there is none.
 */
export function plateauOf(shortfalls: Map<number, number>, precision: number): number | null {
  const short = clearlyShort(shortfalls, precision).map(([, achieved]) => achieved);
  for (let i = 0; i < short.length; i++)
    for (let j = i + 1; j < short.length; j++) {
      const [lo, hi] = short[i] < short[j] ? [short[i], short[j]] : [short[j], short[i]];
      if (lo > 0 && hi / lo - 1 <= precision) return lo;
    }
  return null;
}

/**
 * A failed probe above `pass`, clearly short, achieved within a precision step above `pass` or two below it (a scout's
 * short window reads a rate limit low: HAProxy's 500/s read 470 over 2 s): the target saturates there, so the
 * capacity is the pass or just above it, and the step above the pass settles it in one probe. Bounded: a pass at
 * that step moves `pass` up, and the band soon leaves the achieved value behind (two or three steps at most); a
 * target whose throughput collapsed under overload, far below the pass, is bisected as before.
 */
export function saturatedAt(pass: number, shortfalls: Map<number, number>, precision: number): boolean {
  return clearlyShort(shortfalls, precision).some(
    ([load, got]) => load > pass && got >= pass * (1 - 2 * precision) && got <= stepAbove(pass, precision),
  );
}
