import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { AppDeps } from './app';
import { PROCESS_INSTANCE_ID, startAnswerSweeper } from './chat/answer-sweep';
import type { MemoryService } from './chat/memory-seam';
import { noMemory } from './chat/memory-seam';
import { createRunningTurns } from './chat/running-turns';
import { configWarnings, instanceName, type Config } from './config';
import { openDb, type Db } from './db';
import { createRepos } from './db/repos';
import { watchQueryOutcomes } from './db/query-outcomes';
import { createLogger } from './logger';
import { createOpenAiProvider } from './llm/openai';
import { costUsd } from './llm/pricing';
import { createResilientLlm, type ResilientLlm } from './llm/resilience';
import { startSimulator, type Simulator, type SimulatorOptions } from './llm/simulator';
import { LlmError, type LlmProvider, type LlmUsage } from './llm/types';
import type { EmbeddingProvider } from './embeddings/types';
import type { FullMemoryService } from './memory/service';
import type { VectorStore } from './memory/store/types';
import { createMemoryFromConfig } from './memory/wire';
import type { LiveRecorder } from './live/recorder';
import { createLiveMonitor } from './live/wire';
import { createPrometheus } from './observability/prometheus';
import type { KnexQueryEvents } from './observability/trace-hooks';
import { startTracing, type Tracing } from './observability/tracing';
import { closeRedis, openRedis } from './redis/client';
import { createRateLimits } from './ratelimit/rate-limits';

export interface Runtime {
  deps: AppDeps & { llm: ResilientLlm };
  sim?: Simulator;
  /** Long-term memory, unless MEMORY_ENABLED=false or a MemoryService override was given. */
  memoryService?: FullMemoryService;
  /** The memory's store and embedder (bulk seeding by the eval harness); absent like memoryService. */
  memoryParts?: { store: VectorStore; embedder: EmbeddingProvider };
  /** OpenTelemetry, when OTEL_EXPORTER_OTLP_ENDPOINT is set (flushed and stopped by close()). */
  tracing?: Tracing;
  /** Live quality monitoring, when EVAL_SAMPLE_RATE > 0 (serve/live/). */
  live?: LiveRecorder;
  close(): Promise<void>;
}

export interface RuntimeOverrides {
  logger?: Logger;
  /** An already open database (tests); it is not closed by close(). */
  db?: Db;
  /** Extra simulator options for the built-in simulator. */
  sim?: Partial<SimulatorOptions>;
  memory?: MemoryService;
  /** Owner of this runtime's pending answers (default: this process's id); tests set it to act as another server. */
  instanceId?: string;
}

