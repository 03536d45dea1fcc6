/**
 * Where a suite sends its load: `in-process` starts the LLM simulator and Memocha (embedded PGlite in
 * memory, or PostgreSQL when DATABASE_URL is set) on ephemeral 127.0.0.1 ports; a URL uses a running
 * deployment as it is.
 */
import { loadConfig } from '../../serve/config';
import { openDb } from '../../serve/db';
import { createLogger } from '../../serve/logger';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../serve/llm/simulator';
import { createRuntime, type Runtime } from '../../serve/runtime';
import { startServer } from '../../serve/server';

export interface Target {
  /** Memocha's base URL */
  url: string;
  /** the provider's OpenAI-compatible base URL (ending in /v1), for --direct comparisons */
  directUrl?: string;
  model: string;
  /** in-process only */
  sim?: Simulator;
  runtime?: Runtime;
  kind: 'in-process' | 'url';
  close(): Promise<void>;
}

export interface InProcessOptions {
  /** Memocha environment overrides (on top of the process environment). */
  env?: Record<string, string>;
  sim?: SimulatorOptions;
}

export async function startTarget(target: string | undefined, direct: string | undefined, o: InProcessOptions = {}): Promise<Target> {
  if (target && target !== 'in-process') {
    return { url: target.replace(/\/$/, ''), directUrl: direct, model: o.env?.LLM_MODEL ?? 'unknown', kind: 'url', close: async () => undefined };
  }
  const sim = await startSimulator({ seed: 42, mode: 'lorem', outputTokens: 64, ...o.sim });
  const config = loadConfig({
    ...process.env,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    LLM_PROVIDER: 'openai',
    LLM_BASE_URL: sim.url,
    LLM_API_KEY: 'simulator',
    LLM_MODEL: sim.options.model ?? 'memocha-sim',
    MEMORY_SWEEP_MS: '3600000',
    ...o.env,
  });
  const db = await openDb({ databaseUrl: config.DATABASE_URL, inMemory: !config.DATABASE_URL, poolMax: config.DB_POOL_MAX });
  const runtime = await createRuntime(config, { db, logger: createLogger(config.LOG_LEVEL, 'memocha-eval-target') });
  const server = await startServer(runtime, 0, '127.0.0.1');
  return {
    url: server.url,
    directUrl: direct ?? sim.url,
    model: config.model,
    sim,
    runtime,
    kind: 'in-process',
    async close() {
      await server.close(1_000);
      await db.close();
      await sim.close();
    },
  };
}
