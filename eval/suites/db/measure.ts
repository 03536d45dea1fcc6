/** Run one hot query with no load (1 worker) or under load (N workers), with the pool probed. */
import type { Db, DbBackend } from '../../../serve';
import type { SuiteContext } from '../../harness/suite';
import type { Cell } from '../../harness/builder';
import { LatencyHistogram } from '../../metrics/histogram';
import { closedLoop, type ClosedLoopResult } from '../../lib/closed-loop';
import { probePool, type PoolUsage } from './pool-probe';
import type { HotQuery } from './queries';

export type Load = 'idle' | 'load';

export interface Measured {
  backend: DbBackend;
  query: string;
  load: Load;
  workers: number;
  loop: ClosedLoopResult;
  pool: PoolUsage;
}

export async function measure(db: Db, backend: DbBackend, q: HotQuery, o: { load: Load; workers: number; ops: number; warmup: number; signal: AbortSignal }): Promise<Measured> {
  await closedLoop({ workers: o.workers, total: o.warmup, op: q.run, signal: o.signal });
  const probe = probePool(db);
  const loop = await closedLoop({ workers: o.workers, total: o.ops, op: (i) => q.run(i + o.warmup), signal: o.signal });
  return { backend, query: q.name, load: o.load, workers: o.workers, loop, pool: probe.stop() };
}

const r3 = (x: number): number | null => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : null);

export function emitMeasured(ctx: SuiteContext, m: Measured): void {
  const base = `${m.backend}_${m.query}_${m.load}`;
  const n = m.loop.ok;
  const how = `${m.backend}, ${m.workers} worker(s), closed loop, through serve/db/repos`;
  const headline = m.query === 'history_1000' && m.load === 'idle';
  ctx.metric(`${base}_p50_ms`, m.loop.latency.percentile(50), 'ms', { n, definition: `HdrHistogram p50; ${how}`, higherIsBetter: false, headline });
  ctx.metric(`${base}_p99_ms`, m.loop.latency.percentile(99), 'ms', { n, definition: `HdrHistogram p99; ${how}`, higherIsBetter: false, headline });
  ctx.metric(`${base}_ops_per_sec`, m.loop.opsPerSec, 'ops/s', { n, definition: `successful queries / wall time; ${how}`, higherIsBetter: true, headline: m.query === 'message_insert' && m.load === 'load' });
  ctx.histogram(`${m.backend}/${m.query}/${m.load}`, m.loop.latency);
  ctx.row({
    case: `${m.backend}/${m.query}/${m.load}`,
    backend: m.backend,
    query: m.query,
    load: m.load,
    workers: m.workers,
    n,
    errors: m.loop.errors,
    p50_ms: r3(m.loop.latency.percentile(50)),
    p99_ms: r3(m.loop.latency.percentile(99)),
    ops_per_sec: r3(m.loop.opsPerSec),
    acquire_p50_ms: r3(m.pool.acquire.percentile(50)),
    acquire_p99_ms: r3(m.pool.acquire.percentile(99)),
    pool_size_max: m.pool.sizeMax,
    pool_used_max: m.pool.usedMax,
    pool_pending_max: m.pool.pendingMax,
    ...(m.loop.firstError ? { error: `${m.loop.errors} failed: ${m.loop.firstError}` } : {}),
  });
}

export const TABLE_COLUMNS = ['backend', 'query', 'load', 'workers', 'n', 'errors', 'p50 ms', 'p99 ms', 'ops/s', 'acquire p50 ms', 'acquire p99 ms', 'pool max', 'size max', 'used max', 'pending max'] as const;

export function tableRow(m: Measured): Cell[] {
  return [
    m.backend,
    m.query,
    m.load,
    m.workers,
    m.loop.ok,
    m.loop.errors,
    r3(m.loop.latency.percentile(50)),
    r3(m.loop.latency.percentile(99)),
    r3(m.loop.opsPerSec),
    r3(m.pool.acquire.percentile(50)),
    r3(m.pool.acquire.percentile(99)),
    m.pool.max,
    m.pool.sizeMax,
    m.pool.usedMax,
    m.pool.pendingMax,
  ];
}

/** Per backend, over every loaded query: acquire time and waiting, the pool's own view of the load. */
export function emitPool(ctx: SuiteContext, all: readonly Measured[]): void {
  for (const backend of new Set(all.map((m) => m.backend))) {
    const loaded = all.filter((m) => m.backend === backend && m.load === 'load');
    if (loaded.length === 0) continue;
    const acquire = new LatencyHistogram();
    for (const m of loaded) acquire.merge(m.pool.acquire);
    ctx.histogram(`${backend}/acquire/load`, acquire);
    ctx.metric(`${backend}_acquire_p50_ms_load`, acquire.percentile(50), 'ms', { n: acquire.count, definition: 'tarn acquireRequest → acquireSuccess, every loaded query pooled', higherIsBetter: false });
    ctx.metric(`${backend}_acquire_p99_ms_load`, acquire.percentile(99), 'ms', { n: acquire.count, definition: 'tarn acquireRequest → acquireSuccess, every loaded query pooled', higherIsBetter: false });
    ctx.metric(`${backend}_pool_pending_max_load`, Math.max(...loaded.map((m) => m.pool.pendingMax)), 'count', { definition: 'most acquires waiting at once (tarn numPendingAcquires + numPendingCreates), under load', higherIsBetter: false });
  }
}

/** PostgreSQL and PGlite side by side, per query and load. */
export function comparisonRows(all: readonly Measured[]): Cell[][] {
  const key = (m: Measured) => `${m.query}\u0000${m.load}`;
  const pg = new Map(all.filter((m) => m.backend === 'postgres').map((m) => [key(m), m] as const));
  return all
    .filter((m) => m.backend === 'pglite')
    .map((lite) => {
      const p = pg.get(key(lite));
      const p50 = (m?: Measured) => (m ? r3(m.loop.latency.percentile(50)) : null);
      const p99 = (m?: Measured) => (m ? r3(m.loop.latency.percentile(99)) : null);
      const ops = (m?: Measured) => (m ? r3(m.loop.opsPerSec) : null);
      const ratio = p ? r3(lite.loop.opsPerSec / p.loop.opsPerSec) : null;
      return [lite.query, lite.load, p50(p), p50(lite), p99(p), p99(lite), ops(p), ops(lite), ratio];
    });
}

export const COMPARISON_COLUMNS = ['query', 'load', 'postgres p50 ms', 'pglite p50 ms', 'postgres p99 ms', 'pglite p99 ms', 'postgres ops/s', 'pglite ops/s', 'pglite/postgres throughput'] as const;