/** Wire config → database, LLM (the real provider or the built-in simulator), resilience and memory. */
export async function createRuntime(config: Config, o: RuntimeOverrides = {}): Promise<Runtime> {
  const logger = o.logger ?? createLogger(config.LOG_LEVEL);
  for (const warning of configWarnings(config)) logger.warn(warning);
  const prometheus = createPrometheus();
  const tracing = await startTracing(config);
  const redis = config.REDIS_URL ? openRedis({ url: config.REDIS_URL, commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS, logger }) : undefined;
  const db = o.db ?? (await openDb({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, poolMax: config.DB_POOL_MAX, pgliteMode: config.PGLITE_MODE }));
  const repos = createRepos(db.knex);
  const queryOutcomes = watchQueryOutcomes(db.knex);
  const untraceDb = tracing ? tracing.hooks.traceKnex(tracing.tracer, db.knex as unknown as KnexQueryEvents) : () => undefined;
  const stopAnalyze = db.backend === 'pglite' ? analyzePeriodically(db, logger) : () => undefined;
  const instanceId = o.instanceId ?? PROCESS_INSTANCE_ID;
  const priced = (model: string, usage: LlmUsage) => costUsd(model, usage, config.LLM_PRICING).usd;
  // One process owns a PGlite dir, so its rows from before are dead at once; PostgreSQL may be shared: a lease.
  const shared = db.backend === 'postgres';
  const stopSweeper = await startAnswerSweeper({ knex: db.knex, instanceId, staleMs: shared ? config.ANSWER_LEASE_MS : 0, costUsd: priced, logger, periodic: shared });

  let sim: Simulator | undefined;
  let primary: LlmProvider;
  let chatEndpoint: { baseUrl?: string; apiKey?: string } = { baseUrl: config.LLM_BASE_URL, apiKey: config.LLM_API_KEY };
  if (config.llmMode === 'sim') {
    // Its port is open to every local process: only Memocha (and whoever sets SIM_API_KEY) holds the key.
    const simKey = config.SIM_API_KEY ?? randomBytes(32).toString('base64url');
    sim = await startSimulator({
      mode: config.SIM_MODE,
      model: config.model,
      seed: config.SIM_SEED,
      ttft: { kind: 'fixed', ms: config.SIM_TTFT_MS },
      itl: { kind: 'fixed', ms: config.SIM_ITL_MS },
      maxRecords: config.SIM_MAX_RECORDS,
      ...o.sim,
      apiKey: simKey,
    });
    logger.warn({ url: sim.url, mode: config.SIM_MODE }, 'no LLM configured: answering with the built-in simulator (set LLM_BASE_URL / LLM_API_KEY for a real model)');
    chatEndpoint = { baseUrl: sim.url, apiKey: simKey };
    primary = createOpenAiProvider({ id: 'simulator', baseUrl: sim.url, apiKey: simKey, model: config.model, defaultMaxTokens: config.LLM_MAX_TOKENS, logger });
  } else {
    primary = createOpenAiProvider({
      id: 'primary',
      baseUrl: config.LLM_BASE_URL,
      apiKey: config.LLM_API_KEY,
      model: config.model,
      streamUsage: config.LLM_STREAM_USAGE,
      maxTokensParam: config.LLM_MAX_TOKENS_PARAM,
      defaultMaxTokens: config.LLM_MAX_TOKENS,
      logger,
    });
  }
  const fallbacks = (config.LLM_FALLBACKS ?? []).map((f, i) =>
    createOpenAiProvider({ id: `fallback-${i + 1}`, baseUrl: f.baseUrl, apiKey: f.apiKey, model: f.model, streamUsage: config.LLM_STREAM_USAGE, maxTokensParam: config.LLM_MAX_TOKENS_PARAM, defaultMaxTokens: config.LLM_MAX_TOKENS, logger }),
  );

  const llm = createResilientLlm({
    providers: tracing
      ? [primary, ...fallbacks].map((p, i) => tracing.hooks.traceLlmProvider(tracing.tracer, p, i === 0 ? (sim?.url ?? config.LLM_BASE_URL ?? process.env.OPENAI_BASE_URL) : config.LLM_FALLBACKS?.[i - 1]?.baseUrl))
      : [primary, ...fallbacks],
    attemptTimeoutMs: config.LLM_ATTEMPT_TIMEOUT_MS,
    idleTimeoutMs: config.LLM_IDLE_TIMEOUT_MS,
    deadlineMs: config.LLM_DEADLINE_MS,
    maxRetries: config.LLM_MAX_RETRIES,
    retryBaseMs: config.LLM_RETRY_BASE_MS,
    retryMaxMs: config.LLM_RETRY_MAX_MS,
    breaker: { errorPercent: config.BREAKER_ERROR_PERCENT, volume: config.BREAKER_VOLUME, windowMs: config.BREAKER_WINDOW_MS, resetMs: config.BREAKER_RESET_MS },
    queue: { maxConcurrency: config.LLM_MAX_CONCURRENCY, maxQueue: config.LLM_QUEUE_MAX },
    logger,
    onEvent: prometheus.onLlmEvent,
  });

  const memory = o.memory ? null : await createMemoryFromConfig({ config, db, repos, logger, llm, ...(redis ? { redis } : {}), onCacheRequest: prometheus.onCacheRequest });
  const memoryService = memory?.service;
  prometheus.bind({ llm, db, ...(memoryService ? { memory: memoryService } : {}) });

  const turns = createRunningTurns();
  const rateLimits = createRateLimits({
    prefix: config.RATE_LIMIT_PREFIX,
    rpm: config.RATE_LIMIT_RPM,
    tpm: config.RATE_LIMIT_TPM,
    concurrent: config.RATE_LIMIT_CONCURRENT,
    slotTtlS: config.RATE_LIMIT_SLOT_TTL_S,
    ...(redis ? { redis } : {}),
    logger,
    hooks: prometheus.rateLimit,
  });
  await rateLimits?.ready(2_000);
  const live = createLiveMonitor({ config, repos, logger, instanceId: instanceName(config), registry: prometheus.registry, chatEndpoint });
  const tracedMemory = (m: MemoryService) => (tracing ? tracing.hooks.traceMemory(tracing.tracer, m) : m);
  const deps: Runtime['deps'] = {
    config,
    db,
    repos,
    llm,
    logger,
    memory: tracedMemory(prometheus.instrumentMemory(o.memory ?? memoryService ?? noMemory)),
    memoryService,
    prometheus,
    onTurnDone: (t) => prometheus.onTurnDone(t),
    ...(live ? { onTurnAnswered: live.onTurnAnswered } : {}),
    ...(tracing ? { tracing, traceTurn: tracing.hooks.turnTracer(tracing.tracer, llm.model) } : {}),
    turns,
    costUsd: priced,
    instanceId,
    ...(redis ? { redis } : {}),
    rateLimits,
    admit: () => admission(llm),
    readiness: {
      async database() {
        // Busy, not down: with queries waiting for a connection while others keep succeeding, a ping would only
        // queue behind them, and a balancer's health check would time out on a saturated but healthy instance.
        if (db.pool().pending > 0 && queryOutcomes.succeededWithin(READY_RECENT_MS)) return { ok: true, backend: db.backend, busy: true };
        const t = performance.now();
        try {
          await db.ping();
          return { ok: true, backend: db.backend, latencyMs: performance.now() - t };
        } catch (err) {
          return { ok: false, backend: db.backend, error: (err as Error).message };
        }
      },
      llm: () => ({
        mode: config.llmMode,
        model: config.model,
        breakers: llm.breakerStates().map((b) => ({ provider: b.provider, state: b.state })),
        ...(sim ? { note: 'built-in simulator: no LLM is configured' } : {}),
      }),
      memory: () =>
        memory
          ? { enabled: true, embedder: memory.embedder.id, store: memory.store.id, ...(memory.startupError ? { error: memory.startupError } : {}), ...memoryStats(memory.service) }
          : { enabled: false },
    },
  };

  return {
    deps,
    sim,
    memoryService,
    ...(tracing ? { tracing } : {}),
    ...(live ? { live } : {}),
    ...(memory ? { memoryParts: { store: memory.store, embedder: memory.embedder } } : {}),
    async close() {
      stopAnalyze();
      stopSweeper();
      await live?.close();
      await memoryService?.close();
      await memory?.embedder.close?.();
      llm.close();
      await sim?.close();
      if (!o.db) await db.close();
      untraceDb();
      queryOutcomes.stop();
      rateLimits?.close();
      if (redis) await closeRedis(redis);
      await tracing?.shutdown();
    },
  };
}

