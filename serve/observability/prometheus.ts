/**
 * Prometheus metrics (prom-client) on a per-app Registry, so several apps in one process (tests) do not
 * collide on the global default registry.
 *
 * Push-style metrics are updated by hooks: the HTTP middleware, the resilient LLM's onEvent, the chat
 * turn's timings and the memory seam's retrieve(). Pull-style ones (breaker state, LLM queue, DB pool,
 * memory indexer) are read from their owners' snapshots at scrape time through `bind()`.
 */
import type { Context, Middleware, Next } from 'koa';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MemoryService } from '../chat/memory-seam';
import type { PoolStats } from '../db';
import type { BreakerSnapshot, BreakerState } from '../llm/breaker';
import type { ResilienceEvent, ResilienceStats } from '../llm/resilience';

/** Where the scrape-time gauges read from; bound once the runtime has built them. */
export interface PrometheusSources {
  llm?: { breakerStates(): BreakerSnapshot[]; stats(): ResilienceStats };
  db?: { pool(): PoolStats };
  memory?: {
    stats(): {
      indexer: { queued: number; failures: number; messagesIndexed: number; claimsLost?: number };
      embeddingCache?: { hits: number; misses: number; size: number; queries: { hits: number; misses: number } };
    };
  };
}

export interface TurnTimingsLike {
  ttftMs?: number;
  totalMs: number;
}

export interface Prometheus {
  readonly registry: Registry;
  /** Koa middleware timing every request by method, matched route and status. Mount it first. */
  http(): Middleware;
  /** ResilienceOptions.onEvent. */
  onLlmEvent(e: ResilienceEvent): void;
  /** A chat turn answered (its timings as returned to the client). */
  onTurnDone(t: TurnTimingsLike): void;
  /** The memory seam with retrieve() timed. */
  instrumentMemory(m: MemoryService): MemoryService;
  /** A lookup in a shared (Redis) cache: `n` texts or keys served, missing, or failed (Redis down: bypassed). */
  onCacheRequest(cache: string, result: 'hit' | 'miss' | 'error', n?: number): void;
  /** The per-user rate limits' hooks (serve/ratelimit/): check time, fail-opens, refusals. */
  readonly rateLimit: { onCheck(seconds: number): void; onFailOpen(limit: string): void; onRefused(limit: string): void };
  bind(sources: PrometheusSources): void;
  /** Prometheus text exposition. */
  render(): Promise<{ contentType: string; body: string }>;
}

