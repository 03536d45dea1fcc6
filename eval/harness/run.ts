/**
 * Run one suite: read the inputs, run it with a context, write the report (also when it is
 * interrupted or throws), evaluate the gates, print the summary. Exit codes: 0 pass, 1 a gate
 * failed, 2 harness error (bad input, the suite threw, the run was interrupted, the report failed).
 */
import path from 'node:path';
import type { Writable } from 'node:stream';
import { evaluateGates } from '../report/gates';
import { toMarkdown } from '../report/markdown';
import type { DatasetInfo } from '../report/meta';
import { gatherMeta } from '../report/meta';
import type { GateResult, JsonValue, Report, RunMeta } from '../report/schema';
import { REPORT_SCHEMA_VERSION } from '../report/schema';
import { makeRunId, writeReport } from '../report/write';
import type { SuiteArgs } from './args';
import { ReportBuilder } from './builder';
import type { RunInputs } from './inputs';
import { readInputs } from './inputs';
import type { ResolvedConfig } from './config';
import { createProgress } from './progress';
import type { MetaUpdate, Suite, SuiteContext } from './suite';

export type ExitCode = 0 | 1 | 2;

export interface RunOptions {
  /** reports root (default $REPORTS_DIR or ./reports) */
  reportsRoot?: string;
  stdout?: Writable;
  stderr?: Writable & { isTTY?: boolean; columns?: number };
  /** an extra abort source (tests); SIGINT is always one unless handleSigint is false */
  signal?: AbortSignal;
  handleSigint?: boolean;
  /** how long a suite may take to return after an interrupt before the report is written without it (default 10 s) */
  abortGraceMs?: number;
}

export interface RunOutcome {
  exitCode: ExitCode;
  /** the run directory, when the report was written */
  dir?: string;
  report?: Report;
  gates?: GateResult;
}

export async function runSuite(suite: Suite, args: SuiteArgs, opts: RunOptions = {}): Promise<RunOutcome> {
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  const say = (s: string) => void stderr.write(`${s}\n`);

  let inputs: RunInputs;
  let config: ResolvedConfig<unknown>;
  try {
    inputs = await readInputs(args);
    config = suite.resolveConfig(inputs.config, args.quick);
  } catch (err) {
    say(`memocha-eval: ${(err as Error).message}`);
    return { exitCode: 2 };
  }

  const controller = new AbortController();
  const stopSigint = opts.handleSigint === false ? () => {} : onSigint(controller, say);
  const external = opts.signal;
  const forward = () => controller.abort(external?.reason);
  if (external?.aborted) forward();
  else external?.addEventListener('abort', forward, { once: true });

  const startedAt = new Date();
  const builder = new ReportBuilder();
  const metaUpdate: MetaUpdate = {};
  const ctx: SuiteContext = {
    args,
    signal: controller.signal,
    progress: (total, label) => createProgress(total, { label: label ?? suite.name, stream: stderr }),
    log: (message) => say(`${suite.name}: ${message}`),
    metric: (...a) => builder.metric(...a),
    histogram: (...a) => builder.histogram(...a),
    table: (...a) => builder.table(...a),
    row: (obj) => builder.row(obj),
    error: (caseId, message) => builder.error(caseId, message),
    setMeta: (update) => setMeta(metaUpdate, update, config.recorded),
  };

  let threw = false;
  // keep the event loop alive while the suite runs: a suite awaiting only the abort signal (or a
  // promise that never settles) must not let the process exit quietly with code 0 and no report
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    await untilSettledOrGivenUp(suite.run(ctx, config.value), controller.signal, opts.abortGraceMs ?? 10_000);
  } catch (err) {
    threw = true;
    const e = err as Error;
    const aborted = controller.signal.aborted;
    builder.error(undefined, `${aborted ? 'suite stopped after interrupt' : 'suite failed'}: ${e?.stack ?? String(err)}`);
    if (!aborted) say(`memocha-eval: suite ${suite.name} failed: ${e?.message ?? String(err)}`);
  } finally {
    clearInterval(keepAlive);
    stopSigint();
    external?.removeEventListener('abort', forward);
  }
  const interrupted = controller.signal.aborted;

  let report: Report;
  let dir: string;
  try {
    const meta = await buildMeta(args, inputs, config.recorded, metaUpdate);
    report = {
      schemaVersion: REPORT_SCHEMA_VERSION,
      suite: suite.name,
      runId: makeRunId(startedAt, meta.gitSha),
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      meta,
      metrics: builder.metrics,
      histograms: builder.histograms,
      tables: builder.tables,
      rows: builder.rows,
      errors: builder.errors,
      interrupted,
    };
    if (inputs.gates) report.gates = evaluateGates(report, inputs.gates, inputs.baseline);
    dir = await writeReport(report, { outDir: args.out, reportsRoot: opts.reportsRoot });
    if (args.out === undefined) report.runId = path.basename(dir); // a same-second run gets a suffix
  } catch (err) {
    say(`memocha-eval: could not write the report: ${(err as Error).message}`);
    return { exitCode: 2 };
  }

  stdout.write(`${toMarkdown(report)}\nReport: ${dir}\n`);
  const gates = report.gates;
  if (gates && !gates.passed) {
    const failed = gates.checks.filter((c) => !c.passed);
    say(`memocha-eval: ${failed.length} gate check(s) failed:\n${failed.map((c) => `  ${c.metric} ${c.kind}: ${c.message}`).join('\n')}`);
  }
  if (interrupted) say('memocha-eval: the run was interrupted; the report holds what ran (exit 2)');
  const exitCode: ExitCode = threw || interrupted ? 2 : gates && !gates.passed ? 1 : 0;
  return { exitCode, dir, report, ...(gates ? { gates } : {}) };
}

