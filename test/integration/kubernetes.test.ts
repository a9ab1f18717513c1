/**
 * The Kubernetes manifests, proven offline (no cluster runs here): every object validates against the Kubernetes
 * API schemas (kubernetes-models), the Job's shard count agrees with itself, and the container's own command runs
 * N times as local processes with the environment an Indexed Job gives each pod (JOB_COMPLETION_INDEX, the
 * ConfigMap as env), against one target; what the pods print is merged like `kubectl logs` output would be.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Job } from 'kubernetes-models/batch/v1';
import { ConfigMap } from 'kubernetes-models/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { RunResult } from '../../src/documents/result.js';
import { mergeEncoded, summarize } from '../../src/instruments/histogram.js';
import type { TargetStats } from '../../src/serve/stats.js';
import { CLI, ROOT, runCli, tempDir } from '../helpers/cli.js';
import { type RunningProcess, startServe } from '../helpers/processes.js';

const MANIFEST = path.join(ROOT, 'deploy/kubernetes/l4stress-shards.yaml');
const docs = parseAllDocuments(readFileSync(MANIFEST, 'utf8')).map((d) => d.toJS() as Record<string, unknown>);
const job = docs.find((d) => d.kind === 'Job') as unknown as Job;
const configMap = docs.find((d) => d.kind === 'ConfigMap') as unknown as ConfigMap;

describe('deploy/kubernetes manifests', () => {
  it('every object validates against the Kubernetes API schema', () => {
    expect(docs.map((d) => d.kind)).toEqual(['ConfigMap', 'Job']);
    expect(() => new ConfigMap(configMap).validate()).not.toThrow();
    expect(() => new Job(job).validate()).not.toThrow();
    // The validation is real: a wrong field fails it.
    expect(() => new Job({ ...job, spec: { ...job.spec!, completionMode: 'Sharded' } } as Job).validate()).toThrow();
  });

  it('is an Indexed Job whose completions, parallelism and --shard job/N agree, spread over nodes', () => {
    const spec = job.spec!;
    expect(spec.completionMode).toBe('Indexed');
    expect(spec.parallelism).toBe(spec.completions);
    const container = spec.template.spec!.containers[0];
    expect(container.args!.join(' ')).toContain(`--shard job/${spec.completions}`);
    expect(spec.template.spec!.affinity?.podAntiAffinity).toBeDefined();
  });
});

describe("the container's own command, as N local pods of the Indexed Job", () => {
  const dir = tempDir();
  let serve: RunningProcess & { port: number; controlUrl: string };
  beforeAll(async () => {
    serve = await startServe(['--quiet']);
  });
  afterAll(() => serve.stop());

  it('each pod prints its shard result; merged, they are the whole run and the target agrees', async () => {
    const container = job.spec!.template.spec!.containers[0];
    const count = job.spec!.completions!;
    // `l4stress` on PATH is this checkout's CLI, as the image's global install would be.
    const bin = path.join(dir, 'bin');
    writeFileSync(path.join(dir, 'l4stress-shim'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    chmodSync(path.join(dir, 'l4stress-shim'), 0o755);
    mkdirSync(bin, { recursive: true });
    symlinkSync(path.join(dir, 'l4stress-shim'), path.join(bin, 'l4stress'));
    const startAt = new Date(Date.now() + 8000).toISOString();
    const outputs = await Promise.all(
      Array.from({ length: count }, (_, index) => {
        const env = {
          PATH: `${bin}:${process.env.PATH}`,
          ...configMap.data,
          // The ConfigMap's run made small and pointed at this test's target; everything else is the manifest's.
          L4STRESS_ARGS: `--target 127.0.0.1:${serve.port} --conns 30 --proxy v2 --duration 1s --warmup 0s --seed 7`,
          START_AT: startAt,
          RESULTS_DIR: path.join(dir, `results-${index}`),
          ...Object.fromEntries(
            (container.env ?? []).filter((e) => e.name !== 'RESULTS_DIR').map((e) => [e.name, e.value]),
          ),
          JOB_COMPLETION_INDEX: String(index),
        };
        return new Promise<{ code: number | null; stdout: string }>((resolve) => {
          const pod = spawn(container.command![0], [...container.command!.slice(1), ...container.args!], { env });
          let stdout = '';
          pod.stdout.setEncoding('utf8').on('data', (d: string) => {
            stdout += d;
          });
          pod.on('close', (code) => resolve({ code, stdout }));
        });
      }),
    );
    // What `kubectl logs` would give for each index: the result document, one JSON line.
    const files = outputs.map((o, index) => {
      expect(o.code).toBe(0);
      const file = path.join(dir, `shard-${index}.json`);
      writeFileSync(file, o.stdout.trim());
      return file;
    });
    const parts = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as RunResult);
    const out = path.join(dir, 'merged.json');
    const merged = await runCli(['merge', ...files, '-o', out]);
    expect(merged.code, merged.stderr).toBe(0);
    const m = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    const stats = (await (await fetch(`${serve.controlUrl}/stats`)).json()) as TargetStats;
    expect(m.connections.established).toBe(30);
    expect(stats.accepted).toBe(30);
    expect(m.latency.roundTripUs).toEqual(summarize(mergeEncoded(parts.map((p) => p.histograms.roundTripUs))));
  });
});
