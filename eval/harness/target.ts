/**
 * Where a suite sends its load: `in-process` starts the LLM simulator and Memocha (embedded PGlite in
 * memory, or PostgreSQL when DATABASE_URL is set) on ephemeral 127.0.0.1 ports through serve/testing's
 * startStack; a URL uses a running deployment as it is; `cluster:<n>` starts n server processes behind
 * HAProxy (cluster-target.ts).
 */
import type { Runtime, Simulator, SimulatorOptions } from '../../serve';
import { startStack, type Cluster } from '../../serve/testing';
import { isClusterTarget } from './cluster-spec';
import { startClusterTarget } from './cluster-target';

export interface Target {
  /** Memocha's base URL */
  url: string;
  /** the provider's OpenAI-compatible base URL (ending in /v1), for --direct comparisons */
  directUrl?: string;
  model: string;
  /** in-process only */
  sim?: Simulator;
  runtime?: Runtime;
  /** cluster:<n> only: the server processes and the balancer at `url` */
  cluster?: Cluster;
  kind: 'in-process' | 'url' | 'cluster';
  close(): Promise<void>;
}

export interface InProcessOptions {
  /** Memocha environment overrides (on top of the process environment). */
  env?: Record<string, string>;
  sim?: SimulatorOptions;
}

/** The simulator the in-process targets answer with, unless a suite says otherwise. */
export const EVAL_SIM_DEFAULTS: SimulatorOptions = { seed: 42, mode: 'lorem', outputTokens: 64 };

/** An in-process target's Memocha environment: the process's, logs at warn, no hourly memory sweep during a run. */
export function evalTargetEnv(env: Record<string, string> = {}): Record<string, string> {
  return { LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', MEMORY_SWEEP_MS: '3600000', ...env };
}

export async function startTarget(target: string | undefined, direct: string | undefined, o: InProcessOptions = {}): Promise<Target> {
  if (target && isClusterTarget(target)) {
    const c = await startClusterTarget(target, evalTargetEnv(o.env), { ...EVAL_SIM_DEFAULTS, ...o.sim });
    return { url: c.url, directUrl: direct ?? c.sim.url, model: c.sim.options.model ?? 'memocha-sim', sim: c.sim, cluster: c, kind: 'cluster', close: () => c.close() };
  }
  if (target && target !== 'in-process') {
    return { url: target.replace(/\/$/, ''), directUrl: direct, model: o.env?.LLM_MODEL ?? 'unknown', kind: 'url', close: async () => undefined };
  }
  const stack = await startStack({
    config: 'process',
    env: evalTargetEnv(o.env),
    llm: 'provider',
    sim: { ...EVAL_SIM_DEFAULTS, ...o.sim },
    db: 'config',
    logName: 'memocha-eval-target',
    graceMs: 1_000,
  });
  return {
    url: stack.url,
    directUrl: direct ?? stack.sim.url,
    model: stack.config.model,
    sim: stack.sim,
    runtime: stack.runtime,
    kind: 'in-process',
    close: () => stack.close(),
  };
}
