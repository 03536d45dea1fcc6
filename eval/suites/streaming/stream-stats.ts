/** What the streaming suite computes from one batch of Memocha SSE streams. */
import type { ChatResult } from '../../client/chat';
import { LatencyHistogram } from '../../metrics/histogram';
import { requestLatency } from '../../metrics/latency';
import { percentile } from '../../metrics/stats';
import { chunkSizes, chunksPerSecond, clientServerGaps, sizeStats, streamingTimeMs, type SizeStats } from './chunk-stats';
import { toTiming } from '../latency/workload';

export interface StreamStats {
  requests: number;
  failed: number;
  /** client TTFT (first token event − sent) */
  clientTtft: LatencyHistogram;
  /** Memocha's timings.ttftMs (request receipt → first LLM token), for the same requests */
  serverTtft: LatencyHistogram;
  /** client − server TTFT per request (ms; may be negative in theory, so kept raw) */
  gaps: number[];
  itl: LatencyHistogram;
  e2el: LatencyHistogram;
  streamTime: LatencyHistogram;
  chunkBytes: SizeStats;
  chunkTokens: SizeStats;
  chunksPerSec: number;
  /** mean content chunks per request */
  chunksPerRequest: number;
  /** mean response body bytes per request (SSE framing, meta and done included) */
  wireBytesPerRequest: number;
  /** Σ body bytes / Σ output tokens */
  wireBytesPerToken: number;
}

export function streamStats(results: readonly ChatResult[]): StreamStats {
  const ok = results.filter((r) => r.ok);
  const clientTtft = new LatencyHistogram();
  const serverTtft = new LatencyHistogram();
  const itl = new LatencyHistogram();
  const e2el = new LatencyHistogram();
  const streamTime = new LatencyHistogram();
  const bytes: number[] = [];
  const tokens: number[] = [];
  let wire = 0;
  let outTokens = 0;
  let chunks = 0;
  for (const r of ok) {
    const l = requestLatency(toTiming(r));
    itl.recordAll(l.itlMs);
    e2el.record(l.e2elMs);
    const st = streamingTimeMs(r);
    if (st !== null) streamTime.record(st);
    const sizes = chunkSizes(r.chunks);
    bytes.push(...sizes.bytes);
    tokens.push(...sizes.tokens);
    chunks += sizes.bytes.length;
    wire += r.bytes;
    outTokens += r.outputTokens;
  }
  const g = clientServerGaps(ok.map((r) => ({ sentAt: r.sentAt, chunks: r.chunks, ...(typeof r.serverTimings?.ttftMs === 'number' ? { serverTtftMs: r.serverTimings.ttftMs } : {}) })));
  clientTtft.recordAll(g.client);
  serverTtft.recordAll(g.server.map((x) => Math.max(0, x)));
  return {
    requests: results.length,
    failed: results.length - ok.length,
    clientTtft,
    serverTtft,
    gaps: g.gap,
    itl,
    e2el,
    streamTime,
    chunkBytes: sizeStats(bytes),
    chunkTokens: sizeStats(tokens),
    chunksPerSec: chunksPerSecond(ok),
    chunksPerRequest: ok.length ? chunks / ok.length : Number.NaN,
    wireBytesPerRequest: ok.length ? wire / ok.length : Number.NaN,
    wireBytesPerToken: outTokens ? wire / outTokens : Number.NaN,
  };
}

/** Nearest-rank percentile of the client − server TTFT differences. */
export function gapAt(s: StreamStats, q: number): number {
  return percentile(s.gaps, q, 'nearest-rank');
}
