/**
 * PGlite in a worker thread (pglite-worker.entry.ts). `startPgliteWorker` returns a stand-in for the
 * PGlite instance with what knex-pglite calls (waitReady, query, close), forwarding each query as one
 * message. knex-pglite's pool of one connection keeps a transaction's queries together.
 * If the thread dies, every pending and later query fails with DbUnavailableError (HTTP 503) at
 * once: nothing waits forever, and /readyz reports the database down.
 */
import { Worker } from 'node:worker_threads';
import type { Results } from '@electric-sql/pglite';
import { UnavailableError } from '../errors';
import type { FromPgliteWorker, PgliteWorkerData, SerializedError, ToPgliteWorker, WorkerResult } from './pglite-worker.entry';
import { tsxWorkerBootstrap } from '../worker-bootstrap';

export class DbUnavailableError extends UnavailableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('db_unavailable', message, 5);
    this.name = 'DbUnavailableError';
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** What knex-pglite uses of a PGlite instance. */
export interface PgliteStandIn {
  readonly waitReady: Promise<void>;
  readonly closed: boolean;
  query<T>(sql: string, params?: unknown[], options?: { rowMode?: 'array' | 'object' }): Promise<Results<T>>;
  close(): Promise<void>;
}

export interface PgliteWorker {
  /** For knex-pglite. */
  pglite: PgliteStandIn;
  threadId: number;
  /** Flush and close PGlite, then end the thread. Idempotent. */
  close(): Promise<void>;
  /** Test hook: the thread is killed mid-query, as by a fatal error. */
  crash(): void;
}

const ENTRY_URL = new URL('./pglite-worker.entry.ts', import.meta.url).href;

function revive(e: SerializedError): Error {
  return Object.assign(new Error(e.message), e.fields, { name: e.name, ...(e.stack ? { stack: e.stack } : {}) });
}

/** A message without its id (Omit distributed over the union). */
type Request = ToPgliteWorker extends infer T ? (T extends unknown ? Omit<T, 'id'> : never) : never;

interface Pending {
  resolve(r: WorkerResult | undefined): void;
  reject(err: unknown): void;
}

export async function startPgliteWorker(data: PgliteWorkerData): Promise<PgliteWorker> {
  const worker = new Worker(tsxWorkerBootstrap(ENTRY_URL), { eval: true, workerData: data, name: 'memocha-pglite' });
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let dead: Error | undefined;
  let closing: Promise<void> | undefined;
  let onReady: { resolve(): void; reject(err: Error): void } | undefined;
  const ready = new Promise<void>((resolve, reject) => (onReady = { resolve, reject }));

  worker.on('message', (m: FromPgliteWorker) => {
    if (m.type === 'ready') return onReady?.resolve();
    if (m.type === 'failed') return onReady?.reject(revive(m.error));
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (pending.size === 0) worker.unref();
    if (m.ok) p.resolve(m.result);
    else p.reject(revive(m.error));
  });
  const die = (cause: Error) => {
    if (dead) return;
    dead = closing ? new DbUnavailableError('the database is closed') : new DbUnavailableError(`the PGlite worker died (${cause.message})`, { cause });
    onReady?.reject(dead);
    for (const p of pending.values()) p.reject(dead);
    pending.clear();
  };
  worker.on('error', die);
  worker.on('exit', (code) => die(new Error(`exited with code ${code}`)));

  function request(m: Request): Promise<WorkerResult | undefined> {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      if (pending.size === 1) worker.ref();
      worker.postMessage({ ...m, id } as ToPgliteWorker);
    });
  }

  try {
    await ready;
  } catch (err) {
    await worker.terminate();
    throw err;
  }
  worker.unref(); // like an in-thread PGlite, an idle database does not keep the process alive

  const close = (): Promise<void> =>
    (closing ??= (async () => {
      try {
        if (!dead) await request({ type: 'close' });
      } catch (err) {
        if (!dead) throw err; // a thread that died on its own has nothing left to flush
      } finally {
        await worker.terminate();
      }
    })());

  const pglite: PgliteStandIn = {
    waitReady: Promise.resolve(),
    get closed() {
      return closing !== undefined || dead !== undefined;
    },
    async query<T>(sql: string, params?: unknown[], options?: { rowMode?: 'array' | 'object' }): Promise<Results<T>> {
      const r = await request({ type: 'query', sql, ...(params ? { params } : {}), ...(options?.rowMode ? { rowMode: options.rowMode } : {}) });
      return r as Results<T>;
    },
    close,
  };
  return {
    pglite,
    threadId: worker.threadId,
    close,
    crash: () => void worker.terminate(),
  };
}
