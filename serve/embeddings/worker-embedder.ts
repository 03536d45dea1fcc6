/**
 * use-lite in a worker thread (EMBEDDINGS_WORKER=true): the same model and vectors as use-lite.ts, but
 * TF.js (WASM backend with SIMD, one thread) runs in a node:worker_threads worker, so a 60-120 ms model run no longer
 * stalls every open SSE stream on the server's event loop.
 *
 * - Micro-batching stays on this thread (batcher.ts): concurrent callers' texts are collected for up to
 *   `batchWaitMs` / `maxBatch` texts and sent to the worker as one message; one batch is in the worker
 *   at a time and texts that arrive meanwhile form the next one.
 * - Errors thrown by the model in the worker reject the callers of that batch (same name and message).
 * - A worker that dies (uncaught exception, out of memory, killed) rejects every pending call with an
 *   EmbeddingWorkerError; the next call starts a new worker.
 * - close() terminates the worker and rejects pending calls; the provider cannot be used afterwards.
 * - The worker only keeps the process alive while calls are pending.
 *
 * The entry is TypeScript: the worker registers tsx's ESM loader before importing it (as the eval
 * harness's load client does), which works under `tsx` (npm start, the eval CLI) and vitest alike.
 */
import { Worker } from 'node:worker_threads';
import { createMicroBatcher, type BatcherStats } from './batcher';
import type { EmbedWorkerData, FromEmbedWorker, ToEmbedWorker } from './worker-embedder.entry';
import type { EmbeddingProvider } from './types';
import { USE_LITE_DIMENSIONS } from './use-lite';
import { tsxWorkerBootstrap } from '../worker-bootstrap';

export interface WorkerEmbedderOptions {
  /** Most texts per model call (default 64). */
  maxBatch?: number;
  /** How long a call waits for concurrent calls to share a model run (default 5 ms). */
  batchWaitMs?: number;
  /** Most background (indexing) texts per model call (default 8): bounds how long a query waits behind one. */
  backgroundMaxBatch?: number;
  /** Test hook: the worker crashes when asked to embed this exact text. */
  crashOnText?: string;
}

export interface WorkerEmbedderStats extends BatcherStats {
  /** Workers started so far (1 + restarts after crashes). */
  workerStarts: number;
  /** Workers that died unexpectedly. */
  crashes: number;
  /** Messages sent to the worker and not answered yet. */
  pending: number;
}

export interface WorkerEmbedder extends EmbeddingProvider {
  stats(): WorkerEmbedderStats;
  /** Terminate the worker; pending and later calls reject. */
  close(): Promise<void>;
}

/** A pending call failed because the embedding worker died or was closed. */
export class EmbeddingWorkerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmbeddingWorkerError';
  }
}

const ENTRY_URL = new URL('./worker-embedder.entry.ts', import.meta.url).href;

interface Pending {
  resolve(m: Extract<FromEmbedWorker, { ok: true }>): void;
  reject(err: unknown): void;
}

interface Handle {
  worker: Worker;
  pending: Map<number, Pending>;
  dead: boolean;
}

export function createWorkerEmbedder(opts: WorkerEmbedderOptions = {}): WorkerEmbedder {
  let current: Handle | undefined;
  let closed = false;
  let nextId = 0;
  let workerStarts = 0;
  let crashes = 0;

  function spawn(): Handle {
    const data: EmbedWorkerData = opts.crashOnText !== undefined ? { crashOnText: opts.crashOnText } : {};
    const worker = new Worker(tsxWorkerBootstrap(ENTRY_URL), { eval: true, workerData: data, name: 'memocha-embeddings' });
    const h: Handle = { worker, pending: new Map(), dead: false };
    workerStarts += 1;
    worker.unref();
    worker.on('message', (m: FromEmbedWorker) => {
      const p = h.pending.get(m.id);
      if (!p) return;
      h.pending.delete(m.id);
      if (h.pending.size === 0) worker.unref();
      if (m.ok) p.resolve(m);
      else p.reject(Object.assign(new Error(m.error.message), { name: m.error.name, ...(m.error.stack ? { stack: m.error.stack } : {}) }));
    });
    worker.on('error', (err) => die(h, err));
    worker.on('exit', (code) => die(h, new Error(`exited with code ${code}`)));
    return h;
  }

  function die(h: Handle, cause: Error): void {
    if (h.dead) return;
    h.dead = true;
    if (current === h) current = undefined;
    if (!closed) crashes += 1;
    const err = closed
      ? new EmbeddingWorkerError('the embedding worker was closed', { cause })
      : new EmbeddingWorkerError(`the use-lite embedding worker crashed (${cause.message}); the next call starts a new worker`, { cause });
    for (const p of h.pending.values()) p.reject(err);
    h.pending.clear();
    void h.worker.terminate().catch(() => undefined);
  }

  function request(m: { type: 'embed'; texts: string[] } | { type: 'warmup' }): Promise<Extract<FromEmbedWorker, { ok: true }>> {
    if (closed) return Promise.reject(new EmbeddingWorkerError('the embedding worker was closed'));
    const h = (current ??= spawn());
    const id = nextId++;
    return new Promise((resolve, reject) => {
      h.pending.set(id, { resolve, reject });
      if (h.pending.size === 1) h.worker.ref();
      const msg: ToEmbedWorker = { ...m, id };
      h.worker.postMessage(msg);
    });
  }

  const batcher = createMicroBatcher<Float32Array>(
    async (texts) => {
      const r = await request({ type: 'embed', texts });
      const all = new Float32Array(r.buffer);
      if (r.dimensions !== USE_LITE_DIMENSIONS || r.count !== texts.length || all.length !== r.count * r.dimensions) {
        throw new Error(`embedding worker returned ${r.count} ${r.dimensions}-d vectors for ${texts.length} texts`);
      }
      return Array.from({ length: r.count }, (_, i) => all.slice(i * r.dimensions, (i + 1) * r.dimensions));
    },
    { maxBatch: opts.maxBatch ?? 64, waitMs: opts.batchWaitMs ?? 5, backgroundMaxBatch: opts.backgroundMaxBatch ?? 8 },
  );

  return {
    id: 'use-lite',
    dimensions: USE_LITE_DIMENSIONS,
    embed: (texts, opts) => batcher.submit(texts, opts?.signal, opts?.priority),
    async warmup() {
      await request({ type: 'warmup' });
    },
    stats: () => ({ ...batcher.stats(), workerStarts, crashes, pending: current?.pending.size ?? 0 }),
    async close() {
      if (closed) return;
      closed = true;
      const h = current;
      current = undefined;
      if (!h) return;
      die(h, new Error('closed'));
      await h.worker.terminate();
    },
  };
}
