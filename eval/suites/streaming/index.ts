/**
 * streaming: how Memocha's SSE stream looks on the wire and under slow networks.
 *
 *  1. network conditions (default: loopback, proxy without limits, rtt100 = 50 ms each way, bw2k =
 *     2000 B/s + 20 ms, slow-reader = 50 ms between reads): the client (through eval/net's throttling TCP
 *     proxy when the condition has limits) vs Memocha's server-side TTFT (`timings.ttftMs` in `done`);
 *  2. A/B of the upstream chunking (in-process only): the simulator sends 1, 4 or 16 tokens per chunk at
 *     the same token rate, as a coalescing upstream would (first chunk after TTFT + (k − 1) × itlPerToken,
 *     then every k × itlPerToken); Memocha forwards each upstream chunk as one SSE `token` event (it has
 *     no coalescing switch of its own) → chunks/s, bytes on the wire, client TTFT and ITL.
 *
 * Definitions (latency/chunk-stats.ts): content chunks only; chunk size in UTF-8 bytes and o200k tokens;
 * streaming time = end of stream − first content chunk; chunks/s = Σ chunks / Σ streaming time; wire bytes
 * = response body bytes (SSE framing, meta and done included); ITL = pooled gaps between token events.
 *
 * Metric names (stable; the first condition is the baseline with no suffix, the others add `_<name>` with
 * - and + as _, e.g. ttft_gap_p99_ms_slow_reader; the A/B adds `ab_…_ct<k>`):
 *   chunks_per_sec, stream_time_{p50,p99}_ms, chunk_bytes_{p50,p99,mean}, chunk_tokens_{mean,p99},
 *   wire_bytes_per_request, wire_bytes_per_token, itl_{p50,p99}_ms, e2el_p50_ms,
 *   ttft_client_{p50,p99}_ms, ttft_server_{p50,p99}_ms, ttft_gap_{p50,p99}_ms (client − server, per request);
 *   per other condition: ttft_client_*, ttft_server_*, ttft_gap_*, stream_time_p50_ms, itl_p99_ms;
 *   ab_{chunks_per_sec,wire_bytes_per_request,ttft_p50_ms,itl_p50_ms,itl_p99_ms}_ct<k>; error_rate.
 */
import os from 'node:os';
import type { Cell } from '../../harness/builder';
import { defineSuite } from '../../harness/suite';
import { startTarget } from '../../harness/target';
import { createLoadClient, type LoadClient } from '../latency/client';
import { streamingConfig } from '../latency/config';
import { cell } from '../latency/emit';
import { gapAt, type StreamStats } from './stream-stats';
import { CONDITION_COLUMNS, conditionRow, runAb, runCondition, SHAPE_COLUMNS, shapeRow, suffixOf, type AbResult, type ConditionResult, type StreamingEnv } from './phases';

const LOW = { higherIsBetter: false } as const;