/** /readyz answers from the queries of the last this many ms when the pool is saturated, instead of queueing a ping. */
const READY_RECENT_MS = 1_000;

/**
 * PGlite has no autovacuum, so its planner never learns the tables' sizes and history loads end up
 * scanning a session's messages instead of using the (session_id, seq) index as they grow.
 */
function analyzePeriodically(db: Db, logger: Logger, everyMs = 60_000): () => void {
  const analyze = () => db.knex.raw('analyze').catch((err: unknown) => logger.warn({ err }, 'ANALYZE failed'));
  void analyze();
  const timer = setInterval(() => void analyze(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

function memoryStats(service: FullMemoryService) {
  const s = service.stats();
  return { retrievals: s.retrievals, unavailable: s.unavailable, indexed: s.indexer.messagesIndexed, indexFailures: s.indexer.failures, queued: s.indexer.queued };
}

/** Refuse at once (before storing anything) when every provider's breaker is open or the queue is full. */
function admission(llm: ResilientLlm): LlmError | null {
  const open = llm.breakerStates();
  if (open.length > 0 && open.every((b) => b.state === 'open')) {
    const wait = Math.min(...open.map((b) => b.retryAfterMs ?? 1000));
    return new LlmError('breaker_open', 'every LLM provider circuit is open', { retryAfterMs: wait });
  }
  const q = llm.stats().queue;
  if (q.waiting >= q.maxQueue && q.active >= q.maxConcurrency) {
    return new LlmError('queue_full', 'LLM queue is full', { retryAfterMs: 1000 });
  }
  return null;
}
