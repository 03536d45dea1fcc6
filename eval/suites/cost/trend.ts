/**
 * Cost per message across runs: earlier cost reports (from <reports root>/index.json) plus this run,
 * each re-priced with this run's price from its recorded tokens per message, so a change of the
 * pricing table does not read as a change of the system.
 */
import path from 'node:path';
import { readReport } from '../../report/read';
import { readIndex } from '../../report/runs-index';
import type { Report } from '../../report/schema';
import { olsSlope, relativeChange } from '../../lib/slope';

export interface CostRun {
  runId: string;
  startedAt: string;
  gitSha: string;
  quick: boolean;
  /** the model the run was priced as (meta.config.pricedAs) */
  pricedAs: string | null;
  costPerMessage: number | null;
  promptPerMessage: number | null;
  completionPerMessage: number | null;
  memoryShare: number | null;
}

export interface TrendRow extends CostRun {
  /** the run's tokens per message priced with today's price */
  repriced: number | null;
  /** repriced vs the previous run with the same quick flag that has a value; null for the first */
  changeVsPrevious: number | null;
}

const value = (r: Report, name: string): number | null => r.metrics[name]?.value ?? null;

export function costRunFromReport(r: Report): CostRun {
  const cfg = r.meta.config;
  const pricedAs = typeof cfg === 'object' && cfg !== null && !Array.isArray(cfg) && typeof cfg.pricedAs === 'string' ? cfg.pricedAs : null;
  return {
    runId: r.runId,
    startedAt: r.startedAt,
    gitSha: r.meta.gitSha,
    quick: r.meta.quick,
    pricedAs,
    costPerMessage: value(r, 'cost_per_message_usd'),
    promptPerMessage: value(r, 'prompt_tokens_per_message'),
    completionPerMessage: value(r, 'completion_tokens_per_message'),
    memoryShare: value(r, 'memory_share'),
  };
}

/** The last `limit` runs of `suite` under the reports root, oldest first; unreadable ones are listed apart. */
export async function loadCostHistory(root: string, opts: { suite?: string; limit?: number } = {}): Promise<{ runs: CostRun[]; skipped: string[] }> {
  const entries = (await readIndex(root)).filter((e) => e.suite === (opts.suite ?? 'cost') && !e.interrupted).slice(0, opts.limit ?? 20);
  const runs: CostRun[] = [];
  const skipped: string[] = [];
  for (const e of entries) {
    try {
      runs.push(costRunFromReport(await readReport(path.resolve(root, e.dir))));
    } catch (err) {
      skipped.push(`${e.dir}: ${(err as Error).message}`);
    }
  }
  runs.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  return { runs, skipped };
}

/**
 * Add the re-priced cost per message (price(prompt/msg, completion/msg)) and its relative change vs
 * the previous run of the same kind (quick or full). `runs` oldest first.
 */
export function trendRows(runs: readonly CostRun[], price: (promptTokens: number, completionTokens: number) => number): TrendRow[] {
  const lastOfKind = new Map<boolean, number>();
  return runs.map((run) => {
    const repriced = run.promptPerMessage !== null && run.completionPerMessage !== null ? price(run.promptPerMessage, run.completionPerMessage) : null;
    const prev = lastOfKind.get(run.quick);
    const change = prev === undefined ? null : relativeChange(prev, repriced);
    if (repriced !== null) lastOfKind.set(run.quick, repriced);
    return { ...run, repriced, changeVsPrevious: change !== null && Number.isFinite(change) ? change : null };
  });
}

/** OLS slope of the re-priced cost per message over the run index (USD per message per run), runs of one kind. */
export function trendSlope(rows: readonly TrendRow[], quick: boolean): number {
  const ys = rows.filter((r) => r.quick === quick).map((r) => r.repriced ?? Number.NaN);
  return olsSlope(
    ys.map((_, i) => i),
    ys,
  );
}
