import { hostname } from 'node:os';
import { z } from 'zod';

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const fallbackSchema = z.array(
  z.object({
    baseUrl: z.url(),
    model: z.string().min(1),
    apiKey: z.string().optional(),
  }),
);

const pricingSchema = z.record(
  z.string(),
  z.object({ inputPerM: z.number().min(0), outputPerM: z.number().min(0), cachedInputPerM: z.number().min(0).optional() }),
);

function jsonOf<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((raw, ctx) => {
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/** Every variable, its default and how to fix it. `.env.example` mirrors this list. */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(3000).refine((p) => p <= 65535, 'must be a port number 0-65535'),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** OpenTelemetry traces go to OTLP/HTTP (JSON) at <this>/v1/traces when set; unset: tracing is off and costs nothing. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  /** The full traces URL, used as it is (takes precedence over OTEL_EXPORTER_OTLP_ENDPOINT). */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('memocha'),
  /** This instance's name in the X-Memocha-Instance response header and in logs (default: host name and process id). */
  INSTANCE_NAME: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 _ . : -').optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  /** eval reports the dashboard reads (GET /api/reports): index.json and <suite>/<run>/ below it */
  REPORTS_DIR: z.string().min(1).default('reports'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  DB_POOL_MAX: int(10, 1),
  /** Where embedded PGlite runs: worker (a worker thread, off the event loop) | inline (the server's thread; tools, debugging). */
  PGLITE_MODE: z.enum(['worker', 'inline']).default('worker'),

  // LLM: `auto` uses the OpenAI-compatible provider when LLM_BASE_URL or LLM_API_KEY is set,
  // and the built-in simulator otherwise.
  LLM_PROVIDER: z.enum(['auto', 'openai', 'sim']).default('auto'),
  LLM_BASE_URL: z.url().optional(),
  LLM_API_KEY: z.string().optional(),
  LLM_MODEL: z.string().min(1).optional(),
  LLM_CONTEXT_TOKENS: int(8192, 256),
  LLM_MAX_TOKENS: int(512, 1),
  LLM_TEMPERATURE: z.coerce.number().min(0).max(2).default(0.7),
  /** Servers that reject `stream_options` (some older vLLM/llama.cpp builds) need false; tokens are then counted locally. */
  LLM_STREAM_USAGE: bool(true),
  /** Reasoning models (o-series, gpt-5) take max_completion_tokens. */
  LLM_MAX_TOKENS_PARAM: z.enum(['max_tokens', 'max_completion_tokens']).default('max_tokens'),
  LLM_FALLBACKS: jsonOf(fallbackSchema).optional(),
  LLM_PRICING: jsonOf(pricingSchema).optional(),

  // Resilience
  LLM_ATTEMPT_TIMEOUT_MS: int(20_000, 1),
  LLM_IDLE_TIMEOUT_MS: int(15_000, 1),
  LLM_DEADLINE_MS: int(60_000, 1),
  LLM_MAX_RETRIES: int(2),
  LLM_RETRY_BASE_MS: int(250, 1),
  LLM_RETRY_MAX_MS: int(5_000, 1),
  LLM_MAX_CONCURRENCY: int(64, 1),
  LLM_QUEUE_MAX: int(256),
  /** Open when more than this % of the counted LLM attempts in BREAKER_WINDOW_MS failed (429s and 4xx are not counted). */
  BREAKER_ERROR_PERCENT: z.coerce.number().min(0).max(100).default(50),
  /** Counted attempts the window must hold before the percentage can open the circuit. */
  BREAKER_VOLUME: int(10, 1),
  /** @deprecated ignored (the breaker opens on BREAKER_ERROR_PERCENT with BREAKER_VOLUME); a warning is logged at startup. */
  BREAKER_FAILURES: z.string().optional(),
  BREAKER_WINDOW_MS: int(10_000, 100),
  BREAKER_RESET_MS: int(5_000, 10),

  // Simulator used when no LLM is configured
  SIM_MODE: z.enum(['echo', 'lorem', 'extractive', 'scripted']).default('extractive'),
  SIM_TTFT_MS: int(20),
  SIM_ITL_MS: int(5),
  SIM_SEED: int(42),
  /** The key the built-in simulator demands (Authorization: Bearer); unset: a random one per start, known only in-process. */
  SIM_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Requests the built-in simulator keeps a record of (with each user's last message) for GET /sim/requests; 0 keeps none. */
  SIM_MAX_RECORDS: int(0),

  // Redis: shared rate limits and caches across instances (serve/redis/); unset: limits per process, no shared cache.
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  /** A Redis command not answered within this many ms fails (limits fail open, caches are bypassed). */
  REDIS_COMMAND_TIMEOUT_MS: int(500, 1), // 100 fired during event-loop stalls on a loaded 2-core machine (timers run before the reply is read): false fail-opens
  /** Per user: chat requests per minute, tokens (prompt + completion) per minute, streams open at once; 0 = off. */
  RATE_LIMIT_RPM: int(0),
  RATE_LIMIT_TPM: int(0),
  RATE_LIMIT_CONCURRENT: int(0),
  RATE_LIMIT_PREFIX: z.string().min(1).default('memocha:rl'),
  /** On Redis: a user's open-stream slots expire this many s after their last admission or release (an instance died holding them). */
  RATE_LIMIT_SLOT_TTL_S: int(300, 1),
  REDIS_CACHE_PREFIX: z.string().min(1).default('memocha:cache'),
  /** Seconds a query embedding stays in Redis (shared by every instance, under the in-process LRU); 0 = no Redis embedding cache. */
  REDIS_CACHE_EMBEDDINGS_TTL_S: int(7 * 24 * 3600),

  // Live quality monitoring (serve/live/): a sampled share of answered turns is recorded into live_eval.
  /** Share of answered turns sampled (0..1; 0 = off), chosen by a hash of the answer's id (reproducible). */
  EVAL_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(0),
  /** SLOs a sample is checked against: server TTFT (the load suite's p99 objective) and total answer time. */
  LIVE_SLO_TTFT_MS: int(2_000, 1),
  LIVE_SLO_TOTAL_MS: int(30_000, 1),
  /** Samples waiting to be judged and written; more are dropped and counted (memocha_live_dropped_total). */
  LIVE_QUEUE_MAX: int(100, 1),
  /** Judge sampled answers with this model (unset: no judge): LIVE_JUDGE_BASE_URL/_API_KEY, else the chat's LLM endpoint. */
  LIVE_JUDGE_MODEL: z.string().min(1).optional(),
  LIVE_JUDGE_BASE_URL: z.url().optional(),
  LIVE_JUDGE_API_KEY: z.string().optional(),
  LIVE_JUDGE_TIMEOUT_MS: int(30_000, 1),
  /** Samples judged (and written) at once: what one instance's judge gets through is about this / the judge's latency. */
  LIVE_JUDGE_CONCURRENCY: int(2, 1),
  /** Alerting: samples per window; a window mean below the previous one by more than LIVE_ALERT_DROP (or below a floor) alerts. */
  LIVE_ALERT_WINDOW: int(50, 2),
  LIVE_ALERT_DROP: z.coerce.number().min(0).max(1).default(0.1),
  LIVE_ALERT_FLOOR_SLO: z.coerce.number().min(0).max(1).optional(),
  LIVE_ALERT_FLOOR_JUDGE: z.coerce.number().min(0).max(1).optional(),
  LIVE_ALERT_FLOOR_TOP_SCORE: z.coerce.number().min(-1).max(1).optional(),

  // Long-term memory
  MEMORY_ENABLED: bool(true),
  /** use-lite (offline default) | openai:<model> | transformers:<local model dir> | static[:use-lite][?dtype=int8&a=<n>] (distilled from use-lite, table cached in DATA_DIR/embeddings) */
  EMBEDDINGS: z
    .string()
    .regex(/^(use-lite|openai:.+|transformers:.+|static([:?].*)?)$/, 'must be use-lite, openai:<model>, transformers:<dir> or static[:use-lite][?dtype=int8&a=<n>]')
    .default('use-lite'),
  EMBEDDINGS_BASE_URL: z.url().optional(),
  EMBEDDINGS_API_KEY: z.string().optional(),
  EMBEDDINGS_CACHE_SIZE: int(10_000),
  /** Vector size for openai:/transformers: models whose size is not known in advance. */
  EMBEDDINGS_DIMENSIONS: z.coerce.number().int().min(1).optional(),
  /** use-lite only: run the model in a worker thread, off the server's event loop. */
  EMBEDDINGS_WORKER: bool(true),
  /** pgvector (in the same database: embedded PGlite or PostgreSQL with the extension) | pgarray (same database, no extension: real[], exact) | milvus://host:19530 */
  VECTOR_STORE: z.string().regex(/^(pgvector|pgarray|milvus:\/\/.+)$/, 'must be pgvector, pgarray or milvus://host:port').default('pgvector'),
  VECTOR_INDEX: z.enum(['exact', 'hnsw', 'FLAT', 'HNSW', 'IVF_FLAT', 'IVF_SQ8', 'DISKANN']).default('exact'),
  HNSW_M: int(16, 2),
  HNSW_EF_CONSTRUCTION: int(64, 4),
  HNSW_EF_SEARCH: int(100, 1), // 40 found 0.927 of the exact top 30 at 10k memories per user, 100 found 0.97 (reports/baselines/retrieval-hot-path)
  MILVUS_TOKEN: z.string().optional(),
  MILVUS_METRIC: z.enum(['COSINE', 'IP']).default('COSINE'),
  MEMORY_CHUNKING: z.enum(['message', 'turn', 'window', 'daily']).default('turn'),
  MEMORY_WINDOW_TURNS: int(3, 1),
  MEMORY_WINDOW_STRIDE: int(1, 1),
  MEMORY_TOP_K: int(5, 1),
  MEMORY_CANDIDATES: int(30, 1),
  MEMORY_SCOPE: z.enum(['user', 'session']).default('user'),
  MEMORY_MIN_SCORE: z.coerce.number().min(-1).max(1).default(0.2),
  MEMORY_RECENCY_HALF_LIFE_DAYS: z.coerce.number().min(0).default(30),
  MEMORY_RECENCY_WEIGHT: z.coerce.number().min(0).max(1).default(0.9),
  /** present: recency only for questions about the current state ("where do I live now?"); always: every question */
  MEMORY_RECENCY_WHEN: z.enum(['present', 'always']).default('present'),
  /** questions about the current state: newer candidates gain up to this much fused score (0 = off) */
  MEMORY_NEWER_FIRST_BAND: z.coerce.number().min(0).max(1).default(0.3),
  MEMORY_MMR_LAMBDA: z.coerce.number().min(0).max(1).default(1),
  MEMORY_DEDUPE_WINDOW: bool(true),
  MEMORY_DEDUPE_NEAR: z.coerce.number().min(0).max(1).default(0.97),
  MEMORY_HYBRID: bool(true),
  /** how the vector and lexical lists are fused: rrf (reciprocal rank) | relative (min-max normalised scores) */
  MEMORY_FUSION: z.enum(['rrf', 'relative']).default('relative'),
  /** weight of the lexical (BM25) list against the vector list's 1 */
  MEMORY_LEXICAL_WEIGHT: z.coerce.number().min(0).max(100).default(2),
  /** added to the fused score of memories dated in a range the question names ("last May"); 0 = off */
  MEMORY_TIME_BOOST: z.coerce.number().min(0).max(10).default(0.1),
  /** the named range is widened by this many days after its end (events are talked about after them) */
  MEMORY_TIME_AFTER_DAYS: z.coerce.number().min(0).max(365).default(14),
  /** context expansion: memories before/after each hit in its session (0 = off) */
  MEMORY_NEIGHBOURS: int(0),
  /** a neighbour's score = its hit's score × this */
  MEMORY_NEIGHBOUR_DISCOUNT: z.coerce.number().min(0).max(1).default(0.9),
  /** BM25 of the full-text half of hybrid retrieval: term-frequency saturation and length normalisation. */
  MEMORY_BM25_K1: z.coerce.number().min(0).max(10).default(1.2),
  MEMORY_BM25_B: z.coerce.number().min(0).max(1).default(0.75),
  MEMORY_SHARE: z.coerce.number().min(0).max(1).default(0.35),
  MEMORY_TIMEOUT_MS: int(3_000, 1),
  MEMORY_MAX_PER_USER: int(0),
  MEMORY_TTL_DAYS: z.coerce.number().min(0).default(0),
  MEMORY_SWEEP_MS: int(60_000, 100),
  /** A server's claim on the messages it is indexing lasts this long unless renewed (every third of it); a dead server's claims expire after it. */
  MEMORY_INDEX_LEASE_MS: int(60_000, 300),

  // Chat
  SYSTEM_PROMPT: z.string().default('You are Memocha, a helpful assistant with long-term memory.'),
  HISTORY_WINDOW: int(20, 0),
  MAX_CONTENT_CHARS: int(16_000, 1),
  MAX_BODY_BYTES: int(1_048_576, 1024),
  SSE_KEEPALIVE_MS: int(15_000, 10),
  /** > 0: token events arriving within this many ms share one socket write (the first token is written at once). */
  SSE_COALESCE_MS: int(5), // lowest added inter-token p99 at 500 streams in two sessions (reports/baselines/hot-path/figures.md)
  SHUTDOWN_GRACE_MS: int(10_000, 0),
  /** A streaming answer's text is saved at most this often (and lags the client by at most about this much after a crash). */
  ANSWER_SAVE_INTERVAL_MS: int(500, 10),
  /** A pending answer of another process not saved for this long is taken as dead and marked interrupted; live ones re-save every third of it. */
  ANSWER_LEASE_MS: int(30_000, 300),
  DEFAULT_USER_ID: z.string().regex(/^[A-Za-z0-9_.@-]{1,128}$/).default('default'),
  /** required: every /v1 and /chat request needs `Authorization: Bearer <api key>` · off: X-Memocha-User names the user · auto: required unless HOST is a loopback address */
  AUTH: z.enum(['required', 'off', 'auto']).default('auto'),
  /** Let a server with AUTH=off listen on a non-loopback HOST (anyone who reaches it can act as any user). */
  AUTH_ALLOW_OPEN: bool(false),
  CORS_ORIGIN: z.string().optional(),
});

export type Env = z.infer<typeof envSchema>;

export interface Config extends Env {
  llmMode: 'openai' | 'sim';
  model: string;
  /** AUTH resolved: true when requests need an API key. */
  authRequired: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}\nFix these environment variables (see .env.example for every variable and its default).`);
    this.name = 'ConfigError';
  }
}

/** Parse the environment once; throws ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const source: Record<string, string | undefined> = { ...env };
  // OPENAI_* are accepted as aliases of LLM_*, as the openai SDK's users expect.
  source.LLM_BASE_URL ??= env.OPENAI_BASE_URL;
  source.LLM_API_KEY ??= env.OPENAI_API_KEY;
  source.LLM_MODEL ??= env.OPENAI_MODEL;
  for (const key of Object.keys(source)) if (source[key] === '') source[key] = undefined;

  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}=${JSON.stringify(source[String(i.path[0])] ?? '')}: ${i.message}`),
    );
  }
  const e = parsed.data;
  const llmMode =
    e.LLM_PROVIDER === 'auto' ? (e.LLM_BASE_URL || e.LLM_API_KEY ? 'openai' : 'sim') : e.LLM_PROVIDER;
  if (llmMode === 'openai' && !e.LLM_BASE_URL && !e.LLM_API_KEY) {
    throw new ConfigError(['LLM_PROVIDER=openai needs LLM_BASE_URL (any OpenAI-compatible server) or LLM_API_KEY (api.openai.com)']);
  }
  const model = e.LLM_MODEL ?? (llmMode === 'sim' ? `memocha-sim-${e.SIM_MODE}` : 'gpt-4o-mini');
  const authRequired = e.AUTH === 'required' || (e.AUTH === 'auto' && !isLoopbackHost(e.HOST));
  const exposed = openExposureProblem(authRequired, e.AUTH_ALLOW_OPEN, e.HOST);
  if (exposed) throw new ConfigError([exposed]);
  return { ...e, llmMode, model, authRequired };
}

