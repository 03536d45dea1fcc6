/** End to end: the memocha-eval CLI as a child process, with the selftest suite. */
import { spawn } from 'node:child_process';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readReport } from '../report/read';

const ROOT = path.resolve(import.meta.dirname, '../..');
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'memocha-cli-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npx tsx eval/cli.ts …`, or `node --import tsx eval/cli.ts …` when the test must signal the process itself. */
function cli(args: string[], { direct = false, onStderr }: { direct?: boolean; onStderr?: (text: string, pid: number) => void } = {}): Promise<Result> {
  const [cmd, pre] = direct ? [process.execPath, ['--import', 'tsx']] : ['npx', ['tsx']];
  const child = spawn(cmd, [...pre, 'eval/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, REPORTS_DIR: path.join(tmp, 'reports'), CI: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    onStderr?.(stderr, child.pid as number);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function json(name: string, data: unknown): Promise<string> {
  const f = path.join(tmp, name);
  await writeFile(f, JSON.stringify(data));
  return f;
}

const FILES = ['report.json', 'rows.csv', 'summary.md', 'junit.xml'];
const allExist = (dir: string) => Promise.all(FILES.map((f) => access(path.join(dir, f))));

describe('memocha-eval CLI', () => {
  it('exits 0 when the gates pass, 1 when one fails, 2 when the suite throws; compare reads both', async () => {
    const pass = await json('pass.json', { selftest: [{ metric: 'accuracy', min: 0.5 }, { metric: 'latency_p99_ms', max: 1000 }] });
    const fail = await json('fail.json', { selftest: [{ metric: 'accuracy', min: 0.99 }] });
    const throws = await json('throw.json', { cases: 20, throw: 'deliberate failure' });

    const ok = await cli(['selftest', '--quick', '--out', path.join(tmp, 'ok'), '--gate', pass]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('## Gates: passed');
    await allExist(path.join(tmp, 'ok'));

    const bad = await cli(['selftest', '--quick', '--out', path.join(tmp, 'bad'), '--gate', fail, '--seed', '3']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/accuracy min: 0\.\d+ ratio < min 0\.99 ratio/);
    await allExist(path.join(tmp, 'bad'));
    expect((await readReport(path.join(tmp, 'bad'))).gates?.passed).toBe(false);

    const boom = await cli(['selftest', '--config', throws, '--out', path.join(tmp, 'boom')]);
    expect(boom.code).toBe(2);
    await allExist(path.join(tmp, 'boom'));
    const report = await readReport(path.join(tmp, 'boom'));
    expect(report.errors[0]?.message).toMatch(/suite failed: Error: deliberate failure/);
    expect(report.rows).toHaveLength(20);

    const cmp = await cli(['compare', path.join(tmp, 'ok'), path.join(tmp, 'bad', 'report.json')]);
    expect(cmp.code).toBe(0);
    expect(cmp.stdout).toMatch(/accuracy\s+ratio/);
    expect(cmp.stdout).toMatch(/p=/);
  }, 120_000);

  it('on SIGINT stops the suite, writes the report with interrupted: true and exits 2', async () => {
    const wait = await json('wait.json', { cases: 10, waitForAbort: true });
    let sent = false;
    const r = await cli(['selftest', '--config', wait, '--out', path.join(tmp, 'int')], {
      direct: true,
      onStderr: (text, pid) => {
        if (!sent && text.includes('waiting for SIGINT')) {
          sent = true;
          process.kill(pid, 'SIGINT');
        }
      },
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('interrupted; stopping the suite and writing the report');
    const report = await readReport(path.join(tmp, 'int'));
    expect(report.interrupted).toBe(true);
    expect(report.metrics.accuracy).toBeDefined();
  }, 60_000);

  it('exits 2 with usage for unknown suites and flags; lists suites', async () => {
    const unknown = await cli(['nosuch'], { direct: true });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown suite "nosuch"; suites: selftest');
    const flag = await cli(['selftest', '--bogus'], { direct: true });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('Usage:');
    const list = await cli(['list'], { direct: true });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^selftest\s+synthetic/);
  }, 60_000);
});
