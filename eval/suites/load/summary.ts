/**
 * One step of a load run in numbers: latency percentiles (HdrHistogram, METRICS.md definitions: TTFT
 * = first non-empty content chunk − sent, TTC = E2EL), throughput, error shares, and the server's own
 * per-stage timings (`done.timings`) for bottleneck attribution.
 *
 * Counted requests: sent inside the measurement window (not warm-up) and not aborted by the generator's
 * drain. Throughput, two definitions:
 * - 'window' (closed loop, default): steady state — successful completions whose end falls inside the
 *   loaded window [measureFrom, min(measureTo, last send)] divided by that window;
 * - 'completion' (open loop, vLLM `bench serve`): successful counted requests / (last end − first send)
 *   over the counted requests, so requests that finish after the sending stopped still count.
 */
import { LatencyHistogram } from '../../metrics/histogram';
import { requestLatency } from '../../metrics/latency';
import { effectiveStatus } from './outcome';
import type { LoadRecord, LoadRun } from './types';

export const STAGES = ['queueWaitMs', 'dbMs', 'retrievalMs', 'promptMs', 'llmWaitMs', 'otherMs'] as const;
export type Stage = (typeof STAGES)[number];

export interface Pcts {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

export interface StepSummary {
  requests: number;
  ok: number;
  failed: number;
  /** failed / requests */
  errorRate: number;
  /** aborted by the generator at the end of the drain (not counted anywhere else) */
  abortedAtEnd: number;
  /** counted failures where the client gave up after its timeout (effective status 0) */
  clientTimeouts: number;
  /** effective status → count, over counted requests */
  statuses: Record<string, number>;
  /** failure cause → count: the server's error code, or the client's error message (timeouts, transport) */
  errors: Record<string, number>;
  share429: number;
  share503: number;
  ttft: Pcts;
  ttc: Pcts;
  itl: Pcts;
  windowMs: number;
  requestsPerSec: number;
  outputTokensPerSec: number;
  /** server stages (ms): queue wait, db, retrieval, prompt, LLM wait to first token (excluding the queue), other (server TTFT − the rest) */
  stages: Record<Stage, Pcts>;
  serverTtft: Pcts;
  /** client TTFT − server TTFT: network, HTTP and both event loops */
  clientOverhead: Pcts;
  /** the server's own `timings.overheadMs`: Memocha's time before the upstream request plus first-token handling */
  serverOverhead: Pcts;
}

export function pcts(h: LatencyHistogram): Pcts {
  return { p50: h.percentile(50), p95: h.percentile(95), p99: h.percentile(99), mean: h.count ? h.summary().mean : Number.NaN };
}

const num = (x: number | undefined): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? Math.max(0, x) : undefined);

export function counted(run: LoadRun): LoadRecord[] {
  return run.records.filter((r) => !r.warmup && !r.abortedAtEnd);
}

export type ThroughputMode = 'window' | 'completion';

