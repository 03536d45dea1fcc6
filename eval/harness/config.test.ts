import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sink } from './test-sink';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_SEED, type SuiteArgs } from './args';
import { ConfigError } from './config';
import { runSuite } from './run';
import { defineSuite, type Suite } from './suite';

const delay = z.discriminatedUnion('kind', [z.strictObject({ kind: z.literal('fixed'), ms: z.number() }), z.strictObject({ kind: z.literal('uniform'), minMs: z.number(), maxMs: z.number() })]);

const schema = z.strictObject({
  requests: z.number().int().min(1),
  levels: z.array(z.number().int().min(1)).min(1),
  sim: z.strictObject({ ttftMs: z.number().min(0), itlMs: z.number().min(0) }),
  ttft: delay,
  openLoop: z.union([z.literal(false), z.strictObject({ rate: z.number().positive(), durationMs: z.number().positive() })]),
  env: z.record(z.string(), z.string()),
  databaseUrl: z.string().optional(),
});

let seen: z.output<typeof schema> | undefined;
const demo = defineSuite({
  name: 'demo',
  description: 'config test',
  config: schema,
  defaults: {
    requests: 100,
    levels: [1, 4, 16],
    sim: { ttftMs: 20, itlMs: 5 },
    ttft: { kind: 'fixed', ms: 40 },
    openLoop: { rate: 2, durationMs: 15_000 },
    env: { A: '1', B: '2' },
  },
  quick: { requests: 10, levels: [1], openLoop: { durationMs: 6_000 } },
  async run(ctx, cfg) {
    seen = cfg;
    ctx.metric('requests', cfg.requests, 'count');
    ctx.setMeta({ config: { resolvedAt: 'run time' } });
  },
});

let tmp: string;
let err: string[];
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'memocha-config-'));
  err = [];
  seen = undefined;
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});


async function run(config: unknown, quick: boolean, suite: Suite = demo) {
  const file = path.join(tmp, `config-${Math.random()}.json`);
  await writeFile(file, JSON.stringify(config));
  const args: SuiteArgs = { target: 'in-process', seed: DEFAULT_SEED, quick, config: file, out: path.join(tmp, 'out'), argv: ['memocha-eval', 'demo'] };
  return runSuite(suite, args, { reportsRoot: tmp, stdout: sink([]), stderr: sink(err), handleSigint: false });
}

describe('suite config: defaults ← quick ← --config file, validated by the harness', () => {
  it('an unknown key, at any depth, is a harness error (exit 2, no report) that names it', async () => {
    const r = await run({ requets: 5, sim: { ttftMz: 1 } }, false);
    expect(r.exitCode).toBe(2);
    expect(seen).toBeUndefined();
    expect(err.join('')).toMatch(/demo --config: .*unknown key\(s\) requets/);
    expect(err.join('')).toContain('sim.ttftMz');
    expect(await readdir(tmp)).not.toContain('out');
  });

  it('a wrong type or value is a harness error that names the key and the value', async () => {
    expect((await run({ requests: 'many' }, false)).exitCode).toBe(2);
    expect(err.join('')).toContain('requests must be a number, got "many"');
    expect(() => demo.resolveConfig({ levels: [0] }, false)).toThrow(ConfigError);
    expect(() => demo.resolveConfig({ levels: [0] }, false)).toThrow(/levels\.0/);
    expect(() => demo.resolveConfig({ ttft: { kind: 'fixed' } }, false)).toThrow(/ttft\.ms is required/);
    expect(() => demo.resolveConfig([1], false)).toThrow(/must be a JSON object/);
  });

  it('applies the quick overrides with --quick, and the file over them', async () => {
    expect(demo.resolveConfig({}, false).value).toMatchObject({ requests: 100, levels: [1, 4, 16], openLoop: { rate: 2, durationMs: 15_000 } });
    expect(demo.resolveConfig({}, true).value).toMatchObject({ requests: 10, levels: [1], openLoop: { rate: 2, durationMs: 6_000 } });
    expect(demo.resolveConfig({ requests: 3 }, true).value.requests).toBe(3);
  });

  it('merges nested objects, records and `false | object` key by key; replaces arrays and a discriminated union', () => {
    const c = demo.resolveConfig({ levels: [2], sim: { itlMs: 9 }, env: { B: 'x' }, openLoop: { rate: 5 }, ttft: { kind: 'uniform', minMs: 1, maxMs: 3 } }, true).value;
    expect(c.levels).toEqual([2]);
    expect(c.sim).toEqual({ ttftMs: 20, itlMs: 9 });
    expect(c.env).toEqual({ A: '1', B: 'x' });
    expect(c.openLoop).toEqual({ rate: 5, durationMs: 6_000 });
    expect(c.ttft).toEqual({ kind: 'uniform', minMs: 1, maxMs: 3 });
    expect(demo.resolveConfig({ openLoop: false }, false).value.openLoop).toBe(false);
  });

  it('records the effective config in report.json (passwords in URLs masked), with what the suite resolved', async () => {
    const r = await run({ requests: 7, databaseUrl: 'postgres://me:s3cret@db.example:5432/x' }, true);
    expect(r.exitCode).toBe(0);
    expect(seen?.requests).toBe(7);
    expect(seen?.databaseUrl).toBe('postgres://me:s3cret@db.example:5432/x');
    const report = JSON.parse(await readFile(path.join(tmp, 'out', 'report.json'), 'utf8')) as { meta: { config: Record<string, unknown> } };
    expect(report.meta.config).toEqual({
      requests: 7,
      levels: [1],
      sim: { ttftMs: 20, itlMs: 5 },
      ttft: { kind: 'fixed', ms: 40 },
      openLoop: { rate: 2, durationMs: 6_000 },
      env: { A: '1', B: '2' },
      databaseUrl: 'postgres://me:***@db.example:5432/x',
      resolvedAt: 'run time',
    });
  });

  it('a suite may not record over a config key', async () => {
    const echo = defineSuite({ name: 'demo', description: 'echoes', config: z.strictObject({ n: z.number() }), defaults: { n: 1 }, run: async (ctx) => ctx.setMeta({ config: { n: 2 } }) });
    const r = await run({}, false, echo);
    expect(r.exitCode).toBe(2);
    expect(r.report?.errors[0]?.message).toMatch(/setMeta config: n is a config key/);
  });

  it('a suite without a config takes none; a loose schema or a bad default fails when the suite is declared', () => {
    const bare = defineSuite({ name: 'bare', description: 'no config', run: async () => {} });
    expect(bare.resolveConfig({}, true).value).toEqual({});
    expect(() => bare.resolveConfig({ cases: 1 }, false)).toThrow(/bare --config: unknown key\(s\) cases/);
    expect(() => defineSuite({ name: 'loose', description: '', config: z.strictObject({ o: z.object({ a: z.number() }) }), defaults: { o: { a: 1 } }, run: async () => {} })).toThrow(/must be strict.*: o/);
    expect(() => defineSuite({ name: 'bad', description: '', config: z.strictObject({ a: z.number().min(1) }), defaults: { a: 0 }, run: async () => {} })).toThrow(/suite bad defaults: a/);
  });
});
