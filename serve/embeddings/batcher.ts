/**
 * Micro-batching: concurrent callers' texts are collected for up to `waitMs` (or until `maxBatch`
 * texts are queued) and sent to `run` together; results are split back to each caller.
 * One batch runs at a time; texts that arrive meanwhile form the next batch as soon as it ends.
 * A caller whose signal aborts is rejected at once and its texts still in the queue are dropped.
 *
 * Priority: texts submitted as `background` (indexing) wait in their own queue and form a batch only
 * when no query text waits, at most `backgroundMaxBatch` of them, so a query that arrives while a
 * background batch runs waits for a small batch at most, and never behind queued background texts.
 */
export interface MicroBatcherOptions {
  /** Most texts per `run` call (a larger request is split). */
  maxBatch: number;
  /** How long the first queued text waits for company. */
  waitMs: number;
  /** Most background texts per `run` call (default maxBatch). */
  backgroundMaxBatch?: number;
}

export interface BatcherStats {
  /** `run` calls made. */
  batches: number;
  /** Texts sent to `run`. */
  texts: number;
}

interface Call<R> {
  results: R[];
  remaining: number;
  failed: boolean;
  resolve(results: R[]): void;
  reject(err: unknown): void;
  /** Detach from the caller's signal. */
  release(): void;
}

interface Item<R> {
  text: string;
  index: number;
  call: Call<R>;
}

export interface MicroBatcher<R> {
  submit(texts: string[], signal?: AbortSignal, priority?: 'query' | 'background'): Promise<R[]>;
  stats(): BatcherStats;
}

export function createMicroBatcher<R>(
  run: (texts: string[]) => Promise<R[]>,
  opts: MicroBatcherOptions,
): MicroBatcher<R> {
  const maxBatch = Math.max(1, Math.floor(opts.maxBatch));
  const waitMs = Math.max(0, opts.waitMs);
  const backgroundMaxBatch = Math.max(1, Math.floor(opts.backgroundMaxBatch ?? maxBatch));
  let queue: Item<R>[] = [];
  let background: Item<R>[] = [];
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  const counters: BatcherStats = { batches: 0, texts: 0 };

  function schedule(): void {
    if (running || queue.length + background.length === 0) return;
    if (queue.length >= maxBatch || (queue.length === 0 && background.length >= backgroundMaxBatch)) {
      void flush();
    } else if (!timer) {
      timer = setTimeout(() => void flush(), waitMs);
    }
  }

  async function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    queue = queue.filter((item) => !item.call.failed);
    background = background.filter((item) => !item.call.failed);
    if (running || queue.length + background.length === 0) return;
    running = true;
    const batch = queue.length > 0 ? queue.splice(0, maxBatch) : background.splice(0, backgroundMaxBatch);
    counters.batches += 1;
    counters.texts += batch.length;
    try {
      const out = await run(batch.map((item) => item.text));
      if (out.length !== batch.length) throw new Error(`embedding batch returned ${out.length} vectors for ${batch.length} texts`);
      batch.forEach((item, i) => deliver(item, out[i] as R));
    } catch (err) {
      for (const item of batch) fail(item.call, err);
    } finally {
      running = false;
      // Texts that queued while this batch ran have waited long enough: go again now.
      if (queue.length + background.length > 0) void flush();
    }
  }

  function deliver(item: Item<R>, value: R): void {
    const { call } = item;
    if (call.failed) return;
    call.results[item.index] = value;
    call.remaining -= 1;
    if (call.remaining === 0) {
      call.release();
      call.resolve(call.results);
    }
  }

  function fail(call: Call<R>, err: unknown): void {
    if (call.failed) return;
    call.failed = true;
    call.release();
    call.reject(err);
  }

  function abandon(call: Call<R>, reason: unknown): void {
    fail(call, reason);
    queue = queue.filter((item) => item.call !== call);
    background = background.filter((item) => item.call !== call);
    if (queue.length + background.length === 0 && timer) {
      clearTimeout(timer);
      timer = undefined;
    }
  }

  return {
    submit(texts, signal, priority = 'query') {
      if (texts.length === 0) return Promise.resolve([]);
      if (signal?.aborted) return Promise.reject(signal.reason);
      return new Promise<R[]>((resolve, reject) => {
        const onAbort = () => abandon(call, signal?.reason);
        const release = () => signal?.removeEventListener('abort', onAbort);
        const call: Call<R> = { results: new Array<R>(texts.length), remaining: texts.length, failed: false, resolve, reject, release };
        signal?.addEventListener('abort', onAbort, { once: true });
        const into = priority === 'background' ? background : queue;
        texts.forEach((text, index) => into.push({ text, index, call }));
        schedule();
      });
    },
    stats: () => ({ ...counters }),
  };
}
