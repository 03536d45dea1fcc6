/** Validation, defaults and merging of SimulatorOptions. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { compileScript, type CompiledRule } from './replies';
import type { ScriptRule, SimulatorOptions } from './types';

export const DEFAULT_OPTIONS = {
  seed: 42,
  mode: 'extractive',
  model: 'memocha-sim',
  ttft: { kind: 'fixed', ms: 20 },
  itl: { kind: 'fixed', ms: 5 },
  chunkTokens: 1,
  reportUsage: true,
  maxRecords: 100_000,
} as const satisfies SimulatorOptions;

const ms = z.number().finite().min(0);
const rate = z.number().min(0).max(1);

const delaySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fixed'), ms }),
  z.strictObject({ kind: z.literal('uniform'), minMs: ms, maxMs: ms }).refine((d) => d.maxMs >= d.minMs, 'maxMs must be >= minMs'),
  z.strictObject({ kind: z.literal('lognormal'), medianMs: ms, p99Ms: ms }).refine((d) => d.p99Ms >= d.medianMs, 'p99Ms must be >= medianMs'),
]);

const ruleSchema = z.strictObject({
  pattern: z.string(),
  flags: z.string().optional(),
  target: z.enum(['last_user', 'prompt']).optional(),
  reply: z.string(),
});

/** Fault injection options (also validates the reliability suite's fault windows). */
export const faultsSchema = z.strictObject({
  errorRate: rate.optional(),
  errorStatus: z.union([z.literal(429), z.literal(500), z.literal(503)]).optional(),
  retryAfterS: z.number().int().min(0).optional(),
  hangRate: rate.optional(),
  cutRate: rate.optional(),
  cutAfterTokens: z.number().int().min(0).optional(),
  malformedRate: rate.optional(),
});

export const optionsSchema = z.strictObject({
  seed: z.number().int().optional(),
  mode: z.enum(['echo', 'lorem', 'extractive', 'scripted']).optional(),
  model: z.string().min(1).optional(),
  ttft: delaySchema.optional(),
  itl: delaySchema.optional(),
  outputTokens: z.number().int().min(0).optional(),
  chunkTokens: z.number().int().min(1).optional(),
  script: z.array(ruleSchema).optional(),
  scriptPath: z.string().min(1).optional(),
  faults: faultsSchema.optional(),
  reportUsage: z.boolean().optional(),
  maxRecords: z.number().int().min(0).optional(),
  recordPrompts: z.boolean().optional(),
  preciseTimers: z.boolean().optional(),
});

/** Throws an Error listing every problem when `input` is not a valid (partial) SimulatorOptions. */
export function validateOptions(input: unknown): Partial<SimulatorOptions> {
  const parsed = optionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new Error(`invalid simulator options: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

export function loadScriptFile(path: string): ScriptRule[] {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  const parsed = z.array(ruleSchema).safeParse(raw);
  if (!parsed.success) throw new Error(`${path}: not a ScriptRule[] (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  return parsed.data;
}

/** Effective options plus what is derived from them (the compiled script). */
export interface ResolvedOptions {
  options: SimulatorOptions;
  rules: CompiledRule[];
}

/**
 * Shallow merge: each top-level key of `patch` replaces the current value (so `faults: {}` ends a fault window).
 * The script is (re)loaded from `scriptPath` when `script` is not given.
 */
export function resolveOptions(current: SimulatorOptions, patch: Partial<SimulatorOptions>): ResolvedOptions {
  const checked = validateOptions(patch);
  const options: SimulatorOptions = { ...current, ...checked };
  const script = options.script ?? (options.scriptPath ? loadScriptFile(options.scriptPath) : []);
  return { options, rules: compileScript(script) };
}