/** 127.0.0.0/8, ::1 and localhost: only this machine can connect. 0.0.0.0, :: and names are not. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  return /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Why listening on `host` without authentication is refused, or undefined when it is allowed. */
export function openExposureProblem(authRequired: boolean, allowOpen: boolean, host: string): string | undefined {
  if (authRequired || allowOpen || isLoopbackHost(host)) return undefined;
  return `AUTH=off with HOST=${host}: a server without authentication must listen on a loopback address (127.0.0.1, ::1, localhost). Use AUTH=required (or auto) and API keys (npm run keys -- create <user>), or set AUTH_ALLOW_OPEN=true to serve every user's data to anyone who can reach ${host}`;
}

/** Settings that are accepted but deprecated or ignored, as messages to log at startup. */
export function configWarnings(c: Config): string[] {
  const out: string[] = [];
  if (c.BREAKER_FAILURES !== undefined) {
    out.push(
      `BREAKER_FAILURES=${c.BREAKER_FAILURES} is deprecated and ignored: the circuit breaker now opens when more than BREAKER_ERROR_PERCENT (${c.BREAKER_ERROR_PERCENT}) % of the LLM attempts in BREAKER_WINDOW_MS failed, once there are at least BREAKER_VOLUME (${c.BREAKER_VOLUME}) of them; remove BREAKER_FAILURES`,
    );
  }
  return out;
}

/** Config for tests: defaults plus overrides, without reading process.env. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...overrides });
}

/** This instance's name (X-Memocha-Instance, live samples): INSTANCE_NAME, or the host name and process id. */
export function instanceName(config: Pick<Config, 'INSTANCE_NAME'>): string {
  return config.INSTANCE_NAME ?? `${hostname()}-${process.pid}`;
}
