import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

function runGate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('npx', ['tsx', 'eval/cli.ts', 'gate', ...args], { timeout: 170_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

const quickLatency = { memory: false, concurrency: [1], sweepChars: [], validityRequests: 0, requests: 6 };

describe('npm run eval:gate with named runs', () => {
  it("checks a named run against its own gates and baseline, reports it under its name, and runs it alone with --only", { timeout: 180_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'memocha-gate-named-'));
    try {
      const gates = path.join(dir, 'gates.json');
      // the suite's own entry would pass; the named run's entry cannot (direct TTFT is ~40 ms)
      await writeFile(gates, JSON.stringify({ latency: [{ metric: 'error_rate', max: 0 }], 'latency-strict': [{ metric: 'direct_ttft_p50_ms', max: 1 }] }));
      const plan = path.join(dir, 'plan.json');
      await writeFile(
        plan,
        JSON.stringify({
          gates,
          baselines: path.join(dir, 'baselines'),
          runs: [
            { suite: 'latency', quick: true, config: quickLatency },
            { suite: 'latency', name: 'latency-strict', quick: true, config: quickLatency },
          ],
        }),
      );
      const r = await runGate(['--plan', plan, '--only', 'latency-strict', '--out', dir]);
      expect(r.stdout).toContain('eval:gate FAILED');
      expect(r.stdout).toMatch(/latency-strict: exit 1/);
      expect(r.stdout).toMatch(/direct_ttft_p50_ms: [\d.]+ ms > max 1 ms/);
      expect(r.stdout).not.toMatch(/^\s+latency: exit/m); // --only ran the named run alone
      expect(r.code).toBe(1);
      expect(existsSync(path.join(dir, 'latency-strict', 'report.json'))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a plan where two runs share a name (exit 2), and a named run without gates', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'memocha-gate-named-'));
    try {
      const plan = path.join(dir, 'plan.json');
      await writeFile(plan, JSON.stringify({ gates: 'eval/gates.json', baselines: 'reports/baselines', runs: [{ suite: 'latency' }, { suite: 'latency' }] }));
      const dup = await runGate(['--plan', plan]);
      expect(dup.code).toBe(2);
      expect(dup.stderr + dup.stdout).toMatch(/two runs share a name/);
      await writeFile(plan, JSON.stringify({ gates: 'eval/gates.json', baselines: 'reports/baselines', runs: [{ suite: 'latency', name: 'no-such-gates', config: quickLatency }] }));
      const missing = await runGate(['--plan', plan]);
      expect(missing.code).toBe(2);
      expect(missing.stderr + missing.stdout).toMatch(/no gates for the run "no-such-gates"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