export function summarise(run: LoadRun, mode: ThroughputMode = 'window'): StepSummary {
  const recs = counted(run);
  const hs = { ttft: new LatencyHistogram(), ttc: new LatencyHistogram(), itl: new LatencyHistogram(), serverTtft: new LatencyHistogram(), clientOverhead: new LatencyHistogram(), serverOverhead: new LatencyHistogram() };
  const stages = Object.fromEntries(STAGES.map((s) => [s, new LatencyHistogram()])) as Record<Stage, LatencyHistogram>;
  const statuses: Record<string, number> = {};
  const errors: Record<string, number> = {};
  let ok = 0;
  for (const r of recs) {
    const st = effectiveStatus(r.result);
    statuses[st] = (statuses[st] ?? 0) + 1;
    if (!r.result.ok) {
      const cause = r.clientTimeout ? 'client_timeout' : (r.result.errorCode ?? (r.result.error ?? `HTTP ${r.result.status}`).slice(0, 60));
      errors[cause] = (errors[cause] ?? 0) + 1;
      continue;
    }
    ok++;
    const lat = requestLatency(r.result);
    if (lat.ttftMs !== null) hs.ttft.record(lat.ttftMs);
    hs.ttc.record(lat.e2elMs);
    hs.itl.recordAll(lat.itlMs);
    const t = r.result.serverTimings;
    if (!t) continue;
    const q = num(t.queueWaitMs) ?? 0;
    const parts = { queueWaitMs: num(t.queueWaitMs), dbMs: num(t.dbMs), retrievalMs: num(t.retrievalMs), promptMs: num(t.promptMs), llmWaitMs: num(t.llmTtftMs) === undefined ? undefined : Math.max(0, (t.llmTtftMs as number) - q) };
    for (const [k, v] of Object.entries(parts)) if (v !== undefined) stages[k as Stage].record(v);
    const overhead = num(t.overheadMs);
    if (overhead !== undefined) hs.serverOverhead.record(overhead);
    const serverTtft = num(t.ttftMs);
    if (serverTtft !== undefined) {
      hs.serverTtft.record(serverTtft);
      const known = (parts.dbMs ?? 0) + (parts.retrievalMs ?? 0) + (parts.promptMs ?? 0) + (num(t.llmTtftMs) ?? 0);
      stages.otherMs.record(Math.max(0, serverTtft - known));
      if (lat.ttftMs !== null) hs.clientOverhead.record(Math.max(0, lat.ttftMs - serverTtft));
    }
  }
  let from = run.measureFrom;
  let to = run.measureFrom;
  let done = 0;
  let tokens = 0;
  if (mode === 'window') {
    ({ from, to } = loadedWindow(run));
    for (const r of run.records) {
      if (inWindow(r, { from, to })) {
        done++;
        tokens += r.result.outputTokens;
      }
    }
  } else if (recs.length) {
    from = Math.min(...recs.map((r) => r.result.sentAt));
    to = Math.max(...recs.map((r) => r.result.endAt));
    for (const r of recs) {
      if (!r.result.ok) continue;
      done++;
      tokens += r.result.outputTokens;
    }
  }
  const windowMs = to - from;
  const rate = (k: number) => (windowMs > 0 ? k / (windowMs / 1000) : Number.NaN);
  const n = recs.length;
  const share = (code: number) => (n ? (statuses[code] ?? 0) / n : 0);
  return {
    requests: n,
    ok,
    failed: n - ok,
    errorRate: n ? (n - ok) / n : 0,
    abortedAtEnd: run.records.filter((r) => r.abortedAtEnd).length,
    clientTimeouts: recs.filter((r) => r.clientTimeout === true).length,
    statuses,
    errors,
    share429: share(429),
    share503: share(503),
    ttft: pcts(hs.ttft),
    ttc: pcts(hs.ttc),
    itl: pcts(hs.itl),
    windowMs,
    requestsPerSec: rate(done),
    outputTokensPerSec: rate(tokens),
    stages: Object.fromEntries(STAGES.map((s) => [s, pcts(stages[s])])) as Record<Stage, Pcts>,
    serverTtft: pcts(hs.serverTtft),
    clientOverhead: pcts(hs.clientOverhead),
    serverOverhead: pcts(hs.serverOverhead),
  };
}

/** The closed loop's loaded window: [measureFrom, min(measureTo, last send)] (performance.now() ms). */
export function loadedWindow(run: LoadRun): { from: number; to: number } {
  let to = run.measureFrom;
  for (const r of run.records) to = Math.max(to, r.result.sentAt);
  return { from: run.measureFrom, to: Math.min(run.measureTo, to) };
}

/** A successful completion that ended inside the window: what window throughput counts. */
export function inWindow(r: LoadRecord, w: { from: number; to: number }): boolean {
  return r.result.ok && r.result.endAt >= w.from && r.result.endAt <= w.to;
}

/** The stage with the largest mean share of server TTFT (null without timings). */
export function dominantStage(s: StepSummary): Stage | null {
  let best: Stage | null = null;
  for (const st of STAGES) if (Number.isFinite(s.stages[st].mean) && (best === null || s.stages[st].mean > s.stages[best].mean)) best = st;
  return best;
}