const STATES: readonly BreakerState[] = ['closed', 'open', 'halfOpen'];
/** Latency buckets in seconds: 5 ms … 60 s. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function createPrometheus(opts: { defaultMetrics?: boolean } = {}): Prometheus {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  let sources: PrometheusSources = {};
  const registers = [registry];

  const httpDuration = new Histogram({
    name: 'memocha_http_request_duration_seconds',
    help: 'HTTP request duration until the response finished (a whole SSE stream for streamed answers), by matched route',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const ttft = new Histogram({
    name: 'memocha_chat_ttft_seconds',
    help: 'Server-side time to first token of answered chat turns (request received → first token), from the turn timings',
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const turnDuration = new Histogram({
    name: 'memocha_chat_turn_duration_seconds',
    help: 'Total time of answered chat turns (request received → done), from the turn timings',
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const llmCalls = new Counter({
    name: 'memocha_llm_calls_total',
    help: 'LLM calls through the resilience layer by outcome (ok | error) and error kind (none when ok)',
    labelNames: ['outcome', 'kind'] as const,
    registers,
  });
  const llmCallDuration = new Histogram({
    name: 'memocha_llm_call_duration_seconds',
    help: 'LLM call duration including queue wait, retries and fallbacks, by outcome',
    labelNames: ['outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const llmTokens = new Counter({
    name: 'memocha_llm_tokens_total',
    help: 'Tokens of answered LLM calls, by type (input | output): as the provider reported them, else counted with our tokenizer',
    labelNames: ['type'] as const,
    registers,
  });
  const llmAttemptErrors = new Counter({
    name: 'memocha_llm_attempt_errors_total',
    help: 'Failed upstream LLM attempts before the first token, by provider and error kind',
    labelNames: ['provider', 'kind'] as const,
    registers,
  });
  const llmRetries = new Counter({
    name: 'memocha_llm_retries_total',
    help: 'LLM attempts retried (after a failed attempt), by provider and the kind of the failure',
    labelNames: ['provider', 'kind'] as const,
    registers,
  });
  const llmFallbacks = new Counter({
    name: 'memocha_llm_fallbacks_total',
    help: 'Fallbacks from one LLM provider to the next',
    labelNames: ['from', 'to'] as const,
    registers,
  });
  new Gauge({
    name: 'memocha_llm_breaker_state',
    help: 'Circuit breaker state per LLM provider: 1 for the current state, 0 for the others',
    labelNames: ['provider', 'state'] as const,
    registers,
    collect() {
      this.reset();
      for (const b of sources.llm?.breakerStates() ?? []) for (const s of STATES) this.set({ provider: b.provider, state: s }, b.state === s ? 1 : 0);
    },
  });
  const breakerChanges = new Counter({
    name: 'memocha_llm_breaker_transitions_total',
    help: 'Circuit breaker state changes per LLM provider, by the state entered',
    labelNames: ['provider', 'to'] as const,
    registers,
  });
  new Gauge({
    name: 'memocha_llm_queue_in_flight',
    help: 'LLM calls holding a concurrency slot',
    registers,
    collect() {
      const q = sources.llm?.stats().queue;
      if (q) this.set(q.active);
    },
  });
  new Gauge({
    name: 'memocha_llm_queue_waiting',
    help: 'LLM calls waiting for a concurrency slot',
    registers,
    collect() {
      const q = sources.llm?.stats().queue;
      if (q) this.set(q.waiting);
    },
  });
  const queueRejections = new Counter({
    name: 'memocha_llm_queue_rejections_total',
    help: 'LLM calls refused because the queue was full',
    registers,
  });
  const retrieval = new Histogram({
    name: 'memocha_memory_retrieval_duration_seconds',
    help: 'Long-term memory retrieval duration before each answer, by status (ok | disabled | unavailable | error)',
    labelNames: ['status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  new Gauge({
    name: 'memocha_memory_indexer_pending',
    help: 'Sessions queued for background memory indexing',
    registers,
    collect() {
      const s = sources.memory?.stats().indexer;
      if (s) this.set(s.queued);
    },
  });
  counterFrom('memocha_memory_indexer_failures_total', 'Background memory indexing runs that failed', () => sources.memory?.stats().indexer.failures);
  counterFrom('memocha_memory_indexed_messages_total', 'Messages indexed into long-term memory', () => sources.memory?.stats().indexer.messagesIndexed);
  counterFrom(
    'memocha_memory_index_claims_lost_total',
    'Indexing jobs that found another server had taken some of their messages (the job outlived a lease it could not renew)',
    () => sources.memory?.stats().indexer.claimsLost,
  );
  const cache = () => sources.memory?.stats().embeddingCache;
  counterFrom('memocha_embedding_cache_query_hits_total', "Chat queries whose embedding came from the embedder's LRU (or a running call for the same text)", () => cache()?.queries.hits);
  counterFrom('memocha_embedding_cache_query_misses_total', 'Chat queries not in the in-process embedding LRU (embedded, or read from Redis: memocha_cache_requests_total)', () => cache()?.queries.misses);
  counterFrom('memocha_embedding_cache_hits_total', 'Texts (queries and indexing) served by the embedding LRU', () => cache()?.hits);
  counterFrom('memocha_embedding_cache_misses_total', 'Texts (queries and indexing) the embedding model had to embed', () => cache()?.misses);
  gaugeFrom('memocha_embedding_cache_entries', 'Vectors held by the embedding LRU', () => cache()?.size);
  const cacheRequests = new Counter({
    name: 'memocha_cache_requests_total',
    help: 'Lookups in the shared Redis caches, by cache and result (hit | miss | error: Redis failed and was bypassed)',
    labelNames: ['cache', 'result'] as const,
    registers,
  });
  const rateLimitCheck = new Histogram({
    name: 'memocha_rate_limit_check_seconds',
    help: "The per-user rate limiter's own time per admission (all limits, checked at once)",
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1],
    registers,
  });
  const rateLimitFailOpen = new Counter({
    name: 'memocha_rate_limit_fail_open_total',
    help: 'Admissions that skipped a rate limit because its store (Redis) failed, by limit',
    labelNames: ['limit'] as const,
    registers,
  });
  const rateLimitRefused = new Counter({
    name: 'memocha_rate_limit_refused_total',
    help: 'Chat requests refused with 429 rate_limited, by the limit that refused them',
    labelNames: ['limit'] as const,
    registers,
  });
  const pool = (pick: (p: PoolStats) => number) => () => {
    const p = sources.db?.pool();
    return p ? pick(p) : undefined;
  };
  gaugeFrom('memocha_db_pool_size', 'Database pool connections (used + free; PGlite: one)', pool((p) => p.size));
  gaugeFrom('memocha_db_pool_used', 'Database pool connections in use', pool((p) => p.used));
  gaugeFrom('memocha_db_pool_pending_acquires', 'Queries waiting for a database connection (pending acquires + creates)', pool((p) => p.pending));

  function gaugeFrom(name: string, help: string, read: () => number | undefined) {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const v = read();
        if (v !== undefined) this.set(v);
      },
    });
  }
  /** A counter mirroring a monotonic count kept elsewhere. */
  function counterFrom(name: string, help: string, read: () => number | undefined) {
    new Counter({
      name,
      help,
      registers,
      collect() {
        const v = read();
        if (v === undefined) return;
        this.reset();
        this.inc(v);
      },
    });
  }

  return {
    registry,
    http() {
      return async (ctx: Context, next: Next) => {
        const end = httpDuration.startTimer();
        let observed = false;
        const observe = () => {
          if (observed) return;
          observed = true;
          const route = (ctx as Context & { _matchedRoute?: string })._matchedRoute;
          // Unmatched paths are not labels: one series per 404 path would explode the cardinality.
          end({ method: ctx.method, route: typeof route === 'string' ? route : 'unmatched', status: String(ctx.res.statusCode) });
        };
        ctx.res.once('finish', observe);
        ctx.res.once('close', observe);
        await next();
      };
    },
    onLlmEvent(e) {
      switch (e.type) {
        case 'attempt_failed':
          llmAttemptErrors.inc({ provider: e.provider, kind: e.kind });
          if (e.willRetry) llmRetries.inc({ provider: e.provider, kind: e.kind });
          break;
        case 'fallback':
          llmFallbacks.inc({ from: e.from, to: e.to });
          break;
        case 'breaker':
          breakerChanges.inc({ provider: e.provider, to: e.to });
          break;
        case 'queue_full':
          queueRejections.inc();
          break;
        case 'call_done':
          llmCalls.inc({ outcome: 'ok', kind: 'none' });
          llmCallDuration.observe({ outcome: 'ok' }, e.totalMs / 1000);
          if (e.usage) {
            llmTokens.inc({ type: 'input' }, e.usage.promptTokens);
            llmTokens.inc({ type: 'output' }, e.usage.completionTokens);
          }
          break;
        case 'call_failed':
          llmCalls.inc({ outcome: 'error', kind: e.kind });
          llmCallDuration.observe({ outcome: 'error' }, e.totalMs / 1000);
          break;
      }
    },
    onTurnDone(t) {
      try {
        if (t.ttftMs !== undefined) ttft.observe(t.ttftMs / 1000);
        turnDuration.observe(t.totalMs / 1000);
      } catch {
        // metrics must never break a turn
      }
    },
    instrumentMemory(m) {
      return {
        async retrieve(q, signal) {
          const end = retrieval.startTimer();
          try {
            const r = await m.retrieve(q, signal);
            end({ status: r.status });
            return r;
          } catch (err) {
            end({ status: 'error' });
            throw err;
          }
        },
        afterTurn: (turn) => m.afterTurn(turn),
      };
    },
    onCacheRequest(cache, result, n = 1) {
      cacheRequests.inc({ cache, result }, n);
    },
    rateLimit: {
      onCheck: (seconds) => rateLimitCheck.observe(seconds),
      onFailOpen: (limit) => rateLimitFailOpen.inc({ limit }),
      onRefused: (limit) => rateLimitRefused.inc({ limit }),
    },
    bind(s) {
      sources = { ...sources, ...s };
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
