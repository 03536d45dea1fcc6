/** For the suites' end-to-end tests: run a suite through runSuite into a temp reports root, quietly. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { DEFAULT_SEED } from '../harness/args';
import { runSuite, type RunOutcome } from '../harness/run';
import type { Suite } from '../harness/suite';

/**
 * About 10–20 s alone (most of it starting PGlite and loading the embedding model); the margin is for
 * a machine whose 2 cores run other test files at the same time.
 */
export const E2E_TIMEOUT_MS = 90_000;

export interface TempRoot {
  root: string;
  run(suite: Suite, config: unknown): Promise<RunOutcome & { output: string }>;
  cleanup(): Promise<void>;
}

export async function tempRoot(prefix: string): Promise<TempRoot> {
  const root = await mkdtemp(path.join(os.tmpdir(), `memocha-${prefix}-`));
  return {
    root,
    async run(suite, config) {
      const chunks: string[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _enc, cb) {
          chunks.push(chunk.toString());
          cb();
        },
      });
      const configFile = path.join(root, `config-${Date.now()}.json`);
      await writeFile(configFile, JSON.stringify(config));
      const out = path.join(root, suite.name, 'test-run');
      const outcome = await runSuite(
        suite,
        { target: 'in-process', seed: DEFAULT_SEED, quick: true, config: configFile, out, argv: ['memocha-eval', suite.name, '--quick'] },
        { reportsRoot: root, stdout: sink, stderr: sink, handleSigint: false },
      );
      return { ...outcome, output: chunks.join('') };
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}
