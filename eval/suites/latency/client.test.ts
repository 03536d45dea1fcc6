import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../../serve';
import { createLoadClient } from './client';
import { shiftResult } from './client-protocol';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ mode: 'lorem', outputTokens: 4, ttft: { kind: 'fixed', ms: 15 }, itl: { kind: 'fixed', ms: 2 } });
});
afterAll(async () => {
  await sim.close();
});

const req = (content: string) => ({ kind: 'direct' as const, url: sim.url, messages: [{ role: 'user', content }], model: 'm', stream: true });

describe('shiftResult', () => {
  it('moves every time by the offset', () => {
    const r = shiftResult({ ok: true, status: 200, sentAt: 1, endAt: 5, chunks: [{ at: 2, text: 'a' }], outputTokens: 1, keepAlives: 0, bytes: 3 }, 10);
    expect([r.sentAt, r.endAt, r.chunks[0]?.at]).toEqual([11, 15, 12]);
  });
});

describe.each(['worker', 'main'] as const)('load client (%s thread)', (thread) => {
  it('runs a batch and reports times on the main thread clock', { timeout: 15_000 }, async () => {
    const client = await createLoadClient(thread, 8, () => undefined);
    try {
      expect(client.thread).toBe(thread);
      const before = performance.now();
      let ticks = 0;
      const results = await client.run({ warmup: [req(`${thread} warm`)], measured: [req(`${thread} 0`), req(`${thread} 1`)], concurrency: 2 }, new AbortController().signal, () => ticks++);
      const after = performance.now();
      expect(ticks).toBe(2);
      expect(results.map((r) => r.ok)).toEqual([true, true]);
      for (const [i, r] of results.entries()) {
        expect(r.sentAt).toBeGreaterThanOrEqual(before - 1);
        expect(r.endAt).toBeLessThanOrEqual(after + 1);
        const rec = sim.requests.find((x) => x.lastUserMessage === `${thread} ${i}`);
        // a chunk cannot arrive before the simulator wrote it, nor the request be received before it was sent (1 ms for the clock mapping)
        expect(r.chunks[0]?.at ?? 0).toBeGreaterThanOrEqual((rec?.chunkSentAt[0] ?? Infinity) - 1);
        expect(rec?.receivedAt ?? 0).toBeGreaterThanOrEqual(r.sentAt - 1);
      }
    } finally {
      await client.close();
    }
  });
});
