/** One performance goal as the bench reports it: l4stress's figure, the reference measured beside it, a verdict. */

export interface Goal {
  goal: string;
  l4stress: number | null;
  reference: number | null;
  referenceName: string;
  unit: string;
  ratio: number | null;
  /** The ratio asked for: at least (higher is better) or at most. */
  want: { op: '>=' | '<='; ratio: number };
  verdict: 'pass' | 'short' | 'not measured';
  note: string;
}

export const mean = (a: number, b: number): number => (a + b) / 2;

export function goal(g: Omit<Goal, 'ratio' | 'verdict'>): Goal {
  if (g.l4stress === null || g.reference === null || g.reference === 0)
    return { ...g, ratio: null, verdict: 'not measured' };
  const ratio = Math.round((g.l4stress / g.reference) * 100) / 100;
  const pass = g.want.op === '>=' ? ratio >= g.want.ratio : ratio <= g.want.ratio;
  return { ...g, ratio, verdict: pass ? 'pass' : 'short' };
}
