/** Eval reports for the dashboard's tests: seeded runs written into a temporary reports root. */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LatencyHistogram } from '../../eval/metrics/histogram';
import { createRng } from '../../eval/metrics/random';
import type { Report } from '../../eval/report/schema';
import { writeReport } from '../../eval/report/write';

export interface FixtureRun {
  suite?: string;
  startedAt: string;
  gitSha?: string;
  /** per-case rows */
  cases: number;
  /** mean latency of the cases, ms */
  latencyMs: number;
  /** share of cases answered right */
  accuracy: number;
  seed?: number;
}

/** A latency-and-accuracy report with `cases` rows, a latency histogram and metrics that are the rows' means. */
export function fixtureRunReport(run: FixtureRun): Report {
  const rng = createRng(run.seed ?? 1);
  const h = new LatencyHistogram();
  const rows: Report['rows'] = [];
  let latSum = 0;
  let right = 0;
  for (let i = 0; i < run.cases; i++) {
    const latency = Math.round(run.latencyMs * (0.5 + rng()) * 10) / 10;
    const correct = rng() < run.accuracy ? 1 : 0;
    h.record(latency);
    latSum += latency;
    right += correct;
    rows.push({ case: `case-${String(i).padStart(5, '0')}`, topic: i % 3 === 0 ? 'dates' : 'people', latency_ms: latency, correct });
  }
  const n = run.cases;
  const acc = right / n;
  const half = 1.96 * Math.sqrt((acc * (1 - acc)) / n);
  const sha = run.gitSha ?? 'abcdef1234567890abcdef1234567890abcdef12';
  return {
    schemaVersion: 1,
    suite: run.suite ?? 'memory',
    runId: `${run.startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, '')}-${sha.slice(0, 7)}`,
    startedAt: run.startedAt,
    finishedAt: run.startedAt,
    meta: {
      gitSha: sha,
      gitDirty: false,
      node: 'v20.0.0',
      platform: 'linux',
      cpu: { model: 'test cpu', cores: 2 },
      memoryGb: 8,
      config: {},
      seed: run.seed ?? 1,
      quick: false,
      argv: ['memocha-eval', run.suite ?? 'memory'],
    },
    metrics: {
      accuracy: { value: acc, unit: 'ratio', higherIsBetter: true, headline: true, rowField: 'correct', n, ci: { low: acc - half, high: acc + half, confidence: 0.95 } },
      latency_mean_ms: { value: latSum / n, unit: 'ms', higherIsBetter: false, headline: true, rowField: 'latency_ms', n },
    },
    histograms: { latency: { unit: 'ms', encoding: h.encode(), summary: h.summary() } },
    rows,
    errors: [],
    interrupted: false,
    gates: { passed: acc >= 0.5, checks: [{ metric: 'accuracy', kind: 'min', value: acc, limit: 0.5, passed: acc >= 0.5, message: `accuracy ${acc.toFixed(3)} >= 0.5` }] },
  };
}

/** Write the runs into a new temporary reports root (index.json included); returns the root and each run's dir relative to it. */
export async function writeFixtureRoot(runs: readonly FixtureRun[]): Promise<{ root: string; dirs: string[] }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'memocha-reports-'));
  const dirs: string[] = [];
  for (const run of runs) {
    const dir = await writeReport(fixtureRunReport(run), { reportsRoot: root });
    dirs.push(path.relative(root, dir).split(path.sep).join('/'));
  }
  return { root, dirs };
}
