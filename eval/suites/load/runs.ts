/** The load suite's single runs: an open loop at a fixed rate, a rate-limited run (upstream 429s), and many long SSE streams. */
import type { SimRequestRecord } from '../../../serve';
import { breakerTimeline, transitionsFromPolls, type BreakerTimeline } from '../reliability/breaker-timeline';
import { runVirtualUsers } from './virtual-users';
import { analyseItl, type ItlAnalysis } from './itl';
import type { LoadConfig } from './config';
import type { LoadTarget } from './target';
import { runOpenLoop } from './open-loop';
import { resilienceDelta, type ResilienceDelta } from './resilience-delta';
import { measureStep, type StepResult } from './step';
import { pollBreaker } from './stored';
import type { RunContext } from './sweep';
import { accountRetries, type RetryAccounting } from './upstream';

type OpenCfg = Exclude<LoadConfig['openLoop'], false>;
type RateCfg = Exclude<LoadConfig['rateLimit'], false>;
type StreamCfg = Exclude<LoadConfig['streams'], false>;

/** The simulator's records of requests it received from now on. */
function simSince(target: LoadTarget): () => SimRequestRecord[] {
  const sim = target.sim;
  if (!sim) return () => [];
  const from = sim.requests.length ? (sim.requests[sim.requests.length - 1]?.seq ?? -1) + 1 : 0;
  return () => sim.requests.filter((r) => (r.seq ?? 0) >= from);
}

export async function openLoopStep(target: LoadTarget, o: OpenCfg, maxThroughput: number, clientTimeoutMs: number, rc: RunContext): Promise<StepResult & { rate: number }> {
  const rate = o.rate === 'auto' ? Math.max(0.5, (Number.isFinite(maxThroughput) ? maxThroughput : 1) * o.autoFraction) : o.rate;
  rc.log(`open loop: ${rate.toFixed(2)} requests/s (burstiness ${o.burstiness})`);
  const step = await measureStep(target, 'open-loop', null, () =>
    runOpenLoop({ rate, burstiness: o.burstiness, warmupMs: o.warmupMs, durationMs: o.durationMs, drainMs: clientTimeoutMs + 5_000, clientTimeoutMs, maxInFlight: o.maxInFlight, stream: true, seed: rc.seed + 101, tag: `${rc.tag}-open`, send: rc.send, signal: rc.signal }),
    'completion',
  );
  rc.tick();
  return { ...step, rate };
}

export interface RateLimitResult {
  step: StepResult;
  retries: RetryAccounting;
  breaker: BreakerTimeline;
  /** the resilience layer's own counters over the run (in-process only) */
  resilience?: ResilienceDelta;
}

export async function rateLimitStep(target: LoadTarget, o: RateCfg, clientTimeoutMs: number, rc: RunContext): Promise<RateLimitResult | null> {
  const sim = target.sim;
  if (!sim) return null;
  rc.log(`rate limits: ${o.users} users, ${Math.round(o.errorRate * 100)} % upstream 429 (Retry-After ${o.retryAfterS} s)`);
  const upstream = simSince(target);
  const poll = pollBreaker(target.url);
  const before = target.resilience?.();
  const t0 = Date.now();
  sim.configure({ faults: { errorRate: o.errorRate, errorStatus: 429, retryAfterS: o.retryAfterS } });
  let step: StepResult;
  try {
    step = await measureStep(target, 'rate-limit', o.users, () =>
      runVirtualUsers({ users: o.users, warmupMs: o.warmupMs, durationMs: o.durationMs, drainMs: clientTimeoutMs + 5_000, clientTimeoutMs, think: o.think, honorRetryAfter: o.honorRetryAfter, turnsPerSession: 1, stream: true, seed: rc.seed + 202, tag: `${rc.tag}-rl`, userOf: (vu) => `load-rl-${vu}`, send: rc.send, signal: rc.signal }),
    );
  } finally {
    sim.configure({ faults: {} });
  }
  const polls = await poll.stop();
  const after = target.resilience?.();
  const resilience = before && after ? resilienceDelta(before, after) : undefined;
  const transitions = after ? after.breakerTransitions : transitionsFromPolls(polls);
  const counted = step.run.records.filter((r) => !r.warmup && !r.abortedAtEnd);
  const attempts = upstream().map((r) => ({ lastUserMessage: r.lastUserMessage, status: r.status, outcome: r.outcome }));
  rc.tick();
  return { step, retries: accountRetries(counted, attempts), breaker: breakerTimeline(transitions, t0, Date.now()), ...(resilience ? { resilience } : {}) };
}

export interface StreamsResult {
  step: StepResult;
  itl: ItlAnalysis;
  /** when every stream was open: [last first-token, first end] (performance.now() ms) */
  steady: { from: number; to: number } | null;
}

export async function streamsStep(target: LoadTarget, o: StreamCfg, rc: RunContext): Promise<StreamsResult | null> {
  const sim = target.sim;
  if (!sim) return null;
  rc.log(`streams: ${o.users} concurrent SSE streams of ${o.outputTokens} tokens every ${o.itlMs} ms`);
  sim.configure({ ttft: { kind: 'fixed', ms: o.ttftMs }, itl: { kind: 'fixed', ms: o.itlMs }, outputTokens: o.outputTokens });
  const upstream = simSince(target);
  const step = await measureStep(target, `streams@${o.users}`, o.users, () =>
    runVirtualUsers({
      users: o.users,
      warmupMs: 0,
      durationMs: o.rampMs + 1_000,
      maxRequests: o.users,
      rampMs: o.rampMs,
      drainMs: o.clientTimeoutMs + 5_000,
      clientTimeoutMs: o.clientTimeoutMs,
      think: { minMs: 0, maxMs: 0 },
      turnsPerSession: 1,
      stream: true,
      maxTokens: o.outputTokens,
      seed: rc.seed + 303,
      tag: `${rc.tag}-st`,
      userOf: (vu) => `load-st-${vu}`,
      send: rc.send,
      signal: rc.signal,
    }),
  );
  const ok = step.run.records.filter((r) => r.result.ok);
  const firsts = ok.map((r) => r.result.chunks.find((c) => c.text.length > 0)?.at ?? Number.NaN).filter(Number.isFinite);
  const ends = ok.map((r) => r.result.endAt);
  const steady = firsts.length && ends.length ? { from: Math.max(...firsts), to: Math.min(...ends) } : null;
  const itl = analyseItl(step.run.records, upstream(), o.itlMs, steady && steady.to > steady.from ? steady : undefined);
  rc.tick();
  return { step, itl, steady: steady && steady.to > steady.from ? steady : null };
}
