/**
 * The one way tests and in-process eval targets start Memocha: the runtime and its HTTP server on
 * 127.0.0.1 (an ephemeral port), an LLM simulator, and a database (fresh PGlite, the test PostgreSQL
 * in a private schema, what the config names, or one the caller opened). close() stops all it started.
 */
import type { Logger } from 'pino';
import type { MemoryService } from '../chat/memory-seam';
import { loadConfig, testConfig, type Config } from '../config';
import { openDb, type Db, type DbBackend } from '../db';
import { DEFAULT_OPTIONS, startSimulator, type Simulator, type SimulatorOptions } from '../llm/simulator';
import { createLogger } from '../logger';
import { createRuntime, type Runtime } from '../runtime';
import { startServer, type RunningServer } from '../server';
import { openTestDb } from './db';

/**
 * How Memocha reaches its LLM:
 *   built-in  the runtime's own simulator (what a config without LLM_BASE_URL/LLM_API_KEY picks); `sim` on top of SIM_*
 *   provider  a simulator started here that Memocha calls as its OpenAI-compatible provider (LLM_PROVIDER=openai),
 *             so the real provider path is exercised and the simulator's URL can be called directly
 *   config    whatever the config says: a real LLM, or the built-in simulator (then `sim` applies)
 */
export type StackLlm = 'built-in' | 'provider' | 'config';

/**
 * pglite: a fresh in-memory PGlite · postgres: the test PostgreSQL in a random schema, dropped on close ·
 * config: DATABASE_URL as it is, or in-memory PGlite without one · a Db: used as it is and left open.
 */
export type StackDb = DbBackend | 'config' | Db;

export interface StackOptions {
  /** Memocha environment variables, on top of `config` (unless that is a Config). */
  env?: Record<string, string>;
  /** 'test' (default): defaults only, silent, a fast simulator · 'process': process.env · or a loaded Config. */
  config?: 'test' | 'process' | Config;
  llm?: StackLlm;
  sim?: Partial<SimulatorOptions>;
  /** default 'pglite' */
  db?: StackDb;
  /** replaces the long-term memory the config would build */
  memory?: MemoryService;
  logger?: Logger;
  /** the logger's name when no logger is given */
  logName?: string;
  /** how long close() lets open answers finish before aborting them, ms (default 0) */
  graceMs?: number;
}

export interface Stack {
  /** Memocha's base URL */
  url: string;
  config: Config;
  runtime: Runtime;
  server: RunningServer;
  db: Db;
  /** the simulator answering for the LLM (its OpenAI-compatible base URL is sim.url) */
  sim: Simulator;
  close(): Promise<void>;
}

/** With llm 'config' there is a simulator only when the config picks the built-in one. */
export type ConfiguredStack = Omit<Stack, 'sim'> & { sim?: Simulator };

/** The environment that makes Memocha call `sim` as its OpenAI-compatible provider. */
export function simulatorAsProvider(sim: Simulator): Record<string, string> {
  return { LLM_PROVIDER: 'openai', LLM_BASE_URL: sim.url, LLM_API_KEY: 'simulator', LLM_MODEL: sim.options.model ?? 'memocha-sim' };
}

export function startStack(o: StackOptions & { llm: 'config' }): Promise<ConfiguredStack>;
export function startStack(o?: StackOptions & { llm?: 'built-in' | 'provider' }): Promise<Stack>;
export async function startStack(o: StackOptions = {}): Promise<ConfiguredStack> {
  const llm = o.llm ?? 'built-in';
  const cleanups: (() => Promise<void>)[] = [];
  const undo = async () => {
    for (const c of [...cleanups].reverse()) await c();
  };
  try {
    const provider = llm === 'provider' ? await startSimulator(o.sim) : undefined;
    if (provider) cleanups.push(() => provider.close());
    const config = configFor(o, provider ? simulatorAsProvider(provider) : {});
    const db = await openStackDb(o.db ?? 'pglite', config, cleanups);
    const runtime = await createRuntime(config, {
      db,
      logger: o.logger ?? createLogger(config.LOG_LEVEL, o.logName),
      ...(o.memory ? { memory: o.memory } : {}),
      // tests read the built-in simulator's records, which `npm start` does not keep (SIM_MAX_RECORDS=0)
      ...(provider ? {} : { sim: { maxRecords: DEFAULT_OPTIONS.maxRecords, ...o.sim } }),
    });
    cleanups.push(() => runtime.close());
    const server = await startServer(runtime, 0, '127.0.0.1');
    cleanups[cleanups.length - 1] = () => server.close(o.graceMs ?? 0); // closes the runtime too
    const sim = provider ?? runtime.sim;
    if (llm === 'built-in' && !sim) throw new Error('startStack: llm "built-in", but the config names an LLM (LLM_BASE_URL or LLM_API_KEY)');
    let closing: Promise<void> | undefined;
    return { url: server.url, config, runtime, server, db, ...(sim ? { sim } : {}), close: () => (closing ??= undo()) };
  } catch (err) {
    await undo();
    throw err;
  }
}

function configFor(o: StackOptions, providerEnv: Record<string, string>): Config {
  const base = o.config ?? 'test';
  if (typeof base !== 'string') return base;
  if (base === 'process') return loadConfig({ ...process.env, ...providerEnv, ...o.env });
  return testConfig({ SIM_TTFT_MS: '5', SIM_ITL_MS: '1', PORT: '0', ...providerEnv, ...o.env });
}

async function openStackDb(spec: StackDb, config: Config, cleanups: (() => Promise<void>)[]): Promise<Db> {
  if (typeof spec !== 'string') return spec;
  if (spec === 'config') {
    const db = await openDb({ databaseUrl: config.DATABASE_URL, inMemory: !config.DATABASE_URL, poolMax: config.DB_POOL_MAX, pgliteMode: config.PGLITE_MODE });
    cleanups.push(() => db.close());
    return db;
  }
  const { db, cleanup } = await openTestDb(spec);
  cleanups.push(cleanup);
  return db;
}
