import { describe, expect, it } from 'vitest';
import { cpuCost } from './report-sweep';
import type { ResourceUsage } from './resources';
import type { StepResult } from './step';

const usage = (cpuPct: number): ResourceUsage => ({ cpuPct, rssMaxMb: 100, heapUsedMaxMb: 50, eldP50Ms: 1, eldP99Ms: 2, eldMaxMs: 3 });
const step = (server: ResourceUsage | null, requestsPerSec: number, outputTokensPerSec: number) =>
  ({ label: 'sweep@10', users: 10, server, generator: usage(10), listenOverflows: 0, summary: { requestsPerSec, outputTokensPerSec } }) as unknown as StepResult;

describe('cpuCost', () => {
  it('is CPU ms per second divided by completions and tokens per second', () => {
    // 150 % CPU = 1,500 ms of CPU each second; 30 turns/s → 50 ms per turn; 3,000 tokens/s → 500 µs per token
    const c = cpuCost(step(usage(150), 30, 3000));
    expect(c.msPerTurn).toBeCloseTo(50, 9);
    expect(c.usPerToken).toBeCloseTo(500, 9);
  });
  it('is NaN with no server figures or nothing completed', () => {
    expect(cpuCost(step(null, 30, 3000)).msPerTurn).toBeNaN();
    expect(cpuCost(step(usage(80), 0, 0)).msPerTurn).toBeNaN();
    expect(cpuCost(step(usage(80), 0, 0)).usPerToken).toBeNaN();
  });
});
