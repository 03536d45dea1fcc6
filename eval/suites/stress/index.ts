/**
 * stress: (a) a conversation grown past 1000 messages — history load and prompt assembly must stay
 * flat; (b) retrieval with 100k memories (10k with --quick); (c) retrieval with nothing relevant — the
 * chat answers with no memory; (d) prompts at the context limit — every request succeeds and fits.
 * Every check is also a pass/fail row. Config: stress/config.ts.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../../../serve';
import { chatOnce } from '../../client/chat';
import { defineSuite, type SuiteContext } from '../../harness/suite';
import { startTarget, type Target } from '../../harness/target';
import { Checks } from './checks';
import { stressConfig, type StressConfig } from './config';
import { contextLimit } from './context-limit';
import { emitContext, emitIrrelevant, emitLong, emitScale } from './emit';
import { irrelevant } from './irrelevant';
import { longConversation } from './long-conversation';
import { manyMemories } from './many-memories';

const FAST_SIM = { mode: 'lorem', outputTokens: 24, ttft: { kind: 'fixed', ms: 0 }, itl: { kind: 'fixed', ms: 0 } } as const;

export default defineSuite({
  name: 'stress',
  description: 'long conversations stay flat, retrieval at 100k memories, nothing relevant, prompts at the context limit',
  ...stressConfig,
  async run(ctx, cfg) {
    ctx.setMeta({ config: { vectors: 'random unit vectors (seeded) for the scale test: latency and scale only, not retrieval quality' } });
    const checks = new Checks();
    const tag = randomBytes(3).toString('hex');
    try {
      const chatParts = cfg.parts.includes('long') || cfg.parts.includes('irrelevant');
      let scaleDone = !cfg.parts.includes('memories');
      if (chatParts) {
        await withTarget(ctx, checks, 'chat', ctx.args.target, { sim: FAST_SIM }, async (target) => {
          await warmUp(target, `stress-${tag}-warmup`, ctx.signal);
          if (cfg.parts.includes('long')) await part(ctx, checks, 'long', () => runLong(ctx, checks, cfg, target, `stress-${tag}-long`));
          if (cfg.parts.includes('irrelevant')) {
            await part(ctx, checks, 'irrelevant', async () => emitIrrelevant(ctx, await irrelevant(target, { userPrefix: `stress-${tag}`, signal: ctx.signal }), checks));
          }
          // the scale test borrows this target's PGlite (a table of its own) rather than starting another
          const db = target.runtime?.deps.db;
          if (!scaleDone && db?.backend === 'pglite' && !ctx.signal.aborted) {
            scaleDone = true;
            await part(ctx, checks, 'memories', () => runScale(ctx, checks, cfg, db));
          }
        });
      }
      if (!scaleDone && !ctx.signal.aborted) await part(ctx, checks, 'memories', () => runScale(ctx, checks, cfg));
      if (cfg.parts.includes('context') && !ctx.signal.aborted) {
        const env = { LLM_CONTEXT_TOKENS: String(cfg.contextTokens), LLM_MAX_TOKENS: String(cfg.reserveTokens) };
        // always in-process: it needs a tiny context window and the simulator's recorded prompts
        await withTarget(ctx, checks, 'context', 'in-process', { env, sim: { ...FAST_SIM, outputTokens: 48, recordPrompts: true } }, (target) =>
          part(ctx, checks, 'context', async () => emitContext(ctx, await contextLimit(target, { turns: cfg.limitTurns, user: `stress-${tag}-limit`, seed: ctx.args.seed, signal: ctx.signal }), checks)),
        );
      }
    } finally {
      checks.emit(ctx);
    }
  },
});

async function runScale(ctx: SuiteContext, checks: Checks, cfg: StressConfig, db?: Db) {
  const progress = ctx.progress(cfg.memories, 'stress memories');
  let filled = 0;
  const onFill = (n: number) => {
    progress.tick(n - filled);
    filled = n;
  };
  const s = await manyMemories({ memories: cfg.memories, lightUsers: cfg.lightUsers, queries: cfg.queries, index: cfg.vectorIndex, seed: ctx.args.seed, signal: ctx.signal, onFill, ...(db ? { db } : {}) });
  progress.done();
  emitScale(ctx, s, checks, cfg.memories);
}

async function runLong(ctx: SuiteContext, checks: Checks, cfg: StressConfig, target: Target, user: string) {
  const progress = ctx.progress(cfg.checkpoints.length, 'stress long conversation');
  const points = await longConversation(target, { checkpoints: cfg.checkpoints, reps: cfg.reps, measuredTurns: cfg.measuredTurns, user, signal: ctx.signal, onPoint: (p) => (progress.tick(), ctx.log(`long conversation: ${p.messages} messages`)) });
  progress.done();
  const window = target.runtime?.deps.config.HISTORY_WINDOW ?? 20;
  emitLong(ctx, points, checks, { maxRatio: cfg.flatMaxRatio, toleranceMs: cfg.flatToleranceMs, target: cfg.checkpoints[cfg.checkpoints.length - 1] ?? 0, window });
}

/** One uncounted turn: the embedding model loads and connections open before anything is timed. */
async function warmUp(target: Target, user: string, signal: AbortSignal): Promise<void> {
  await chatOnce(target.url, { message: 'Hello, just warming up.', user, stream: false, signal });
  await target.runtime?.memoryService?.idle();
}

/** Run one part; a part that throws becomes an error and a failed check, and the others still run. */
async function part(ctx: SuiteContext, checks: Checks, name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    ctx.error(name, `${name} failed: ${msg}`);
    checks.add({ name: `${name}/ran`, passed: false, value: null, limit: null, detail: msg });
  }
}

async function withTarget(ctx: SuiteContext, checks: Checks, name: string, where: string, o: Parameters<typeof startTarget>[2], fn: (t: Target) => Promise<void>): Promise<void> {
  let target: Target;
  try {
    target = await startTarget(where, ctx.args.direct, o);
  } catch (err) {
    await part(ctx, checks, `${name}-target`, () => Promise.reject(err));
    return;
  }
  try {
    await fn(target);
  } finally {
    await target.close();
  }
}
