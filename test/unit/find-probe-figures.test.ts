/**
 * Find's per-probe figures come from the witness list: each witness with a probe part gives its figure under its key
 * (the kernel's counters that moved, the machine's section, the ingress's series means) and, where it has one, its
 * column of the probe table (the machine's, the ingress's series that moved most with the load). No find file names
 * a witness; these tests pin what the list gives.
 */
import { describe, expect, it } from 'vitest';
import type { FindDocument, ProbeRecord } from '../../src/documents/find.js';
import { probeSchema } from '../../src/documents/find.js';
import { renderFindSummary } from '../../src/reporters/find-text.js';
import { buildResult } from '../../src/result/build.js';
import { probeColumns, probeFigures } from '../../src/witnesses/list.js';
import { fixtureConfig, fixtureInputs, fixtureOutcome, kernelReading } from '../fixtures/outcome.js';
import { probeFixture } from '../fixtures/probe.js';

const probe = probeFixture;

const doc = (probes: ProbeRecord[]): FindDocument =>
  ({
    dimension: 'conns',
    unit: 'sessions',
    slo: ['p99<10ms'],
    probes,
    answer: { text: 'capacity 300 sessions' },
    search: { clamped: null, to: null },
    expect: [],
  }) as unknown as FindDocument;

describe("find's per-probe figures, from the witness list", () => {
  it("a probe run's result gives each witness's figure under its key: the kernel's counters that moved", () => {
    const base = fixtureOutcome();
    const after = { ...kernelReading(0, 1300), counters: { ...kernelReading(0, 0).counters, synRetrans: 3 } };
    const outcome = { ...base, witnesses: { ...base.witnesses, kernel: { before: kernelReading(0, 1200), after } } };
    const r = buildResult(fixtureInputs(fixtureConfig(['--target', '127.0.0.1:7000']), outcome));
    const figures = probeFigures(r);
    expect(Object.keys(figures).sort()).toEqual(['kernel', 'machine', 'scrape', 'udp']);
    expect(figures.kernel).toEqual({ synRetrans: 3 });
    expect(figures.udp).toBeNull();
    expect(figures.scrape).toBeNull();
    expect(figures.machine).toBeNull();
    // What the list gives is a valid probe record's part.
    expect(() => probeSchema.parse(probe(figures))).not.toThrow();
  });

  it("the probe table has each witness's column in the list's order: the machine, then the ingress's series", () => {
    const moving = [100, 200, 300].map((load, i) =>
      probe({ index: i + 1, load, scrape: { 'haproxy_frontend_current_sessions{proxy="fe"}': load, idle: 5 } }),
    );
    expect(probeColumns(moving).map((c) => c.header)).toEqual(['machine', 'ingress']);
    const text = renderFindSummary(doc(moving), 'f.json');
    const [header, , ...rows] = text.split('\n').slice(2);
    expect(header).toMatch(/target cpu +machine +ingress +verdict$/);
    expect(rows[2]).toMatch(/ - +300 +pass$/);
    expect(text).toContain(
      'ingress: haproxy_frontend_current_sessions{proxy="fe"}, the scraped series that moved most with the load',
    );
  });

  it('without a scraped series that moved, no ingress column and no line under the table', () => {
    const text = renderFindSummary(doc([probe({ scrape: { idle: 5 } }), probe({ index: 2, load: 200 })]), 'f.json');
    expect(text).toMatch(/target cpu +machine +verdict\n/);
    expect(text).not.toContain('ingress');
  });
});
