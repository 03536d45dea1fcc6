/**
 * The closed loop every suite uses: `workers` concurrent loops, each starting its next operation as soon
 * as its last one ended (a virtual user's think time belongs inside its operation). Operations are
 * numbered 0, 1, 2 … in the order they start, across all workers.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { LatencyHistogram } from '../metrics/histogram';

export interface ClosedLoopOptions<T> {
  /** loops running at once (≥ 1); never more than `total` */
  workers: number;
  /** operations to run in all; default no limit (then `signal` or `canStart` must end the loop) */
  total?: number;
  /** operation `i`, run by worker `worker` (0 … workers − 1) */
  op: (i: number, worker: number) => Promise<T>;
  /** when it fires, no operation starts (those in flight finish) and a ramp-up wait ends early */
  signal?: AbortSignal;
  /** asked before each operation; false ends that worker */
  canStart?: () => boolean;
  /** worker w starts after w · rampMs / workers ms, so that equal-length operations do not run in lock-step */
  rampMs?: number;
  /** an operation that throws rejects the loop at once; default: it is counted in `errors` */
  failFast?: boolean;
  /** keep the operations' results (default: no, so that a long loop holds none) */
  keepResults?: boolean;
}

export interface ClosedLoopResult<T = unknown> {
  /** with `keepResults`: the results of the operations that succeeded, in index order; else empty */
  results: T[];
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

export async function closedLoop<T>(o: ClosedLoopOptions<T>): Promise<ClosedLoopResult<T>> {
  if (!(o.workers >= 1)) throw new RangeError(`workers must be >= 1, got ${o.workers}`);
  const total = o.total ?? Number.POSITIVE_INFINITY;
  const rampMs = o.rampMs ?? 0;
  const latency = new LatencyHistogram();
  const kept: { i: number; value: T }[] = [];
  let next = 0;
  let ok = 0;
  let errors = 0;
  let firstError: string | undefined;
  const t0 = performance.now();
  const worker = async (_: unknown, w: number): Promise<void> => {
    if (rampMs > 0 && w > 0) await sleep((w * rampMs) / o.workers, undefined, o.signal ? { signal: o.signal } : {}).catch(() => undefined);
    while (next < total && !o.signal?.aborted && (o.canStart?.() ?? true)) {
      const i = next++;
      const t = performance.now();
      try {
        const value = await o.op(i, w);
        latency.record(performance.now() - t);
        ok++;
        if (o.keepResults) kept.push({ i, value });
      } catch (err) {
        if (o.failFast) throw err;
        errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.workers, total) }, worker));
  const wallMs = performance.now() - t0;
  const results = kept.sort((a, b) => a.i - b.i).map((k) => k.value);
  return { results, latency, ok, errors, ...(firstError ? { firstError } : {}), wallMs, opsPerSec: wallMs > 0 ? ok / (wallMs / 1000) : Number.NaN };
}
