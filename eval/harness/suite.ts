/** What a suite is, and what it gets to work with. */
import type { LatencyHistogram } from '../metrics/histogram';
import type { DatasetInfo } from '../report/meta';
import type { JsonValue, RunMeta } from '../report/schema';
import type { SuiteArgs } from './args';
import type { Cell, MetricExtra, RowInput } from './builder';
import type { Progress } from './progress';

export interface MetaUpdate {
  /** the effective configuration (defaults merged), replacing the parsed --config file */
  config?: JsonValue;
  dataset?: DatasetInfo;
  provider?: RunMeta['provider'];
  target?: string;
}

export interface SuiteContext {
  /** parsed command-line flags */
  args: SuiteArgs;
  /** the parsed --config JSON file, {} without one */
  config: JsonValue;
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

export interface Suite {
  name: string;
  description: string;
  run(ctx: SuiteContext): Promise<void>;
}

/** Declare a suite (an identity function that checks its shape). */
export function defineSuite(suite: Suite): Suite {
  if (!/^[a-z][a-z0-9-]*$/.test(suite.name)) throw new Error(`suite name "${suite.name}" must be kebab-case`);
  return suite;
}
