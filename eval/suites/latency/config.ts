/** The --config files of the latency and streaming suites (zod, strict), resolved with their defaults. */
import { z } from 'zod';
import type { DelaySpec } from '../../../serve/llm/simulator';
import type { JsonValue } from '../../report/schema';
import type { ClientThread } from './client';

const posInt = z.number().int().min(1);
const nonNegInt = z.number().int().min(0);

export const delaySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fixed'), ms: z.number().min(0) }).strict(),
  z.object({ kind: z.literal('uniform'), minMs: z.number().min(0), maxMs: z.number().min(0) }).strict(),
  z.object({ kind: z.literal('lognormal'), medianMs: z.number().positive(), p99Ms: z.number().positive() }).strict(),
]);

const latencySchema = z
  .object({
    ttft: delaySchema.optional(),
    itl: delaySchema.optional(),
    outputTokens: posInt.optional(),
    concurrency: z.array(posInt).min(1).optional(),
    requests: posInt.optional(),
    warmup: nonNegInt.optional(),
    messageChars: posInt.optional(),
    sweepChars: z.array(posInt).optional(),
    sweepRequests: posInt.optional(),
    validityConcurrency: posInt.optional(),
    validityRequests: nonNegInt.optional(),
    validityItl: delaySchema.optional(),
    memory: z.boolean().optional(),
    directModel: z.string().min(1).optional(),
    client: z.enum(['worker', 'main']).optional(),
  })
  .strict();

export interface LatencyConfig {
  ttft: DelaySpec;
  itl: DelaySpec;
  outputTokens: number;
  /** closed-loop levels; the first is the primary one (unsuffixed metric names) */
  concurrency: number[];
  /** measured requests per (level, mode); default max(60, 10·c), quick max(6, 2·c) */
  requests?: number;
  /** warm-up requests before each batch (not counted); default the batch's concurrency, at least 2 (quick: 1) */
  warmup?: number;
  messageChars: number;
  /** message lengths (characters) of the sweep; [] skips it */
  sweepChars: number[];
  sweepRequests: number;
  validityConcurrency: number;
  /** 0 skips the validity phase */
  validityRequests: number;
  /** the simulator's ITL during the validity phase (default fixed 20 ms ≈ 50 tokens/s per stream) */
  validityItl: DelaySpec;
  /** Memocha's long-term memory (retrieval before each answer, indexing after); default on, off with --quick */
  memory: boolean;
  directModel?: string;
  /** where the load-generating client runs (default a worker thread) */
  client: ClientThread;
}

export function requestsAt(c: LatencyConfig, concurrency: number, quick: boolean): number {
  return c.requests ?? (quick ? Math.max(6, 2 * concurrency) : Math.max(60, 10 * concurrency));
}

export function warmupAt(c: { warmup?: number }, concurrency: number, quick = false): number {
  return c.warmup ?? (quick ? 1 : Math.max(2, concurrency));
}

function parse<T extends z.ZodType>(schema: T, raw: JsonValue, suite: string): z.infer<T> {
  const r = schema.safeParse(raw ?? {});
  if (!r.success) throw new Error(`${suite} --config: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return r.data;
}

export function latencyConfig(raw: JsonValue, quick: boolean): LatencyConfig {
  const c = parse(latencySchema, raw, 'latency');
  return {
    ttft: c.ttft ?? { kind: 'fixed', ms: 40 },
    itl: c.itl ?? { kind: 'fixed', ms: 5 },
    outputTokens: c.outputTokens ?? (quick ? 16 : 32),
    concurrency: c.concurrency ?? (quick ? [1, 4] : [1, 16]),
    ...(c.requests !== undefined ? { requests: c.requests } : {}),
    ...(c.warmup !== undefined ? { warmup: c.warmup } : {}),
    messageChars: c.messageChars ?? 100,
    sweepChars: c.sweepChars ?? (quick ? [10, 1000] : [10, 100, 1000, 4000]),
    sweepRequests: c.sweepRequests ?? (quick ? 2 : 20),
    validityConcurrency: c.validityConcurrency ?? (quick ? 20 : 100),
    validityRequests: c.validityRequests ?? (quick ? 40 : 300),
    validityItl: c.validityItl ?? { kind: 'fixed', ms: 20 },
    // --quick leaves long-term memory off (loading the embedding model and indexing cost ~10 s)
    memory: c.memory ?? !quick,
    ...(c.directModel !== undefined ? { directModel: c.directModel } : {}),
    client: c.client ?? 'worker',
  };
}

const conditionSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9+-]*$/, 'a short lower-case name (letters, digits, - and +)'),
    /** put the throttling proxy in between (implied by latencyMs or bytesPerSec) */
    proxy: z.boolean().optional(),
    latencyMs: z.number().min(0).optional(),
    bytesPerSec: z.number().min(0).optional(),
    readDelayMs: z.number().min(0).optional(),
  })
  .strict();
export type NetCondition = z.infer<typeof conditionSchema>;

const streamingSchema = z
  .object({
    ttft: delaySchema.optional(),
    /** delay per output token; a chunk of k tokens waits k times it */
    itlPerToken: delaySchema.optional(),
    outputTokens: posInt.optional(),
    requests: posInt.optional(),
    concurrency: posInt.optional(),
    warmup: nonNegInt.optional(),
    messageChars: posInt.optional(),
    memory: z.boolean().optional(),
    conditions: z.array(conditionSchema).min(1).optional(),
    chunkTokens: z.array(posInt).optional(),
    client: z.enum(['worker', 'main']).optional(),
  })
  .strict();

export interface StreamingConfig {
  ttft: DelaySpec;
  itlPerToken: DelaySpec;
  outputTokens: number;
  requests: number;
  concurrency: number;
  warmup?: number;
  messageChars: number;
  memory: boolean;
  /** the first condition is the baseline (unsuffixed metric names) */
  conditions: NetCondition[];
  /** simulator chunk sizes for the A/B; [] skips it */
  chunkTokens: number[];
  client: ClientThread;
}

export const DEFAULT_CONDITIONS: NetCondition[] = [
  { name: 'loopback' },
  { name: 'proxy', proxy: true },
  { name: 'rtt100', latencyMs: 50 },
  { name: 'bw2k', latencyMs: 20, bytesPerSec: 2000 },
  { name: 'slow-reader', readDelayMs: 50 },
];

export function streamingConfig(raw: JsonValue, quick: boolean): StreamingConfig {
  const c = parse(streamingSchema, raw, 'streaming');
  const names = (c.conditions ?? []).map((x) => x.name);
  if (new Set(names).size !== names.length) throw new Error('streaming --config: condition names must be unique');
  return {
    ttft: c.ttft ?? { kind: 'fixed', ms: 40 },
    itlPerToken: c.itlPerToken ?? { kind: 'fixed', ms: 10 },
    outputTokens: c.outputTokens ?? (quick ? 16 : 64),
    requests: c.requests ?? (quick ? 4 : 40),
    concurrency: c.concurrency ?? (quick ? 2 : 4),
    ...(c.warmup !== undefined ? { warmup: c.warmup } : {}),
    messageChars: c.messageChars ?? 100,
    memory: c.memory ?? false,
    conditions: c.conditions ?? DEFAULT_CONDITIONS,
    chunkTokens: c.chunkTokens ?? (quick ? [1, 4] : [1, 4, 16]),
    client: c.client ?? 'worker',
  };
}

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
