/**
 * reliability: a closed-loop load runs while the simulator injects faults in windows (500s, a 429
 * storm with Retry-After, hangs, stream cuts), each followed by a healthy gap. Reports availability,
 * recovery per window, retries, timeouts, breaker activations and time open, and whether every message
 * a client was told about is in the database (messages_lost must be 0). See eval/suites/load/README.md.
 */
import { loadavg } from 'node:os';
import { createDispatcher } from '../../client/chat';
import { defineSuite } from '../../harness/suite';
import { transitionsFromPolls } from './breaker-timeline';
import { runVirtualUsers } from '../load/virtual-users';
import { planWindows, runWindows } from './faults';
import type { StoredMessage } from '../load/ledger';
import { startLoadTarget } from '../load/target';
import { analyseReliability } from './analysis';
import { reliabilityConfig } from './config';
import { emitReliability } from './report';
import { resilienceDelta } from '../load/resilience-delta';
import { httpSim, localSim } from './sim-control';
import { makeSender } from '../load/step';
import { pollBreaker } from '../load/stored';
import { prime } from '../load/sweep';

export default defineSuite({
  name: 'reliability',
  description: 'fault windows under closed-loop load: availability, recovery, retries, breaker, timeouts, 0 messages lost',
  ...reliabilityConfig,
  async run(ctx, cfg) {
    const env = { LOG_LEVEL: 'error', MEMORY_ENABLED: String(cfg.memory), ...(cfg.databaseUrl ? { DATABASE_URL: cfg.databaseUrl } : {}), ...cfg.env };
    const sim = { ttft: { kind: 'fixed', ms: cfg.sim.ttftMs }, itl: { kind: 'fixed', ms: cfg.sim.itlMs }, outputTokens: cfg.sim.outputTokens } as const;
    const t0 = performance.now();
    const loadAtStart = loadavg()[0] ?? 0;
    const target = await startLoadTarget({ target: ctx.args.target, mode: cfg.mode, env, sim, log: ctx.log });
    ctx.log(`target (${target.kind}) up in ${Math.round(performance.now() - t0)} ms`);
    const control = target.sim ? localSim(target.sim) : ctx.args.direct ? httpSim(ctx.args.direct) : null;
    ctx.setMeta({ target: target.kind === 'url' ? target.url : target.kind === 'child' ? 'child-process' : 'in-process', provider: { kind: 'simulator', model: 'memocha-sim' } });
    const dispatcher = createDispatcher(1024);
    const tag = `R${Date.now().toString(36)}`;
    try {
      if (!control) throw new Error('reliability needs control of the simulator: --target in-process, or a URL target with --direct <its simulator>/v1');
      const send = makeSender(target.url, dispatcher);
      const rc = { send, seed: ctx.args.seed, tag, signal: ctx.signal, log: ctx.log, tick: () => undefined };
      await control.configure({ faults: {} });
      if ((await prime(rc)) === 0) ctx.error(undefined, 'no priming request succeeded');
      const plan = planWindows(cfg.windows, cfg.schedule);
      ctx.log(`${plan.windows.length} fault windows over ${Math.round(plan.totalMs / 1000)} s, ${cfg.load.users} users`);
      const progress = ctx.progress(plan.windows.length, 'reliability');
      const mark = await control.mark();
      const poll = target.resilience ? null : pollBreaker(target.url);
      const before = target.resilience?.();
      const runStart = { perf: performance.now(), epoch: Date.now() };
      const [run, windows] = await Promise.all([
        runVirtualUsers({
          users: cfg.load.users,
          warmupMs: 0,
          durationMs: plan.totalMs,
          clientTimeoutMs: cfg.load.clientTimeoutMs,
          drainMs: cfg.load.clientTimeoutMs + 5_000,
          think: cfg.load.think,
          turnsPerSession: cfg.load.turnsPerSession,
          honorRetryAfter: cfg.load.honorRetryAfter,
          rampMs: 500,
          stream: true,
          seed: ctx.args.seed,
          tag,
          userOf: (vu) => `rel-${vu}`,
          send,
          signal: ctx.signal,
        }),
        runWindows(control, plan.windows, performance.now(), ctx.signal).then((w) => {
          for (let i = 0; i < w.length; i++) progress.tick();
          return w;
        }),
      ]);
      const runEnd = { perf: performance.now(), epoch: Date.now() };
      progress.done();
      const after = target.resilience?.();
      const polls = poll ? await poll.stop() : [];
      ctx.log(`load done in ${Math.round((runEnd.perf - runStart.perf) / 1000)} s (${run.records.length} requests); checking the stored messages`);
      const stored = await storedFor(run.records, (s, u) => target.messages(s, u));
      const result = analyseReliability({
        records: run.records,
        windows,
        runStart,
        runEnd,
        sim: await control.recordsSince(mark),
        transitions: after ? after.breakerTransitions : transitionsFromPolls(polls),
        ...(before && after ? { resilience: resilienceDelta(before, after) } : {}),
        stored,
        recovery: cfg.recovery,
      });
      emitReliability(ctx, result, cfg.recovery);
      if (result.ledger.messagesLost > 0) ctx.error(undefined, `${result.ledger.messagesLost} acknowledged message(s) missing from the database`);
    } finally {
      await dispatcher.close();
      await target.close();
      ctx.table('machine load (1-min load average; other processes share the cores)', ['at start', 'at end'], [[Math.round(loadAtStart * 100) / 100, Math.round((loadavg()[0] ?? 0) * 100) / 100]]);
    }
  },
});

/** Every stored message of every session the run touched (by session and user). */
async function storedFor(records: readonly { user: string; sessionId?: string; result: { sessionId?: string } }[], fetch: (sessionId: string, user: string) => Promise<StoredMessage[]>): Promise<StoredMessage[]> {
  const pairs = new Map<string, { s: string; u: string }>();
  for (const r of records) {
    const s = r.result.sessionId ?? r.sessionId;
    if (s) pairs.set(`${s} ${r.user}`, { s, u: r.user });
  }
  const out: StoredMessage[] = [];
  for (const { s, u } of pairs.values()) out.push(...(await fetch(s, u)));
  return out;
}