function emitBaseline(env: StreamingEnv, r: ConditionResult): void {
  const { ctx } = env;
  const s = r.stats;
  const n = s.requests - s.failed;
  const on = `, condition ${r.condition.name}`;
  ctx.histogram('itl', s.itl);
  ctx.histogram('stream_time', s.streamTime);
  ctx.metric('chunks_per_sec', s.chunksPerSec, 'chunks/s', { n, definition: `Σ content chunks / Σ (end of stream − first content chunk)${on}` });
  ctx.metric('stream_time_p50_ms', s.streamTime.percentile(50), 'ms', { n, definition: `end of stream − first content chunk, HdrHistogram p50${on}`, ...LOW });
  ctx.metric('stream_time_p99_ms', s.streamTime.percentile(99), 'ms', { n, definition: `end of stream − first content chunk, HdrHistogram p99${on}`, ...LOW });
  for (const k of ['p50', 'p99', 'mean'] as const) ctx.metric(`chunk_bytes_${k}`, s.chunkBytes[k], 'bytes', { n: s.chunkBytes.n, definition: `UTF-8 bytes of a content chunk's text, ${k === 'mean' ? 'mean' : `nearest-rank ${k}`}${on}` });
  ctx.metric('chunk_tokens_mean', s.chunkTokens.mean, 'tokens', { n: s.chunkTokens.n, definition: `o200k tokens of a content chunk's text (countTokens), mean${on}` });
  ctx.metric('chunk_tokens_p99', s.chunkTokens.p99, 'tokens', { n: s.chunkTokens.n, definition: `o200k tokens of a content chunk's text, nearest-rank p99${on}` });
  ctx.metric('wire_bytes_per_request', s.wireBytesPerRequest, 'bytes', { n, definition: `response body bytes per stream (SSE framing, meta, done)${on}`, ...LOW });
  ctx.metric('wire_bytes_per_token', s.wireBytesPerToken, 'bytes', { n, definition: `Σ response body bytes / Σ output tokens${on}`, ...LOW });
  ctx.metric('itl_p50_ms', s.itl.percentile(50), 'ms', { n: s.itl.count, definition: `pooled gaps between token events, HdrHistogram p50${on}`, ...LOW });
  ctx.metric('itl_p99_ms', s.itl.percentile(99), 'ms', { n: s.itl.count, definition: `pooled gaps between token events, HdrHistogram p99${on}`, ...LOW, headline: true });
  ctx.metric('e2el_p50_ms', s.e2el.percentile(50), 'ms', { n, definition: `end of stream − request sent, HdrHistogram p50${on}`, ...LOW });
}

function emitTtft(env: StreamingEnv, r: ConditionResult, baseline: boolean): void {
  const { ctx } = env;
  const s = r.stats;
  const sfx = suffixOf(r.condition.name, baseline);
  const on = `, condition ${r.condition.name}`;
  ctx.histogram(`ttft_client${sfx}`, s.clientTtft);
  ctx.histogram(`ttft_server${sfx}`, s.serverTtft);
  const head = baseline || r.condition.name === 'slow-reader' || r.condition.name === 'rtt100';
  for (const q of [50, 99] as const) {
    ctx.metric(`ttft_client_p${q}_ms${sfx}`, s.clientTtft.percentile(q), 'ms', { n: s.clientTtft.count, definition: `client TTFT (first token event − sent), HdrHistogram p${q}${on}`, ...LOW, ...(head && q === 50 ? { headline: true } : {}) });
    ctx.metric(`ttft_server_p${q}_ms${sfx}`, s.serverTtft.percentile(q), 'ms', { n: s.serverTtft.count, definition: `Memocha's timings.ttftMs (receipt → first LLM token), HdrHistogram p${q}${on}`, ...LOW });
    ctx.metric(`ttft_gap_p${q}_ms${sfx}`, gapAt(s, q), 'ms', { n: s.gaps.length, definition: `client TTFT − server TTFT per request, nearest-rank p${q}${on}`, ...LOW, ...(head && q === 99 ? { headline: true } : {}) });
  }
  if (!baseline) {
    ctx.metric(`stream_time_p50_ms${sfx}`, s.streamTime.percentile(50), 'ms', { n: s.streamTime.count, definition: `end of stream − first content chunk, HdrHistogram p50${on}`, ...LOW });
    ctx.metric(`itl_p99_ms${sfx}`, s.itl.percentile(99), 'ms', { n: s.itl.count, definition: `pooled gaps between token events, HdrHistogram p99${on}`, ...LOW });
  }
}

function emitAb(env: StreamingEnv, r: AbResult): void {
  const { ctx } = env;
  const s: StreamStats = r.stats;
  const sfx = `_ct${r.chunkTokens}`;
  const on = `, simulator chunkTokens ${r.chunkTokens}`;
  ctx.histogram(`ab_itl${sfx}`, s.itl);
  ctx.metric(`ab_chunks_per_sec${sfx}`, s.chunksPerSec, 'chunks/s', { n: s.requests - s.failed, definition: `Σ content chunks / Σ streaming time${on}` });
  ctx.metric(`ab_wire_bytes_per_request${sfx}`, s.wireBytesPerRequest, 'bytes', { n: s.requests - s.failed, definition: `response body bytes per stream${on}`, ...LOW });
  ctx.metric(`ab_ttft_p50_ms${sfx}`, s.clientTtft.percentile(50), 'ms', { n: s.clientTtft.count, definition: `client TTFT, HdrHistogram p50${on}`, ...LOW });
  ctx.metric(`ab_itl_p50_ms${sfx}`, s.itl.percentile(50), 'ms', { n: s.itl.count, definition: `pooled gaps between token events, HdrHistogram p50${on}`, ...LOW });
  ctx.metric(`ab_itl_p99_ms${sfx}`, s.itl.percentile(99), 'ms', { n: s.itl.count, definition: `pooled gaps between token events, HdrHistogram p99${on}`, ...LOW });
}

