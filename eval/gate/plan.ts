/** The CI gate plan: which suites run in their fast configuration, against which gates and baselines. */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

const runSchema = z.strictObject({
  suite: z.string().min(1),
  /**
   * The run's name when a suite runs more than once (default the suite): its gates are `gates[name]`,
   * its baseline `<baselines>/<name>.json`, its report `<out>/<name>`.
   */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and -').optional(),
  quick: z.boolean().default(true),
  /** the suite's --config, inline */
  config: z.record(z.string(), z.unknown()).default({}),
  dataset: z.string().optional(),
});

export const planSchema = z.strictObject({
  gates: z.string().min(1),
  /** a folder holding <suite>.json baseline reports (missing ones: regression checks are skipped and say so) */
  baselines: z.string().min(1),
  runs: z
    .array(runSchema)
    .min(1)
    .superRefine((runs, ctx) => {
      const names = runs.map((r) => r.name ?? r.suite);
      if (new Set(names).size !== names.length) ctx.addIssue({ code: 'custom', message: 'two runs share a name: give each run of the same suite its own "name"' });
    }),
});

/** A run's name: its gates key, baseline file and report folder. */
export function runName(run: GateRun): string {
  return run.name ?? run.suite;
}

export type GatePlan = z.infer<typeof planSchema>;
export type GateRun = GatePlan['runs'][number];

export async function readPlan(file: string): Promise<GatePlan> {
  const data = JSON.parse(await readFile(file, 'utf8')) as unknown;
  const r = planSchema.safeParse(data);
  if (!r.success) throw new Error(`${file}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

/**
 * GATE_SIM_TTFT_MS slows the simulator of the latency run (the CI self-test that a slower
 * system fails the gate); nothing else reads it.
 */
export function applyOverrides(run: GateRun, env: NodeJS.ProcessEnv): GateRun {
  const ttft = env.GATE_SIM_TTFT_MS;
  if (run.suite !== 'latency' || ttft === undefined || ttft === '') return run;
  const ms = Number(ttft);
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`GATE_SIM_TTFT_MS must be a non-negative number of ms, got ${JSON.stringify(ttft)}`);
  return { ...run, config: { ...run.config, ttft: { kind: 'fixed', ms } } };
}
