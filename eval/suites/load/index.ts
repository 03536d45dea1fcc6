/**
 * load: how Memocha degrades under concurrency, and where the time goes. See eval/suites/load/README.md for
 * every definition and metric name. Config (--config file.json) over the defaults in
 * eval/suites/load/config.ts; --quick sweeps 1, 10, 50 users with shorter steps.
 *
 * Target A (the sweep and the open loop): Memocha as shipped (memory per config, default limits).
 * Target B (long streams, then rate limits): long-term memory off and LLM concurrency raised, so the
 * streaming path and the resilience layer are measured rather than the embedder or the LLM queue
 * (streamsTarget: 'same' reuses A instead).
 */
import { loadavg } from 'node:os';
import { createDispatcher } from '../../client/chat';
import { defineSuite, type SuiteContext } from '../../harness/suite';
import type { SimulatorOptions } from '../../../serve';
import { loadConfig, type LoadConfig } from './config';
import { startLoadTarget, type LoadTarget } from './target';
import { emitOpenLoop, emitRateLimit, emitStreams } from './report-runs';
import { emitSpread } from './report-spread';
import { emitSweep } from './report-sweep';
import { openLoopStep, rateLimitStep, streamsStep } from './runs';
import { makeSender } from './step';
import { prime, runSweep, type RunContext } from './sweep';

const simOptions = (s: LoadConfig['sim']): SimulatorOptions => ({ ttft: { kind: 'fixed', ms: s.ttftMs }, itl: { kind: 'fixed', ms: s.itlMs }, outputTokens: s.outputTokens });
type Describe = (role: string, t: LoadTarget, memory: boolean) => void;

export default defineSuite({
  name: 'load',
  description: 'closed-loop sweep (degradation, saturation, bottlenecks), open loop, upstream rate limits, 500 long SSE streams',
  ...loadConfig,
  async run(ctx, cfg) {
    const steps = cfg.sweep.users.length + (cfg.openLoop ? 1 : 0) + (cfg.rateLimit ? 1 : 0) + (cfg.streams ? 1 : 0);
    const progress = ctx.progress(steps, 'load');
    const dispatcher = createDispatcher(4096);
    const tag = `L${Date.now().toString(36)}`;
    const baseEnv: Record<string, string> = { LOG_LEVEL: 'error', MEMORY_ENABLED: String(cfg.memory), ...(cfg.databaseUrl ? { DATABASE_URL: cfg.databaseUrl } : {}), ...cfg.env };
    const setup: (string | number | null)[][] = [];
    const rcFor = (t: LoadTarget): RunContext => ({ send: makeSender(t.url, dispatcher), seed: ctx.args.seed, tag, signal: ctx.signal, log: ctx.log, tick: () => progress.tick() });
    const describe: Describe = (role, t, memory) => setup.push([role, t.kind, t.url, memory ? 'on' : 'off', cfg.databaseUrl || t.kind === 'cluster' ? 'postgres' : t.kind === 'url' ? null : 'pglite', t.note ?? null]);
    const wantB = Boolean(cfg.rateLimit || cfg.streams);
    const loadAtStart = loadavg()[0] ?? 0;
    const same = cfg.streamsTarget === 'same' || ctx.args.target !== 'in-process';
    try {
      const a = await startLoadTarget({ target: ctx.args.target, mode: cfg.mode, env: baseEnv, sim: simOptions(cfg.sim), log: ctx.log, ...(cfg.cpuProfileDir ? { cpuProfileDir: cfg.cpuProfileDir } : {}) });
      describe(same && wantB ? 'sweep, open loop, streams, rate limits' : 'A: sweep, open loop', a, cfg.memory);
      ctx.setMeta({ target: a.kind === 'url' ? a.url : a.kind === 'cluster' ? ctx.args.target : a.kind === 'child' ? 'child-process' : 'in-process', provider: { kind: a.sim ? 'simulator' : 'unknown', model: a.sim?.options.model ?? 'memocha-sim' } });
      try {
        const rc = rcFor(a);
        if ((await prime(rc)) === 0) ctx.error(undefined, 'no priming request succeeded: the target may be down');
        const { steps: sweep, saturation } = await runSweep(a, cfg, rc);
        emitSweep(ctx, sweep, saturation, cfg.slo);
        const open = cfg.openLoop && !ctx.signal.aborted ? await openLoopStep(a, cfg.openLoop, saturation.maxThroughput, cfg.sweep.clientTimeoutMs, rc) : null;
        if (open && cfg.openLoop) emitOpenLoop(ctx, open, cfg.openLoop.burstiness);
        emitSpread(ctx, open ? [...sweep, open] : sweep, a.instances);
        if (same && wantB) await streamsAndRateLimits(ctx, cfg, a, rc);
      } finally {
        await a.close();
      }
      if (!same && wantB && !ctx.signal.aborted) {
        const memory = cfg.streams ? cfg.streams.memory : false;
        const users = cfg.streams ? cfg.streams.users : 0;
        const limit = String(Math.max(1024, users * 2));
        const b = await startLoadTarget({ target: 'in-process', mode: cfg.mode, env: { ...baseEnv, MEMORY_ENABLED: String(memory), LLM_MAX_CONCURRENCY: limit, LLM_QUEUE_MAX: limit }, sim: simOptions(cfg.sim), log: ctx.log });
        describe('B: streams, rate limits', b, memory);
        try {
          const rc = rcFor(b);
          await prime(rc);
          await streamsAndRateLimits(ctx, cfg, b, rc);
        } finally {
          await b.close();
        }
      }
    } finally {
      progress.done();
      await dispatcher.close();
      if (setup.length) ctx.table('targets', ['role', 'kind', 'url', 'memory', 'database', 'note'], setup);
      // other work on the machine skews every figure: say how busy it was
      ctx.table('machine load (1-min load average; other processes share the cores)', ['at start', 'at end'], [[Math.round(loadAtStart * 100) / 100, Math.round((loadavg()[0] ?? 0) * 100) / 100]]);
    }
  },
});

/** Streams first: the rate-limit run leaves the circuit open for a while. Both need the simulator. */
async function streamsAndRateLimits(ctx: SuiteContext, cfg: LoadConfig, t: LoadTarget, rc: RunContext): Promise<void> {
  if (!t.sim) {
    ctx.error(undefined, 'the streams and rate-limit runs need the simulator: run with --target in-process');
    return;
  }
  if (cfg.streams && !ctx.signal.aborted) {
    const r = await streamsStep(t, cfg.streams, rc);
    if (r) emitStreams(ctx, r, cfg.streams.itlMs);
    t.sim.configure(simOptions(cfg.sim));
  }
  if (cfg.rateLimit && !ctx.signal.aborted) {
    const r = await rateLimitStep(t, cfg.rateLimit, cfg.sweep.clientTimeoutMs, rc);
    if (r) emitRateLimit(ctx, r, cfg.rateLimit.errorRate);
  }
}
