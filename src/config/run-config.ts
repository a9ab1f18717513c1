/**
 * The resolved configuration of one run, as the option table and resolveRunConfig produce it. Its shape is the
 * result document's `config` (documents/result.ts), with the PROXY plan in full instead of described in words,
 * plus the two output switches that do not belong in a result.
 */

import type { Transport } from '../core/vocabulary.js';
import type { ResultConfig, TlsClientConfig } from '../documents/result.js';
import type { ProxyHeaderPlan } from '../proxy/header.js';
import type { CloseStyle, LoadMode, StreamDirection } from '../worker-contract/traits.js';

export type { CloseStyle, LoadMode, StreamDirection };

export type RunConfig = Omit<
  ResultConfig,
  'proxy' | 'drainTimeoutMs' | 'tls' | 'reconnect' | 'shard' | 'startAt' | 'transport'
> & {
  /** Optional in stored results (older ones are TCP's), always set in a run. */
  transport: Transport;
  reconnect: boolean;
  shard: { index: number; count: number; totalConns: number } | null;
  startAt: string | null;
  /** TLS over every session; null without --tls. */
  tls: TlsClientConfig | null;
  /** Optional in stored results (older ones lack it), always set in a run. */
  drainTimeoutMs: number;
  /** The PROXY header every connection sends first (version none: no header). */
  proxy: ProxyHeaderPlan;
  quiet: boolean;
  json: boolean;
  /** --metrics-port: live OpenMetrics on 127.0.0.1; null without. */
  metricsPort: number | null;
};
