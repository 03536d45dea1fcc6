import { afterAll, describe, expect, it } from 'vitest';
import { dot } from './normalise';
import { createEmbedder } from './registry';
import { createUseLiteEmbedder } from './use-lite';
import { createWorkerEmbedder, EmbeddingWorkerError, type WorkerEmbedder } from './worker-embedder';

const TEXTS = ['My cat sleeps on the sofa.', 'The kitten is napping on the couch.', 'I filed my tax return late.', '', 'Lima is the capital of Peru.'];

describe('use-lite in a worker thread (real model, offline)', () => {
  const open: WorkerEmbedder[] = [];
  const make = (...args: Parameters<typeof createWorkerEmbedder>) => {
    const e = createWorkerEmbedder(...args);
    open.push(e);
    return e;
  };
  afterAll(async () => {
    await Promise.all(open.map((e) => e.close()));
  });

  it('returns the same vectors as the in-thread embedder', async () => {
    const w = make();
    expect(w.id).toBe('use-lite');
    expect(w.dimensions).toBe(512);
    const [fromWorker, inThread] = await Promise.all([w.embed(TEXTS), createUseLiteEmbedder().embed(TEXTS)]);
    expect(fromWorker).toHaveLength(TEXTS.length);
    fromWorker.forEach((v, i) => {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v).toHaveLength(512);
      expect(dot(v, inThread[i]!)).toBeGreaterThan(0.9999);
    });
    expect(w.stats()).toMatchObject({ workerStarts: 1, crashes: 0, pending: 0 });
  });

  it('batches concurrent callers into one model run and gives each its own vectors, in order', async () => {
    const w = make({ batchWaitMs: 30, maxBatch: 64 });
    await w.warmup?.();
    const reference = await createUseLiteEmbedder().embed(TEXTS);
    const calls = [[TEXTS[0]!, TEXTS[1]!], [TEXTS[2]!], [TEXTS[3]!, TEXTS[4]!, TEXTS[0]!]];
    const results = await Promise.all(calls.map((texts) => w.embed(texts)));
    expect(w.stats()).toMatchObject({ batches: 1, texts: 6 });
    results.forEach((vectors, c) => {
      expect(vectors).toHaveLength(calls[c]!.length);
      vectors.forEach((v, i) => expect(dot(v, reference[TEXTS.indexOf(calls[c]![i]!)]!)).toBeGreaterThan(0.9999));
    });
  });

  it('a crash rejects the pending calls with a clear error and the next call starts a new worker', async () => {
    const w = make({ crashOnText: '<crash>', batchWaitMs: 0 });
    await w.warmup?.();
    const err = await w.embed(['hello', '<crash>']).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EmbeddingWorkerError);
    expect((err as Error).message).toMatch(/embedding worker crashed \(.*crash requested.*\); the next call starts a new worker/);
    expect(w.stats()).toMatchObject({ crashes: 1, pending: 0 });
    const [v] = await w.embed(['hello']);
    expect(v).toHaveLength(512);
    expect(w.stats()).toMatchObject({ workerStarts: 2, crashes: 1 });
  });

  it('close() terminates the worker: pending and later calls reject', async () => {
    const w = make();
    // (attach the expectation at once: @energetic-ai's emscripten glue turns unhandled rejections into crashes)
    const pending = expect(w.embed(['one more sentence to embed'])).rejects.toThrow(/embedding worker was closed/);
    // The batch is sent to the worker after the micro-batch wait; close once it is in flight.
    while (w.stats().pending === 0) await new Promise((r) => setImmediate(r));
    await w.close();
    await pending;
    await expect(w.embed(['after close'])).rejects.toThrow(/embedding worker was closed/);
    expect(w.stats()).toMatchObject({ crashes: 0, pending: 0 });
  });

  it('createEmbedder(use-lite, { worker: true }) runs in the worker, behind the cache, and closes through it', async () => {
    const e = createEmbedder('use-lite', { worker: true, cacheEntries: 10 }) as ReturnType<typeof createEmbedder> & { inner: WorkerEmbedder };
    expect(e.inner.stats().workerStarts).toBe(0);
    const [v] = await e.embed(['hello']);
    expect(v).toHaveLength(512);
    expect(e.inner.stats()).toMatchObject({ workerStarts: 1, texts: 1 });
    await e.close?.();
    await expect(e.embed(['not cached yet'])).rejects.toThrow(/embedding worker was closed/);
    expect(createEmbedder('use-lite').close).toBeUndefined();
  });
});
