import { describe, expect, it } from 'vitest';
import { backoffMs, parseRetryAfter, retryDelayMs, sleep, withRetries } from './retry';
import { LlmError } from './types';

const headers = (h: Record<string, string>) => new Headers(h);

describe('backoffMs (full jitter)', () => {
  it('is random() × min(max, base × 2^n)', () => {
    expect(backoffMs(0, 100, 1000, () => 0.5)).toBe(50);
    expect(backoffMs(2, 100, 1000, () => 0.5)).toBe(200);
    expect(backoffMs(5, 100, 1000, () => 0.999)).toBe(999);
    expect(backoffMs(3, 100, 1000, () => 0)).toBe(0);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds, milliseconds and HTTP dates', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter(headers({ 'retry-after': '3' }))).toBe(3000);
    expect(parseRetryAfter(headers({ 'retry-after': '0.25' }))).toBe(250);
    expect(parseRetryAfter(headers({ 'retry-after-ms': '120.5', 'retry-after': '3' }))).toBe(121);
    expect(parseRetryAfter(headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:04 GMT' }), now)).toBe(4000);
    expect(parseRetryAfter(headers({ 'retry-after': 'Tue, 31 Dec 2024 00:00:00 GMT' }), now)).toBe(0);
    expect(parseRetryAfter(headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(parseRetryAfter(headers({}))).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe('sleep', () => {
  it('rejects with the signal reason when aborted', async () => {
    const ac = new AbortController();
    const reason = new Error('stop');
    setTimeout(() => ac.abort(reason), 10);
    await expect(sleep(10_000, ac.signal)).rejects.toBe(reason);
    await expect(sleep(1)).resolves.toBeUndefined();
  });
});

describe('withRetries (the policy the LLM and the embeddings client share)', () => {
  const policy = { maxRetries: 2, retryBaseMs: 1, retryMaxMs: 4, random: () => 0.5 };
  const classify = (e: unknown) => (e instanceof LlmError ? e : new LlmError('bad_response', String(e)));

  it('waits max(full jitter, Retry-After) between retryable failures', async () => {
    expect(retryDelayMs(1, policy)).toBe(1);
    expect(retryDelayMs(1, policy, 7)).toBe(7);
    const failures = [new LlmError('rate_limited', '429', { status: 429, retryAfterMs: 3 }), new LlmError('server', '500', { status: 500 })];
    const retries: { attempt: number; kind: string; delayMs: number }[] = [];
    const out = await withRetries(
      async (n) => {
        const f = failures[n - 1];
        if (f) throw f;
        return `ok after ${n}`;
      },
      { policy, classify, onRetry: (r) => retries.push({ attempt: r.attempt, kind: r.error.kind, delayMs: r.delayMs }) },
    );
    expect(out).toBe('ok after 3');
    expect(retries).toEqual([
      { attempt: 1, kind: 'rate_limited', delayMs: 3 },
      { attempt: 2, kind: 'server', delayMs: 1 },
    ]);
  });

  it('never retries a client error, and gives up after maxRetries', async () => {
    let attempts = 0;
    await expect(withRetries(async () => { attempts++; throw new LlmError('client', '400', { status: 400 }); }, { policy, classify })).rejects.toMatchObject({ kind: 'client' });
    expect(attempts).toBe(1);
    attempts = 0;
    await expect(withRetries(async () => { attempts++; throw new LlmError('server', '503', { status: 503 }); }, { policy, classify })).rejects.toMatchObject({ kind: 'server' });
    expect(attempts).toBe(3);
  });

  it('an abort during the wait ends it with the classified abort', async () => {
    const ac = new AbortController();
    let attempts = 0;
    const run = withRetries(
      async () => {
        attempts++;
        throw new LlmError('server', '500');
      },
      { policy: { ...policy, retryBaseMs: 60_000, retryMaxMs: 60_000 }, signal: ac.signal, classify: (e) => (ac.signal.aborted ? new LlmError('aborted', 'stopped') : classify(e)), onRetry: () => ac.abort() },
    );
    await expect(run).rejects.toMatchObject({ kind: 'aborted' });
    expect(attempts).toBe(1);
  });
});
