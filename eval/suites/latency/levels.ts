/**
 * One concurrency level of the latency suite: the same prompts through Memocha (SSE, JSON) and straight
 * to the provider (SSE, JSON), closed loop, then the metrics, the overhead and the table rows.
 */
import type { ChatResult } from '../../client/chat';
import type { Cell } from '../../harness/builder';
import type { LatencyHistogram } from '../../metrics/histogram';
import { aggregateLatency, requestLatency, type LatencyAggregate } from '../../metrics/latency';
import { percentile } from '../../metrics/stats';
import { requestsAt, warmupAt } from './config';
import { ALL_STATS, cell, emitLatency } from './emit';
import { messageFor, recordRows, type LatencyEnv, type Mode } from './env';
import { validateBatch, type BatchValidity } from './validity-phase';
import { overheadAt, quantileDiffCi } from './overhead';
import { directRequest, memochaRequest, runBatch, toTiming, type MakeRequest } from './workload';

export interface LevelResult {
  concurrency: number;
  aggs: Partial<Record<Mode, LatencyAggregate>>;
  results: Partial<Record<Mode, ChatResult[]>>;
  validity?: BatchValidity;
}

const LETTER: Record<Mode, string> = { 'memocha-sse': 'm', 'memocha-json': 'j', 'direct-sse': 'd', 'direct-json': 'k' };

export async function runLevel(env: LatencyEnv, levelIndex: number, concurrency: number): Promise<LevelResult> {
  const { cfg, endpoints } = env;
  const n = requestsAt(cfg, concurrency, env.ctx.args.quick);
  const spec = { n, concurrency, warmup: warmupAt(cfg, concurrency, env.ctx.args.quick) };
  const modes: Mode[] = endpoints.directUrl ? ['memocha-sse', 'memocha-json', 'direct-sse', 'direct-json'] : ['memocha-sse', 'memocha-json'];
  const out: LevelResult = { concurrency, aggs: {}, results: {} };
  for (const mode of modes) {
    if (env.ctx.signal.aborted) break;
    await env.settle();
    const msg = (i: number, warm: boolean) => messageFor(env, warm ? 'w' : LETTER[mode], levelIndex, warm ? 1000 + i : i, cfg.messageChars);
    const stream = mode.endsWith('sse');
    const make: MakeRequest = mode.startsWith('memocha') ? (i, warm) => memochaRequest(endpoints, msg(i, warm), stream, undefined, env.userFor(warm ? 1000 + i : i)) : (i, warm) => directRequest(endpoints, msg(i, warm), stream);
    const results = await runBatch(env.client, spec, make, env.ctx.signal, env.tick);
    out.aggs[mode] = aggregateLatency(results.map(toTiming));
    recordRows(env, 'level', mode, concurrency, cfg.messageChars, results);
    if (mode.startsWith('memocha')) env.memocha.push(...results);
    out.results[mode] = results;
    if (mode === 'direct-sse' && env.records) {
      out.validity = validateBatch(env.records(), results, results.map((_, i) => msg(i, false)), concurrency);
    }
  }
  return out;
}

const DEF = {
  ttft: 'TTFT (vLLM/AIPerf): first non-empty token event − request sent, client clock, Memocha POST /chat SSE',
  tpot: 'TPOT (vLLM): (E2EL − TTFT) / (output tokens − 1), Memocha SSE',
  itl: 'ITL (vLLM ITL list / AIPerf ICL): every gap between consecutive token events, pooled, Memocha SSE',
  e2el: 'E2EL/TTC: end of stream − request sent, Memocha SSE',
};
const HEADLINE = ['ttft_p50_ms', 'ttft_p99_ms', 'tpot_p50_ms', 'itl_p99_ms', 'e2el_p99_ms', 'overhead_ttft_p50_ms', 'overhead_ttft_p99_ms'];

