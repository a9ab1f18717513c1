/**
 * `l4stress find`'s options turned into a FindConfig, every value checked before any socket opens: the dimension,
 * the SLOs (each must be measurable in the dimension's mode), the search bounds, and the run options every probe
 * shares, resolved once at --from by the same function a run uses. Each refusal is a UsageError naming the option.
 */

import { MAX_CONNS, resolveRunConfig } from '../config/resolve-run-config.js';
import type { RunConfig } from '../config/run-config.js';
import { UsageError } from '../core/errors.js';
import { HOUR_MS, parseDurationMs, parseIntInRange, parseRatePerSecond } from '../core/units.js';
import { FIND_DIMENSIONS, type FindDimension, type LoadMode } from '../core/vocabulary.js';
import { THRESHOLD_PATTERN } from '../documents/scenario-file.js';
import { parseThreshold, refuseUnmeasurable, type Threshold } from '../gates/thresholds.js';
import { FIND_WARMUP, type FindOptionKey, type RawFindOptions } from '../options/find-options.js';
import { flagOf, type RawRunOptions, type RunOptionKey } from '../options/run-options.js';
import { DIMENSIONS, type DimensionDef, UDP_DIMENSIONS } from './dimensions.js';
import type { SearchSettings } from './search.js';

export interface CapacityGate {
  text: string;
  op: '<' | '<=' | '>' | '>=' | '==';
  value: number;
}

export interface FindConfig {
  dimension: FindDimension;
  def: DimensionDef;
  slo: Threshold[];
  expect: CapacityGate[];
  search: SearchSettings;
  maxTimeMs: number;
  /** --cooldown: idle time before each probe after the first (an ingress's UDP sessions outlive their flows). */
  cooldownMs: number;
  /** The run options every probe shares; a probe sets the dimension's option to its load. */
  base: RawRunOptions;
  /** `base` resolved at --from: the settings every probe runs with but the load. */
  first: RunConfig;
  /** --name, or `find-<dimension>-<mode>-<proxy>`: the document's name and file name. */
  name: string;
}

/** The highest load --from and --to take. */
const MAX_LOAD = 10_000_000;

export function resolveFindConfig(
  raw: RawRunOptions & RawFindOptions,
  given: (RunOptionKey | FindOptionKey)[],
): FindConfig {
  if (raw.vary === undefined) throw new UsageError(`find: --vary is required (one of: ${FIND_DIMENSIONS.join(', ')})`);
  const dimension = raw.vary as FindDimension;
  if (DIMENSIONS[dimension] === undefined)
    throw new UsageError(`--vary: '${raw.vary}' is not one of ${FIND_DIMENSIONS.join(', ')}`);
  const def = dimensionOf(dimension, raw.udp === true);
  if (!raw.slo?.length) throw new UsageError("find: give at least one --slo (e.g. --slo 'p99<20ms')");
  if (given.includes(def.option))
    throw new UsageError(
      `${flagOf(def.option)}: --vary ${dimension} sets it on every probe`,
      'bound the search with --from and --to instead',
    );
  const mode = given.includes('mode') ? raw.mode : def.modes[0];
  if (!def.modes.includes(mode as LoadMode))
    throw new UsageError(`--mode ${mode}: --vary ${dimension} runs in --mode ${def.modes.join(' or ')}`);
  if (dimension === 'tls-handshakes' && raw.tls !== true)
    throw new UsageError('--vary tls-handshakes: needs --tls (the handshakes are what grows)');
  if (dimension === 'tls-handshakes' && raw.tlsResume === true)
    throw new UsageError('--tls-resume: --vary tls-handshakes counts full handshakes; leave resumption off');
  const from = raw.from === undefined ? def.defaultFrom : parseLoad('--from', raw.from, dimension);
  const to = raw.to === undefined ? Number.POSITIVE_INFINITY : parseLoad('--to', raw.to, dimension);
  if (from > to) throw new UsageError(`--from ${raw.from ?? from} is above --to ${raw.to}`);
  const search: SearchSettings = {
    from,
    to,
    precision: parsePrecision(raw.precision),
    confirm: parseIntInRange('--confirm', raw.confirm, 1, 10),
  };
  const maxTimeMs = parseDurationMs('--max-time', raw.maxTime, { min: 1000, max: 24 * HOUR_MS });
  const cooldownMs = parseDurationMs('--cooldown', raw.cooldown ?? '0s', { min: 0, max: HOUR_MS });
  const base: RawRunOptions = {
    ...raw,
    mode: mode as string,
    warmup: given.includes('warmup') ? raw.warmup : FIND_WARMUP,
    duration: raw.window,
  };
  const first = asWindow(() => probeRunConfig({ base, def }, from));
  const slo = raw.slo.map(parseSlo);
  // An SLO a probe cannot measure would fail every probe: refused up front, `capacity` (the answer's) included.
  refuseUnmeasurable(slo, first, (t) => `--slo '${t.text}': cannot be judged with --vary ${dimension}`);
  const expect = (raw.expect ?? []).map(parseCapacityGate);
  const transport = def.transport === 'udp' ? 'udp-' : '';
  const name = raw.name ?? `find-${dimension}-${transport}${mode}-${first.proxy.version}`;
  return { dimension, def, slo, expect, search, maxTimeMs, cooldownMs, base, first, name };
}

