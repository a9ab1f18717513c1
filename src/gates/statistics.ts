/**
 * Is a difference between two sets of iterations real? Mann-Whitney U (rank-sum), one-sided, exact for small
 * samples (the distribution of U counted by dynamic programming), normal approximation past 20 values.
 * Chosen over a t-test because latency percentiles are skewed and few (3-10 iterations), and over a bootstrap
 * because with so few values a bootstrap's resamples are mostly the same handful of numbers.
 */

/** P(U <= u) under the null for sample sizes n and m, exact. */
function exactCdf(u: number, n: number, m: number): number {
  // count[n][m][u]: arrangements of n x's and m y's with U = u, by the recurrence on the largest element.
  const memo = new Map<string, number[]>();
  const counts = (a: number, b: number): number[] => {
    const key = `${a},${b}`;
    const hit = memo.get(key);
    if (hit) return hit;
    let out: number[];
    if (a === 0 || b === 0) out = [1];
    else {
      const x = counts(a - 1, b); // largest is an x: it beats all b y's
      const y = counts(a, b - 1);
      out = new Array(a * b + 1).fill(0);
      x.forEach((c, i) => {
        out[i + b] += c;
      });
      y.forEach((c, i) => {
        out[i] += c;
      });
    }
    memo.set(key, out);
    return out;
  };
  const dist = counts(n, m);
  const total = dist.reduce((s, c) => s + c, 0);
  let acc = 0;
  for (let i = 0; i <= Math.min(u, dist.length - 1); i++) acc += dist[i];
  return acc / total;
}

/**
 * One-sided p-value that `greater` values tend to exceed `lesser` values (ties count one half).
 * Small when every value of `greater` is above every value of `lesser`.
 */
export function mannWhitneyGreater(greater: number[], lesser: number[]): number {
  const n = greater.length;
  const m = lesser.length;
  if (n === 0 || m === 0) return 1;
  // U counts pairs where lesser beats greater; small U = evidence that `greater` is greater.
  let u = 0;
  for (const g of greater) for (const l of lesser) u += l > g ? 1 : l === g ? 0.5 : 0;
  if (n + m <= 20) return exactCdf(Math.floor(u), n, m);
  const mean = (n * m) / 2;
  const sd = Math.sqrt((n * m * (n + m + 1)) / 12);
  const z = (u + 0.5 - mean) / sd;
  return normalCdf(z);
}

function normalCdf(z: number): number {
  // Abramowitz-Stegun 7.1.26 via erf.
  const t = 1 / (1 + 0.3275911 * Math.abs(z / Math.SQRT2));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-(z * z) / 2);
  return z >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}
