import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

function runGate(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile('npx', ['tsx', 'eval/cli.ts', 'gate', ...args], { env: { ...process.env, ...env }, timeout: 170_000 }, (err, stdout) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout });
    });
  });
}

describe('npm run eval:gate', () => {
  it('fails (exit 1) when the simulator is deliberately slowed, naming the gate', { timeout: 180_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'memocha-gate-test-'));
    try {
      const plan = path.join(dir, 'plan.json');
      await writeFile(
        plan,
        JSON.stringify({
          gates: 'eval/gates.json',
          baselines: 'reports/baselines',
          runs: [{ suite: 'latency', quick: true, config: { concurrency: [1], sweepChars: [], validityRequests: 0, requests: 6 } }],
        }),
      );
      const slowed = await runGate(['--plan', plan, '--out', dir], { GATE_SIM_TTFT_MS: '400' });
      expect(slowed.stdout).toContain('eval:gate FAILED');
      expect(slowed.stdout).toMatch(/direct_ttft_p50_ms: [\d.]+ ms > max 150 ms/);
      expect(slowed.code).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails (exit 1) on a memory quality regression: a cosine threshold that drops relevant memories', { timeout: 180_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'memocha-gate-test-'));
    try {
      const plan = path.join(dir, 'plan.json');
      const memoryRun = JSON.parse(await readFile('eval/gate-plan.json', 'utf8')).runs.find((r: { suite: string }) => r.suite === 'memory');
      expect(memoryRun).toBeDefined();
      await writeFile(plan, JSON.stringify({ gates: 'eval/gates.json', baselines: 'reports/baselines', runs: [memoryRun] }));
      const worse = await runGate(['--plan', plan, '--out', dir], { MEMORY_MIN_SCORE: '0.6' });
      expect(worse.stdout).toContain('eval:gate FAILED');
      expect(worse.stdout).toMatch(/recall_at_5: [\d.]+ ratio < min 0\.9 ratio/);
      expect(worse.code).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 on a harness error (an unknown suite in the plan)', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'memocha-gate-test-'));
    try {
      const plan = path.join(dir, 'plan.json');
      await writeFile(plan, JSON.stringify({ gates: 'eval/gates.json', baselines: 'reports/baselines', runs: [{ suite: 'nope' }] }));
      const r = await runGate(['--plan', plan], {});
      expect(r.code).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
