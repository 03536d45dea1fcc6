/**
 * The PGlite worker thread (started by pglite-worker.ts): PGlite's WebAssembly PostgreSQL runs here,
 * so a query's CPU never blocks the server's event loop. One message per query over the thread's
 * message port; rows (parsed here by PGlite, as in-thread) come back structured-cloned. PGlite is one
 * connection; queries run in arrival order, each to completion (PGlite's own mutex).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type QueryOptions } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';

export interface PgliteWorkerData {
  /** `memory://` or a directory. */
  location: string;
}

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** PostgreSQL's fields (code, detail, constraint, …): primitives only. */
  fields: Record<string, string | number | boolean>;
}

export interface WorkerResult {
  rows: unknown[];
  fields: { name: string; dataTypeID: number }[];
  affectedRows?: number;
}

export type ToPgliteWorker =
  | { type: 'query'; id: number; sql: string; params?: unknown[]; rowMode?: 'array' | 'object' }
  | { type: 'close'; id: number };

export type FromPgliteWorker =
  | { type: 'ready' }
  | { type: 'failed'; error: SerializedError }
  | { type: 'reply'; id: number; ok: true; result?: WorkerResult }
  | { type: 'reply'; id: number; ok: false; error: SerializedError };

export function serializeError(err: unknown): SerializedError {
  const e = err instanceof Error ? err : new Error(String(err));
  const fields: SerializedError['fields'] = {};
  for (const [k, v] of Object.entries(e)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') fields[k] = v;
  }
  return { name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}), fields };
}

const port = parentPort;
if (port) {
  const data = workerData as PgliteWorkerData;
  const send = (m: FromPgliteWorker) => port.postMessage(m);
  void start().catch((err: unknown) => send({ type: 'failed', error: serializeError(err) }));

  async function start(): Promise<void> {
    const pglite = new PGlite(data.location, { extensions: { vector } });
    await pglite.waitReady;
    send({ type: 'ready' });

    port!.on('message', (m: ToPgliteWorker) => {
      void handle(m).then(
        (result) => send({ type: 'reply', id: m.id, ok: true, ...(result ? { result } : {}) }),
        (err: unknown) => send({ type: 'reply', id: m.id, ok: false, error: serializeError(err) }),
      );
    });

    async function handle(m: ToPgliteWorker): Promise<WorkerResult | undefined> {
      if (m.type === 'query') {
        const options: QueryOptions = m.rowMode ? { rowMode: m.rowMode } : {};
        const r = await pglite.query(m.sql, m.params, options);
        return { rows: r.rows, fields: r.fields, ...(r.affectedRows === undefined ? {} : { affectedRows: r.affectedRows }) };
      }
      if (!pglite.closed) await pglite.close(); // flushes the data dir
      return undefined;
    }
  }
}