export default defineSuite({
  name: 'streaming',
  description: 'SSE chunk rate/size/gaps, client vs server TTFT under slow networks (throttling proxy, slow reader), upstream chunking A/B',
  ...streamingConfig,
  async run(ctx, cfg) {
    const loadStart = os.loadavg()[0] ?? Number.NaN;
    const target = await startTarget(ctx.args.target, ctx.args.direct, {
      env: { MEMORY_ENABLED: String(cfg.memory) },
      sim: { seed: ctx.args.seed, mode: 'lorem', ttft: cfg.ttft, itl: cfg.itlPerToken, outputTokens: cfg.outputTokens, chunkTokens: 1 },
    });
    let client: LoadClient | undefined;
    try {
      client = await createLoadClient(cfg.client, 256, ctx.log);
      ctx.setMeta({
        config: { clientThread: client.thread },
        ...(target.sim ? { provider: { kind: 'simulator (lorem)', model: target.model, baseUrl: target.sim.url } } : {}),
        target: target.kind === 'in-process' ? 'in-process' : target.url,
      });
      const abRuns = target.sim ? cfg.chunkTokens.length : 0;
      if (!target.sim && cfg.chunkTokens.length) ctx.log('the chunking A/B needs the in-process simulator: skipped');
      const progress = ctx.progress((cfg.conditions.length + abRuns) * cfg.requests, 'streaming');
      const env: StreamingEnv = { ctx, cfg, client, memochaUrl: target.url, ...(target.sim ? { sim: target.sim } : {}), tick: () => progress.tick() };

      const conditions: ConditionResult[] = [];
      for (const [i, c] of cfg.conditions.entries()) {
        if (ctx.signal.aborted) break;
        const r = await runCondition(env, i, c);
        conditions.push(r);
        if (i === 0) emitBaseline(env, r);
        emitTtft(env, r, i === 0);
      }
      const ab: AbResult[] = [];
      for (const [i, k] of (target.sim ? cfg.chunkTokens : []).entries()) {
        if (ctx.signal.aborted) break;
        const r = await runAb(env, i, k);
        if (r) {
          ab.push(r);
          emitAb(env, r);
        }
      }
      progress.done();

      const all = [...conditions.map((c) => c.stats), ...ab.map((a) => a.stats)];
      const total = all.reduce((s, x) => s + x.requests, 0);
      const failed = all.reduce((s, x) => s + x.failed, 0);
      ctx.metric('error_rate', total ? failed / total : Number.NaN, 'ratio', { n: total, definition: 'failed / measured streams (all conditions and variants)', ...LOW, headline: true });

      ctx.table('network conditions: client vs server TTFT (ms)', CONDITION_COLUMNS, conditions.map(conditionRow));
      const shape: Cell[][] = conditions.map((c) => shapeRow(c.condition.name, c.stats));
      ctx.table('stream shape by network condition (chunk sizes in bytes/tokens, times in ms)', SHAPE_COLUMNS, shape);
      if (ab.length) ctx.table('A/B: upstream chunkTokens, same token rate (Memocha forwards each chunk as one SSE event)', SHAPE_COLUMNS, ab.map((a) => shapeRow(`chunkTokens ${a.chunkTokens}`, a.stats)));
      ctx.table('machine', ['cores', 'load avg 1 min (start)', 'load avg 1 min (end)'], [[os.cpus().length, cell(loadStart, 2), cell(os.loadavg()[0], 2)]]);
    } finally {
      await client?.close();
      await target.close();
    }
  },
});
