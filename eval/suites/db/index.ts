/**
 * db: latency of the hot queries (history load on sessions of 10/100/1000 messages, the paginated
 * session list of a user with many sessions, message insert) measured directly through the repos,
 * with no load (1 worker) and under load (N workers), with the connection pool's usage (size, in use,
 * waiting, acquire time), on PostgreSQL (random schema, dropped after) and PGlite (in memory).
 */
import { createRepos, type DbBackend } from '../../../serve';
import { defineSuite, type SuiteContext } from '../../harness/suite';
import { openBenchDb, type BenchDb } from './backends';
import { dbConfig, type DbConfig } from './config';
import { COMPARISON_COLUMNS, comparisonRows, emitMeasured, emitPool, measure, TABLE_COLUMNS, tableRow, type Measured } from './measure';
import { hotQueries } from './queries';
import { seed } from './seed';

export default defineSuite({
  name: 'db',
  description: 'hot query latency (history, session list, insert) idle and under load, pool usage, PostgreSQL vs PGlite',
  ...dbConfig,
  async run(ctx, cfg) {
    const where: Record<string, string> = {};
    const all: Measured[] = [];
    for (const backend of cfg.backends) {
      if (ctx.signal.aborted) break;
      let bench: BenchDb;
      try {
        bench = await openBenchDb(backend, { ...(cfg.databaseUrl ? { url: cfg.databaseUrl } : {}), poolMax: cfg.poolMax });
      } catch (err) {
        const msg = `${backend} unavailable, skipped: ${(err as Error).message}`;
        ctx.error(backend, msg);
        ctx.row({ case: `${backend}/open`, backend, error: msg });
        continue;
      }
      where[backend] = bench.where;
      try {
        all.push(...(await runBackend(ctx, bench, backend, cfg)));
      } finally {
        await bench.cleanup();
      }
    }
    for (const m of all) emitMeasured(ctx, m);
    emitPool(ctx, all);
    ctx.table('hot queries (backend × query × load)', TABLE_COLUMNS, all.map(tableRow));
    ctx.table('PostgreSQL vs PGlite', COMPARISON_COLUMNS, comparisonRows(all));
    ctx.setMeta({ config: { where } });
  },
});

async function runBackend(ctx: SuiteContext, bench: BenchDb, backend: DbBackend, cfg: DbConfig): Promise<Measured[]> {
  const repos = createRepos(bench.db.knex);
  const t0 = performance.now();
  const seeded = await seed(repos, { ...cfg, concurrency: cfg.poolMax }, ctx.args.seed, ctx.signal);
  ctx.log(`${backend}: seeded ${seeded.messages} messages and ${seeded.sessions} sessions in ${Math.round(performance.now() - t0)} ms (${bench.where})`);
  const queries = await hotQueries(repos, seeded, { deepPage: cfg.deepPage, seed: ctx.args.seed });
  const out: Measured[] = [];
  const progress = ctx.progress(queries.length * 2, `db ${backend}`);
  for (const load of ['idle', 'load'] as const) {
    for (const q of queries) {
      if (ctx.signal.aborted) break;
      const workers = load === 'idle' ? 1 : cfg.workers;
      out.push(await measure(bench.db, backend, q, { load, workers, ops: load === 'idle' ? cfg.idleOps : cfg.loadOps, warmup: cfg.warmup, signal: ctx.signal }));
      progress.tick();
    }
  }
  progress.done();
  ctx.table(
    `${backend} queries`,
    ['query', 'what'],
    queries.map((q) => [q.name, q.what]),
  );
  return out;
}
