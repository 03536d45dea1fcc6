/** The load suite's configuration: the strict schema a --config file is checked against, its defaults and --quick overrides. */
import { z } from 'zod';
import type { ConfigSpec } from '../../harness/config';

const ms = z.number().min(0);
const think = z.strictObject({ minMs: ms, maxMs: ms });
const users = z.number().int().min(1).max(5000);

export const loadConfigSchema = z.strictObject({
  /** where Memocha runs for --target in-process: its own process (default) or this one */
  mode: z.enum(['child', 'in-process']),
  /** long-term memory on the sweep target (MEMORY_ENABLED) */
  memory: z.boolean(),
  /** DATABASE_URL for the child (default: embedded PGlite in a temp DATA_DIR) */
  databaseUrl: z.string().optional(),
  /** 'separate' (default): the streams and rate-limit runs get their own target (memory per streams.memory, LLM concurrency raised); 'same': they reuse the sweep's target as it is */
  streamsTarget: z.enum(['separate', 'same']),
  /** more Memocha environment for every target */
  env: z.record(z.string(), z.string()),
  /** a folder: the sweep's child process writes a CPU profile of its main thread for each step's measured window there (.cpuprofile) */
  cpuProfileDir: z.string().min(1).optional(),
  /** the simulated LLM behind the sweep, the open loop and the rate-limit run */
  sim: z.strictObject({ ttftMs: ms, itlMs: ms, outputTokens: z.number().int().min(1) }),
  sweep: z.strictObject({
    users: z.array(users).min(1),
    warmupMs: ms,
    durationMs: z.number().positive(),
    clientTimeoutMs: z.number().positive(),
    think,
    turnsPerSession: z.number().int().min(1),
    maxRequestsPerStep: z.number().int().positive().optional(),
  }),
  /** saturation: p99 TTFT objective (ms) and the smallest throughput gain per step that still counts as growth */
  slo: z.strictObject({ ttftP99Ms: z.number().positive(), minGain: z.number().min(0) }),
  openLoop: z.union([
    z.literal(false),
    z.strictObject({ rate: z.union([z.literal('auto'), z.number().positive()]), autoFraction: z.number().positive().max(2), burstiness: z.number().positive(), warmupMs: ms, durationMs: z.number().positive(), maxInFlight: users }),
  ]),
  rateLimit: z.union([
    z.literal(false),
    /** honorRetryAfter: clients wait out a 503's Retry-After (capped at 10 s), as SDKs do */
    z.strictObject({ users, errorRate: z.number().min(0).max(1), retryAfterS: z.number().int().min(0), warmupMs: ms, durationMs: z.number().positive(), think, honorRetryAfter: z.boolean() }),
  ]),
  streams: z.union([
    z.literal(false),
    /** one long stream per user, users started evenly over rampMs */
    z.strictObject({ users, ttftMs: ms, itlMs: z.number().positive(), outputTokens: z.number().int().min(2), rampMs: ms, memory: z.boolean(), clientTimeoutMs: z.number().positive() }),
  ]),
});

export type LoadConfig = z.infer<typeof loadConfigSchema>;

const defaultThink = { minMs: 50, maxMs: 150 };

export const loadConfig: ConfigSpec<typeof loadConfigSchema> = {
  config: loadConfigSchema,
  defaults: {
    mode: 'child',
    memory: true,
    streamsTarget: 'separate',
    env: {},
    sim: { ttftMs: 20, itlMs: 5, outputTokens: 64 },
    sweep: { users: [1, 10, 50, 100, 200, 300], warmupMs: 3_000, durationMs: 15_000, clientTimeoutMs: 60_000, think: defaultThink, turnsPerSession: 3 },
    slo: { ttftP99Ms: 2_000, minGain: 0.1 },
    openLoop: { rate: 'auto', autoFraction: 0.7, burstiness: 1, warmupMs: 2_000, durationMs: 15_000, maxInFlight: 1_000 },
    rateLimit: { users: 10, errorRate: 0.2, retryAfterS: 1, warmupMs: 1_000, durationMs: 15_000, think: defaultThink, honorRetryAfter: true },
    streams: { users: 500, ttftMs: 50, itlMs: 100, outputTokens: 400, rampMs: 20_000, memory: false, clientTimeoutMs: 120_000 },
  },
  quick: {
    sweep: { users: [1, 10, 50], warmupMs: 2_000, durationMs: 6_000, clientTimeoutMs: 30_000 },
    openLoop: { durationMs: 6_000 },
    rateLimit: { durationMs: 6_000 },
    streams: { users: 100, outputTokens: 60, rampMs: 2_000, clientTimeoutMs: 60_000 },
  },
};
