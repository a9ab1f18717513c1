/**
 * Warnings a result carries that come from how the run was set up, or from workers it lost, rather than from what
 * the target did: each says what happened and what it means for the figures.
 */
import type { RunConfig } from '../config/run-config.js';
import type { RunResult } from '../documents/result.js';
import type { LoadOutcome } from '../load/outcome.js';
import { planV2Length } from '../proxy/header.js';
import { DEFAULT_MAX_V2_LENGTH } from '../proxy/parser.js';

export function lostWorkerWarnings(outcome: LoadOutcome, partial: RunResult['partial'], conns: number): string[] {
  const warnings: string[] = [];
  for (const w of outcome.lostWorkers)
    warnings.push(
      `worker ${w.worker} (process ${w.pid}) died: ${w.reason}; its ${w.conns} planned connections ` +
        `(${w.establishedAtLastSnapshot} established at its last snapshot) are missing from this result`,
    );
  if (partial)
    warnings.push(
      `partial result: ${partial.lostConnections} of ${conns} planned connections ` +
        `(${(partial.lostShare * 100).toFixed(1)}%) were lost with their workers; figures cover the survivors`,
    );
  return warnings;
}

export function settingWarnings(
  config: RunConfig,
  outcome: LoadOutcome,
  targetKind: 'embedded' | 'external',
): string[] {
  const warnings: string[] = [];
  if (config.mode === 'connect' && config.sourceIps.length > 0 && config.closeStyle === 'fin') {
    warnings.push(
      'churn with --source-ips and FIN closes: the kernel does not reuse the TIME_WAIT ports of a bound address, ' +
        'so each address runs out after ip_local_port_range connections per TIME_WAIT period ' +
        '(EADDRNOTAVAIL); use --close rst',
    );
  }
  // Shards ramp together only if each starts on time: a late one says by how much.
  if (outcome.startLateByMs !== null && outcome.startLateByMs > 100)
    warnings.push(
      `started ${Math.round(outcome.startLateByMs)} ms after --start-at ${config.startAt} (not ready in time, or ` +
        'the clock here is behind): this shard ramped late',
    );
  const v2Length = planV2Length(config.proxy);
  if (targetKind === 'external' && v2Length > DEFAULT_MAX_V2_LENGTH) {
    warnings.push(
      `PROXY v2 headers carry ${v2Length} B of addresses and TLVs, over the ${DEFAULT_MAX_V2_LENGTH} B that ` +
        'l4stress serve accepts by default (serve --max-header raises it); ingresses bound them too',
    );
  }
  if (targetKind === 'embedded') {
    warnings.push("the embedded target shares this machine's CPUs with the generator: figures measure both together");
  }
  return warnings;
}
