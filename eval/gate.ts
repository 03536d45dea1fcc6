/**
 * npm run eval:gate — the fast configuration CI runs: each suite of the plan (eval/gate-plan.json)
 * with its gates, against the committed baselines in reports/baselines/. Exit 0 pass, 1 a gate
 * failed, 2 harness error. `--only <suite>` runs one suite of the plan; `--plan file` another plan.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SEED } from './harness/args';
import { runSuite, type ExitCode } from './harness/run';
import { applyOverrides, loadPlan } from './gate/plan';
import { suites } from './suites';

async function main(): Promise<ExitCode> {
  const { values } = parseArgs({ options: { plan: { type: 'string' }, only: { type: 'string' }, out: { type: 'string' } } });
  const plan = await loadPlan(values.plan ?? 'eval/gate-plan.json');
  const runs = plan.runs.filter((r) => !values.only || r.suite === values.only);
  if (runs.length === 0) throw new Error(`no run for suite ${values.only} in the plan`);
  const tmp = await mkdtemp(path.join(tmpdir(), 'memocha-gate-'));
  let exit: ExitCode = 0;
  const summary: string[] = [];
  for (const planned of runs) {
    const run = applyOverrides(planned, process.env);
    const load = suites[run.suite];
    if (!load) throw new Error(`unknown suite ${run.suite} in the gate plan`);
    const configFile = path.join(tmp, `${run.suite}.json`);
    await writeFile(configFile, JSON.stringify(run.config));
    const baseline = path.join(plan.baselines, `${run.suite}.json`);
    const started = performance.now();
    const outcome = await runSuite(await load(), {
      config: configFile,
      target: 'in-process',
      seed: DEFAULT_SEED,
      quick: run.quick,
      gate: plan.gates,
      ...(existsSync(baseline) ? { baseline } : {}),
      ...(run.dataset ? { dataset: run.dataset } : {}),
      ...(values.out ? { out: path.join(values.out, run.suite) } : {}),
      argv: ['gate', run.suite],
    });
    const failed = outcome.gates?.checks.filter((c) => !c.passed).map((c) => `${c.metric}: ${c.message}`) ?? [];
    summary.push(`${run.suite}: exit ${outcome.exitCode} in ${((performance.now() - started) / 1000).toFixed(1)} s${failed.length ? `\n    ${failed.join('\n    ')}` : ''}`);
    if (outcome.exitCode === 2) exit = 2;
    else if (outcome.exitCode === 1 && exit === 0) exit = 1;
  }
  process.stdout.write(`\neval:gate ${exit === 0 ? 'PASSED' : exit === 1 ? 'FAILED (a gate failed)' : 'ERROR (harness)'}\n  ${summary.join('\n  ')}\n`);
  return exit;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`eval:gate: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