/** Metrics and histograms of a level; `primary` gets every statistic and unsuffixed names. */
export function emitLevel(env: LatencyEnv, r: LevelResult, primary: boolean): void {
  const { ctx } = env;
  const suffix = primary ? '' : `_c${r.concurrency}`;
  const stats = primary ? ALL_STATS : (['p50', 'p99', 'mean'] as const);
  const sse = r.aggs['memocha-sse'];
  if (!sse) return;
  const per = (mode: Mode) => (r.results[mode] ?? []).map(toTiming).filter((t) => t.error === undefined).map(requestLatency);
  const okSse = per('memocha-sse');
  const raw = {
    ttft: okSse.map((l) => l.ttftMs).filter((x): x is number => x !== null),
    e2el: okSse.map((l) => l.e2elMs),
    tpot: okSse.map((l) => l.tpotMs).filter((x): x is number => x !== null),
  };
  const directTtfts = per('direct-sse').map((l) => l.ttftMs).filter((x): x is number => x !== null);
  const common = { suffix, seed: env.seed, headline: HEADLINE };
  emitLatency(ctx, 'ttft', sse.ttft, { ...common, stats, raw: raw.ttft, definition: DEF.ttft });
  emitLatency(ctx, 'tpot', sse.tpot, { ...common, stats, raw: raw.tpot, definition: DEF.tpot });
  emitLatency(ctx, 'itl', sse.itl, { ...common, stats, definition: DEF.itl });
  emitLatency(ctx, 'e2el', sse.e2el, { ...common, stats, raw: raw.e2el, definition: DEF.e2el });
  const serverOk = (r.results['memocha-sse'] ?? []).filter((x) => x.ok);
  const serverStat = (k: string) => serverOk.map((x) => x.serverTimings?.[k]).filter((v): v is number => typeof v === 'number');
  for (const [name, key, what] of [
    ['server_overhead', 'overheadMs', "the server's timings.overheadMs (Memocha's own time before the upstream request plus first-token handling)"],
    ['server_overhead_per_token', 'overheadPerTokenMs', "the server's timings.overheadPerTokenMs (mean per-token handling, provider event → client write)"],
  ] as const) {
    const xs = serverStat(key);
    for (const q of [50, 99] as const) ctx.metric(`${name}_p${q}_ms${suffix}`, percentile(xs, q), 'ms', { n: xs.length, definition: `p${q} of ${what}, Memocha SSE`, higherIsBetter: false });
  }
  ctx.metric(`output_tokens_per_sec${suffix}`, sse.outputTokensPerSec, 'tokens/s', { n: sse.completed, definition: 'system output tokens/s = Σ output tokens / wall time (Memocha SSE, closed loop)', higherIsBetter: true });

  const json = r.aggs['memocha-json'];
  if (json) emitLatency(ctx, 'json_e2el', json.e2el, { suffix, stats: ['p50', 'p99'], definition: 'request latency of POST /chat?stream=false (whole JSON body) − sent' });
  const dsse = r.aggs['direct-sse'];
  const djson = r.aggs['direct-json'];
  if (!dsse || !djson) return;
  emitLatency(ctx, 'direct_ttft', dsse.ttft, { suffix, stats: ['p50', 'p99'], definition: 'TTFT straight to the provider (/v1/chat/completions, stream)' });
  emitLatency(ctx, 'direct_itl', dsse.itl, { suffix, stats: ['p50', 'p99'], definition: 'pooled ITL straight to the provider' });
  emitLatency(ctx, 'direct_e2el', dsse.e2el, { suffix, stats: ['p50', 'p99'], definition: 'E2EL straight to the provider (stream)' });
  emitLatency(ctx, 'direct_json_e2el', djson.e2el, { suffix, stats: ['p50', 'p99'], definition: 'request latency straight to the provider (non-stream)' });

  type Pair = [string, LatencyHistogram, LatencyHistogram, string];
  const pairs: Pair[] = [
    ['ttft', sse.ttft, dsse.ttft, 'TTFT'],
    ['e2el', sse.e2el, dsse.e2el, 'E2EL (stream)'],
  ];
  if (json) pairs.push(['json_e2el', json.e2el, djson.e2el, 'request latency (JSON)']);
  for (const [name, m, d, label] of pairs) {
    for (const q of [50, 99] as const) {
      const metric = `overhead_${name}_p${q}_ms${suffix}`;
      const ci = q === 50 && name === 'ttft' ? quantileDiffCi(raw.ttft, directTtfts, 50, { seed: env.seed }) : undefined;
      ctx.metric(metric, overheadAt(m, d, q), 'ms', {
        n: Math.min(m.count, d.count),
        definition: `Memocha's overhead: Memocha ${label} p${q} − direct ${label} p${q} (HdrHistogram; independent runs of the same prompts)${ci ? ', 95% two-sample percentile-bootstrap CI' : ''}`,
        higherIsBetter: false,
        ...(ci ? { ci } : {}),
        ...(HEADLINE.includes(metric) ? { headline: true } : {}),
      });
    }
  }
}

export const MODE_COLUMNS = ['concurrency', 'mode', 'n', 'failed', 'TTFT p50', 'TTFT p99', 'TPOT p50', 'ITL p50', 'ITL p99', 'E2EL p50', 'E2EL p99', 'tokens/s'] as const;

export function modeRows(r: LevelResult): Cell[][] {
  return (Object.entries(r.aggs) as [Mode, LatencyAggregate][]).map(([mode, a]) => {
    const sse = mode.endsWith('sse');
    return [r.concurrency, mode, a.requests, a.failed, cell(a.ttft.percentile(50)), cell(a.ttft.percentile(99)), sse ? cell(a.tpot.percentile(50)) : null, sse ? cell(a.itl.percentile(50)) : null, sse ? cell(a.itl.percentile(99)) : null, cell(a.e2el.percentile(50)), cell(a.e2el.percentile(99)), cell(a.outputTokensPerSec, 1)];
  });
}

export const STAGE_COLUMNS = ['concurrency', 'client TTFT p50', 'server ttftMs p50', 'dbMs p50', 'retrievalMs p50', 'promptMs p50', 'queueWaitMs p50', 'llmTtftMs p50', 'direct TTFT p50'] as const;

/** Where Memocha's TTFT goes, from its own `done` timings (median of each stage). */
export function stageRow(r: LevelResult): Cell[] {
  const ok = (r.results['memocha-sse'] ?? []).filter((x) => x.ok);
  const med = (k: string) => cell(percentile(ok.map((x) => x.serverTimings?.[k]).filter((v): v is number => typeof v === 'number'), 50));
  return [r.concurrency, cell(r.aggs['memocha-sse']?.ttft.percentile(50)), med('ttftMs'), med('dbMs'), med('retrievalMs'), med('promptMs'), med('queueWaitMs'), med('llmTtftMs'), cell(r.aggs['direct-sse']?.ttft.percentile(50))];
}
