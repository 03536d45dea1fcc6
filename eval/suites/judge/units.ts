/** What gets judged: answers (item × candidate) and ordered pairs of candidates. */
import { QUALITY_RANK, type JudgeCandidate, type JudgeItem } from '../../judge/dataset';
import { mapPool } from '../../judge/pool';
import type { SuiteContext } from '../../harness/suite';

export interface Answer {
  item: JudgeItem;
  candidate: JudgeCandidate;
}

export interface Pair {
  item: JudgeItem;
  /** the candidate labelled better (or the earlier one in the file when they rank equally) */
  first: JudgeCandidate;
  second: JudgeCandidate;
  /** true when `first` is labelled strictly better: only these pairs count for win/loss/tie */
  ordered: boolean;
}

export function answers(items: readonly JudgeItem[]): Answer[] {
  return items.flatMap((item) => item.candidates.map((candidate) => ({ item, candidate })));
}

export function pairs(items: readonly JudgeItem[]): Pair[] {
  const out: Pair[] = [];
  for (const item of items) {
    const cs = item.candidates;
    for (let i = 0; i < cs.length; i++) {
      for (let j = i + 1; j < cs.length; j++) {
        const a = cs[i] as JudgeCandidate;
        const b = cs[j] as JudgeCandidate;
        const ra = QUALITY_RANK[a.quality];
        const rb = QUALITY_RANK[b.quality];
        out.push(rb > ra ? { item, first: b, second: a, ordered: true } : { item, first: a, second: b, ordered: ra > rb });
      }
    }
  }
  return out;
}

/** Metric names use underscores: factual-accuracy → factual_accuracy. */
export const metricKey = (s: string): string => s.replace(/-/g, '_');

/** A short excerpt of a raw reply for the error tables. */
export const excerpt = (s: string | undefined, n = 80): string => (s === undefined ? '' : s.length > n ? `${s.slice(0, n)}…` : s).replace(/\s+/g, ' ');

/** Judge every job with at most `concurrency` in flight, ticking a progress line; jobs not started when the run is interrupted are left out. */
export async function judgeEach<J, R>(ctx: SuiteContext, jobs: readonly J[], label: string, concurrency: number, judge: (job: J) => Promise<R>): Promise<R[]> {
  const progress = ctx.progress(jobs.length, label);
  const done = await mapPool(
    jobs,
    concurrency,
    async (job) => {
      const result = await judge(job);
      progress.tick();
      return result;
    },
    ctx.signal,
  );
  progress.done();
  return done.filter((r): r is Awaited<R> => r !== undefined);
}
