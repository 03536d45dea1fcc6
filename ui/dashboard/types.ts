/** The data the dashboard shows; no DOM and no Node here, so eval/report/html.ts can share it. */
import type { Report } from '../../eval/report/schema';

export type { Report };

/** One run of reports/index.json: eval/report/runs-index.ts's IndexEntry (that file reads the disk; eval/report/html.ts checks the two agree). */
export interface IndexEntry {
  suite: string;
  runId: string;
  dir: string;
  startedAt: string;
  gitSha: string;
  quick: boolean;
  interrupted: boolean;
  gatesPassed?: boolean;
  headline: Record<string, { value: number | null; unit: string }>;
}

/** What `memocha-eval html` embeds in the page (script#memocha-data). */
export interface EmbeddedData {
  runs: IndexEntry[];
  /** by the run's `dir` */
  reports: Record<string, Report>;
}
