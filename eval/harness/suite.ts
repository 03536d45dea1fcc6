/** What a suite is, and what it gets to work with. */
import type { z } from 'zod';
import type { LatencyHistogram } from '../metrics/histogram';
import type { DatasetInfo } from '../report/meta';
import type { JsonValue, RunMeta } from '../report/schema';
import type { SuiteArgs } from './args';
import type { Cell, MetricExtra, RowInput } from './builder';
import { assertStrict, EMPTY_CONFIG, resolveConfig, type ConfigSchema, type ConfigSpec, type DeepPartial, type ResolvedConfig } from './config';
import type { Progress } from './progress';

export interface MetaUpdate {
  /**
   * what the run resolved beyond its config (the embedder, the store, the price it used): added to
   * meta.config, next to the effective config the harness records itself
   */
  config?: { [key: string]: JsonValue };
  dataset?: DatasetInfo;
  provider?: RunMeta['provider'];
  target?: string;
}

export interface SuiteContext {
  /** parsed command-line flags */
  args: SuiteArgs;
  /** fired on SIGINT: stop starting work, let in-flight work end or abort, and return */
  signal: AbortSignal;
  /** a TTY progress line on stderr (silent when not a TTY or in CI) */
  progress(total: number, label?: string): Progress;
  /** a diagnostic line on stderr */
  log(message: string): void;
  metric(name: string, value: number | null, unit: string, extra?: MetricExtra): void;
  histogram(name: string, h: LatencyHistogram): void;
  table(name: string, columns: readonly string[], rows: readonly (readonly Cell[])[]): void;
  row(obj: RowInput): void;
  error(caseId: string | number | undefined, message: string | Error): void;
  setMeta(update: MetaUpdate): void;
}

export interface Suite<C = unknown> {
  name: string;
  description: string;
  /** defaults ← quick (with --quick) ← the --config file, validated; throws ConfigError naming the bad key or value */
  resolveConfig(file: JsonValue | undefined, quick: boolean): ResolvedConfig<C>;
  run(ctx: SuiteContext, cfg: C): Promise<void>;
}

export interface SuiteDefinition<S extends ConfigSchema> {
  name: string;
  description: string;
  /** the strict schema of the --config file; none: the suite takes no config (an empty strict schema) */
  config?: S;
  /** every required key of `config` (checked when the suite is declared) */
  defaults?: z.input<S>;
  /** laid over the defaults with --quick */
  quick?: DeepPartial<z.input<S>>;
  run(ctx: SuiteContext, cfg: z.output<S>): Promise<void>;
}

/** Declare a suite: a name, a strict config schema with its defaults (and --quick overrides), and run. */
export function defineSuite<S extends ConfigSchema = typeof EMPTY_CONFIG>(def: SuiteDefinition<S>): Suite<z.output<S>> {
  if (!/^[a-z][a-z0-9-]*$/.test(def.name)) throw new Error(`suite name "${def.name}" must be kebab-case`);
  const spec = { config: def.config ?? EMPTY_CONFIG, defaults: def.defaults ?? {}, ...(def.quick ? { quick: def.quick } : {}) } as ConfigSpec<S>;
  assertStrict(spec.config, `suite ${def.name}`);
  // a default that does not fit the schema is the suite's bug: fail when it is declared, not when it runs
  resolveConfig(spec, undefined, false, `suite ${def.name} defaults`);
  resolveConfig(spec, undefined, true, `suite ${def.name} defaults with quick`);
  return {
    name: def.name,
    description: def.description,
    resolveConfig: (file, quick) => resolveConfig(spec, file, quick, `${def.name} --config`),
    run: (ctx, cfg) => def.run(ctx, cfg),
  };
}
