/** Retry helpers: full-jitter backoff, abortable sleep, Retry-After parsing. */

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
