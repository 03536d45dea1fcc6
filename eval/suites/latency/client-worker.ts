/**
 * The worker-thread side of the load-generating client: runs closed-loop batches with its own undici
 * dispatcher and event loop, so the client's arrival stamps are not delayed by the server under test
 * when both live in one process. Times are shifted onto the main thread's clock before they are sent.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { createDispatcher } from '../../client/chat';
import type { FromWorker, ToWorker, WorkerInit } from './client-protocol';
import { shiftResult } from './client-protocol';
import { runLocalBatch } from './client-local';

const port = parentPort;
if (!port) throw new Error('client-worker must run in a worker thread');
const init = workerData as WorkerInit;
const offsetMs = performance.timeOrigin - init.mainTimeOrigin;
const dispatcher = createDispatcher(init.connections);
let stop = new AbortController();
const post = (m: FromWorker) => port.postMessage(m);

port.on('message', (m: ToWorker) => {
  if (m.type === 'abort') stop.abort();
  else if (m.type === 'close') void dispatcher.close().finally(() => port.close());
  else {
    stop = new AbortController();
    runLocalBatch(m.batch, dispatcher, stop.signal, () => post({ type: 'tick', id: m.id })).then(
      (results) => post({ type: 'result', id: m.id, results: results.map((r) => shiftResult(r, offsetMs)) }),
      (err: unknown) => post({ type: 'failed', id: m.id, error: err instanceof Error ? err.message : String(err) }),
    );
  }
});
post({ type: 'ready' });
