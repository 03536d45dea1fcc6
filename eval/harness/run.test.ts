import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sink } from './test-sink';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LatencyHistogram } from '../metrics/histogram';
import { readReport } from '../report/read';
import type { SuiteArgs } from './args';
import { DEFAULT_SEED } from './args';
import type { RunOptions } from './run';
import { runSuite } from './run';
import type { SuiteContext } from './suite';
import { defineSuite } from './suite';

let tmp: string;
let out: string[];
let err: string[];
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'memocha-run-'));
  out = [];
  err = [];
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const opts = (extra: RunOptions = {}): RunOptions => ({ reportsRoot: tmp, stdout: sink(out), stderr: sink(err), handleSigint: false, ...extra });
const args = (extra: Partial<SuiteArgs> = {}): SuiteArgs => ({ target: 'in-process', seed: DEFAULT_SEED, quick: true, argv: ['memocha-eval', 'demo'], ...extra });

function record(ctx: SuiteContext, p50 = 20) {
  ctx.metric('latency_p50_ms', p50, 'ms', { higherIsBetter: false });
  ctx.histogram('latency', new LatencyHistogram().recordAll([p50, p50 * 2]));
  ctx.table('t', ['a'], [[1]]);
  ctx.row({ case: 1, latency_ms: p50 });
}

const demo = (p50 = 20) => defineSuite({ name: 'demo', description: 'test', config: z.strictObject({ k: z.number().optional() }), defaults: {}, run: async (ctx) => record(ctx, p50) });

async function gates(rules: unknown): Promise<string> {
  const f = path.join(tmp, `gates-${Math.random()}.json`);
  await writeFile(f, JSON.stringify({ demo: rules }));
  return f;
}

describe('runSuite', () => {
  it('writes the report, prints the summary and passes its gates (exit 0)', async () => {
    const r = await runSuite(demo(), args({ gate: await gates([{ metric: 'latency_p50_ms', max: 50 }]), config: await writeJson({ k: 1 }) }), opts());
    expect(r.exitCode).toBe(0);
    expect(r.dir).toBeDefined();
    expect((await readdir(r.dir as string)).sort()).toEqual(['junit.xml', 'report.json', 'rows.csv', 'summary.md']);
    const report = await readReport(r.dir as string);
    expect(report).toMatchObject({ suite: 'demo', interrupted: false, gates: { passed: true }, meta: { seed: 42, quick: true, config: { k: 1 } } });
    expect(report.rows).toEqual([{ case: '1', latency_ms: 20 }]);
    expect(out.join('')).toContain('# demo — ');
    expect(out.join('')).toContain(`Report: ${r.dir}`);
  });

  it('exits 1 when a gate fails, and checks regressions against --baseline', async () => {
    const first = await runSuite(demo(20), args(), opts());
    const gate = await gates([{ metric: 'latency_p50_ms', maxRegression: 0.1 }]);
    const r = await runSuite(demo(30), args({ gate, baseline: first.dir as string }), opts());
    expect(r.exitCode).toBe(1);
    expect(r.gates?.checks[0]).toMatchObject({ kind: 'regression', baselineValue: 20, value: 30, passed: false });
    expect(err.join('')).toMatch(/1 gate check\(s\) failed:\n {2}latency_p50_ms regression: 20 → 30 ms/);
  });

  it('writes what it has and exits 2 when the suite throws', async () => {
    const suite = defineSuite({
      name: 'demo',
      description: 'throws',
      run: async (ctx) => {
        record(ctx);
        throw new Error('boom');
      },
    });
    const r = await runSuite(suite, args(), opts());
    expect(r.exitCode).toBe(2);
    const report = await readReport(r.dir as string);
    expect(report.metrics.latency_p50_ms?.value).toBe(20);
    expect(report.errors[0]?.message).toMatch(/^suite failed: Error: boom/);
    expect(await readFile(path.join(r.dir as string, 'junit.xml'), 'utf8')).toMatch(/<failure type="error" message="suite failed: Error: boom"/);
  });

  it('stops on abort, writes the report with interrupted: true and exits 2', async () => {
    const controller = new AbortController();
    const suite = defineSuite({
      name: 'demo',
      description: 'waits',
      run: async (ctx) => {
        for (let i = 0; !ctx.signal.aborted; i++) {
          ctx.row({ case: `c${i}` });
          if (i === 2) controller.abort();
          await new Promise((r) => setTimeout(r, 1));
        }
      },
    });
    const r = await runSuite(suite, args(), opts({ signal: controller.signal }));
    expect(r.exitCode).toBe(2);
    const report = await readReport(r.dir as string);
    expect(report.interrupted).toBe(true);
    expect(report.rows.map((x) => x.case)).toEqual(['c0', 'c1', 'c2']);
    expect(await readFile(path.join(r.dir as string, 'summary.md'), 'utf8')).toContain('**Interrupted**');
  });

  it('gives up on a suite that does not return after the interrupt, and still writes the report', async () => {
    const controller = new AbortController();
    const suite = defineSuite({
      name: 'demo',
      description: 'hangs',
      run: (ctx) => {
        record(ctx);
        setTimeout(() => controller.abort(), 5);
        return new Promise<void>(() => {}); // never settles
      },
    });
    const r = await runSuite(suite, args(), opts({ signal: controller.signal, abortGraceMs: 50 }));
    expect(r.exitCode).toBe(2);
    const report = await readReport(r.dir as string);
    expect(report.interrupted).toBe(true);
    expect(report.errors[0]?.message).toMatch(/did not return within 50 ms of the interrupt/);
    expect(report.metrics.latency_p50_ms?.value).toBe(20);
  });

  it('fails fast (exit 2, no report) on a bad gates file, config or baseline', async () => {
    const badGate = path.join(tmp, 'bad.json');
    await writeFile(badGate, JSON.stringify({ demo: [{ metric: 'x', maxx: 1 }] }));
    expect((await runSuite(demo(), args({ gate: badGate }), opts())).exitCode).toBe(2);
    expect((await runSuite(demo(), args({ config: path.join(tmp, 'missing.json') }), opts())).exitCode).toBe(2);
    expect((await runSuite(demo(), args({ baseline: badGate }), opts())).exitCode).toBe(2);
    expect(err.join('')).toMatch(/not a valid gates file[\s\S]*cannot read --config[\s\S]*not a valid Memocha report/);
    expect(await readdir(tmp)).not.toContain('demo');
  });

  it('hashes a --dataset path and lets the suite set meta', async () => {
    const ds = path.join(tmp, 'tiny.jsonl');
    await writeFile(ds, 'abc');
    const suite = defineSuite({
      name: 'demo',
      description: 'meta',
      run: async (ctx) => ctx.setMeta({ provider: { kind: 'sim', model: 'extractive' }, config: { effective: true } }),
    });
    const r = await runSuite(suite, args({ dataset: ds }), opts());
    const report = await readReport(r.dir as string);
    expect(report.meta.dataset).toEqual({ id: 'tiny', path: ds, contentHash: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' });
    expect(report.meta).toMatchObject({ provider: { kind: 'sim', model: 'extractive' }, config: { effective: true } });
  });
});

async function writeJson(data: unknown): Promise<string> {
  const f = path.join(tmp, `config-${Math.random()}.json`);
  await writeFile(f, JSON.stringify(data));
  return f;
}
