/**
 * The embedding worker thread (started by worker-embedder.ts): runs Universal Sentence Encoder lite on
 * TF.js (WASM backend with SIMD, one thread) here, so the server's event loop never does. One message per batch; the
 * batching itself happens on the main thread. Vectors come back L2-normalised, packed into one
 * transferred Float32Array buffer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { embedUseLiteBatch, loadUseLiteModel, USE_LITE_DIMENSIONS } from './use-lite';

export type ToEmbedWorker = { type: 'embed'; id: number; texts: string[] } | { type: 'warmup'; id: number };

export type FromEmbedWorker =
  | { id: number; ok: true; count: number; dimensions: number; buffer: ArrayBuffer }
  | { id: number; ok: false; error: { name: string; message: string; stack?: string } };

export interface EmbedWorkerData {
  /** Test hook: the worker dies of an uncaught exception when asked to embed this exact text. */
  crashOnText?: string;
}

const port = parentPort;
if (port) {
  const data = (workerData ?? {}) as EmbedWorkerData;
  const reply = (m: FromEmbedWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

  port.on('message', (m: ToEmbedWorker) => {
    void handle(m).then(
      (out) => reply(out, out.ok ? [out.buffer] : []),
      (err: unknown) => {
        const e = err instanceof Error ? err : new Error(String(err));
        reply({ id: m.id, ok: false, error: { name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}) } });
      },
    );
  });

  async function handle(m: ToEmbedWorker): Promise<FromEmbedWorker> {
    if (m.type === 'warmup') {
      await loadUseLiteModel();
      return { id: m.id, ok: true, count: 0, dimensions: USE_LITE_DIMENSIONS, buffer: new ArrayBuffer(0) };
    }
    if (data.crashOnText !== undefined && m.texts.includes(data.crashOnText)) {
      setImmediate(() => {
        throw new Error('embedding worker crash requested by the test hook');
      });
      return new Promise<never>(() => undefined);
    }
    const vectors = await embedUseLiteBatch(m.texts);
    const packed = new Float32Array(vectors.length * USE_LITE_DIMENSIONS);
    vectors.forEach((v, i) => packed.set(v, i * USE_LITE_DIMENSIONS));
    return { id: m.id, ok: true, count: vectors.length, dimensions: USE_LITE_DIMENSIONS, buffer: packed.buffer };
  }
}
