/**
 * The retry layer shared by the LLM (resilience.ts) and the embeddings client: full-jitter backoff that
 * never undercuts the server's Retry-After, abortable sleep, Retry-After parsing, and withRetries.
 */
import type { LlmError } from './types';

export interface RetryPolicy {
  /** Retries after the first attempt (so up to maxRetries + 1 attempts). */
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Jitter source in [0, 1); inject for deterministic tests. */
  random?: () => number;
}

/** The defaults of LLM_MAX_RETRIES, LLM_RETRY_BASE_MS and LLM_RETRY_MAX_MS. */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = { maxRetries: 2, retryBaseMs: 250, retryMaxMs: 5_000 };

/**
 * Exponential backoff with FULL jitter (AWS architecture blog, "Exponential Backoff And Jitter"):
 * sleep = random() * min(maxMs, baseMs * 2^retryIndex), retryIndex = 0 for the first retry.
 */
export function backoffMs(retryIndex: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, retryIndex));
  return Math.max(0, Math.floor(random() * cap));
}

/** Sleep `ms`; rejects with the signal's reason as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface HeaderSource {
  get(name: string): string | null | undefined;
}

/**
 * Milliseconds the server asks us to wait: `retry-after-ms` (OpenAI/Azure extension, float ms) wins over
 * `retry-after` (delta-seconds or an HTTP date). Undefined when absent or unparseable.
 */
export function parseRetryAfter(headers: HeaderSource | undefined, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms')?.trim();
  if (ms) {
    const v = Number(ms);
    if (Number.isFinite(v) && v >= 0) return Math.ceil(v);
  }
  const ra = headers.get('retry-after')?.trim();
  if (!ra) return undefined;
  if (/^\d+(\.\d+)?$/.test(ra)) return Math.ceil(Number(ra) * 1000);
  const at = Date.parse(ra);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** The wait before retry `retryIndex` (0 = the first retry): full jitter, but never shorter than the server's Retry-After. */
export function retryDelayMs(retryIndex: number, policy: RetryPolicy, retryAfterMs?: number): number {
  return Math.max(backoffMs(retryIndex, policy.retryBaseMs, policy.retryMaxMs, policy.random), retryAfterMs ?? 0);
}

export interface WithRetriesOptions {
  policy: RetryPolicy;
  /** What an attempt threw, as an LlmError: its `retryable` and `retryAfterMs` decide; it is what finally throws. */
  classify: (err: unknown) => LlmError;
  /** Stops the waits between attempts (the attempt itself should take the signal too). */
  signal?: AbortSignal;
  onRetry?: (e: { attempt: number; error: LlmError; delayMs: number }) => void;
}

/**
 * `attempt` until it succeeds, by the LLM's rules: only retryable errors (timeouts, 429, 5xx/408/409,
 * connection failures, malformed responses) are retried, at most policy.maxRetries times, each after
 * retryDelayMs. `attempt` gets its 1-based number.
 */
export async function withRetries<T>(attempt: (n: number) => Promise<T>, o: WithRetriesOptions): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt(retry + 1);
    } catch (e) {
      const error = o.classify(e);
      if (!error.retryable || retry >= o.policy.maxRetries || o.signal?.aborted) throw error;
      const delayMs = retryDelayMs(retry, o.policy, error.opts.retryAfterMs);
      o.onRetry?.({ attempt: retry + 1, error, delayMs });
      try {
        await sleep(delayMs, o.signal);
      } catch (aborted) {
        throw o.classify(aborted);
      }
    }
  }
}
