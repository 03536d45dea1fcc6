/**
 * The load-generating client of the latency and streaming suites. `worker` (default) runs the requests
 * in a worker thread with its own event loop, so that a busy server in the same process (in-process
 * target: Memocha, the simulator, the embedding model) does not delay the client's arrival stamps;
 * `main` runs them on the suite's own thread. Either way results come back on the main thread's
 * performance.now() clock (a worker's times are shifted by the difference of the timeOrigins).
 */
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { ChatResult } from '../../client/chat';
import { createDispatcher } from '../../client/chat';
import type { BatchRequest, FromWorker, ToWorker, WorkerInit } from './client-protocol';
import { runLocalBatch } from './client-local';

export type ClientThread = 'worker' | 'main';

export interface LoadClient {
  readonly thread: ClientThread;
  /** run a batch (warm-up, then measured, closed loop); `onDone` after each measured request */
  run(batch: BatchRequest, signal: AbortSignal, onDone?: () => void): Promise<ChatResult[]>;
  close(): Promise<void>;
}

function mainClient(connections: number): LoadClient {
  const dispatcher = createDispatcher(connections);
  return {
    thread: 'main',
    run: (batch, signal, onDone) => runLocalBatch(batch, dispatcher, signal, onDone),
    close: () => dispatcher.close(),
  };
}

const READY_TIMEOUT_MS = 30_000;

async function workerClient(connections: number): Promise<LoadClient> {
  const moduleUrl = new URL('./client-worker.ts', import.meta.url).href;
  // the worker loads TypeScript through tsx's loader, as the harness itself runs
  const code = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(moduleUrl)}); })`;
  const init: WorkerInit = { mainTimeOrigin: performance.timeOrigin, connections };
  const worker = new Worker(code, { eval: true, workerData: init });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the client worker did not start')), READY_TIMEOUT_MS);
    const fail = (err: Error) => {
      clearTimeout(timer);
      reject(err);
    };
    worker.once('error', fail);
    worker.once('message', (m: FromWorker) => {
      clearTimeout(timer);
      worker.off('error', fail);
      if (m.type === 'ready') resolve();
      else reject(new Error(`unexpected first message from the client worker: ${m.type}`));
    });
  });
  const post = (m: ToWorker) => worker.postMessage(m);
  let nextId = 0;
  let running: Promise<ChatResult[]> = Promise.resolve([]);
  const run = (batch: BatchRequest, signal: AbortSignal, onDone?: () => void): Promise<ChatResult[]> => {
    const id = nextId++;
    return new Promise<ChatResult[]>((resolve, reject) => {
      const onAbort = () => post({ type: 'abort' });
      const done = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        signal.removeEventListener('abort', onAbort);
      };
      const onMessage = (m: FromWorker) => {
        if (m.type === 'ready' || m.id !== id) return;
        if (m.type === 'tick') return void onDone?.();
        done();
        if (m.type === 'result') resolve(m.results);
        else reject(new Error(`client worker: ${m.error}`));
      };
      const onError = (err: Error) => {
        done();
        reject(err);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      post({ type: 'batch', id, batch });
    });
  };
  return {
    thread: 'worker',
    run: (batch, signal, onDone) => {
      // one batch at a time: the worker has one abort switch
      running = running.catch(() => []).then(() => run(batch, signal, onDone));
      return running;
    },
    async close() {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      post({ type: 'close' });
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2_000).unref())]);
      await worker.terminate();
    },
  };
}

/** A client on the requested thread; a worker that cannot start falls back to the main thread (said in `log`). */
export async function createLoadClient(thread: ClientThread, connections: number, log: (s: string) => void): Promise<LoadClient> {
  if (thread === 'main') return mainClient(connections);
  try {
    return await workerClient(connections);
  } catch (err) {
    log(`the client worker could not start (${(err as Error).message}); measuring from the main thread`);
    return mainClient(connections);
  }
}
