/**
 * live: the report of live quality monitoring. Reads the live_eval table the server fills with its sampled
 * turns (EVAL_SAMPLE_RATE, serve/live/) and writes per-window aggregates (SLO met ratios, latency percentiles,
 * retrieval diagnostics, judge scores) and the windows whose figures dropped against the previous one.
 * It measures nothing itself: the server's samples are the data.
 */
import { createRepos, openDb, type Db, type LiveSample } from '../../../serve';
import { defineSuite, type SuiteContext } from '../../harness/suite';
import { aggregate, byWindow, windowDrops, type WindowAggregate } from './aggregate';
import { liveConfig, type LiveConfig } from './config';

export default defineSuite({
  name: 'live',
  description: "live quality monitoring: the server's sampled turns (live_eval) per window, SLO met ratios, retrieval and judge scores, drops",
  ...liveConfig,
  async run(ctx, cfg) {
    const { db, where } = await open(cfg);
    ctx.setMeta({ target: where, config: { source: where } });
    let samples: LiveSample[];
    try {
      const since = cfg.hours > 0 ? new Date(Date.now() - cfg.hours * 3_600_000) : undefined;
      samples = await createRepos(db.knex).liveEval.list(since ? { since } : {});
    } finally {
      await db.close();
    }
    if (samples.length === 0) ctx.log('no live samples in the period: is EVAL_SAMPLE_RATE > 0 on the server?');
    emit(ctx, cfg, samples);
  },
});

async function open(cfg: LiveConfig): Promise<{ db: Db; where: string }> {
  const url = cfg.databaseUrl ?? process.env.DATABASE_URL;
  if (url) {
    const u = new URL(url);
    const db = await openDb({ databaseUrl: url, ...(cfg.schema ? { schema: cfg.schema } : {}), poolMax: 2, migrate: false });
    return { db, where: `postgres ${u.hostname}:${u.port || '5432'}${u.pathname}${cfg.schema ? ` schema ${cfg.schema}` : ''}` };
  }
  const dataDir = cfg.dataDir ?? process.env.DATA_DIR ?? './data';
  return { db: await openDb({ dataDir, migrate: false }), where: `PGlite ${dataDir}` };
}

const WINDOW_COLUMNS = [
  'window start',
  'samples',
  'instances',
  'TTFT SLO met',
  'total SLO met',
  'TTFT p50 ms',
  'TTFT p95 ms',
  'total p95 ms',
  'memories used',
  'top memory score',
  'memory budget used',
  'judged',
  'judge score',
  'judge failures',
] as const;

const r3 = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);

function emit(ctx: SuiteContext, cfg: LiveConfig, samples: readonly LiveSample[]): void {
  const windows = byWindow(samples, cfg.windowMinutes * 60_000);
  const all = aggregate(samples);
  const drops = windowDrops(windows, cfg.alertDrop);
  const n = samples.length;
  ctx.metric('samples', n, 'count', { definition: 'sampled answered turns in the period (EVAL_SAMPLE_RATE of the complete answers)' });
  ctx.metric('windows', windows.length, 'count', { definition: `windows of ${cfg.windowMinutes} min with at least one sample` });
  ctx.metric('slo_met_ratio', all.sloMet, 'ratio', { n, higherIsBetter: true, headline: true, definition: 'share of samples meeting both the TTFT and the total-time SLO (LIVE_SLO_TTFT_MS, LIVE_SLO_TOTAL_MS)' });
  ctx.metric('ttft_slo_met_ratio', all.ttftSloMet, 'ratio', { n, higherIsBetter: true, definition: 'share of samples with server TTFT ≤ LIVE_SLO_TTFT_MS' });
  ctx.metric('total_slo_met_ratio', all.totalSloMet, 'ratio', { n, higherIsBetter: true, definition: 'share of samples with total time ≤ LIVE_SLO_TOTAL_MS' });
  ctx.metric('ttft_p95_ms', all.ttftP95Ms, 'ms', { n, higherIsBetter: false, definition: 'p95 of the server-side TTFT of sampled turns (linear interpolation)' });
  ctx.metric('total_p95_ms', all.totalP95Ms, 'ms', { n, higherIsBetter: false, definition: 'p95 of the total time of sampled turns' });
  ctx.metric('memories_used_mean', all.memoriesUsedMean, 'count', { n, definition: 'mean memories in the prompt per sampled turn' });
  ctx.metric('memory_top_score_mean', all.memoryTopScoreMean, 'score', { higherIsBetter: true, headline: true, definition: 'mean retrieval score of the best memory, over samples that used memories' });
  ctx.metric('memory_budget_used_mean', all.memoryBudgetUsedMean, 'ratio', { definition: "mean of memory tokens / the memories' planned prompt budget" });
  ctx.metric('judged', all.judged, 'count', { definition: 'samples a live judge looked at (LIVE_JUDGE_MODEL)' });
  ctx.metric('judge_score_mean', all.judgeScoreMean, 'score', { n: all.judged - all.judgeFailures, higherIsBetter: true, headline: true, definition: 'mean live judge score: (groundedness + relevance − 2) / 8, 0..1' });
  ctx.metric('judge_failure_rate', all.judged ? all.judgeFailures / all.judged : null, 'ratio', { n: all.judged, higherIsBetter: false, definition: 'judged samples without a score (unparseable reply or failed call) / judged samples' });
  ctx.metric('window_drops', drops.length, 'count', { higherIsBetter: false, definition: `windows whose SLO met ratio, judge score or top memory score fell by more than ${cfg.alertDrop} from the previous window` });

  ctx.table(`per ${cfg.windowMinutes}-minute window`, WINDOW_COLUMNS, windows.map(windowCells));
  ctx.table('drops against the previous window', ['window start', 'signal', 'previous', 'current', 'drop'], drops.map((d) => [d.start, d.signal, r3(d.previous), r3(d.current), r3(d.drop)]));
  for (const w of windows) ctx.row({ case: w.start, ...w });
}

function windowCells(w: WindowAggregate): (string | number | null)[] {
  return [
    w.start,
    w.samples,
    w.instances,
    r3(w.ttftSloMet),
    r3(w.totalSloMet),
    r3(w.ttftP50Ms),
    r3(w.ttftP95Ms),
    r3(w.totalP95Ms),
    r3(w.memoriesUsedMean),
    r3(w.memoryTopScoreMean),
    r3(w.memoryBudgetUsedMean),
    w.judged,
    r3(w.judgeScoreMean),
    w.judgeFailures,
  ];
}
