/**
 * memocha-eval gate (npm run eval:gate) — the fast configuration CI runs: each suite of the plan
 * (eval/gate-plan.json) with its gates, against the committed baselines in reports/baselines/. Exit 0
 * pass, 1 a gate failed, 2 harness error. `--only <suite>` runs one suite of the plan; `--plan file`
 * another plan.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { DEFAULT_SEED } from '../harness/args';
import type { SuiteRegistry } from '../harness/main';
import { runSuite, type ExitCode, type RunOptions } from '../harness/run';
import { readGates } from '../report/gates';
import { applyOverrides, readPlan, runName } from './plan';

export const DEFAULT_PLAN = 'eval/gate-plan.json';

export interface GateArgs {
  plan?: string;
  /** run only this suite of the plan */
  only?: string;
  /** write each suite's report into <out>/<suite> */
  out?: string;
}

/** Throws on a harness error before any suite ran (a bad plan, an unknown suite). */
export async function runGate(args: GateArgs, registry: SuiteRegistry, { env = process.env, ...opts }: RunOptions & { stdout: Writable; env?: NodeJS.ProcessEnv }): Promise<ExitCode> {
  const plan = await readPlan(args.plan ?? DEFAULT_PLAN);
  const runs = plan.runs.filter((r) => !args.only || r.suite === args.only || runName(r) === args.only);
  if (runs.length === 0) throw new Error(`no run for suite ${args.only} in the plan`);
  const tmp = await mkdtemp(path.join(tmpdir(), 'memocha-gate-'));
  const gates = await readGates(plan.gates);
  let exit: ExitCode = 0;
  const summary: string[] = [];
  for (const planned of runs) {
    const run = applyOverrides(planned, env);
    const importSuite = registry[run.suite];
    if (!importSuite) throw new Error(`unknown suite ${run.suite} in the gate plan`);
    const name = runName(run);
    const configFile = path.join(tmp, `${name}.json`);
    await writeFile(configFile, JSON.stringify(run.config));
    const baseline = path.join(plan.baselines, `${name}.json`);
    // the harness reads gates by suite: a named run gets a gates file holding its own rules under the suite
    let gateFile = plan.gates;
    if (name !== run.suite) {
      if (!gates[name]) throw new Error(`${plan.gates} has no gates for the run "${name}"`);
      gateFile = path.join(tmp, `${name}.gates.json`);
      await writeFile(gateFile, JSON.stringify({ [run.suite]: gates[name] }));
    }
    const started = performance.now();
    const suiteArgs = {
      config: configFile,
      target: 'in-process',
      seed: DEFAULT_SEED,
      quick: run.quick,
      gate: gateFile,
      ...(existsSync(baseline) ? { baseline } : {}),
      ...(run.dataset ? { dataset: run.dataset } : {}),
      ...(args.out ? { out: path.join(args.out, name) } : {}),
      argv: ['gate', name],
    };
    const outcome = await runSuite(await importSuite(), suiteArgs, opts);
    const failed = outcome.gates?.checks.filter((c) => !c.passed).map((c) => `${c.metric}: ${c.message}`) ?? [];
    summary.push(`${name}: exit ${outcome.exitCode} in ${((performance.now() - started) / 1000).toFixed(1)} s${failed.length ? `\n    ${failed.join('\n    ')}` : ''}`);
    if (outcome.exitCode === 2) exit = 2;
    else if (outcome.exitCode === 1 && exit === 0) exit = 1;
  }
  opts.stdout.write(`\neval:gate ${exit === 0 ? 'PASSED' : exit === 1 ? 'FAILED (a gate failed)' : 'ERROR (harness)'}\n  ${summary.join('\n  ')}\n`);
  return exit;
}
