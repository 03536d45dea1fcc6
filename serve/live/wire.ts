/** Config → the live monitor (recorder, judge, metrics, drop detector); undefined when EVAL_SAMPLE_RATE is 0. */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from '../config';
import type { Repos } from '../db/repos';
import { createOpenAiProvider } from '../llm/openai';
import { createResilientLlm } from '../llm/resilience';
import { createDropDetector } from './alert';
import { createLiveJudge, type LiveJudge } from './judge';
import { createLiveMetrics } from './metrics';
import { createLiveRecorder, type LiveRecorder } from './recorder';

export interface LiveMonitorOptions {
  config: Config;
  repos: Repos;
  logger: Logger;
  instanceId: string;
  /** The app's metrics registry (absent: no live metrics). */
  registry?: Registry;
  /** Where the judge goes without LIVE_JUDGE_BASE_URL: the chat's own LLM endpoint (the built-in simulator's, in sim mode). */
  chatEndpoint: { baseUrl?: string; apiKey?: string };
}

export function createLiveMonitor(o: LiveMonitorOptions): LiveRecorder | undefined {
  const c = o.config;
  if (c.EVAL_SAMPLE_RATE <= 0) return undefined;
  const judge = c.LIVE_JUDGE_MODEL ? liveJudgeFromConfig(c, c.LIVE_JUDGE_MODEL, o.chatEndpoint, o.logger) : undefined;
  // read at scrape time, once the recorder exists
  const metrics = o.registry ? createLiveMetrics(o.registry, { window: c.LIVE_ALERT_WINDOW, queueDepth: () => recorder.depth() }) : undefined;
  const recorder: LiveRecorder = createLiveRecorder({
    rate: c.EVAL_SAMPLE_RATE,
    slo: { ttftMs: c.LIVE_SLO_TTFT_MS, totalMs: c.LIVE_SLO_TOTAL_MS },
    queueMax: c.LIVE_QUEUE_MAX,
    concurrency: c.LIVE_JUDGE_CONCURRENCY,
    instanceId: o.instanceId,
    repo: o.repos.liveEval,
    detector: createDropDetector({
      window: c.LIVE_ALERT_WINDOW,
      drop: c.LIVE_ALERT_DROP,
      floors: { slo: c.LIVE_ALERT_FLOOR_SLO, judge_score: c.LIVE_ALERT_FLOOR_JUDGE, memory_top_score: c.LIVE_ALERT_FLOOR_TOP_SCORE },
    }),
    logger: o.logger,
    ...(judge ? { judge } : {}),
    ...(metrics ? { metrics } : {}),
  });
  return recorder;
}

/** Its own provider and queue: judging never takes a slot from the chat's LLM queue. */
function liveJudgeFromConfig(c: Config, model: string, chat: { baseUrl?: string; apiKey?: string }, logger: Logger): LiveJudge {
  const baseUrl = c.LIVE_JUDGE_BASE_URL ?? chat.baseUrl;
  const apiKey = c.LIVE_JUDGE_BASE_URL ? c.LIVE_JUDGE_API_KEY : (c.LIVE_JUDGE_API_KEY ?? chat.apiKey);
  const provider = createOpenAiProvider({ id: 'live-judge', ...(baseUrl ? { baseUrl } : {}), ...(apiKey ? { apiKey } : {}), model, defaultMaxTokens: 256, logger });
  const timeout = c.LIVE_JUDGE_TIMEOUT_MS;
  const llm = createResilientLlm({
    providers: [provider],
    attemptTimeoutMs: timeout,
    idleTimeoutMs: timeout,
    deadlineMs: timeout * 2,
    maxRetries: 1,
    retryBaseMs: 500,
    retryMaxMs: 5_000,
    breaker: { errorPercent: 50, volume: 10, windowMs: 60_000, resetMs: 30_000 },
    queue: { maxConcurrency: c.LIVE_JUDGE_CONCURRENCY, maxQueue: c.LIVE_QUEUE_MAX },
    logger,
  });
  return createLiveJudge(
    model,
    async (messages, signal) => (await llm.complete({ messages, temperature: 0, maxTokens: 256 }, signal ? { signal } : undefined)).text,
    () => llm.close(),
  );
}
