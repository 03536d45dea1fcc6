import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempRoot, type TempRoot } from '../../lib/test-run';
import suite from './index';

let t: TempRoot;
beforeAll(async () => {
  t = await tempRoot('latency');
});
afterAll(async () => t?.cleanup());

const value = (m: Record<string, { value: number | null }>, name: string): number => {
  const v = m[name]?.value;
  if (typeof v !== 'number') throw new Error(`metric ${name} is missing or null`);
  return v;
};

describe('latency suite (smallest configuration, in-process)', () => {
  it('runs end to end and reports sane latency, overhead and validity metrics', { timeout: 20_000 }, async () => {
    const r = await t.run(suite, {
      ttft: { kind: 'fixed', ms: 20 },
      itl: { kind: 'fixed', ms: 2 },
      outputTokens: 6,
      concurrency: [2],
      requests: 4,
      warmup: 1,
      sweepChars: [10],
      sweepRequests: 2,
      validityConcurrency: 4,
      validityRequests: 4,
      memory: false,
    });
    const out = path.join(t.root, suite.name, 'test-run');
    expect(r.exitCode).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['junit.xml', 'report.json', 'rows.csv', 'summary.md']);
    const m = r.report?.metrics ?? {};
    expect(value(m, 'error_rate')).toBe(0);
    // nothing can come back before the simulator's configured TTFT
    expect(value(m, 'ttft_p50_ms')).toBeGreaterThanOrEqual(20);
    expect(value(m, 'direct_ttft_p50_ms')).toBeGreaterThanOrEqual(20);
    expect(value(m, 'ttft_p99_ms')).toBeGreaterThanOrEqual(value(m, 'ttft_p50_ms'));
    expect(value(m, 'e2el_p50_ms')).toBeGreaterThanOrEqual(20);
    expect(value(m, 'json_e2el_p50_ms')).toBeGreaterThanOrEqual(20);
    expect(value(m, 'tpot_p50_ms')).toBeGreaterThanOrEqual(0);
    expect(m.ttft_p50_ms?.ci).toBeDefined();
    expect(Number.isFinite(value(m, 'overhead_ttft_p50_ms'))).toBe(true);
    expect(Number.isFinite(value(m, 'overhead_e2el_p99_ms'))).toBe(true);
    expect(value(m, 'validity_matched_ratio')).toBe(1);
    expect(value(m, 'validity_ttft_err_p50_ms')).toBeGreaterThanOrEqual(0);
    expect(value(m, 'validity_concurrency')).toBe(4);
    expect(r.report?.histograms.ttft?.summary.count).toBe(4);
    expect(r.report?.tables?.['message-length sweep (concurrency 1, SSE, ms)']?.rows).toHaveLength(1);
  });
});
