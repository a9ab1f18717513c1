/**
 * The Prometheus reader within its bounds (core/scrape-bounds.ts), fuzzed: any chunking of a body reads the same
 * samples as the whole; arbitrary bytes never throw anything but a named bound; each bound is hit by its own hostile
 * body. Then the series tracker's rates stay finite near the largest double, and the document guard writes no NaN
 * or Infinity and no URL password (documents/guard.ts). The same bounds against a real HTTP server, spawning the
 * CLI, are in test/integration/scrape-bounds.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/core/redact.js';
import { SCRAPE_BOUNDS, ScrapeBoundError } from '../../src/core/scrape-bounds.js';
import { guardDocument } from '../../src/documents/guard.js';
import { runResultSchema } from '../../src/documents/result.js';
import { type PromSample, PromTextReader, parsePrometheusText } from '../../src/instruments/prometheus-text.js';
import { SeriesTracker } from '../../src/instruments/scrape-series.js';
import { buildResult } from '../../src/result/build.js';
import { fixtureConfig, fixtureInputs, fixtureOutcome, timelineRowFixture } from '../fixtures/outcome.js';

/** Reads `chunks` one by one; returns the samples, or the bound that stopped it. */
function read(chunks: string[], want?: (name: string) => boolean): PromSample[] | string {
  const samples: PromSample[] = [];
  const reader = new PromTextReader((s) => samples.push(s), want);
  try {
    for (const c of chunks) reader.push(c);
    reader.end();
    return samples;
  } catch (e) {
    if (e instanceof ScrapeBoundError) return e.bound;
    throw e;
  }
}

const BODY =
  '# TYPE a_total counter\na_total{x="1",y="q\\"\\n"} 3\n# HELP g a gauge\ng 1.5 1700000000\nbroken{ 1\n' +
  'h{z="é✓"} -2e3\n# EOF\n';

describe('the Prometheus reader, fuzzed', () => {
  it('any chunking reads the same samples as the whole body', () => {
    const whole = parsePrometheusText(BODY).samples;
    expect(whole.map((s) => s.name)).toEqual(['a_total', 'g', 'h']);
    fc.assert(
      fc.property(fc.array(fc.nat(BODY.length), { maxLength: 12 }), (cuts) => {
        const at = [...new Set(cuts)].sort((a, b) => a - b);
        const chunks = [0, ...at].map((from, i) => BODY.slice(from, at[i] ?? BODY.length));
        expect(read(chunks)).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary text never throws anything but a named bound', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 400 }), { maxLength: 8 }), (chunks) => {
        const out = read(chunks);
        expect(Array.isArray(out) || typeof out === 'string').toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('each hostile body stops at its own bound', () => {
    const longLine = `m{a="${'x'.repeat(SCRAPE_BOUNDS.lineChars)}"} 1\n`;
    // Arriving in small pieces, the line is refused before it is whole: memory is the bound, not the body.
    expect(read(longLine.match(/.{1,1000}/gs)!)).toBe('lineChars');
    expect(read([`m{a="${'x'.repeat(SCRAPE_BOUNDS.labelValueChars + 1)}"} 1\n`])).toBe('labelValueChars');
    const many = 'm 1\n'.repeat(SCRAPE_BOUNDS.samples + 1);
    expect(read([many])).toBe('samples');
    // Samples of series nobody wants cost a glance, not the sample bound.
    expect(read([many], (name) => name !== 'm')).toEqual([]);
  });

  it("a kept series' key past its bound fails the scrape; past the series bound it is left out, counted", () => {
    const tracker = new SeriesTracker(['m']);
    const labels = Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`l${i}`, 'v'.repeat(200)]));
    expect(() => tracker.update([{ name: 'm', labels, value: 1, type: 'gauge' }], 0)).toThrow(ScrapeBoundError);
    const samples = Array.from({ length: 250 }, (_, i) => ({
      name: 'm',
      labels: { i: `${i}` },
      value: i,
      type: 'gauge',
    }));
    tracker.update(samples as PromSample[], 1);
    tracker.update(samples as PromSample[], 2);
    expect(tracker.series.size).toBe(SCRAPE_BOUNDS.series);
    // The most one scrape left out, not a sum over scrapes.
    expect(tracker.dropped).toBe(50);
  });
});

describe('numbers that break readers', () => {
  it('a counter near the largest double gives a finite rate or none, never Infinity', () => {
    const t = new SeriesTracker(['c_total']);
    const at = (v: number) => [{ name: 'c_total', labels: {}, value: v, type: 'counter' as const }];
    t.update(at(0), 0);
    const rate = t.update(at(1.7e308), 1000).c_total;
    expect(Number.isFinite(rate)).toBe(true);
    t.update(at(-1.7e308), 2000);
    expect(t.update(at(1.7e308), 2001)).toEqual({});
  });

  it('the guard writes no NaN or Infinity: null where the schema takes it, left out of a record, each named', () => {
    const url = 'http://user:s3cret@127.0.0.1:9/metrics';
    const config = fixtureConfig(['--target', '127.0.0.1:7000', '--scrape', url]);
    const outcome = fixtureOutcome(100, {
      timeline: [timelineRowFixture({ scrape: { 'c_total{a="b"}': Number.POSITIVE_INFINITY, g: 1 } })],
    });
    const built = buildResult({ ...fixtureInputs(config, outcome), command: ['--scrape', url] });
    built.latency.roundTripUs.mean = Number.NaN;
    // As JSON.stringify would write it, no reader takes it back.
    expect(runResultSchema.safeParse(JSON.parse(JSON.stringify(built))).success).toBe(false);
    const { doc, notes } = guardDocument(runResultSchema, built);
    const reread = runResultSchema.parse(JSON.parse(JSON.stringify(doc)));
    expect(reread.timeline[0].scrape).toEqual({ g: 1 });
    expect(reread.latency.roundTripUs.mean).toBeNull();
    expect(notes).toEqual([
      expect.stringMatching(/^latency\.roundTripUs\.mean: 1 value was not a finite number \(NaN\); written as null$/),
      expect.stringMatching(/^timeline\.\*\.scrape\.c_total\{a="b"\}: .*\(Infinity\); left out$/),
    ]);
    expect(reread.warnings).toEqual(expect.arrayContaining(notes));
    expect(JSON.stringify(doc)).not.toContain('s3cret');
    expect(doc.command).toEqual(['--scrape', 'http://user:<redacted>@127.0.0.1:9/metrics']);
    // The built document itself is untouched: the guard works on a copy.
    expect(built.command[1]).toBe(url);
  });

  it('redacts the password of any URL in any text, and nothing else', () => {
    expect(redactCredentials('a https://u:p@q@h:1/x?y=z@w b')).toBe('a https://u:<redacted>@h:1/x?y=z@w b');
    expect(redactCredentials('http://h/a:b@c and http://u@h/')).toBe('http://h/a:b@c and http://u@h/');
  });
});
