/** The data the dashboard shows; no DOM and no Node here, so eval/report/html.ts can share it. */
import type { IndexEntry, Report } from '../../eval/report/schema';

export type { IndexEntry, Report };

/** What `memocha-eval html` embeds in the page (script#memocha-data). */
export interface EmbeddedData {
  runs: IndexEntry[];
  /** by the run's `dir` */
  reports: Record<string, Report>;
}
