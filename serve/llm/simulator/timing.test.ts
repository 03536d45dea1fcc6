import { describe, expect, it } from 'vitest';
import { startSimulator } from './server';
import { post, readSse, USER } from '../../testing/simulator';

// Machines are shared: only lower bounds and consistency checks, never tight upper bounds.
describe('ground truth timing', () => {
  it.each([false, true])('stream (preciseTimers %s): first content arrives >= TTFT after sending; records hold the actual write times', async (preciseTimers) => {
    const sim = await startSimulator({ mode: 'echo', preciseTimers, ttft: { kind: 'fixed', ms: 50 }, itl: { kind: 'fixed', ms: 5 } });
    try {
      const t0 = performance.now();
      const res = await post(sim, { messages: USER('one two three four five six'), stream: true });
      const headersAt = performance.now();
      expect(res.headers.get('x-sim-ttft-ms')).toBe('50');
      const events = await readSse(res);
      const content = events.filter((e) => e.data.includes('"content"'));
      const firstContentAt = content[0]!.at;
      expect(firstContentAt - t0).toBeGreaterThanOrEqual(50);
      // The role chunk comes with the headers, before TTFT has passed.
      expect(headersAt).toBeLessThan(firstContentAt);

      const rec = sim.requests[0]!;
      expect(rec.id).toBe(res.headers.get('x-sim-request-id'));
      expect(rec.ttftMs).toBe(50);
      expect(rec.chunkSentAt).toHaveLength(content.length);
      expect(rec.actualTtftMs).toBeGreaterThanOrEqual(50);
      expect(rec.chunkSentAt[0]! - rec.receivedAt).toBe(rec.actualTtftMs);
      expect(rec.receivedAt).toBeGreaterThanOrEqual(t0);
      // Same clock (same process): a chunk cannot arrive before it was written.
      rec.chunkSentAt.forEach((sentAt, i) => expect(content[i]!.at).toBeGreaterThanOrEqual(sentAt));
      expect(rec.itlMs).toHaveLength(rec.chunkSentAt.length - 1);
      rec.itlMs.forEach((gap, i) => expect(gap).toBeCloseTo(rec.chunkSentAt[i + 1]! - rec.chunkSentAt[i]!, 9));
      expect(rec.plannedItlMs).toEqual(Array(rec.itlMs.length).fill(5));
      // The schedule is absolute, so no chunk is ever written before its planned time.
      let planned = rec.receivedAt + 50;
      rec.chunkSentAt.forEach((sentAt, i) => {
        if (i > 0) planned += 5;
        expect(sentAt).toBeGreaterThanOrEqual(planned);
      });
      expect(rec.finishedAt).toBeGreaterThanOrEqual(rec.chunkSentAt.at(-1)!);
    } finally {
      await sim.close();
    }
  });

  it('non-stream: the body arrives >= TTFT + sum of gaps', async () => {
    const sim = await startSimulator({ mode: 'echo', ttft: { kind: 'fixed', ms: 30 }, itl: { kind: 'fixed', ms: 10 } });
    try {
      const t0 = performance.now();
      const res = await post(sim, { messages: USER('alpha beta gamma') }); // 3 tokens: 2 gaps
      await res.json();
      expect(performance.now() - t0).toBeGreaterThanOrEqual(50);
      expect(res.headers.get('x-sim-ttft-ms')).toBe('30');
      const rec = sim.requests[0]!;
      expect(rec.plannedItlMs).toEqual([10, 10]);
      expect(rec.chunkSentAt[0]! - rec.receivedAt).toBeGreaterThanOrEqual(50);
    } finally {
      await sim.close();
    }
  });

  it('sampled delays are deterministic per request and reported in the header', async () => {
    const opts = { mode: 'echo', seed: 3, ttft: { kind: 'uniform', minMs: 1, maxMs: 20 }, itl: { kind: 'lognormal', medianMs: 1, p99Ms: 4 } } as const;
    const headers = async (): Promise<(string | null)[]> => {
      const sim = await startSimulator(opts);
      try {
        const out = [];
        for (let i = 0; i < 4; i++) {
          const res = await post(sim, { messages: USER('a b c d'), stream: true });
          await readSse(res);
          out.push(res.headers.get('x-sim-ttft-ms'), JSON.stringify(sim.requests[i]?.plannedItlMs));
        }
        return out;
      } finally {
        await sim.close();
      }
    };
    const a = await headers();
    expect(await headers()).toEqual(a);
    expect(new Set(a.filter((_, i) => i % 2 === 0)).size).toBeGreaterThan(1);
  });
});
