/** Write a run: report.json, rows.csv, summary.md, junit.xml, and its entry in <reports root>/index.json. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { rowsToCsv } from './csv';
import { toJunit } from './junit';
import { toMarkdown } from './markdown';
import { indexEntry, updateIndex } from './runs-index';
import type { Report } from './schema';
import { parseReport } from './schema';

export interface WriteOptions {
  /** write the four files into exactly this directory (the CLI's --out) */
  outDir?: string;
  /** the reports root holding <suite>/<runId>/ and index.json; default $REPORTS_DIR or ./reports */
  reportsRoot?: string;
  /** update <root>/index.json; default: yes, unless outDir lies outside the reports root */
  index?: boolean;
}

export const REPORT_FILES = ['report.json', 'rows.csv', 'summary.md', 'junit.xml'] as const;

export function reportsRoot(explicit?: string): string {
  return explicit ?? process.env.REPORTS_DIR ?? 'reports';
}

/** `YYYYMMDDTHHmmss` in UTC. */
export function timestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '');
}

/** `<YYYYMMDDTHHmmss>-<sha7>` (UTC; sha7 'nogit' outside git). */
export function makeRunId(startedAt: Date, gitSha: string): string {
  const sha7 = /^[0-9a-f]{7,}$/.test(gitSha) ? gitSha.slice(0, 7) : 'nogit';
  return `${timestamp(startedAt)}-${sha7}`;
}

function isInside(root: string, dir: string): boolean {
  const rel = path.relative(path.resolve(root), path.resolve(dir));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/**
 * Validate and write the report; returns the run directory. Under the reports root a run that
 * would reuse an existing directory (two runs in one second) gets a `-2`, `-3`… suffix on its runId.
 */
export async function writeReport(report: Report, opts: WriteOptions = {}): Promise<string> {
  // NaN and ±Infinity become null in JSON: validate what will actually be on disk
  let final = parseReport(JSON.parse(JSON.stringify(report)), `report ${report.suite}/${report.runId}`);
  const root = reportsRoot(opts.reportsRoot);
  let dir: string;
  if (opts.outDir !== undefined) {
    dir = opts.outDir;
    await mkdir(dir, { recursive: true });
  } else {
    const parent = path.join(root, final.suite);
    await mkdir(parent, { recursive: true });
    for (let i = 1; ; i++) {
      const runId = i === 1 ? final.runId : `${final.runId}-${i}`;
      try {
        await mkdir(path.join(parent, runId));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw err;
      }
      final = { ...final, runId };
      dir = path.join(parent, runId);
      break;
    }
  }
  await writeFile(path.join(dir, 'report.json'), `${JSON.stringify(final, null, 2)}\n`);
  await writeFile(path.join(dir, 'rows.csv'), rowsToCsv(final.rows));
  await writeFile(path.join(dir, 'summary.md'), toMarkdown(final));
  await writeFile(path.join(dir, 'junit.xml'), toJunit(final));
  if (opts.index ?? isInside(root, dir)) await updateIndex(root, indexEntry(final, root, dir));
  return dir;
}
