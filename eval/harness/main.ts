/** memocha-eval: dispatch a command line to a suite run, the CI gate, a comparison, an HTML export or the suite list. */
import type { Writable } from 'node:stream';
import { runGate } from '../gate/run';
import { compareReports, formatComparison } from '../report/compare';
import { readReport } from '../report/read';
import type { Suite } from './suite';
import { parseCli, USAGE, UsageError } from './args';
import type { ExitCode, RunOptions } from './run';
import { runSuite } from './run';

export type SuiteRegistry = Record<string, () => Promise<Suite>>;

export interface MainOptions extends RunOptions {
  stdout?: Writable;
  stderr?: Writable;
}

export async function main(argv: readonly string[], registry: SuiteRegistry, opts: MainOptions = {}): Promise<ExitCode> {
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  let cmd;
  try {
    cmd = parseCli(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    stderr.write(`memocha-eval: ${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (cmd.kind === 'help') {
    stdout.write(`${USAGE}\n\nSuites: ${Object.keys(registry).join(', ')}\n`);
    return 0;
  }
  if (cmd.kind === 'list') {
    for (const name of Object.keys(registry)) {
      const suite = await registry[name]?.();
      stdout.write(`${name.padEnd(14)} ${suite?.description ?? ''}\n`);
    }
    return 0;
  }
  if (cmd.kind === 'compare') {
    try {
      const [a, b] = await Promise.all([readReport(cmd.a), readReport(cmd.b)]);
      stdout.write(formatComparison(compareReports(a, b)));
      return 0;
    } catch (err) {
      stderr.write(`memocha-eval: ${(err as Error).message}\n`);
      return 2;
    }
  }
  if (cmd.kind === 'html') {
    try {
      const { writeHtmlExport } = await import('../report/html');
      const file = await writeHtmlExport(cmd.reports, cmd.out);
      stdout.write(`wrote ${file} (${cmd.reports.length} run${cmd.reports.length === 1 ? '' : 's'})\n`);
      return 0;
    } catch (err) {
      stderr.write(`memocha-eval: ${(err as Error).message}\n`);
      return 2;
    }
  }
  if (cmd.kind === 'gate') {
    try {
      return await runGate(cmd, registry, { ...opts, stdout, stderr });
    } catch (err) {
      stderr.write(`eval:gate: ${(err as Error).message}\n`);
      return 2;
    }
  }
  const importSuite = registry[cmd.suite];
  if (!importSuite) {
    stderr.write(`memocha-eval: unknown suite "${cmd.suite}"; suites: ${Object.keys(registry).join(', ')}\n`);
    return 2;
  }
  let suite: Suite;
  try {
    suite = await importSuite();
  } catch (err) {
    stderr.write(`memocha-eval: cannot load suite ${cmd.suite}: ${(err as Error).stack ?? String(err)}\n`);
    return 2;
  }
  const outcome = await runSuite(suite, cmd.args, { ...opts, stdout, stderr });
  return outcome.exitCode;
}