/** One SLO: a threshold. `loss<0.1%,p99<20ms` is two given as one: refused with the way to give them. */
function parseSlo(text: string): Threshold {
  const parts = text.split(',');
  if (parts.length > 1)
    throw new UsageError(
      `--slo '${text}': one SLO per --slo`,
      `repeat it: ${parts.map((t) => `--slo '${t.trim()}'`).join(' ')}`,
    );
  return parseThreshold(text);
}

/** The dimension's row for the transport: over UDP only rate and conns mean something (a flow has no connect). */
function dimensionOf(dimension: FindDimension, udp: boolean): DimensionDef {
  if (!udp) return DIMENSIONS[dimension];
  const def = UDP_DIMENSIONS[dimension];
  if (def === undefined)
    throw new UsageError(
      `--vary ${dimension}: does not apply with --udp (a UDP flow has no connect or handshake to grow; vary rate or ` +
        'conns)',
    );
  return def;
}

/** A probe's --duration is find's --window: a refusal of it names the option the user typed. */
function asWindow<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof UsageError && e.message.startsWith('--duration:'))
      throw new UsageError(`--window:${e.message.slice('--duration:'.length)}`, e.hint);
    throw e;
  }
}

/** One probe's run settings: the shared options with the dimension's option set to `load`. */
export function probeRunConfig(f: Pick<FindConfig, 'base' | 'def'> & { first?: RunConfig }, load: number): RunConfig {
  // --watch-pid was checked once, at the start: a watched process that dies mid-search is a finding
  // (find/watched-exit.ts), not bad input that aborts the search without its document.
  const watched = f.first ? { watchPid: undefined } : {};
  const config = resolveRunConfig({ ...f.base, ...watched, [f.def.option]: String(load) });
  // A probe past a limit must not wait out the run's 10 s stall rule: 3 s with nothing moving ends its ramp.
  const rampStallMs = config.rampStallMs == null ? null : Math.min(config.rampStallMs, 3000);
  return { ...config, watchPids: f.first?.watchPids ?? config.watchPids, rampStallMs };
}

function parseLoad(option: string, text: string, dimension: FindDimension): number {
  // A probe is a run: --from past a run's --conns is bad input (it named --conns); a --to past it is clamped.
  const max = dimension === 'conns' && option === '--from' ? MAX_CONNS : MAX_LOAD;
  const value = dimension === 'conns' ? parseIntInRange(option, text, 1, max) : parseRatePerSecond(option, text);
  if (!(value >= 1 && value <= max))
    throw new UsageError(`${option}: '${text}' is out of range (1 to ${max.toLocaleString('en-US')})`);
  return value;
}

/** `5%` or a fraction `0.05`: within (0, 50%]. */
function parsePrecision(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text);
  const value = m ? Number(m[1]) / (m[2] ? 100 : 1) : Number.NaN;
  if (!(value > 0 && value <= 0.5))
    throw new UsageError(`--precision: '${text}' is outside (0, 50%] (e.g. 5% or 0.05)`);
  return value;
}

/**
 * `capacity>=5000`, `capacity > 2k`: a gate on the answer, in the dimension's unit, read by the threshold grammar
 * (gates/thresholds.ts) as a step's `capacity` threshold is; `!=` and `target` mean nothing for a capacity.
 */
function parseCapacityGate(text: string): CapacityGate {
  const form = "not of the form 'capacity>=N' (e.g. capacity>=5000, capacity>2k)";
  if (THRESHOLD_PATTERN.exec(text)?.[1].toLowerCase() !== 'capacity')
    throw new UsageError(`--expect '${text}': ${form}`);
  let t: Threshold;
  try {
    t = parseThreshold(text);
  } catch (e) {
    throw new UsageError(`--expect ${(e as Error).message.replace(/^threshold /, '')}`);
  }
  if (t.op === '!=' || t.value === 'target') throw new UsageError(`--expect '${text}': ${form}`);
  return { text, op: t.op, value: t.value };
}
