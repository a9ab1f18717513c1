/**
 * The recipes in CONTRIBUTING.md ("Adding a witness, a metric, a find dimension") kept: each step a new one needs is
 * checked here, and a skipped step fails naming the witness, metric or dimension and what it lacks. The compiler
 * catches some (a result field without a rule); these are the ones that would compile and fail silently.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIND_DIMENSIONS, LOAD_MODES } from '../../src/core/vocabulary.js';
import { probeSchema } from '../../src/documents/find.js';
import { runResultSchema, timelineRowSchema } from '../../src/documents/result.js';
import { METRIC_NAMES } from '../../src/documents/summary.js';
import { WITNESS_KEYS } from '../../src/documents/witness-documents.js';
import { DIMENSIONS } from '../../src/find/dimensions.js';
import { countsEvents } from '../../src/gates/count-verdict.js';
import { METRICS, measurable } from '../../src/gates/metric-table.js';
import { parseThreshold } from '../../src/gates/thresholds.js';
import { WITNESSES } from '../../src/witnesses/list.js';
import type { AnyWitness } from '../../src/witnesses/witness.js';
import { ROOT } from '../helpers/cli.js';

const listed = WITNESSES;
const DIR = 'src/witnesses';

/** What a witness must have: the run loop, build, merge, gates and reports each call one of these. */
const PARTS = ['live', 'section', 'merge', 'measurable', 'warnings', 'summary', 'charts'] as const;

/** An exported value that is a witness: a key and a live part. */
function isWitness(v: unknown): v is AnyWitness {
  return typeof v === 'object' && v !== null && 'key' in v && 'live' in v;
}

/** Every exported witness of src/witnesses/, by the file that exports it. */
async function exportedWitnesses(): Promise<{ file: string; name: string; witness: AnyWitness }[]> {
  const files = readdirSync(path.join(ROOT, DIR)).filter((f) => f.endsWith('.ts'));
  const found: { file: string; name: string; witness: AnyWitness }[] = [];
  for (const file of files) {
    const mod = (await import(path.join(ROOT, DIR, file))) as Record<string, unknown>;
    for (const [name, v] of Object.entries(mod)) if (isWitness(v)) found.push({ file, name, witness: v });
  }
  return found;
}

/** The checks of a witness's parts, each failure in words. */
function missingParts(witnesses: readonly AnyWitness[]): string[] {
  const out: string[] = [];
  const keys = new Set<string>();
  for (const w of witnesses) {
    const name = `witness '${w.key}'`;
    for (const part of PARTS)
      if (typeof (w as unknown as Record<string, unknown>)[part] !== 'function')
        out.push(`${name}: no ${part}() (witnesses/witness.ts says what each part is)`);
    if (!Array.isArray(w.gauges)) out.push(`${name}: no gauges (an empty list when it exports none)`);
    if (keys.has(w.key)) out.push(`${name}: listed twice, or two witnesses fill one field`);
    keys.add(w.key);
    const nested = w.nested === 'resources';
    if (!nested && !(WITNESS_KEYS as readonly string[]).includes(w.key))
      out.push(`${name}: no '${w.key}' line in documents/witness-documents.ts (its section, row field, metric names)`);
    const sections = nested ? runResultSchema.shape.resources.shape : runResultSchema.shape;
    if (!(w.key in sections))
      out.push(
        `${name}: no '${w.key}' section in documents/result.ts's runResultSchema${nested ? ' (its resources)' : ''}`,
      );
    if (!(w.key in timelineRowSchema.shape))
      out.push(`${name}: no '${w.key}' field in documents/result.ts's timelineRowSchema (its figures each second)`);
    const probeField = w.key in probeSchema.shape;
    if (w.probe && !probeField)
      out.push(`${name}: a probe part, but no '${w.key}' field in documents/find.ts's probeSchema`);
    if (!w.probe && probeField)
      out.push(`${name}: '${w.key}' is a field of find's probes, but it gives no probe figure`);
    for (const metric of Object.keys(w.metrics ?? {}))
      if (!(METRIC_NAMES as readonly string[]).includes(metric))
        out.push(`${name}: metric '${metric}' is not in its document's metricNames (summaries record it)`);
  }
  return out;
}

