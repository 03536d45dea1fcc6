import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../report/schema';
import streaming from '../streaming/index';
import { addDelay, delayMedian, DEFAULT_CONDITIONS, requestsAt, scaleDelay, usesProxy, warmupAt } from './config';
import latency from './index';

// the suites' configs as the harness resolves them: defaults ← quick ← --config file, validated
const latencyConfig = (raw: JsonValue, quick: boolean) => latency.resolveConfig(raw, quick).value;
const streamingConfig = (raw: JsonValue, quick: boolean) => streaming.resolveConfig(raw, quick).value;

describe('latencyConfig', () => {
  it('fills the defaults (full and quick)', () => {
    const full = latencyConfig({}, false);
    expect(full).toMatchObject({ concurrency: [1, 16], sweepChars: [10, 100, 1000, 4000], validityConcurrency: 100, memory: true });
    expect(requestsAt(full, 1, false)).toBe(60);
    expect(requestsAt(full, 16, false)).toBe(160);
    expect(requestsAt(full, 16, true)).toBe(32);
    expect(requestsAt(full, 1, true)).toBe(6);
    expect(warmupAt(full, 1)).toBe(2);
    expect(warmupAt({ warmup: 0 }, 16)).toBe(0);
    expect(warmupAt({}, 16, true)).toBe(1);
    expect(latencyConfig({}, true)).toMatchObject({ validityConcurrency: 20, memory: false });
  });

  it('takes overrides and rejects unknown or bad keys', () => {
    expect(latencyConfig({ concurrency: [4], requests: 5, itl: { kind: 'lognormal', medianMs: 5, p99Ms: 20 } }, false)).toMatchObject({ concurrency: [4], requests: 5, itl: { kind: 'lognormal' } });
    expect(() => latencyConfig({ concurency: [4] }, false)).toThrow(/latency --config/);
    expect(() => latencyConfig({ concurrency: [0] }, false)).toThrow(/concurrency/);
    expect(() => latencyConfig({ ttft: { kind: 'fixed' } }, false)).toThrow(/ttft/);
  });
});

describe('streamingConfig', () => {
  it('fills the defaults and checks condition names', () => {
    expect(streamingConfig({}, false)).toMatchObject({ requests: 40, concurrency: 4, conditions: DEFAULT_CONDITIONS, chunkTokens: [1, 4, 16], memory: false });
    expect(() => streamingConfig({ conditions: [{ name: 'a' }, { name: 'a' }] }, false)).toThrow(/unique/);
    expect(() => streamingConfig({ conditions: [{ name: 'A B' }] }, false)).toThrow(/name/);
  });

  it('knows which conditions need the proxy', () => {
    expect(DEFAULT_CONDITIONS.map(usesProxy)).toEqual([false, true, true, true, false]);
  });
});

describe('addDelay and delayMedian', () => {
  it('shift every kind and take the median', () => {
    expect(addDelay({ kind: 'fixed', ms: 40 }, 30)).toEqual({ kind: 'fixed', ms: 70 });
    expect(addDelay({ kind: 'uniform', minMs: 1, maxMs: 3 }, 2)).toEqual({ kind: 'uniform', minMs: 3, maxMs: 5 });
    expect(addDelay({ kind: 'lognormal', medianMs: 5, p99Ms: 20 }, 10)).toEqual({ kind: 'lognormal', medianMs: 15, p99Ms: 30 });
    expect([delayMedian({ kind: 'fixed', ms: 4 }), delayMedian({ kind: 'uniform', minMs: 2, maxMs: 6 }), delayMedian({ kind: 'lognormal', medianMs: 7, p99Ms: 9 })]).toEqual([4, 4, 7]);
  });
});

describe('scaleDelay', () => {
  it('scales every kind', () => {
    expect(scaleDelay({ kind: 'fixed', ms: 10 }, 4)).toEqual({ kind: 'fixed', ms: 40 });
    expect(scaleDelay({ kind: 'uniform', minMs: 1, maxMs: 3 }, 2)).toEqual({ kind: 'uniform', minMs: 2, maxMs: 6 });
    expect(scaleDelay({ kind: 'lognormal', medianMs: 5, p99Ms: 20 }, 16)).toEqual({ kind: 'lognormal', medianMs: 80, p99Ms: 320 });
  });
});
