/**
 * selftest: exercises the whole harness pipeline with deterministic synthetic data (no server).
 * Config (--config file.json), all optional:
 *   {"cases": 40, "caseErrors": 2, "throw": "message", "waitForAbort": true}
 * - cases: how many synthetic cases (default 200, 50 with --quick)
 * - caseErrors: the first n cases record an error instead of a result
 * - throw: the suite throws this message after recording its metrics (exit code 2)
 * - waitForAbort: after recording, wait until interrupted (SIGINT) and return
 */
import { LatencyHistogram } from '../../metrics/histogram';
import { createRng } from '../../metrics/random';
import { bootstrapCi, mean } from '../../metrics/stats';
import { z } from 'zod';
import { defineSuite } from '../../harness/suite';

const configSchema = z.strictObject({
  cases: z.number().int().min(0),
  caseErrors: z.number().int().min(0),
  throw: z.string().optional(),
  waitForAbort: z.boolean(),
});

const CATEGORIES = ['single-hop', 'multi-hop', 'temporal'] as const;

export default defineSuite({
  name: 'selftest',
  description: 'synthetic, deterministic data through the whole harness (metrics, histogram, table, rows, gates)',
  config: configSchema,
  defaults: { cases: 200, caseErrors: 0, waitForAbort: false },
  quick: { cases: 50 },
  async run(ctx, cfg) {
    const n = cfg.cases;
    const rng = createRng(ctx.args.seed);
    const latency = new LatencyHistogram();
    const correct: number[] = [];
    const byCategory = new Map<string, number[]>();
    const progress = ctx.progress(n, 'selftest');
    for (let i = 0; i < n && !ctx.signal.aborted; i++) {
      const id = `case-${String(i + 1).padStart(3, '0')}`;
      const category = CATEGORIES[i % CATEGORIES.length] as string;
      if (i < cfg.caseErrors) {
        ctx.row({ case: id, category, error: 'synthetic failure' });
        progress.tick();
        continue;
      }
      // a latency of 20–80 ms with a 1-in-20 tail of 200–400 ms; correct with probability 0.8
      const ms = rng() < 0.05 ? 200 + rng() * 200 : 20 + rng() * 60;
      const ok = rng() < 0.8 ? 1 : 0;
      latency.record(ms);
      correct.push(ok);
      byCategory.set(category, [...(byCategory.get(category) ?? []), ok]);
      ctx.row({ case: id, category, latency_ms: Math.round(ms * 1000) / 1000, correct: ok, detail: { rank: i % 5 } });
      progress.tick();
    }
    progress.done();

    const s = latency.summary();
    ctx.histogram('latency', latency);
    ctx.metric('latency_p50_ms', s.p50, 'ms', { n: s.count, definition: 'HdrHistogram p50', higherIsBetter: false, headline: true });
    ctx.metric('latency_p99_ms', s.p99, 'ms', { n: s.count, definition: 'HdrHistogram p99', higherIsBetter: false, headline: true });
    ctx.metric('accuracy', mean(correct), 'ratio', {
      ci: bootstrapCi(correct, mean, { seed: ctx.args.seed }),
      n: correct.length,
      definition: 'mean of per-case correct (0/1), 95% percentile bootstrap CI',
      higherIsBetter: true,
      headline: true,
      rowField: 'correct',
    });
    ctx.metric('cases', n, 'count', { definition: 'cases attempted' });
    ctx.table(
      'accuracy by category',
      ['category', 'n', 'accuracy'],
      CATEGORIES.map((c) => {
        const xs = byCategory.get(c) ?? [];
        return [c, xs.length, xs.length ? mean(xs) : null];
      }),
    );

    if (cfg.throw !== undefined) throw new Error(cfg.throw);
    if (cfg.waitForAbort) {
      ctx.log('waiting for SIGINT');
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      ctx.error(undefined, 'stopped while waiting (selftest waitForAbort)');
    }
  },
});
