/**
 * Streaming latency per request and in aggregate, as METRICS.md defines them (vLLM `bench serve`,
 * NVIDIA AIPerf, LLMPerf). All times are milliseconds on one clock (performance.now()).
 */
import { LatencyHistogram } from './histogram';

export interface StreamChunk {
  /** arrival time (ms) */
  at: number;
  /** the content the chunk carried; '' for role-only deltas, keep-alives and other empty chunks */
  text: string;
  tokens?: number;
}

export interface RequestTiming {
  sentAt: number;
  chunks: readonly StreamChunk[];
  /** end of the stream, or of the JSON body */
  endAt: number;
  outputTokens: number;
  /** set when the request failed: it is then excluded from every latency statistic */
  error?: string;
}

export interface RequestLatency {
  /** first chunk with non-empty content − sent; null when no chunk carried content */
  ttftMs: number | null;
  /** E2EL / TTC: end − sent */
  e2elMs: number;
  /** (E2EL − TTFT) / (outputTokens − 1); null unless outputTokens > 1 and TTFT exists (vLLM TPOT) */
  tpotMs: number | null;
  /** gaps between consecutive content chunks (vLLM ITL list, AIPerf ICL) */
  itlMs: number[];
  /** outputTokens / E2EL in tokens/s; null when E2EL is 0 */
  tokensPerSec: number | null;
  outputTokens: number;
}

export function requestLatency(t: RequestTiming): RequestLatency {
  const content = t.chunks.filter((c) => c.text.length > 0);
  const first = content[0];
  const ttftMs = first ? first.at - t.sentAt : null;
  const e2elMs = t.endAt - t.sentAt;
  const itlMs: number[] = [];
  for (let i = 1; i < content.length; i++) itlMs.push((content[i] as StreamChunk).at - (content[i - 1] as StreamChunk).at);
  const tpotMs = ttftMs !== null && t.outputTokens > 1 ? (e2elMs - ttftMs) / (t.outputTokens - 1) : null;
  const tokensPerSec = e2elMs > 0 ? t.outputTokens / (e2elMs / 1000) : null;
  return { ttftMs, e2elMs, tpotMs, itlMs, tokensPerSec, outputTokens: t.outputTokens };
}

/** Service-level objectives in ms; a request meets the SLO when it meets every objective given. */
export interface Slo {
  ttftMs?: number;
  tpotMs?: number;
  e2elMs?: number;
}

/**
 * Whether a successful request meets every objective. As vLLM's goodput, a request with a single
 * output token (no TPOT) meets the TPOT objective; a request with no content chunk fails the TTFT one.
 */
export function meetsSlo(r: RequestLatency, slo: Slo): boolean {
  if (slo.ttftMs !== undefined && (r.ttftMs === null || r.ttftMs > slo.ttftMs)) return false;
  if (slo.tpotMs !== undefined && r.tpotMs !== null && r.tpotMs > slo.tpotMs) return false;
  if (slo.e2elMs !== undefined && r.e2elMs > slo.e2elMs) return false;
  return true;
}

export interface LatencyAggregate {
  requests: number;
  completed: number;
  failed: number;
  /** failed / requests (0 when there were no requests) */
  failureRate: number;
  /** wall time used for the rates */
  durationMs: number;
  ttft: LatencyHistogram;
  e2el: LatencyHistogram;
  tpot: LatencyHistogram;
  /** pooled gaps between content chunks across all completed requests */
  itl: LatencyHistogram;
  /** Σ output tokens of completed requests */
  outputTokens: number;
  /** system output tokens/s = Σ output tokens / wall time */
  outputTokensPerSec: number;
  /** completed requests / wall time */
  requestsPerSec: number;
  /** mean over completed requests of output tokens / E2EL (per-request throughput) */
  meanRequestTokensPerSec: number;
  /** mean over completed requests with a TPOT of 1 / TPOT, tokens/s (per-user speed) */
  meanUserTokensPerSec: number;
  /** present when SLOs were given: requests meeting all of them, and that count / wall time */
  goodput?: { slo: Slo; requests: number; perSec: number };
}

export interface AggregateOptions {
  /** wall time; default max(endAt) − min(sentAt) over all requests, failed ones included */
  durationMs?: number;
  slo?: Slo;
}

/** Aggregate measured (not warm-up) requests; failed requests are counted apart, never timed. */
export function aggregateLatency(timings: readonly RequestTiming[], opts: AggregateOptions = {}): LatencyAggregate {
  const ok = timings.filter((t) => t.error === undefined);
  const per = ok.map(requestLatency);
  const ttft = new LatencyHistogram();
  const e2el = new LatencyHistogram();
  const tpot = new LatencyHistogram();
  const itl = new LatencyHistogram();
  let outputTokens = 0;
  const reqTps: number[] = [];
  const userTps: number[] = [];
  for (const r of per) {
    if (r.ttftMs !== null) ttft.record(r.ttftMs);
    e2el.record(r.e2elMs);
    if (r.tpotMs !== null) {
      tpot.record(r.tpotMs);
      if (r.tpotMs > 0) userTps.push(1000 / r.tpotMs);
    }
    itl.recordAll(r.itlMs);
    if (r.tokensPerSec !== null) reqTps.push(r.tokensPerSec);
    outputTokens += r.outputTokens;
  }
  const durationMs = opts.durationMs ?? wallTime(timings);
  const perSec = (n: number) => (durationMs > 0 ? n / (durationMs / 1000) : Number.NaN);
  const failed = timings.length - ok.length;
  const agg: LatencyAggregate = {
    requests: timings.length,
    completed: ok.length,
    failed,
    failureRate: timings.length > 0 ? failed / timings.length : 0,
    durationMs,
    ttft,
    e2el,
    tpot,
    itl,
    outputTokens,
    outputTokensPerSec: perSec(outputTokens),
    requestsPerSec: perSec(ok.length),
    meanRequestTokensPerSec: meanOf(reqTps),
    meanUserTokensPerSec: meanOf(userTps),
  };
  if (opts.slo) {
    const slo = opts.slo;
    const good = per.filter((r) => meetsSlo(r, slo)).length;
    agg.goodput = { slo, requests: good, perSec: perSec(good) };
  }
  return agg;
}

function wallTime(timings: readonly RequestTiming[]): number {
  if (timings.length === 0) return 0;
  let start = Infinity;
  let end = -Infinity;
  for (const t of timings) {
    start = Math.min(start, t.sentAt);
    end = Math.max(end, t.endAt);
  }
  return end - start;
}

function meanOf(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((s, x) => s + x, 0) / xs.length;
}
