/**
 * The judge model: any OpenAI-compatible chat endpoint (JUDGE_BASE_URL / JUDGE_API_KEY / JUDGE_MODEL),
 * through the same resilient LLM layer the server uses (timeouts, retries with backoff on 429/5xx).
 * Without JUDGE_BASE_URL the suites start the simulator in `scripted` mode, which is only good for
 * testing the machinery: its verdicts are whatever the script says.
 */
import { type ChatMessage, createLogger, createOpenAiProvider, createResilientLlm } from '../../serve';

export interface JudgeModel {
  /** e.g. 'gpt-4o-mini@api.openai.com' */
  readonly id: string;
  readonly model: string;
  complete(messages: ChatMessage[], opts?: { temperature?: number; maxTokens?: number; signal?: AbortSignal }): Promise<string>;
  close(): void;
}

export interface JudgeModelOptions {
  baseUrl: string;
  apiKey?: string;
  model: string;
  /** concurrent judge calls (default 4) */
  concurrency?: number;
  timeoutMs?: number;
  maxRetries?: number;
}

export function createJudgeModel(o: JudgeModelOptions): JudgeModel {
  const provider = createOpenAiProvider({ id: 'judge', baseUrl: o.baseUrl, apiKey: o.apiKey, model: o.model });
  const llm = createResilientLlm({
    providers: [provider],
    attemptTimeoutMs: o.timeoutMs ?? 60_000,
    idleTimeoutMs: o.timeoutMs ?? 60_000,
    deadlineMs: (o.timeoutMs ?? 60_000) * 3,
    maxRetries: o.maxRetries ?? 4,
    retryBaseMs: 500,
    retryMaxMs: 20_000,
    // a judge run should wait out an outage through retries, never fail fast: the breaker never opens
    breaker: { errorPercent: 100, volume: 1_000, windowMs: 10_000, resetMs: 5_000 },
    queue: { maxConcurrency: o.concurrency ?? 4, maxQueue: 100_000 },
    logger: createLogger(process.env.LOG_LEVEL ?? 'warn', 'memocha-judge'),
  });
  return {
    id: `${o.model}@${new URL(o.baseUrl).host}`,
    model: o.model,
    async complete(messages, opts = {}) {
      const r = await llm.complete({ messages, temperature: opts.temperature ?? 0, ...(opts.maxTokens ? { maxTokens: opts.maxTokens } : {}) }, opts.signal ? { signal: opts.signal } : undefined);
      return r.text;
    },
    close: () => llm.close(),
  };
}

/** JUDGE_* from the environment, or null when no judge endpoint is configured. */
export function judgeModelFromEnv(env: NodeJS.ProcessEnv = process.env): JudgeModelOptions | null {
  if (!env.JUDGE_BASE_URL) return null;
  return {
    baseUrl: env.JUDGE_BASE_URL,
    ...(env.JUDGE_API_KEY ? { apiKey: env.JUDGE_API_KEY } : {}),
    model: env.JUDGE_MODEL ?? 'gpt-4o-mini',
    ...(env.JUDGE_CONCURRENCY ? { concurrency: Number(env.JUDGE_CONCURRENCY) } : {}),
  };
}
