/** Live samples → per-window aggregates, and the windows whose figures dropped against the previous one. */
import type { LiveSample } from '../../../serve';
import { mean, percentile } from '../../metrics/stats';

export interface WindowAggregate {
  /** ISO start of the window (aligned to multiples of its length since the epoch, UTC). */
  start: string;
  samples: number;
  instances: number;
  /** Shares of the samples meeting each SLO; TTFT over the samples with a TTFT. */
  ttftSloMet: number | null;
  totalSloMet: number | null;
  /** Both SLOs met (what the server's `slo` alert signal is). */
  sloMet: number | null;
  ttftP50Ms: number | null;
  ttftP95Ms: number | null;
  totalP50Ms: number | null;
  totalP95Ms: number | null;
  memoriesUsedMean: number | null;
  /** Mean top score over the samples that used memories. */
  memoryTopScoreMean: number | null;
  /** Mean of memory tokens / memory budget over the samples with a budget. */
  memoryBudgetUsedMean: number | null;
  judged: number;
  judgeScoreMean: number | null;
  /** Samples a judge looked at without giving a score. */
  judgeFailures: number;
}

const orNull = (x: number) => (Number.isFinite(x) ? x : null);
const share = (flags: readonly boolean[]) => (flags.length ? flags.filter(Boolean).length / flags.length : null);

export function aggregate(samples: readonly LiveSample[]): Omit<WindowAggregate, 'start'> {
  const ttfts = samples.flatMap((s) => (s.ttftMs === null ? [] : [s.ttftMs]));
  const totals = samples.map((s) => s.totalMs);
  const tops = samples.flatMap((s) => (s.memoryTopScore === null ? [] : [s.memoryTopScore]));
  const budget = samples.flatMap((s) => (s.memoryBudgetTokens > 0 ? [s.memoryTokens / s.memoryBudgetTokens] : []));
  const scores = samples.flatMap((s) => (s.judgeScore === null ? [] : [s.judgeScore]));
  return {
    samples: samples.length,
    instances: new Set(samples.map((s) => s.instanceId)).size,
    ttftSloMet: share(samples.flatMap((s) => (s.ttftSloMet === null ? [] : [s.ttftSloMet]))),
    totalSloMet: share(samples.map((s) => s.totalSloMet)),
    sloMet: share(samples.map((s) => s.ttftSloMet !== false && s.totalSloMet)),
    ttftP50Ms: orNull(percentile(ttfts, 50)),
    ttftP95Ms: orNull(percentile(ttfts, 95)),
    totalP50Ms: orNull(percentile(totals, 50)),
    totalP95Ms: orNull(percentile(totals, 95)),
    memoriesUsedMean: orNull(mean(samples.map((s) => s.memoriesUsed))),
    memoryTopScoreMean: orNull(mean(tops)),
    memoryBudgetUsedMean: orNull(mean(budget)),
    judged: samples.filter((s) => s.judgeModel !== null).length,
    judgeScoreMean: orNull(mean(scores)),
    judgeFailures: samples.filter((s) => s.judgeModel !== null && s.judgeScore === null).length,
  };
}

/** Samples grouped into consecutive windows of `windowMs` (empty windows left out), oldest first. */
export function byWindow(samples: readonly LiveSample[], windowMs: number): WindowAggregate[] {
  const groups = new Map<number, LiveSample[]>();
  for (const s of samples) {
    const start = Math.floor(Date.parse(s.createdAt) / windowMs) * windowMs;
    const g = groups.get(start) ?? [];
    g.push(s);
    groups.set(start, g);
  }
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([start, g]) => ({ start: new Date(start).toISOString(), ...aggregate(g) }));
}

export const SIGNALS = { sloMet: 'slo', judgeScoreMean: 'judge_score', memoryTopScoreMean: 'memory_top_score' } as const;

export interface WindowDrop {
  start: string;
  signal: (typeof SIGNALS)[keyof typeof SIGNALS];
  previous: number;
  current: number;
  drop: number;
}

/** Each window whose signal fell by more than `drop` below the previous window that had it (the server's alert rule, by time). */
export function windowDrops(windows: readonly WindowAggregate[], drop: number): WindowDrop[] {
  const out: WindowDrop[] = [];
  for (const [field, signal] of Object.entries(SIGNALS) as [keyof typeof SIGNALS, WindowDrop['signal']][]) {
    let previous: number | null = null;
    for (const w of windows) {
      const current = w[field];
      if (current === null) continue;
      if (previous !== null && previous - current > drop) out.push({ start: w.start, signal, previous, current, drop: previous - current });
      previous = current;
    }
  }
  return out;
}
