/**
 * One converter: every step option, set in a scenario step with a YAML value of its natural type (a boolean for a
 * switch, a number where a number is natural), reaches the run's config exactly as the same option typed on the
 * command line. Generated from the option table: a new step option fails here until it has a sample.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { resolveRunConfig } from '../../src/config/resolve-run-config.js';
import { optionArity } from '../../src/options/raw-options.js';
import { parseRunArgs } from '../../src/options/run-command-options.js';
import { flagOf, type RunOptionKey, STEP_OPTION_KEYS } from '../../src/options/run-options.js';
import { expand } from '../../src/scenario/load.js';
import { stepRawOptions } from '../../src/scenario/run-scenario.js';
import { selfSignedCertificate } from '../../src/serve/certificate.js';
import { ROOT, tempDir } from '../helpers/cli.js';

const dir = tempDir();
const caFile = path.join(dir, 'ca.pem');
writeFileSync(caFile, selfSignedCertificate().cert);

type Sample = { yaml: string; with?: string };
/** A value in YAML (its natural type) and, where the option needs company, the step options it needs. */
const SAMPLES: Partial<Record<RunOptionKey, Sample>> = {
  udp: { yaml: 'true' },
  bitrate: { yaml: '10M', with: 'udp: true\nmode: stream' },
  conns: { yaml: '250' },
  proxy: { yaml: 'v2' },
  proxySrc: { yaml: '10.0.0.0/8', with: 'proxy: v1' },
  proxyDst: { yaml: '192.0.2.1:443', with: 'proxy: v2' },
  proxyCommand: { yaml: 'local', with: 'proxy: v2' },
  proxyTlv: { yaml: '[authority=example.com, crc32c]', with: 'proxy: v2' },
  tls: { yaml: 'true' },
  sni: { yaml: 'ingress.example.com', with: 'tls: true' },
  alpn: { yaml: 'h2,http/1.1', with: 'tls: true' },
  tlsCa: { yaml: JSON.stringify(caFile), with: 'tls: true' },
  tlsInsecure: { yaml: 'true', with: 'tls: true' },
  tlsMin: { yaml: 'TLSv1.2', with: 'tls: true' },
  tlsMax: { yaml: 'TLSv1.3', with: 'tls: true' },
  tlsCiphers: { yaml: 'ECDHE-RSA-AES128-GCM-SHA256', with: 'tls: true' },
  tlsResume: { yaml: 'true', with: 'tls: true' },
  duration: { yaml: '3s' },
  warmup: { yaml: '500ms' },
  connectRate: { yaml: '2000' },
  maxConnecting: { yaml: '64' },
  connectTimeout: { yaml: '2s' },
  rampTimeout: { yaml: '45s' },
  size: { yaml: '512' },
  mode: { yaml: 'hold' },
  rate: { yaml: '1000' },
  direction: { yaml: 'both', with: 'mode: stream' },
  pingInterval: { yaml: '250ms', with: 'mode: hold' },
  close: { yaml: 'rst' },
  churnEcho: { yaml: 'true', with: 'mode: connect' },
  reconnect: { yaml: 'true' },
  echoTimeout: { yaml: '2s' },
  drainTimeout: { yaml: '1s' },
  sourceIps: { yaml: '127.0.0.1-127.0.0.4' },
  processes: { yaml: '2' },
  workers: { yaml: '3' },
  seed: { yaml: '7' },
  watchPid: { yaml: `[${process.pid}]` },
  scrape: { yaml: '[http://127.0.0.1:8404/metrics]' },
  scrapeMetric: { yaml: '[haproxy_frontend_*]', with: 'scrape: [http://127.0.0.1:8404/metrics]' },
};

/** The command line's words for one YAML value. */
function argsFor(key: RunOptionKey, value: unknown): string[] {
  if (optionArity(key) === 'flag') return value === true ? [flagOf(key)] : [];
  if (Array.isArray(value)) return value.flatMap((v) => [flagOf(key), String(v)]);
  return [flagOf(key), String(value)];
}

function viaScenario(step: Record<string, unknown>) {
  const sc = expand('/x/s.yaml', { name: 's', steps: [{ name: 'a', ...step }] } as never, null);
  const o = { resultsDir: dir, overrides: {} } as never;
  return resolveRunConfig(stepRawOptions(sc, sc.steps[0].options, sc.steps[0].name, o));
}

function viaCommandLine(step: Record<string, unknown>) {
  const args = Object.entries(step).flatMap(([k, v]) => argsFor(k as RunOptionKey, v));
  const raw = parseRunArgs([...args, '--name', 's-a', '--quiet', '--results-dir', dir]);
  return resolveRunConfig(raw);
}

describe('every step option reaches the run alike from a scenario and the command line', () => {
  it('every step option has a sample', () => {
    // --shard needs --target, which a step cannot set (the scenario's own): tested in shards.test.ts.
    expect(STEP_OPTION_KEYS.filter((k) => SAMPLES[k] === undefined && k !== 'shard')).toEqual([]);
  });

  it.each(STEP_OPTION_KEYS.filter((k) => SAMPLES[k]))('%s', (key) => {
    const sample = SAMPLES[key]!;
    const step = parseYaml(
      `${sample.with ?? ''}\n${key}: ${sample.yaml}\n${key === 'seed' ? '' : 'seed: 42'}\n`,
    ) as Record<string, unknown>;
    if (optionArity(key) === 'flag') expect(step[key]).toBe(true);
    const fromScenario = viaScenario(step);
    expect(fromScenario).toEqual(viaCommandLine(step));
    // And the value did something: the config differs from the one without it.
    const { [key]: _dropped, ...without } = step;
    if (key !== 'seed') expect(fromScenario).not.toEqual(viaScenario(without));
  });

  it('a switch given a value that is not a boolean is refused, naming the step and the option', () => {
    expect(() => viaScenario({ tls: 'yes' })).toThrow(/step a: --tls: is a switch: give true or false, not 'yes'/);
  });
});

describe("the library's RunOptions type", () => {
  it("is the option table's library rows (options/applies.ts), no hand list in index.ts to drift", () => {
    const text = readFileSync(path.join(ROOT, 'src/index.ts'), 'utf8');
    expect(text).not.toMatch(/Exclude<\s*RunOptionKey/);
    expect(text).toMatch(/type RunOptions = \{ \[K in LibraryKey\]/);
  });
});

describe('--sni', () => {
  const sni = (name: string) => resolveRunConfig(parseRunArgs(['--tls', '--sni', name])).tls?.sni;
  it('drops a trailing dot (RFC 6066 sends none; it went as typed); a lone dot or an IP with one is refused', () => {
    expect(sni('api.example.')).toBe('api.example');
    expect(sni('api.example')).toBe('api.example');
    expect(() => sni('.')).toThrow(/--sni: '.' is not a host name/);
    expect(() => sni('10.0.0.1.')).toThrow(/is an IP address/);
  });
});
