/**
 * latency: what a user waits for, through Memocha and straight to the provider (METRICS.md, serving latency).
 *
 * Phases (closed loop, warm-up requests not counted, a new session per request):
 *  1. measurement validity (in-process only, run first on the fresh process): many concurrent direct
 *     streams (default 100, ITL `validityItl`, default 20 ms) compared with the simulator's ground truth
 *     (chunkSentAt, receivedAt) on the shared clock;
 *  2. per concurrency level (default 1 and 16): the same prompts via Memocha SSE, Memocha JSON, direct
 *     SSE and direct JSON (direct = the provider's /v1/chat/completions with Memocha's system prompt;
 *     in-process the simulator itself, or --direct URL) → TTFT, TPOT, pooled ITL, E2EL, JSON request
 *     latency, and Memocha's overhead = Memocha percentile − direct percentile;
 *  3. a message-length sweep (default 10, 100, 1000, 4000 characters) at concurrency 1.
 * The client runs in a worker thread (latency/client.ts) unless the config says `"client": "main"`.
 *
 * Metric names (stable, gateable; ms unless said; lower is better unless said). The first concurrency
 * level has no suffix; every other level adds `_c<N>` (e.g. ttft_p99_ms_c16):
 *   ttft|tpot|itl|e2el _ {p50,p90,p95,p99,p999,max,mean,stddev} _ms   (p50/p99/mean only for other levels;
 *                                                                    CIs on p50 and mean of ttft/tpot/e2el)
 *   json_e2el_{p50,p99}_ms, direct_{ttft,itl,e2el,json_e2el}_{p50,p99}_ms,
 *   overhead_{ttft,e2el,json_e2el}_{p50,p99}_ms, output_tokens_per_sec (higher is better),
 *   error_rate (ratio, all measured Memocha requests), failed_requests,
 *   validity_{ttft,itl}_err_{p50,p99}_ms (|measured − true|), validity_ttft_err_mean_ms (signed bias),
 *   validity_matched_ratio (higher is better), validity_concurrency.
 * Config (--config, all optional): see latency/config.ts (ttft, itl, outputTokens, concurrency, requests,
 * warmup, messageChars, sweepChars, sweepRequests, validityConcurrency, validityRequests, validityItl, memory, directModel,
 * client: 'worker' (default: the load generator in its own thread) | 'main').
 */
import os from 'node:os';
import type { Cell } from '../../harness/builder';
import type { DelaySpec } from '../../../serve';
import { defineSuite, type SuiteContext } from '../../harness/suite';
import { startTarget, type Target } from '../../harness/target';
import { createLoadClient, type LoadClient } from './client';
import { latencyConfig, requestsAt, type LatencyConfig } from './config';
import { cell } from './emit';
import type { LatencyEnv } from './env';
import { emitLevel, MODE_COLUMNS, modeRows, runLevel, STAGE_COLUMNS, stageRow, type LevelResult } from './levels';
import { runSweep, SWEEP_COLUMNS } from './sweep';
import { emitValidity, runValidityPhase, VALIDITY_COLUMNS, validityRows } from './validity-phase';
import { overheadAt } from './overhead';
import { seedMemories, seededUser, type SeedResult } from './seed';

const SETTLE_LIMIT_MS = 60_000;

function plannedRequests(cfg: LatencyConfig, quick: boolean, withDirect: boolean, withTruth: boolean): number {
  const modes = withDirect ? 4 : 2;
  const levels = cfg.concurrency.reduce((s, c) => s + modes * requestsAt(cfg, c, quick), 0);
  return levels + cfg.sweepChars.length * cfg.sweepRequests * (withDirect ? 2 : 1) + (withTruth ? cfg.validityRequests : 0);
}

function overheadRows(r: LevelResult): Cell[][] {
  const rows: Cell[][] = [];
  const pairs = [
    ['TTFT', r.aggs['memocha-sse']?.ttft, r.aggs['direct-sse']?.ttft],
    ['E2EL (SSE)', r.aggs['memocha-sse']?.e2el, r.aggs['direct-sse']?.e2el],
    ['request latency (JSON)', r.aggs['memocha-json']?.e2el, r.aggs['direct-json']?.e2el],
  ] as const;
  for (const [name, m, d] of pairs) {
    if (!m || !d) continue;
    rows.push([r.concurrency, name, cell(m.percentile(50)), cell(d.percentile(50)), cell(overheadAt(m, d, 50)), cell(m.percentile(99)), cell(d.percentile(99)), cell(overheadAt(m, d, 99))]);
  }
  return rows;
}

/** Store cfg.seedMemories memories for each of cfg.seedUsers users (in-process target with memory on only). */
async function seed(ctx: SuiteContext, cfg: LatencyConfig, parts: NonNullable<Target['runtime']>['memoryParts']): Promise<SeedResult> {
  if (!cfg.memory) throw new Error('seedMemories needs "memory": true');
  if (!parts) throw new Error('seedMemories needs the in-process target (it writes into its vector store)');
  const total = cfg.seedMemories * cfg.seedUsers;
  ctx.log(`seeding ${cfg.seedMemories} memories for each of ${cfg.seedUsers} users (${total} rows) into ${parts.store.id}`);
  const progress = ctx.progress(total, 'seed');
  let last = 0;
  const result = await seedMemories(parts, {
    users: cfg.seedUsers,
    perUser: cfg.seedMemories,
    seed: ctx.args.seed,
    signal: ctx.signal,
    onProgress: (rows) => {
      for (; last < rows; last++) progress.tick();
    },
  });
  progress.done();
  ctx.log(`seeded ${result.rows} memories: pool embedded in ${Math.round(result.embedMs)} ms, upserted in ${Math.round(result.upsertMs)} ms`);
  return result;
}

