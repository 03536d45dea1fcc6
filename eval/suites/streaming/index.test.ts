import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempRoot, type TempRoot } from '../../lib/test-run';
import suite from './index';

let t: TempRoot;
beforeAll(async () => {
  t = await tempRoot('streaming');
});
afterAll(async () => t?.cleanup());

const value = (m: Record<string, { value: number | null }>, name: string): number => {
  const v = m[name]?.value;
  if (typeof v !== 'number') throw new Error(`metric ${name} is missing or null`);
  return v;
};

describe('streaming suite (smallest configuration, in-process)', () => {
  it('runs end to end and reports sane stream metrics', { timeout: 20_000 }, async () => {
    const r = await t.run(suite, {
      ttft: { kind: 'fixed', ms: 20 },
      itlPerToken: { kind: 'fixed', ms: 2 },
      outputTokens: 8,
      requests: 3,
      concurrency: 2,
      warmup: 1,
      memory: false,
      conditions: [{ name: 'loopback' }, { name: 'rtt40', latencyMs: 20 }, { name: 'slow-reader', readDelayMs: 5 }],
      chunkTokens: [1, 4],
    });
    const out = path.join(t.root, suite.name, 'test-run');
    expect(r.exitCode).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['junit.xml', 'report.json', 'rows.csv', 'summary.md']);
    const m = r.report?.metrics ?? {};
    expect(value(m, 'error_rate')).toBe(0);
    expect(value(m, 'ttft_client_p50_ms')).toBeGreaterThanOrEqual(20);
    expect(value(m, 'ttft_server_p50_ms')).toBeGreaterThanOrEqual(20);
    // 20 ms each way: the request reaches Memocha ≥ 20 ms after it was sent, the first token reaches the client ≥ 20 ms after Memocha had it
    expect(value(m, 'ttft_gap_p50_ms_rtt40')).toBeGreaterThanOrEqual(40);
    expect(value(m, 'chunk_tokens_mean')).toBeGreaterThanOrEqual(1);
    expect(value(m, 'chunk_bytes_p50')).toBeGreaterThan(0);
    expect(value(m, 'chunks_per_sec')).toBeGreaterThan(0);
    expect(value(m, 'wire_bytes_per_request')).toBeGreaterThan(0);
    // 4 tokens per upstream chunk → fewer, larger SSE events and fewer bytes on the wire
    expect(value(m, 'ab_wire_bytes_per_request_ct4')).toBeLessThan(value(m, 'ab_wire_bytes_per_request_ct1'));
    expect(r.report?.tables?.['network conditions: client vs server TTFT (ms)']?.rows).toHaveLength(3);
    expect(r.report?.histograms.itl?.summary.count).toBeGreaterThan(0);
  });
});
