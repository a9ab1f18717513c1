/**
 * The Prometheus text exposition format and OpenMetrics, as exporters write them (HAProxy's built-in exporter,
 * Envoy's /stats/prometheus, prom-client): `# TYPE name type` lines, then samples `name{label="v",...} value
 * [timestamp]`; OpenMetrics ends with `# EOF` and names a counter's samples `name_total`. Small enough to parse
 * here (the npm parsers are unmaintained); a line that does not parse is skipped and counted, never fatal.
 * Read as a stream, line by line, within core/scrape-bounds.ts: no body is ever held whole, and only the samples a
 * caller wants have their labels read.
 */
import { SCRAPE_BOUNDS, ScrapeBoundError } from '../core/scrape-bounds.js';

export type PromType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped' | 'unknown' | 'info' | 'stateset';

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** The family's declared type (`# TYPE`); `untyped` when none was declared. */
  type: PromType;
}

export interface PromParse {
  samples: PromSample[];
  /** Lines that were neither a comment nor a sample l4stress could read. */
  skipped: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(?:\s+\S+)?\s*$/;
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
/** `# TYPE` lines kept per body: a declared type is a few bytes, but not an unbounded map of them. */
const MAX_TYPES = 100_000;

/**
 * One body, fed in chunks as it arrives. `want(name)` says which samples to read whole (labels and value) and count
 * against the sample bound; the rest are skipped at a glance (their cost is bounded by the body's size). Throws
 * ScrapeBoundError past a bound.
 */
export class PromTextReader {
  /** Lines that were neither a comment nor a sample l4stress could read. */
  skipped = 0;
  /** Sample lines of wanted series (or of no readable name) in this body. */
  wanted = 0;
  private readonly types = new Map<string, PromType>();
  private partial = '';

  constructor(
    private readonly onSample: (s: PromSample) => void,
    private readonly want: (name: string) => boolean = () => true,
  ) {}

  push(chunk: string): void {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
      const line = this.partial === '' ? chunk.slice(start, nl) : this.partial + chunk.slice(start, nl);
      this.partial = '';
      if (line.length > SCRAPE_BOUNDS.lineChars) throw new ScrapeBoundError('lineChars');
      this.line(line);
      start = nl + 1;
    }
    if (start < chunk.length) this.partial += chunk.slice(start);
    if (this.partial.length > SCRAPE_BOUNDS.lineChars) throw new ScrapeBoundError('lineChars');
  }

  /** The body ended: its last line, if it had no line break. */
  end(): void {
    const last = this.partial;
    this.partial = '';
    if (last !== '') this.line(last);
  }

  private line(raw: string): void {
    const line = raw.trim();
    if (line === '' || line === '# EOF') return;
    if (line.startsWith('#')) {
      const m = /^#\s+TYPE\s+(\S+)\s+(\S+)/.exec(line);
      if (m && this.types.size < MAX_TYPES) this.types.set(m[1], m[2] as PromType);
      return;
    }
    const name = NAME.exec(line)?.[0];
    if (name !== undefined && !this.want(name)) return;
    // Only wanted samples cost more than a glance (labels, a key): their number is what a scrape may cost.
    if (++this.wanted > SCRAPE_BOUNDS.samples) throw new ScrapeBoundError('samples');
    const m = SAMPLE.exec(line);
    const labels = m ? parseLabels(m[2] ?? '') : null;
    const value = m ? parseValue(m[3]) : null;
    if (!m || labels === null || value === null) {
      this.skipped++;
      return;
    }
    this.onSample({ name: m[1], labels, value, type: familyType(this.types, m[1]) });
  }
}

/** A whole body at once (tests, fixtures): every sample. */
export function parsePrometheusText(text: string): PromParse {
  const samples: PromSample[] = [];
  const reader = new PromTextReader((s) => samples.push(s));
  reader.push(text);
  reader.end();
  return { samples, skipped: reader.skipped };
}

/** A sample's family: itself, or the name without an OpenMetrics/histogram suffix. */
function familyType(types: Map<string, PromType>, name: string): PromType {
  const direct = types.get(name);
  if (direct) return direct;
  for (const suffix of ['_total', '_created', '_count', '_sum', '_bucket']) {
    if (name.endsWith(suffix)) {
      const t = types.get(name.slice(0, -suffix.length));
      if (t) return t;
    }
  }
  return 'untyped';
}

const LABEL_NAME = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"/y;
const LABEL_SEP = /\s*,?\s*/y;

/**
 * `{a="x",b="y \"q\""}` -> labels; null when the braces do not hold well-formed pairs. Sticky expressions walk the
 * text once (a long line of many labels costs its length, not its length times its labels).
 */
function parseLabels(text: string): Record<string, string> | null {
  const labels: Record<string, string> = {};
  if (text === '') return labels;
  let i = 1;
  const end = text.length - 1;
  while (i < end) {
    LABEL_NAME.lastIndex = i;
    const name = LABEL_NAME.exec(text);
    if (!name) return null;
    i = LABEL_NAME.lastIndex;
    let value = '';
    for (; i < end && text[i] !== '"'; i++) {
      if (text[i] === '\\' && i + 1 < end) {
        i++;
        value += text[i] === 'n' ? '\n' : text[i];
      } else value += text[i];
    }
    if (text[i] !== '"') return null;
    if (value.length > SCRAPE_BOUNDS.labelValueChars) throw new ScrapeBoundError('labelValueChars');
    labels[name[1]] = value;
    i++;
    LABEL_SEP.lastIndex = i;
    LABEL_SEP.exec(text);
    i = LABEL_SEP.lastIndex;
  }
  return labels;
}

function parseValue(text: string): number | null {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  const v = Number(text);
  return Number.isNaN(v) ? null : v;
}

/**
 * `name{a="x",b="y"}`: one series' key, labels sorted (what the timeline and the result call it), escaped as the
 * exposition format escapes them, so a label's line break or quote cannot make a key look like two.
 */
export function seriesKey(name: string, labels: Record<string, string>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k].replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `${name}{${parts.join(',')}}` : name;
}
