import { describe, expect, it } from 'vitest';
import { createMicroBatcher } from './batcher';

function recorder(fail?: (texts: string[]) => boolean) {
  const calls: string[][] = [];
  const run = async (texts: string[]) => {
    calls.push(texts);
    await new Promise((r) => setTimeout(r, 5));
    if (fail?.(texts)) throw new Error('model failed');
    return texts.map((t) => t.toUpperCase());
  };
  return { calls, run };
}

describe('createMicroBatcher', () => {
  it('merges concurrent calls into one run and splits the results back in order', async () => {
    const { calls, run } = recorder();
    const b = createMicroBatcher(run, { maxBatch: 100, waitMs: 20 });
    const [a, c, d] = await Promise.all([b.submit(['a', 'b']), b.submit(['c']), b.submit(['d', 'e', 'f'])]);
    expect(a).toEqual(['A', 'B']);
    expect(c).toEqual(['C']);
    expect(d).toEqual(['D', 'E', 'F']);
    expect(calls).toEqual([['a', 'b', 'c', 'd', 'e', 'f']]);
    expect(b.stats()).toEqual({ batches: 1, texts: 6 });
  });

  it('never sends more than maxBatch texts per run', async () => {
    const { calls, run } = recorder();
    const b = createMicroBatcher(run, { maxBatch: 4, waitMs: 1000 });
    const out = await b.submit(Array.from({ length: 10 }, (_, i) => `t${i}`));
    expect(out).toHaveLength(10);
    expect(out[9]).toBe('T9');
    expect(calls.map((c) => c.length)).toEqual([4, 4, 2]);
  });

  it('flushes a full batch without waiting for the timer', async () => {
    const { run } = recorder();
    const b = createMicroBatcher(run, { maxBatch: 2, waitMs: 60_000 });
    const started = Date.now();
    await b.submit(['x', 'y']);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('queues texts that arrive during a run for the next batch', async () => {
    const { calls, run } = recorder();
    const b = createMicroBatcher(run, { maxBatch: 100, waitMs: 0 });
    const first = b.submit(['1']);
    await new Promise((r) => setTimeout(r, 1));
    const rest = Promise.all([b.submit(['2']), b.submit(['3'])]);
    await first;
    await rest;
    expect(calls).toEqual([['1'], ['2', '3']]);
  });

  it('rejects only the callers of a failing batch', async () => {
    const { run } = recorder((texts) => texts.includes('bad'));
    const b = createMicroBatcher(run, { maxBatch: 2, waitMs: 0 });
    const bad = b.submit(['bad', 'x']);
    const good = b.submit(['ok']);
    await expect(bad).rejects.toThrow('model failed');
    await expect(good).resolves.toEqual(['OK']);
  });

  it('a caller whose signal aborts is rejected at once; its queued texts never reach the model', async () => {
    const calls: string[][] = [];
    let release!: () => void;
    const firstRunDone = new Promise<void>((r) => (release = r));
    const b = createMicroBatcher(
      async (texts: string[]) => {
        calls.push(texts);
        if (calls.length === 1) await firstRunDone;
        return texts.map((t) => t.toUpperCase());
      },
      { maxBatch: 100, waitMs: 0 },
    );
    const first = b.submit(['running']);
    while (calls.length === 0) await new Promise((r) => setImmediate(r));
    const ac = new AbortController();
    const reason = new Error('retrieval timed out');
    const abandoned = b.submit(['queued', 'too'], ac.signal);
    const other = b.submit(['kept']);
    ac.abort(reason);
    await expect(abandoned).rejects.toBe(reason);
    release();
    expect(await first).toEqual(['RUNNING']);
    expect(await other).toEqual(['KEPT']);
    expect(calls).toEqual([['running'], ['kept']]);
    expect(b.stats()).toEqual({ batches: 2, texts: 2 });
  });

  it('an already aborted signal rejects without queueing anything', async () => {
    const { calls, run } = recorder();
    const b = createMicroBatcher(run, { maxBatch: 2, waitMs: 0 });
    const reason = new Error('gone');
    await expect(b.submit(['x'], AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(await b.submit(['y'])).toEqual(['Y']);
    expect(calls).toEqual([['y']]);
  });

  it('answers an empty request without running', async () => {
    const { calls, run } = recorder();
    const b = createMicroBatcher(run, { maxBatch: 2, waitMs: 0 });
    expect(await b.submit([])).toEqual([]);
    expect(calls).toEqual([]);
  });
});

describe('createMicroBatcher priorities', () => {
  it('runs queued query texts before queued background texts, in small background batches', async () => {
    const { calls, run } = recorder();
    const b = createMicroBatcher(run, { maxBatch: 64, waitMs: 1, backgroundMaxBatch: 3 });
    // a background job of 7 texts queues first; a query arrives while its first batch runs
    const bg = b.submit(['b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7'], undefined, 'background');
    await new Promise((r) => setTimeout(r, 3));
    const q = b.submit(['q1'], undefined, 'query');
    expect(await q).toEqual(['Q1']);
    expect(await bg).toEqual(['B1', 'B2', 'B3', 'B4', 'B5', 'B6', 'B7']);
    // the query waited for one background batch of 3 at most, never for the 4 queued behind it
    expect(calls).toEqual([['b1', 'b2', 'b3'], ['q1'], ['b4', 'b5', 'b6'], ['b7']]);
  });

  it('never mixes background texts into a query batch, and drops an aborted background call', async () => {
    const { calls, run } = recorder();
    const b = createMicroBatcher(run, { maxBatch: 64, waitMs: 5 });
    const ctl = new AbortController();
    const gone = b.submit(['x1', 'x2'], ctl.signal, 'background');
    const bg = b.submit(['b1'], undefined, 'background');
    const q = b.submit(['q1', 'q2']);
    ctl.abort(new Error('client left'));
    await expect(gone).rejects.toThrow('client left');
    expect(await q).toEqual(['Q1', 'Q2']);
    expect(await bg).toEqual(['B1']);
    expect(calls).toEqual([['q1', 'q2'], ['b1']]);
  });
});
