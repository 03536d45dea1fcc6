/** Helpers for the load and reliability end-to-end tests: run a suite into a temp --out dir and read its report. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { DEFAULT_SEED } from '../../harness/args';
import { runSuite, type RunOutcome } from '../../harness/run';
import type { Suite } from '../../harness/suite';

const sink = () => new Writable({ write: (_c, _e, cb) => cb() });

export async function runSmallest(suite: Suite, config: unknown, target = 'in-process'): Promise<RunOutcome & { cleanup(): Promise<void> }> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), `memocha-${suite.name}-`));
  const cfg = path.join(tmp, 'config.json');
  await writeFile(cfg, JSON.stringify(config));
  const out = path.join(tmp, 'out');
  const outcome = await runSuite(suite, { target, seed: DEFAULT_SEED, quick: true, config: cfg, out, argv: ['memocha-eval', suite.name] }, { reportsRoot: tmp, stdout: sink(), stderr: sink(), handleSigint: false });
  return { ...outcome, cleanup: () => rm(tmp, { recursive: true, force: true }) };
}

/** The value of a metric in the outcome's report (undefined when missing, null when not computable). */
export function metricOf(o: RunOutcome, name: string): number | null | undefined {
  return o.report?.metrics[name]?.value;
}
