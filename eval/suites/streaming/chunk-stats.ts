/**
 * Chunk statistics of SSE streams (as the client saw them). Only content chunks count (METRICS.md):
 *   chunk size          = UTF-8 bytes of its text, and tokens of its text (o200k_base, serve/llm/tokens.ts)
 *   streaming time      = end of the stream − arrival of the first content chunk (text flowing to the end)
 *   chunks per second   = Σ content chunks / Σ streaming time over the streams (pooled)
 *   wire bytes / chunk  = response body bytes / content chunks (SSE framing, meta and done included)
 */
import type { StreamChunk } from '../../metrics/latency';
import { percentile } from '../../metrics/stats';
import { countTokens } from '../../../serve';

export interface SizeStats {
  n: number;
  total: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Count, sum, mean and nearest-rank percentiles; NaN statistics (total 0) when empty. */
export function sizeStats(values: readonly number[]): SizeStats {
  const total = values.reduce((s, x) => s + x, 0);
  const p = (q: number) => percentile(values, q, 'nearest-rank');
  return { n: values.length, total, mean: values.length ? total / values.length : Number.NaN, p50: p(50), p90: p(90), p99: p(99), max: p(100) };
}

/** Bytes and tokens of each content chunk. */
export function chunkSizes(chunks: readonly StreamChunk[]): { bytes: number[]; tokens: number[] } {
  const content = chunks.filter((c) => c.text.length > 0);
  return { bytes: content.map((c) => Buffer.byteLength(c.text, 'utf8')), tokens: content.map((c) => countTokens(c.text)) };
}

export interface StreamShape {
  chunks: readonly StreamChunk[];
  endAt: number;
}

/** endAt − first content chunk arrival; null without content. */
export function streamingTimeMs(s: StreamShape): number | null {
  const first = s.chunks.find((c) => c.text.length > 0);
  return first ? s.endAt - first.at : null;
}

/** Σ content chunks / Σ streaming time (per second) over the streams that had content; NaN when none. */
export function chunksPerSecond(streams: readonly StreamShape[]): number {
  let chunks = 0;
  let ms = 0;
  for (const s of streams) {
    const t = streamingTimeMs(s);
    if (t === null) continue;
    chunks += s.chunks.filter((c) => c.text.length > 0).length;
    ms += t;
  }
  return ms > 0 ? chunks / (ms / 1000) : Number.NaN;
}

/**
 * Client-perceived TTFT minus Memocha's server-side TTFT (timings.ttftMs, from request receipt to the
 * first LLM token) for each request that has both: the time the network and the client add.
 */
export function clientServerGaps(results: readonly { sentAt: number; chunks: readonly StreamChunk[]; serverTtftMs?: number }[]): { client: number[]; server: number[]; gap: number[] } {
  const client: number[] = [];
  const server: number[] = [];
  const gap: number[] = [];
  for (const r of results) {
    const first = r.chunks.find((c) => c.text.length > 0);
    if (!first || r.serverTtftMs === undefined) continue;
    const c = first.at - r.sentAt;
    client.push(c);
    server.push(r.serverTtftMs);
    gap.push(c - r.serverTtftMs);
  }
  return { client, server, gap };
}