/** Merge a suite's meta update; its config entries are added to the effective config, never replace it. */
function setMeta(into: MetaUpdate, update: MetaUpdate, effective: JsonValue): void {
  const clash = Object.keys(update.config ?? {}).filter((k) => typeof effective === 'object' && effective !== null && Object.hasOwn(effective, k));
  if (clash.length > 0) throw new Error(`setMeta config: ${clash.join(', ')} ${clash.length > 1 ? 'are config keys' : 'is a config key'} (the harness records the effective config; record what the run resolved under a name of its own)`);
  Object.assign(into, { ...update, ...(update.config || into.config ? { config: { ...into.config, ...update.config } } : {}) });
}

async function buildMeta(args: SuiteArgs, inputs: RunInputs, effective: JsonValue, update: MetaUpdate): Promise<RunMeta> {
  const dataset: DatasetInfo | undefined = update.dataset ?? inputs.dataset;
  // the effective config, then what the suite resolved while running (e.g. the embedder it loaded)
  const config: JsonValue = update.config ? { ...(effective as { [key: string]: JsonValue }), ...update.config } : effective;
  return gatherMeta({
    seed: args.seed,
    quick: args.quick,
    argv: args.argv,
    config,
    target: update.target ?? args.target,
    ...(dataset ? { dataset } : {}),
    ...(update.provider ? { provider: update.provider } : {}),
  });
}

/** The suite's promise, or a rejection when it has not settled `graceMs` after the signal fired. */
function untilSettledOrGivenUp(run: Promise<void>, signal: AbortSignal, graceMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const giveUp = () => {
      timer = setTimeout(() => reject(new Error(`the suite did not return within ${graceMs} ms of the interrupt`)), graceMs);
    };
    if (signal.aborted) giveUp();
    else signal.addEventListener('abort', giveUp, { once: true });
    run.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal.removeEventListener('abort', giveUp);
    });
  });
}

/** First SIGINT aborts the run (the report is still written); a second one exits at once with 130. */
function onSigint(controller: AbortController, say: (s: string) => void): () => void {
  const handler = () => {
    if (controller.signal.aborted) {
      say('memocha-eval: second interrupt, exiting without a report');
      process.exit(130);
    }
    say('memocha-eval: interrupted; stopping the suite and writing the report (Ctrl-C again to quit at once)');
    controller.abort(new Error('interrupted (SIGINT)'));
  };
  process.on('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}
