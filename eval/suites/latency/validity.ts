/**
 * Measurement validity: the harness's own TTFT and ITL for a direct stream, checked against the
 * simulator's ground truth. In-process the client and the simulator share one performance.now()
 * clock, so every instant can be compared directly:
 *   true TTFT      = chunkSentAt[0] − receivedAt           (the simulator's write, from request receipt)
 *   measured TTFT  = first content chunk arrival − sentAt   (what the harness reports)
 *   TTFT error     = measured − true = request leg (receivedAt − sentAt) + response leg (arrival − chunkSentAt[0])
 *   ITL error (gap i) = (arrival[i] − arrival[i−1]) − (chunkSentAt[i] − chunkSentAt[i−1])
 * Requests are matched to records by a unique last user message (the workload tags each one), so
 * the order of records and retries do not matter; a record that is not unique is not used.
 */
import type { StreamChunk } from '../../metrics/latency';
import { percentile } from '../../metrics/stats';

export interface MeasuredStream {
  sentAt: number;
  /** chunks with their arrival times; empty-text chunks are ignored */
  chunks: readonly StreamChunk[];
}

export interface TruthRecord {
  receivedAt: number;
  chunkSentAt: readonly number[];
}

export interface StreamValidity {
  measuredTtftMs: number;
  trueTtftMs: number;
  /** measured − true */
  ttftErrMs: number;
  /** receivedAt − sentAt */
  requestLegMs: number;
  /** first content chunk arrival − chunkSentAt[0] */
  responseLegMs: number;
  /** measured gap − true gap, one per gap */
  itlErrMs: number[];
}

/** Compare one measured stream with its record; an error string when they cannot be compared. */
export function streamValidity(m: MeasuredStream, t: TruthRecord): StreamValidity | { error: string } {
  const content = m.chunks.filter((c) => c.text.length > 0);
  if (content.length === 0 || t.chunkSentAt.length === 0) return { error: 'no content chunk' };
  if (content.length !== t.chunkSentAt.length) return { error: `chunk count differs: measured ${content.length}, simulator wrote ${t.chunkSentAt.length}` };
  const first = content[0] as StreamChunk;
  const sent0 = t.chunkSentAt[0] as number;
  const measuredTtftMs = first.at - m.sentAt;
  const trueTtftMs = sent0 - t.receivedAt;
  const itlErrMs: number[] = [];
  for (let i = 1; i < content.length; i++) {
    const measured = (content[i] as StreamChunk).at - (content[i - 1] as StreamChunk).at;
    const truth = (t.chunkSentAt[i] as number) - (t.chunkSentAt[i - 1] as number);
    itlErrMs.push(measured - truth);
  }
  return { measuredTtftMs, trueTtftMs, ttftErrMs: measuredTtftMs - trueTtftMs, requestLegMs: t.receivedAt - m.sentAt, responseLegMs: first.at - sent0, itlErrMs };
}

/**
 * Index records by key (e.g. lastUserMessage), keeping only successful streams; a key seen more than
 * once maps to null (ambiguous, not used).
 */
export function indexRecords<R extends { stream: boolean; outcome: string }>(records: readonly R[], keyOf: (r: R) => string): Map<string, R | null> {
  const out = new Map<string, R | null>();
  for (const r of records) {
    if (!r.stream || r.outcome !== 'ok') continue;
    const k = keyOf(r);
    out.set(k, out.has(k) ? null : r);
  }
  return out;
}

export interface ErrorSummary {
  n: number;
  /** mean of the signed errors (bias) */
  meanMs: number;
  /** nearest-rank percentiles of |error| */
  absP50Ms: number;
  absP90Ms: number;
  absP99Ms: number;
  absMaxMs: number;
}

/** Summarise signed errors: their mean, and percentiles of their absolute values (nearest rank). */
export function summariseErrors(errors: readonly number[]): ErrorSummary {
  const abs = errors.map(Math.abs);
  const meanMs = errors.length ? errors.reduce((s, x) => s + x, 0) / errors.length : Number.NaN;
  return {
    n: errors.length,
    meanMs,
    absP50Ms: percentile(abs, 50, 'nearest-rank'),
    absP90Ms: percentile(abs, 90, 'nearest-rank'),
    absP99Ms: percentile(abs, 99, 'nearest-rank'),
    absMaxMs: percentile(abs, 100, 'nearest-rank'),
  };
}
