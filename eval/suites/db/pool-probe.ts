/**
 * Pool usage while a workload runs, from knex's tarn pool: its events time every acquire
 * (acquireRequest → acquireSuccess, the wait for a connection) and, after each pool event, a sample of
 * size / used / pending (Db.pool()). PGlite's pool is tarn too, with exactly one connection.
 */
import type { Db } from '../../../serve';
import { LatencyHistogram } from '../../metrics/histogram';

type Listener = (...args: unknown[]) => void;

interface TarnEvents {
  on(event: string, listener: Listener): void;
  removeListener(event: string, listener: Listener): void;
  max?: number;
}

function isTarn(pool: unknown): pool is TarnEvents {
  const p = pool as Partial<TarnEvents> | null;
  return typeof p === 'object' && p !== null && typeof p.on === 'function' && typeof p.removeListener === 'function';
}

export interface PoolUsage {
  /** the pool's max connections (null when the pool does not say) */
  max: number | null;
  sizeMax: number;
  usedMax: number;
  /** acquires waiting (plus connections being created), at most */
  pendingMax: number;
  /** time from acquire request to connection handed out, ms */
  acquire: LatencyHistogram;
  acquireFailures: number;
}

export interface PoolProbe {
  stop(): PoolUsage;
}

/** Start probing `db`'s pool; `stop()` detaches and returns what was seen. Without a tarn pool it reports zeros. */
export function probePool(db: Db): PoolProbe {
  const pool: unknown = db.knex.client.pool;
  const acquire = new LatencyHistogram();
  const started = new Map<number, number>();
  const u = { sizeMax: 0, usedMax: 0, pendingMax: 0, failures: 0 };
  const sample = () => {
    const s = db.pool();
    u.sizeMax = Math.max(u.sizeMax, s.size);
    u.usedMax = Math.max(u.usedMax, s.used);
    u.pendingMax = Math.max(u.pendingMax, s.pending);
  };
  const listeners: Record<string, Listener> = {
    acquireRequest: (id) => {
      started.set(Number(id), performance.now());
      queueMicrotask(sample);
    },
    acquireSuccess: (id) => {
      const t = started.get(Number(id));
      started.delete(Number(id));
      if (t !== undefined) acquire.record(performance.now() - t);
      queueMicrotask(sample);
    },
    acquireFail: (id) => {
      started.delete(Number(id));
      u.failures++;
    },
    release: () => queueMicrotask(sample),
  };
  const tarn = isTarn(pool) ? pool : undefined;
  for (const [event, fn] of Object.entries(listeners)) tarn?.on(event, fn);
  return {
    stop() {
      for (const [event, fn] of Object.entries(listeners)) tarn?.removeListener(event, fn);
      return {
        max: typeof tarn?.max === 'number' ? tarn.max : null,
        sizeMax: u.sizeMax,
        usedMax: u.usedMax,
        pendingMax: u.pendingMax,
        acquire,
        acquireFailures: u.failures,
      };
    },
  };
}
