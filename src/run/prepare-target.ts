/**
 * The target a run loads: the embedded one started (TLS with a fresh self-signed certificate the run then trusts),
 * or the external one named by --target. Shared by a run and by a capacity search, which starts it once for all
 * its probes.
 */

import { readFileSync } from 'node:fs';
import type { RunConfig } from '../config/run-config.js';
import { CouldNotRunError } from '../core/errors.js';
import { SERVE_OPTIONS } from '../options/serve-options.js';
import { planV2Length } from '../proxy/header.js';
import type { ProxyMode } from '../proxy/parser.js';
import type { ResultInputs } from '../result/build-context.js';
import { selfSignedCertificate } from '../serve/certificate.js';
import { SERVE_DEFAULTS, type UdpServeSettings, type UdpTargetStats } from '../serve/serve-process.js';
import type { TargetStats } from '../serve/stats.js';
import { modeTraits } from '../worker-contract/traits.js';
import { resetBackend } from './backend-control.js';
import { type EmbeddedTarget, startEmbeddedTarget } from './embedded-target.js';

/**
 * The target parses headers when any may come; a source that must start sending unprompted cannot wait for one.
 * Over UDP every datagram of a run with --proxy carries one, so the target requires it (and reads none without).
 */
function embeddedProxyMode(config: RunConfig): ProxyMode {
  if (config.transport === 'udp') return config.proxy.version === 'none' ? 'none' : 'require';
  return config.proxy.version === 'none' && config.mode === 'stream' && config.direction === 'down' ? 'none' : 'accept';
}

/**
 * The embedded UDP target's settings: receive and send buffers of 4 MiB asked for (the kernel caps them at
 * net.core.rmem_max/wmem_max), so a burst of flows is not dropped by the target's own socket before it is read.
 */
const EMBEDDED_UDP: UdpServeSettings = {
  queueLimit: Number(SERVE_OPTIONS.queueLimit.implied),
  recvBufferBytes: 4 * 1024 * 1024,
  sendBufferBytes: 4 * 1024 * 1024,
  sourceBytes: Number(SERVE_OPTIONS.messageSize.implied),
};

export interface PreparedTarget {
  embedded: EmbeddedTarget | null;
  /** The one the result names; the embedded target may listen on several (one per process). */
  target: { host: string; port: number };
  targets: { host: string; port: number }[];
  tlsCaPem: string | null;
}

/**
 * The embedded target started (TLS with a fresh self-signed certificate this run then trusts), or the external one;
 * with --verify-proxy a fresh window on the backend, so sources from earlier runs do not count as unexpected. A
 * backend that refuses the reset (401, no token, closed port) would fail the verdict only after the whole load:
 * said now, before any load, with its cause.
 */
export async function prepareTarget(config: RunConfig, processes: number): Promise<PreparedTarget> {
  const certificate = config.tls && config.target === null ? selfSignedCertificate() : null;
  const tlsCaPem = certificate?.cert ?? (config.tls?.caFile ? readFileSync(config.tls.caFile, 'utf8') : null);
  const embedded =
    config.target === null
      ? await startEmbeddedTarget(
          embeddedProxyMode(config),
          modeTraits(config).serveMode,
          processes,
          certificate,
          // The embedded target accepts whatever header its own generator sends.
          Math.max(SERVE_DEFAULTS.maxV2Length, planV2Length(config.proxy)),
          config.transport === 'udp' ? EMBEDDED_UDP : null,
        )
      : null;
  const target = config.target ?? { host: embedded!.host, port: embedded!.port };
  if (config.verifyProxy === 'embedded') await embedded!.reset();
  else if (config.verifyProxy) {
    const refused = await resetBackend(config.verifyProxy.url);
    if (refused !== null)
      throw new CouldNotRunError(
        `--verify-proxy: the backend's control endpoint did not take the reset before the load: ${refused}`,
        refused.includes(' 401')
          ? 'set L4STRESS_CONTROL_TOKEN to the token `l4stress serve --control-port` was started with'
          : 'check the URL and that the backend runs `l4stress serve --control-port`; nothing was loaded',
      );
  }
  return { embedded, target, targets: embedded ? embedded.targets : [target], tlsCaPem };
}

/** What a result says of the target it loaded (result/build-context.ts ResultInputs.target). */
export function targetInputs(
  t: PreparedTarget,
  stats: TargetStats | null,
  udpStats: UdpTargetStats | null = null,
): ResultInputs['target'] {
  return {
    kind: t.embedded ? 'embedded' : 'external',
    host: t.target.host,
    port: t.target.port,
    pid: t.embedded?.pid ?? null,
    stats,
    udpStats,
  };
}
