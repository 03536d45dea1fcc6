/** Command-line parsing for memocha-eval (node:util parseArgs). */
import { parseArgs } from 'node:util';
import { clusterSize, isClusterTarget } from './cluster-spec';

export interface SuiteArgs {
  /** a JSON config file for the suite */
  config?: string;
  /** 'in-process' (default: the app started inside the harness) or the base URL of a running server */
  target: string;
  /** the base URL of an OpenAI-compatible LLM server to measure directly, bypassing Memocha */
  direct?: string;
  /** a dataset id or path */
  dataset?: string;
  seed: number;
  /** write the report files into exactly this directory */
  out?: string;
  /** a baseline report.json or run directory for regression gates */
  baseline?: string;
  /** a gates JSON file */
  gate?: string;
  /** a small, fast variant of the suite */
  quick: boolean;
  /** the command line as given (recorded in the report) */
  argv: string[];
}

export type Command =
  | { kind: 'run'; suite: string; args: SuiteArgs }
  | { kind: 'compare'; a: string; b: string }
  | { kind: 'gate'; plan?: string; only?: string; out?: string }
  | { kind: 'html'; reports: string[]; out: string }
  | { kind: 'list' }
  | { kind: 'help' };

export class UsageError extends Error {}

export const DEFAULT_SEED = 42;

export const USAGE = `Usage:
  memocha-eval <suite> [--config file.json] [--target in-process|URL|cluster:<n>] [--direct URL]
                       [--dataset id|path] [--seed n] [--out dir] [--baseline report.json|dir]
                       [--gate gates.json] [--quick]
  memocha-eval compare <a: report.json|dir> <b: report.json|dir>
  memocha-eval gate [--plan eval/gate-plan.json] [--only suite] [--out dir]
  memocha-eval html <report.json|dir>... --out <dir>   (a self-contained dashboard page: <dir>/index.html)
  memocha-eval list

Exit codes: 0 pass, 1 a gate failed, 2 harness error (or an interrupted run).`;

const options = {
  config: { type: 'string' },
  target: { type: 'string' },
  direct: { type: 'string' },
  dataset: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  baseline: { type: 'string' },
  gate: { type: 'string' },
  quick: { type: 'boolean' },
  plan: { type: 'string' },
  only: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parse `argv` (without node and the script); throws UsageError with a readable message. */
export function parseCli(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values: v, positionals } = parsed;
  const [first, ...rest] = positionals;
  if (v.help || first === undefined || first === 'help') return { kind: 'help' };
  if (first === 'list') return { kind: 'list' };
  if (first === 'compare') {
    const [a, b, ...extra] = rest;
    if (a === undefined || b === undefined || extra.length > 0) throw new UsageError('compare takes exactly two reports: compare <a> <b>');
    return { kind: 'compare', a, b };
  }
  if (first === 'html') return htmlCommand(rest, v);
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  if (first === 'gate') return gateCommand(v);
  for (const k of ['plan', 'only'] as const) if (v[k] !== undefined) throw new UsageError(`--${k} is a flag of gate only`);
  const target = v.target ?? 'in-process';
  if (isClusterTarget(target)) {
    const n = clusterSize(target);
    if (typeof n !== 'number') throw new UsageError(n.error);
  } else if (target !== 'in-process') checkUrl('--target', target);
  if (v.direct !== undefined) checkUrl('--direct', v.direct);
  const args: SuiteArgs = { target, seed: parseSeed(v.seed), quick: v.quick ?? false, argv: ['memocha-eval', ...argv] };
  for (const k of ['config', 'direct', 'dataset', 'out', 'baseline', 'gate'] as const) {
    const value = v[k];
    if (value !== undefined) args[k] = value;
  }
  return { kind: 'run', suite: first, args };
}

function htmlCommand(reports: string[], v: { out?: string } & Record<string, unknown>): Command {
  const other = Object.keys(v).filter((k) => k !== 'out' && v[k] !== undefined);
  if (other.length > 0) throw new UsageError(`html takes only report paths and --out (got --${other.join(', --')})`);
  if (reports.length === 0) throw new UsageError('html takes one or more reports: html <report.json|dir>... --out <dir>');
  if (v.out === undefined) throw new UsageError('html needs --out <dir>');
  return { kind: 'html', reports, out: v.out };
}

const GATE_FLAGS = new Set(['plan', 'only', 'out']);

function gateCommand(v: { plan?: string; only?: string; out?: string } & Record<string, unknown>): Command {
  const other = Object.keys(v).filter((k) => !GATE_FLAGS.has(k) && v[k] !== undefined);
  if (other.length > 0) throw new UsageError(`gate takes only --plan, --only and --out (got --${other.join(', --')})`);
  return { kind: 'gate', ...(v.plan !== undefined ? { plan: v.plan } : {}), ...(v.only !== undefined ? { only: v.only } : {}), ...(v.out !== undefined ? { out: v.out } : {}) };
}

function parseSeed(s: string | undefined): number {
  if (s === undefined) return DEFAULT_SEED;
  if (!/^-?\d+$/.test(s) || !Number.isSafeInteger(Number(s))) throw new UsageError(`--seed must be an integer, got "${s}"`);
  return Number(s);
}

function checkUrl(flag: string, s: string): void {
  const msg = `${flag} must be an http(s) URL${flag === '--target' ? ' or "in-process" or "cluster:<n>"' : ''}, got "${s}"`;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new UsageError(msg);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(msg);
}
