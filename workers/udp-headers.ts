/**
 * A UDP flow's datagram header (--proxy v2: PROXY v2 with the DGRAM transport; spp: Cloudflare's SPP), built once
 * per flow from the run's PROXY plan: the claimed source and destination assigned as for a TCP session of the same
 * id (address pools depend on the seed and the id only; `socket` is the flow's own endpoint), recorded like a TCP
 * header (its size, its build time, its claimed source for --verify-proxy).
 */
import type dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { assignEndpoint, type CompiledAddress, compileAddress, type Endpoint } from '../src/proxy/addresses.js';
import { buildDatagramHeader } from '../src/proxy/datagram-header.js';
import { endpointKey } from '../src/proxy/header.js';
import { plainAddress } from '../src/proxy/ip.js';
import type { WorkerPlan } from '../src/worker-contract/plan.js';
import type { Recorder } from './recorder.js';

const NONE = Buffer.alloc(0);

export class DatagramHeaders {
  private readonly src: CompiledAddress;
  private readonly dst: CompiledAddress;

  constructor(
    private readonly plan: WorkerPlan,
    private readonly recorder: Recorder,
  ) {
    this.src = compileAddress(plan.proxy.src);
    this.dst = compileAddress(plan.proxy.dst);
  }

  /** The header of flow `id` on its connected `socket` (empty without --proxy). */
  build(id: number, socket: dgram.Socket, target: { host: string; port: number }): Buffer {
    const { plan } = this;
    const kind = plan.proxy.version;
    if (kind !== 'v2' && kind !== 'spp') return NONE;
    const t = performance.now();
    const here = socket.address();
    let there: Endpoint;
    try {
      const r = socket.remoteAddress();
      there = { address: r.address, port: r.port };
    } catch {
      there = { address: target.host, port: target.port };
    }
    const local = plan.proxy.command === 'local';
    const source = assignEndpoint(this.src, plan.runSeed, id, { address: plainAddress(here.address), port: here.port });
    const destination = assignEndpoint(this.dst, (plan.runSeed ^ 0x5bd1e995) >>> 0, id, {
      address: plainAddress(there.address),
      port: there.port,
    });
    const header = buildDatagramHeader({
      kind,
      command: plan.proxy.command,
      source,
      destination,
      tlvs: plan.proxy.tlvs,
      seed: plan.runSeed,
      flowId: id,
    });
    const claimed = local ? null : endpointKey(source);
    this.recorder.header(header.length, performance.now() - t, claimed, plan.collectSources);
    return header;
  }
}
