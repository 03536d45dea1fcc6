/** The reliability suite's configuration: the load, the fault windows, and small resilience timeouts so a run fits in ~1.5 min (quick < 40 s). */
import { z } from 'zod';
import type { ConfigSpec } from '../../harness/config';
import { faultsSchema } from '../../../serve';

const ms = z.number().min(0);

export const faultSchema = faultsSchema;

export const reliabilityConfigSchema = z.strictObject({
  mode: z.enum(['in-process', 'child']),
  memory: z.boolean(),
  databaseUrl: z.string().optional(),
  /** Memocha environment: the resilience knobs (timeouts, retries, breaker) */
  env: z.record(z.string(), z.string()),
  sim: z.strictObject({ ttftMs: ms, itlMs: ms, outputTokens: z.number().int().min(1) }),
  /** honorRetryAfter: clients wait out a 503's Retry-After (capped at 10 s) as SDKs do */
  load: z.strictObject({ users: z.number().int().min(1).max(1000), think: z.strictObject({ minMs: ms, maxMs: ms }), turnsPerSession: z.number().int().min(1), clientTimeoutMs: z.number().positive(), honorRetryAfter: z.boolean() }),
  /** healthy time before the first window, each window's length, and the healthy gap after each */
  schedule: z.strictObject({ baselineMs: ms, windowMs: z.number().positive(), gapMs: z.number().positive() }),
  /** the fault windows, in order */
  windows: z.array(z.strictObject({ name: z.string().min(1), faults: faultSchema })).min(1),
  recovery: z.strictObject({ windowMs: z.number().positive(), threshold: z.number().gt(0).max(1), minRequests: z.number().int().min(1) }),
});

export type ReliabilityConfig = z.infer<typeof reliabilityConfigSchema>;
export type FaultWindow = ReliabilityConfig['windows'][number];

export const reliabilityConfig: ConfigSpec<typeof reliabilityConfigSchema> = {
  config: reliabilityConfigSchema,
  defaults: {
    mode: 'in-process',
    memory: false,
    env: {
      LLM_ATTEMPT_TIMEOUT_MS: '1000',
      LLM_IDLE_TIMEOUT_MS: '1000',
      LLM_DEADLINE_MS: '4000',
      LLM_MAX_RETRIES: '2',
      LLM_RETRY_BASE_MS: '100',
      LLM_RETRY_MAX_MS: '500',
      BREAKER_ERROR_PERCENT: '50',
      BREAKER_VOLUME: '10',
      BREAKER_WINDOW_MS: '5000',
      BREAKER_RESET_MS: '2000',
    },
    sim: { ttftMs: 20, itlMs: 5, outputTokens: 32 },
    load: { users: 12, think: { minMs: 50, maxMs: 150 }, turnsPerSession: 3, clientTimeoutMs: 15_000, honorRetryAfter: true },
    schedule: { baselineMs: 5_000, windowMs: 8_000, gapMs: 10_000 },
    windows: [
      { name: 'errors-500', faults: { errorRate: 0.3, errorStatus: 500 } },
      { name: 'storm-429', faults: { errorRate: 0.9, errorStatus: 429, retryAfterS: 1 } },
      { name: 'hangs', faults: { hangRate: 0.3 } },
      { name: 'stream-cuts', faults: { cutRate: 0.3, cutAfterTokens: 3 } },
    ],
    recovery: { windowMs: 2_000, threshold: 0.99, minRequests: 10 },
  },
  quick: { load: { users: 8 }, schedule: { baselineMs: 2_000, windowMs: 3_000, gapMs: 3_000 } },
};
