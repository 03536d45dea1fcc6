import { describe, expect, it } from 'vitest';
import load from './index';
import { metricOf, runSmallest } from './test-support';

describe('load suite (smallest config, in-process)', () => {
  it('writes the sweep, open-loop, streams and rate-limit results with sane values', async () => {
    const o = await runSmallest(load, {
      mode: 'in-process',
      memory: false,
      streamsTarget: 'same',
      sweep: { users: [1, 3], warmupMs: 200, durationMs: 1000, clientTimeoutMs: 10_000 },
      openLoop: { rate: 4, warmupMs: 100, durationMs: 800 },
      rateLimit: { users: 3, errorRate: 0.6, warmupMs: 100, durationMs: 2000 },
      streams: { users: 8, outputTokens: 8, itlMs: 40, ttftMs: 20, rampMs: 200 },
    });
    try {
      expect(o.exitCode).toBe(0);
      expect(o.report?.errors).toEqual([]);
      const m = (n: string) => metricOf(o, n);
      expect(m('saturation_concurrency')).toBeGreaterThanOrEqual(1);
      expect(m('max_throughput_rps')).toBeGreaterThan(0);
      expect(m('ttft_p99_ms_at_1')).toBeGreaterThan(0);
      expect(m('ttft_p99_ms_at_3')).toBeLessThan(10_000);
      expect(m('error_rate_at_3')).toBe(0);
      expect(m('open_loop_throughput_rps')).toBeGreaterThan(0);
      expect(m('open_loop_error_rate')).toBe(0);
      expect(m('streams_peak_concurrent')).toBe(8);
      expect(m('streams_error_rate')).toBe(0);
      // 8 tokens at 40 ms: the added ITL is a number (on an idle machine a few ms; here only sanity-checked)
      expect(typeof m('added_itl_p99_ms_at_8')).toBe('number');
      expect(m('rate_limit_upstream_429')).toBeGreaterThan(0);
      const absorbed = m('rate_limit_429_absorbed_share') ?? 0;
      expect(absorbed).toBeGreaterThanOrEqual(0);
      expect(absorbed).toBeLessThanOrEqual(1);
      const tables = Object.keys(o.report?.tables ?? {});
      expect(tables.some((t) => t.startsWith('degradation'))).toBe(true);
      expect(tables.some((t) => t.startsWith('bottleneck attribution'))).toBe(true);
      expect(o.report?.rows.map((r) => r.case)).toEqual(expect.arrayContaining(['sweep@1', 'sweep@3', 'open-loop', 'streams@8', 'rate-limit']));
    } finally {
      await o.cleanup();
    }
  }, 60_000);
});
