import { describe, expect, it } from 'vitest';
import { DEFAULT_SEED, parseCli, UsageError } from './args';

describe('parseCli', () => {
  it('parses a suite run with every flag', () => {
    const argv = ['latency', '--config', 'c.json', '--target', 'http://127.0.0.1:3000', '--direct', 'http://127.0.0.1:8000/v1',
      '--dataset', 'datasets/x.jsonl', '--seed', '7', '--out', 'o', '--baseline', 'b.json', '--gate', 'g.json', '--quick'];
    expect(parseCli(argv)).toEqual({
      kind: 'run',
      suite: 'latency',
      args: {
        config: 'c.json', target: 'http://127.0.0.1:3000', direct: 'http://127.0.0.1:8000/v1', dataset: 'datasets/x.jsonl',
        seed: 7, out: 'o', baseline: 'b.json', gate: 'g.json', quick: true, argv: ['memocha-eval', ...argv],
      },
    });
  });

  it('has defaults: in-process target, seed 42, not quick', () => {
    expect(parseCli(['selftest'])).toEqual({
      kind: 'run', suite: 'selftest', args: { target: 'in-process', seed: DEFAULT_SEED, quick: false, argv: ['memocha-eval', 'selftest'] },
    });
  });

  it('parses compare, list and help', () => {
    expect(parseCli(['compare', 'a', 'b'])).toEqual({ kind: 'compare', a: 'a', b: 'b' });
    expect(parseCli(['list'])).toEqual({ kind: 'list' });
    expect(parseCli([])).toEqual({ kind: 'help' });
    expect(parseCli(['x', '-h'])).toEqual({ kind: 'help' });
  });

  it('parses gate with its own flags only', () => {
    expect(parseCli(['gate'])).toEqual({ kind: 'gate' });
    expect(parseCli(['gate', '--plan', 'p.json', '--only', 'latency', '--out', 'o'])).toEqual({ kind: 'gate', plan: 'p.json', only: 'latency', out: 'o' });
    expect(() => parseCli(['gate', '--quick'])).toThrow(/gate takes only --plan, --only and --out \(got --quick\)/);
    expect(() => parseCli(['latency', '--plan', 'p.json'])).toThrow(/--plan is a flag of gate only/);
  });

  it('takes --target cluster:<n> (1 to 8 instances behind a balancer)', () => {
    expect(parseCli(['load', '--target', 'cluster:2'])).toMatchObject({ kind: 'run', suite: 'load', args: { target: 'cluster:2' } });
    expect(() => parseCli(['load', '--target', 'cluster:0'])).toThrow(/cluster:<n> takes 1 to 8 instances, got "cluster:0"/);
    expect(() => parseCli(['load', '--target', 'cluster:9'])).toThrow(UsageError);
    expect(() => parseCli(['load', '--target', 'cluster:two'])).toThrow(UsageError);
  });

  it('rejects bad input with a usage error', () => {
    expect(() => parseCli(['x', '--nope'])).toThrow(UsageError);
    expect(() => parseCli(['x', '--seed', '1.5'])).toThrow(/--seed must be an integer/);
    expect(() => parseCli(['x', '--target', 'ftp://h'])).toThrow(/--target must be an http\(s\) URL or "in-process"/);
    expect(() => parseCli(['x', '--direct', 'nope'])).toThrow(/--direct must be an http\(s\) URL, got/);
    expect(() => parseCli(['compare', 'a'])).toThrow(/exactly two/);
    expect(() => parseCli(['x', 'y'])).toThrow(/unexpected arguments: y/);
  });
});
