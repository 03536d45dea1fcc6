import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAnswerSaver } from './answer-saver';

/** A write the test resolves by hand, to hold one in flight. */
function recorder(opts: { ms?: number; result?: boolean } = {}) {
  const writes: { text: string; at: number }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const write = async (text: string) => {
    writes.push({ text, at: performance.now() });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, opts.ms ?? 0));
    inFlight--;
    return opts.result ?? true;
  };
  return { writes, write, maxInFlight: () => maxInFlight };
}

describe('answer saver', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('saves a token stream so that no token stays unsaved longer than the interval, the latest text each time', async () => {
    const r = recorder({ ms: 3 });
    const saver = createAnswerSaver({ intervalMs: 100, heartbeatMs: 10_000, write: r.write, onError: () => undefined });
    let text = '';
    for (let i = 0; i < 1000; i++) {
      text += `t${i} `;
      saver.update(text);
      await vi.advanceTimersByTimeAsync(1);
    }
    await vi.advanceTimersByTimeAsync(150);
    // 1000 tokens over 1 s: about 11 writes (each starts 10% + the write time before the bound), never
    // two closer than half the interval, never two at once.
    expect(r.writes.length).toBeGreaterThanOrEqual(10);
    expect(r.writes.length).toBeLessThanOrEqual(13);
    for (let i = 1; i < r.writes.length; i++) {
      const gap = r.writes[i]!.at - r.writes[i - 1]!.at;
      expect(gap).toBeGreaterThanOrEqual(50);
      // A token delivered just after write i-1 started is stored when write i ends (3 ms later).
      expect(gap + 3).toBeLessThanOrEqual(100);
    }
    expect(r.maxInFlight()).toBe(1);
    for (let i = 1; i < r.writes.length; i++) expect(r.writes[i]!.text.startsWith(r.writes[i - 1]!.text)).toBe(true);
    expect(r.writes.at(-1)!.text).toBe(text);
    await saver.close();
  });

  it('keeps one write in flight: a slow write delays the next, which then carries the newest text', async () => {
    const r = recorder({ ms: 500 });
    const saver = createAnswerSaver({ intervalMs: 50, heartbeatMs: 10_000, write: r.write, onError: () => undefined });
    saver.update('a');
    await vi.advanceTimersByTimeAsync(60); // the first write starts and hangs for 500 ms
    expect(r.writes.map((w) => w.text)).toEqual(['a']);
    saver.update('ab');
    saver.update('abc');
    await vi.advanceTimersByTimeAsync(300);
    expect(r.writes).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(300);
    expect(r.writes.map((w) => w.text)).toEqual(['a', 'abc']);
    expect(r.maxInFlight()).toBe(1);
    await vi.advanceTimersByTimeAsync(600);
    await saver.close();
  });

  it('re-saves the unchanged text every heartbeat while no token comes (the lease renewal)', async () => {
    const r = recorder();
    const saver = createAnswerSaver({ intervalMs: 50, heartbeatMs: 1_000, write: r.write, onError: () => undefined });
    await vi.advanceTimersByTimeAsync(3_500);
    expect(r.writes.map((w) => w.text)).toEqual(['', '', '']);
    await saver.close();
  });

  it('close waits for the write in flight and nothing is written after it', async () => {
    const r = recorder({ ms: 200 });
    const saver = createAnswerSaver({ intervalMs: 10, heartbeatMs: 1_000, write: r.write, onError: () => undefined });
    saver.update('x');
    await vi.advanceTimersByTimeAsync(20);
    let closed = false;
    const closing = saver.close().then(() => (closed = true));
    saver.update('xy');
    await vi.advanceTimersByTimeAsync(100);
    expect(closed).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    await closing;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(r.writes.map((w) => w.text)).toEqual(['x']);
  });

  it('stops when the row is no longer pending, and reports failures without stopping', async () => {
    const gone = recorder({ result: false });
    const s1 = createAnswerSaver({ intervalMs: 10, heartbeatMs: 100, write: gone.write, onError: () => undefined });
    s1.update('a');
    await vi.advanceTimersByTimeAsync(20);
    s1.update('ab');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(gone.writes.map((w) => w.text)).toEqual(['a']);
    await s1.close();

    const errors: unknown[] = [];
    let calls = 0;
    const s2 = createAnswerSaver({
      intervalMs: 10,
      heartbeatMs: 10_000,
      write: (t) => (++calls === 1 ? Promise.reject(new Error(`db down (${t})`)) : Promise.resolve(true)),
      onError: (e) => errors.push(e),
    });
    s2.update('a');
    await vi.advanceTimersByTimeAsync(50);
    expect(errors).toHaveLength(1);
    expect(calls).toBe(2); // the unsaved text is tried again
    expect(s2.stats()).toEqual({ writes: 2, failures: 1 });
    await s2.close();
  });
});
