/** The --config of the latency and streaming suites: strict zod schemas, their defaults and --quick overrides. */
import { z } from 'zod';
import type { DelaySpec } from '../../../serve';
import type { ConfigSpec } from '../../harness/config';

const posInt = z.number().int().min(1);
const nonNegInt = z.number().int().min(0);

export const delaySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fixed'), ms: z.number().min(0) }).strict(),
  z.object({ kind: z.literal('uniform'), minMs: z.number().min(0), maxMs: z.number().min(0) }).strict(),
  z.object({ kind: z.literal('lognormal'), medianMs: z.number().positive(), p99Ms: z.number().positive() }).strict(),
]);

const latencySchema = z.strictObject({
  ttft: delaySchema,
  itl: delaySchema,
  outputTokens: posInt,
  /** closed-loop levels; the first is the primary one (unsuffixed metric names) */
  concurrency: z.array(posInt).min(1),
  /** measured requests per (level, mode); default max(60, 10·c), quick max(6, 2·c) */
  requests: posInt.optional(),
  /** warm-up requests before each batch (not counted); default the batch's concurrency, at least 2 (quick: 1) */
  warmup: nonNegInt.optional(),
  messageChars: posInt,
  /** message lengths (characters) of the sweep; [] skips it */
  sweepChars: z.array(posInt),
  sweepRequests: posInt,
  validityConcurrency: posInt,
  /** 0 skips the validity phase */
  validityRequests: nonNegInt,
  /** the simulator's ITL during the validity phase (default fixed 20 ms ≈ 50 tokens/s per stream) */
  validityItl: delaySchema,
  /** Memocha's long-term memory (retrieval before each answer, indexing after); default on, off with --quick */
  memory: z.boolean(),
  /**
   * Long-term memories stored for each of `seedUsers` users before the run (in-process target, memory on;
   * 0 = none). Memocha requests then go round-robin to these users, so every retrieval searches at least
   * this many memories of its user (latency/seed.ts).
   */
  seedMemories: nonNegInt,
  seedUsers: posInt,
  directModel: z.string().min(1).optional(),
  /** where the load-generating client runs (default a worker thread) */
  client: z.enum(['worker', 'main']),
});

export type LatencyConfig = z.infer<typeof latencySchema>;

export const latencyConfig: ConfigSpec<typeof latencySchema> = {
  config: latencySchema,
  defaults: {
    ttft: { kind: 'fixed', ms: 40 },
    itl: { kind: 'fixed', ms: 5 },
    outputTokens: 32,
    concurrency: [1, 16],
    messageChars: 100,
    sweepChars: [10, 100, 1000, 4000],
    sweepRequests: 20,
    validityConcurrency: 100,
    validityRequests: 300,
    validityItl: { kind: 'fixed', ms: 20 },
    memory: true,
    seedMemories: 0,
    seedUsers: 8,
    client: 'worker',
  },
  // --quick leaves long-term memory off (loading the embedding model and indexing cost ~10 s)
  quick: { outputTokens: 16, concurrency: [1, 4], sweepChars: [10, 1000], sweepRequests: 2, validityConcurrency: 20, validityRequests: 40, memory: false },
};

export function requestsAt(c: LatencyConfig, concurrency: number, quick: boolean): number {
  return c.requests ?? (quick ? Math.max(6, 2 * concurrency) : Math.max(60, 10 * concurrency));
}

export function warmupAt(c: { warmup?: number }, concurrency: number, quick = false): number {
  return c.warmup ?? (quick ? 1 : Math.max(2, concurrency));
}

const conditionSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9+-]*$/, 'a short lower-case name (letters, digits, - and +)'),
    /** put the throttling proxy in between (implied by latencyMs or bytesPerSec) */
    proxy: z.boolean().optional(),
    latencyMs: z.number().min(0).optional(),
    bytesPerSec: z.number().min(0).optional(),
    readDelayMs: z.number().min(0).optional(),
  });
export type NetCondition = z.infer<typeof conditionSchema>;

export const DEFAULT_CONDITIONS: NetCondition[] = [
  { name: 'loopback' },
  { name: 'proxy', proxy: true },
  { name: 'rtt100', latencyMs: 50 },
  { name: 'bw2k', latencyMs: 20, bytesPerSec: 2000 },
  { name: 'slow-reader', readDelayMs: 50 },
];

const streamingSchema = z
  .strictObject({
    ttft: delaySchema,
    /** delay per output token; a chunk of k tokens waits k times it */
    itlPerToken: delaySchema,
    outputTokens: posInt,
    requests: posInt,
    concurrency: posInt,
    warmup: nonNegInt.optional(),
    messageChars: posInt,
    memory: z.boolean(),
    /** the first condition is the baseline (unsuffixed metric names) */
    conditions: z.array(conditionSchema).min(1),
    /** simulator chunk sizes for the A/B; [] skips it */
    chunkTokens: z.array(posInt),
    client: z.enum(['worker', 'main']),
  })
  .superRefine((c, ctx) => {
    const names = c.conditions.map((x) => x.name);
    if (new Set(names).size !== names.length) ctx.addIssue({ code: 'custom', path: ['conditions'], message: 'condition names must be unique' });
  });

export type StreamingConfig = z.infer<typeof streamingSchema>;

export const streamingConfig: ConfigSpec<typeof streamingSchema> = {
  config: streamingSchema,
  defaults: {
    ttft: { kind: 'fixed', ms: 40 },
    itlPerToken: { kind: 'fixed', ms: 10 },
    outputTokens: 64,
    requests: 40,
    concurrency: 4,
    messageChars: 100,
    memory: false,
    conditions: DEFAULT_CONDITIONS,
    chunkTokens: [1, 4, 16],
    client: 'worker',
  },
  quick: { outputTokens: 16, requests: 4, concurrency: 2, chunkTokens: [1, 4] },
};

/** A delay spec k times as long (the per-chunk gap of k-token chunks at the same token rate). */
export function scaleDelay(d: DelaySpec, k: number): DelaySpec {
  if (d.kind === 'fixed') return { kind: 'fixed', ms: d.ms * k };
  if (d.kind === 'uniform') return { kind: 'uniform', minMs: d.minMs * k, maxMs: d.maxMs * k };
  return { kind: 'lognormal', medianMs: d.medianMs * k, p99Ms: d.p99Ms * k };
}

/**
 * A delay spec `addMs` longer: exact for fixed and uniform; for lognormal the median and p99 both move by
 * `addMs` (an approximation: the spread changes a little).
 */
export function addDelay(d: DelaySpec, addMs: number): DelaySpec {
  if (d.kind === 'fixed') return { kind: 'fixed', ms: d.ms + addMs };
  if (d.kind === 'uniform') return { kind: 'uniform', minMs: d.minMs + addMs, maxMs: d.maxMs + addMs };
  return { kind: 'lognormal', medianMs: d.medianMs + addMs, p99Ms: d.p99Ms + addMs };
}

/** The median of a delay spec (fixed: its value; uniform: the midpoint). */
export function delayMedian(d: DelaySpec): number {
  return d.kind === 'fixed' ? d.ms : d.kind === 'uniform' ? (d.minMs + d.maxMs) / 2 : d.medianMs;
}

export function usesProxy(c: NetCondition): boolean {
  return c.proxy === true || c.latencyMs !== undefined || c.bytesPerSec !== undefined;
}
