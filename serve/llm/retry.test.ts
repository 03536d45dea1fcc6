import { describe, expect, it } from 'vitest';
import { backoffMs, parseRetryAfter, sleep } from './retry';

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