describe('witnesses (CONTRIBUTING.md: adding a witness)', () => {
  it('every witness in src/witnesses/ is in the list (witnesses/list.ts)', async () => {
    const found = await exportedWitnesses();
    expect(found.length).toBeGreaterThanOrEqual(4);
    const unlisted = found
      .filter(({ witness }) => !listed.includes(witness))
      .map(({ file, name }) => `${DIR}/${file}: ${name} is not in WITNESSES (witnesses/list.ts): no stage will run it`);
    expect(unlisted).toEqual([]);
  });

  it('every listed witness has every part, its section and row field in the schema, its metrics named', () => {
    expect(missingParts(listed)).toEqual([]);
  });

  it('every witness document (documents/witness-documents.ts) has its witness in the list', () => {
    const orphans = WITNESS_KEYS.filter((k) => !listed.some((w) => w.key === k));
    expect(orphans.map((k) => `documents '${k}': no witness in witnesses/list.ts fills it`)).toEqual([]);
  });

  it('the check says what a witness lacks (a witness without a merge rule, a section not in the schema)', () => {
    const { merge: _m, ...noMerge } = listed[0];
    const stray = {
      ...listed[0],
      key: 'nowhere',
      metrics: { 'nowhere.x': METRICS.p50 },
      probe: { figures: () => null },
    };
    expect(missingParts([noMerge as AnyWitness, stray as unknown as AnyWitness])).toEqual([
      `witness '${listed[0].key}': no merge() (witnesses/witness.ts says what each part is)`,
      "witness 'nowhere': no 'nowhere' section in documents/result.ts's runResultSchema (its resources)",
      "witness 'nowhere': no 'nowhere' field in documents/result.ts's timelineRowSchema (its figures each second)",
      "witness 'nowhere': a probe part, but no 'nowhere' field in documents/find.ts's probeSchema",
      "witness 'nowhere': metric 'nowhere.x' is not in its document's metricNames (summaries record it)",
    ]);
    const { probe: _p, ...kernelNoProbe } = listed.find((w) => w.key === 'kernel')!;
    expect(missingParts([kernelNoProbe as AnyWitness])).toEqual([
      "witness 'kernel': 'kernel' is a field of find's probes, but it gives no probe figure",
    ]);
  });

  it("a witness's series metrics parse as thresholds and are asked of the witness", () => {
    const series = listed.flatMap((w) => (w.seriesMetrics ? [w.seriesMetrics.prefix] : []));
    expect(series).toContain('scrape.');
    const config = { mode: 'echo', churnEcho: false, target: null, watchPids: [], scrape: undefined } as const;
    for (const prefix of series) {
      expect(parseThreshold(`${prefix}some_series > 1`).metric).toBe(`${prefix}some_series`);
      expect(measurable(`${prefix}some_series`, config)).toBe(
        listed.find((w) => w.seriesMetrics?.prefix === prefix)!.measurable(`${prefix}some_series`, config),
      );
    }
  });
});

describe('metrics (CONTRIBUTING.md: adding a metric)', () => {
  it("every name a summary records has its entry: the table's own or a witness's", () => {
    const undefinedNames = METRIC_NAMES.filter((m) => METRICS[m] === undefined).map(
      (m) =>
        `${m}: in METRIC_NAMES (documents/summary.ts) but in no table: gates/metric-table.ts or a witness's metrics`,
    );
    expect(undefinedNames).toEqual([]);
  });

  it('every metric parses as a threshold with its unit, and a run can say whether it is measurable', () => {
    const config = { mode: 'echo', churnEcho: false, target: null, watchPids: [], scrape: undefined } as const;
    const wrong = METRIC_NAMES.flatMap((m) => {
      const unit =
        METRICS[m].unit === 'us' || METRICS[m].unit === 'cpu-us' ? 'ms' : METRICS[m].unit === 'percent' ? '%' : '';
      try {
        parseThreshold(`${m} >= 1${unit}`);
      } catch (err) {
        return [`${m}: threshold grammar refuses it (${(err as Error).message})`];
      }
      const why = measurable(m, config);
      return why === null || why.length > 0 ? [] : [`${m}: measurable() gave an empty reason`];
    });
    expect(wrong).toEqual([]);
  });
});

describe('counted events', () => {
  it("are the table's error counts and the kernel witnesses' counters, each as its definition says", () => {
    const events = METRIC_NAMES.filter((m) => countsEvents(m));
    const witnessCounter = (m: string) => m.startsWith('kernel.') || m.startsWith('udp.');
    // UDP's reordered and duplicated datagrams and its silent flows are counted events too; its loss is a share.
    expect(events.filter((m) => !witnessCounter(m))).toEqual([
      'errors',
      'failed',
      'dropped',
      'unserved',
      'reorder',
      'duplicates',
      'silent',
    ]);
    // The UDP witness's drops are events; its traffic (InDatagrams, OutDatagrams) is a figure, not a fault.
    expect(events.filter((m) => m.startsWith('udp.'))).toEqual(
      METRIC_NAMES.filter((m) => m.startsWith('udp.') && !/Datagrams$/.test(m)),
    );
    expect(events.filter((m) => m.startsWith('kernel.')).length).toBe(
      METRIC_NAMES.filter((m) => m.startsWith('kernel.')).length,
    );
    expect(countsEvents('watched.rssSlope')).toBe(false);
  });
});

describe('find dimensions (CONTRIBUTING.md: adding a find dimension)', () => {
  it('every --vary dimension has its row in find/dimensions.ts, runs in real modes, and is in docs/find.md', () => {
    const doc = readFileSync(path.join(ROOT, 'docs/find.md'), 'utf8');
    const wrong = FIND_DIMENSIONS.flatMap((d) => {
      const def = DIMENSIONS[d];
      if (!def) return [`--vary ${d}: no row in find/dimensions.ts's DIMENSIONS`];
      return [
        ...def.modes.filter((m) => !LOAD_MODES.includes(m)).map((m) => `--vary ${d}: mode '${m}' is no load mode`),
        ...(doc.includes(`\`${d}\``) ? [] : [`--vary ${d}: not in docs/find.md's table`]),
      ];
    });
    expect(wrong).toEqual([]);
  });
});
