/** The streaming suite's two phases: network conditions (proxy / slow reader) and the chunk-size A/B. */
import type { Simulator } from '../../../serve';
import type { SuiteContext } from '../../harness/suite';
import type { Cell } from '../../harness/builder';
import { createRng } from '../../metrics/random';
import { startThrottleProxy } from '../../net/throttle-proxy';
import type { LoadClient } from '../latency/client';
import { addDelay, delayMedian, scaleDelay, usesProxy, warmupAt, type NetCondition, type StreamingConfig } from '../latency/config';
import { cell } from '../latency/emit';
import { makeMessage } from '../latency/prompts';
import { gapAt, streamStats, type StreamStats } from './stream-stats';
import { memochaRequest, runBatch, toTiming, type Endpoints } from '../latency/workload';
import { requestLatency } from '../../metrics/latency';

export interface StreamingEnv {
  ctx: SuiteContext;
  cfg: StreamingConfig;
  client: LoadClient;
  /** Memocha's base URL (no proxy) */
  memochaUrl: string;
  sim?: Simulator;
  tick(): void;
}

export interface ConditionResult {
  condition: NetCondition;
  stats: StreamStats;
  /** bytes the proxy delivered to the client (headers included), when a proxy was used */
  proxyBytesDown?: number;
}

function batchFor(env: StreamingEnv, group: number, url: string, readDelayMs?: number) {
  const { cfg, ctx } = env;
  const endpoints: Endpoints = { memochaUrl: url, model: '', systemPrompt: '' };
  const msg = (i: number, warm: boolean) => makeMessage(`${warm ? 'w' : 'c'}${group}.${i.toString(36)}`, cfg.messageChars, createRng(ctx.args.seed * 100_003 + group * 10_007 + i));
  return runBatch(
    env.client,
    { n: cfg.requests, concurrency: cfg.concurrency, warmup: warmupAt(cfg, cfg.concurrency, ctx.args.quick) },
    (i, warm) => memochaRequest(endpoints, msg(warm ? 1000 + i : i, warm), true, readDelayMs),
    ctx.signal,
    env.tick,
  );
}

function rows(env: StreamingEnv, phase: string, label: string, results: Awaited<ReturnType<typeof batchFor>>): void {
  results.forEach((r, i) => {
    const base = { case: `${phase}-${label}-${i}`, phase, variant: label };
    if (!r.ok) return env.ctx.row({ ...base, error: r.error ?? `HTTP ${r.status}` });
    const l = requestLatency(toTiming(r));
    env.ctx.row({ ...base, ttft_ms: cell(l.ttftMs), server_ttft_ms: cell(r.serverTimings?.ttftMs), e2el_ms: cell(l.e2elMs), chunks: r.chunks.length, bytes: r.bytes, output_tokens: r.outputTokens });
  });
}

/** One network condition: through the throttling proxy when it has limits, with a slow reader when it says so. */
export async function runCondition(env: StreamingEnv, index: number, c: NetCondition): Promise<ConditionResult> {
  const u = new URL(env.memochaUrl);
  const proxy = usesProxy(c) ? await startThrottleProxy({ host: u.hostname, port: Number(u.port) }, { ...(c.latencyMs !== undefined ? { latencyMs: c.latencyMs } : {}), ...(c.bytesPerSec !== undefined ? { bytesPerSec: c.bytesPerSec } : {}) }) : undefined;
  try {
    const results = await batchFor(env, index, proxy ? proxy.url : env.memochaUrl, c.readDelayMs);
    rows(env, 'net', c.name, results);
    return { condition: c, stats: streamStats(results), ...(proxy ? { proxyBytesDown: proxy.stats().bytesDown } : {}) };
  } finally {
    await proxy?.close();
  }
}

export interface AbResult {
  chunkTokens: number;
  stats: StreamStats;
}

/**
 * The simulator sends `k` tokens per chunk as a coalescing upstream would at the same token rate: the
 * first chunk waits for its k tokens (TTFT + (k − 1) × itlPerToken), then one chunk every k × itlPerToken.
 */
export async function runAb(env: StreamingEnv, index: number, k: number): Promise<AbResult | undefined> {
  const sim = env.sim;
  if (!sim) return undefined;
  const { cfg } = env;
  const before = { chunkTokens: sim.options.chunkTokens ?? 1, itl: sim.options.itl ?? cfg.itlPerToken, ttft: sim.options.ttft ?? cfg.ttft };
  sim.configure({ chunkTokens: k, itl: scaleDelay(cfg.itlPerToken, k), ttft: addDelay(cfg.ttft, (k - 1) * delayMedian(cfg.itlPerToken)) });
  try {
    const results = await batchFor(env, 50 + index, env.memochaUrl);
    rows(env, 'ab', `ct${k}`, results);
    return { chunkTokens: k, stats: streamStats(results) };
  } finally {
    sim.configure(before);
  }
}

/** A metric-name suffix from a condition name: `_` + name with - and + as _ (empty for the baseline). */
export function suffixOf(name: string, baseline: boolean): string {
  return baseline ? '' : `_${name.replace(/[-+]/g, '_')}`;
}

export const CONDITION_COLUMNS = ['condition', 'one-way latency ms', 'bandwidth B/s', 'read delay ms', 'n', 'failed', 'client TTFT p50', 'client TTFT p99', 'server TTFT p50', 'server TTFT p99', 'client − server p50', 'client − server p99', 'E2EL p50', 'stream time p50'] as const;

export function conditionRow(r: ConditionResult): Cell[] {
  const { condition: c, stats: s } = r;
  return [c.name, c.latencyMs ?? (usesProxy(c) ? 0 : null), c.bytesPerSec ?? null, c.readDelayMs ?? null, s.requests, s.failed, cell(s.clientTtft.percentile(50)), cell(s.clientTtft.percentile(99)), cell(s.serverTtft.percentile(50)), cell(s.serverTtft.percentile(99)), cell(gapAt(s, 50)), cell(gapAt(s, 99)), cell(s.e2el.percentile(50)), cell(s.streamTime.percentile(50))];
}

export const SHAPE_COLUMNS = ['variant', 'chunks/s', 'chunks/request', 'chunk bytes p50', 'chunk bytes p99', 'chunk tokens mean', 'chunk tokens p99', 'ITL p50', 'ITL p99', 'wire bytes/request', 'wire bytes/token', 'client TTFT p50', 'client TTFT p99', 'E2EL p50'] as const;

export function shapeRow(label: string, s: StreamStats): Cell[] {
  return [label, cell(s.chunksPerSec, 1), cell(s.chunksPerRequest, 1), cell(s.chunkBytes.p50), cell(s.chunkBytes.p99), cell(s.chunkTokens.mean, 2), cell(s.chunkTokens.p99), cell(s.itl.percentile(50)), cell(s.itl.percentile(99)), cell(s.wireBytesPerRequest, 0), cell(s.wireBytesPerToken, 1), cell(s.clientTtft.percentile(50)), cell(s.clientTtft.percentile(99)), cell(s.e2el.percentile(50))];
}
