/**
 * The Prometheus text exposition format and OpenMetrics, as exporters write them (HAProxy's built-in exporter,
 * Envoy's /stats/prometheus, prom-client): `# TYPE name type` lines, then samples `name{label="v",...} value
 * [timestamp]`; OpenMetrics ends with `# EOF` and names a counter's samples `name_total`. Small enough to parse
 * here (DEPENDENCIES.md: the npm parsers are old); a line that does not parse is skipped and counted, never fatal.
 */

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

export function parsePrometheusText(text: string): PromParse {
  const types = new Map<string, PromType>();
  const samples: PromSample[] = [];
  let skipped = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line === '# EOF') continue;
    if (line.startsWith('#')) {
      const m = /^#\s+TYPE\s+(\S+)\s+(\S+)/.exec(line);
      if (m) types.set(m[1], m[2] as PromType);
      continue;
    }
    const m = SAMPLE.exec(line);
    const labels = m ? parseLabels(m[2] ?? '') : null;
    const value = m ? parseValue(m[3]) : null;
    if (!m || labels === null || value === null) {
      skipped++;
      continue;
    }
    samples.push({ name: m[1], labels, value, type: familyType(types, m[1]) });
  }
  return { samples, skipped };
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

/** `{a="x",b="y \"q\""}` -> labels; null when the braces do not hold well-formed pairs. */
function parseLabels(text: string): Record<string, string> | null {
  const labels: Record<string, string> = {};
  if (text === '') return labels;
  let i = 1;
  const end = text.length - 1;
  while (i < end) {
    const name = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"/.exec(text.slice(i));
    if (!name) return null;
    i += name[0].length;
    let value = '';
    for (; i < end && text[i] !== '"'; i++) {
      if (text[i] === '\\' && i + 1 < end) {
        i++;
        value += text[i] === 'n' ? '\n' : text[i];
      } else value += text[i];
    }
    if (text[i] !== '"') return null;
    labels[name[1]] = value;
    i++;
    const sep = /^\s*,?\s*/.exec(text.slice(i))!;
    i += sep[0].length;
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

/** `name{a="x",b="y"}`: one series' key, labels sorted (what the timeline and the result call it). */
export function seriesKey(name: string, labels: Record<string, string>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k].replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
  return parts.length ? `${name}{${parts.join(',')}}` : name;
}
