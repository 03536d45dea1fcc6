/** A closed-loop workload: `workers` concurrent loops take the next operation until `total` ran. */
import { LatencyHistogram } from '../metrics/histogram';

export interface LoopResult {
  /** latency of the successful operations, ms */
  latency: LatencyHistogram;
  ok: number;
  errors: number;
  firstError?: string;
  /** first start to last end, ms */
  wallMs: number;
  /** successful operations / wall time, per second */
  opsPerSec: number;
}

export async function closedLoop(opts: {
  workers: number;
  total: number;
  op: (i: number) => Promise<unknown>;
  signal?: AbortSignal;
}): Promise<LoopResult> {
  const latency = new LatencyHistogram();
  let next = 0;
  let ok = 0;
  let errors = 0;
  let firstError: string | undefined;
  const t0 = performance.now();
  const worker = async () => {
    while (next < opts.total && !opts.signal?.aborted) {
      const i = next++;
      const t = performance.now();
      try {
        await opts.op(i);
        latency.record(performance.now() - t);
        ok++;
      } catch (err) {
        errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.workers) }, worker));
  const wallMs = performance.now() - t0;
  return { latency, ok, errors, ...(firstError ? { firstError } : {}), wallMs, opsPerSec: wallMs > 0 ? ok / (wallMs / 1000) : Number.NaN };
}