export default defineSuite({
  name: 'latency',
  description: 'TTFT/TPOT/ITL/E2EL via Memocha vs direct (overhead), SSE vs JSON, message-length sweep, measurement validity vs the simulator',
  ...latencyConfig,
  async run(ctx, cfg) {
    const quick = ctx.args.quick;
    const loadStart = os.loadavg()[0] ?? Number.NaN;
    const target = await startTarget(ctx.args.target, ctx.args.direct, {
      env: { MEMORY_ENABLED: String(cfg.memory) },
      sim: { seed: ctx.args.seed, mode: 'lorem', ttft: cfg.ttft, itl: cfg.itl, outputTokens: cfg.outputTokens, chunkTokens: 1 },
    });
    let client: LoadClient | undefined;
    try {
      const seeded = cfg.seedMemories > 0 ? await seed(ctx, cfg, target.runtime?.memoryParts) : undefined;
      client = await createLoadClient(cfg.client, Math.max(256, cfg.validityConcurrency * 2), ctx.log);
      const sim = target.sim;
      const withTruth = sim !== undefined && target.directUrl === sim.url;
      const model = cfg.directModel ?? target.model;
      ctx.setMeta({
        config: { clientThread: client.thread, ...(seeded ? { seeded } : {}), requestsPerLevel: Object.fromEntries(cfg.concurrency.map((c) => [String(c), requestsAt(cfg, c, quick)])) },
        provider: { kind: sim ? 'simulator (lorem)' : 'openai-compatible', model, ...(target.directUrl ? { baseUrl: target.directUrl } : {}) },
        target: target.kind === 'in-process' ? 'in-process' : target.url,
      });
      if (!target.directUrl) ctx.log('no --direct URL for this target: direct runs and the overhead are skipped');
      const progress = ctx.progress(plannedRequests(cfg, quick, target.directUrl !== undefined, withTruth), 'latency');
      const env: LatencyEnv = {
        ctx,
        cfg,
        endpoints: {
          memochaUrl: target.url,
          ...(target.directUrl ? { directUrl: target.directUrl } : {}),
          model,
          systemPrompt: target.runtime?.deps.config.SYSTEM_PROMPT ?? 'You are Memocha, a helpful assistant with long-term memory.',
          apiKey: sim ? 'simulator' : process.env.DIRECT_API_KEY,
        },
        client,
        ...(withTruth && sim
          ? {
              records: () => sim.requests,
              setItl: (itl: DelaySpec) => {
                const before = sim.options.itl ?? cfg.itl;
                sim.configure({ itl });
                return () => sim.configure({ itl: before });
              },
            }
          : {}),
        settle: async () => {
          const idle = target.runtime?.memoryService?.idle();
          if (idle) await Promise.race([idle, new Promise((r) => setTimeout(r, SETTLE_LIMIT_MS).unref())]);
        },
        tick: () => progress.tick(),
        seed: ctx.args.seed,
        memocha: [],
        userFor: (i) => (seeded ? seededUser(i % cfg.seedUsers) : undefined),
      };

      // calibrate the instrument first, on a fresh process: the validity phase is the most sensitive to
      // a busy main thread (a larger heap and background work after hundreds of Memocha turns)
      const validity = await runValidityPhase(env);
      const levels: LevelResult[] = [];
      for (const [i, c] of cfg.concurrency.entries()) {
        if (ctx.signal.aborted) break;
        const r = await runLevel(env, i, c);
        levels.push(r);
        emitLevel(env, r, i === 0);
      }
      const sweep = await runSweep(env);
      progress.done();

      const failed = env.memocha.filter((r) => !r.ok);
      ctx.metric('error_rate', env.memocha.length ? failed.length / env.memocha.length : Number.NaN, 'ratio', { n: env.memocha.length, definition: 'failed / measured Memocha requests (all phases); failed requests are excluded from latency statistics', higherIsBetter: false, headline: true });
      ctx.metric('failed_requests', failed.length, 'count', { definition: 'measured Memocha requests that failed', higherIsBetter: false });
      if (validity) emitValidity(env, validity);

      ctx.table('latency by mode and concurrency (ms)', MODE_COLUMNS, levels.flatMap(modeRows));
      ctx.table("Memocha's overhead (Memocha − direct, ms)", ['concurrency', 'quantity', 'Memocha p50', 'direct p50', 'overhead p50', 'Memocha p99', 'direct p99', 'overhead p99'], levels.flatMap(overheadRows));
      ctx.table("server-side stages (median ms, Memocha's done timings)", STAGE_COLUMNS, levels.map(stageRow));
      if (sweep.length) ctx.table('message-length sweep (concurrency 1, SSE, ms)', SWEEP_COLUMNS, sweep);
      const checked = [...levels.map((l) => l.validity), validity].filter((v) => v !== undefined);
      if (checked.length) ctx.table('measurement validity: direct streams vs simulator ground truth (ms)', VALIDITY_COLUMNS, checked.flatMap(validityRows));
      ctx.table('machine', ['cores', 'load avg 1 min (start)', 'load avg 1 min (end)'], [[os.cpus().length, cell(loadStart, 2), cell(os.loadavg()[0], 2)]]);
    } finally {
      await client?.close();
      await target.close();
    }
  },
});
