/**
 * npx tsx eval/tools/hot-path-figures.ts <runs dir>: the serving hot path's target figures (issue 10)
 * from the reports reports/baselines/hot-path/run.sh wrote, as markdown, each with its load average.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.argv[2] ?? 'reports/baselines/hot-path/runs';
type Report = { metrics: Record<string, { value: number | null } | undefined>; tables?: { title: string; columns: string[]; rows: unknown[][] }[] };
const read = (name: string): Report | undefined => {
  const f = path.join(dir, name, 'report.json');
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as Report) : undefined;
};
const loads = new Map<string, string>();
const tsv = path.join(dir, 'loadavg.tsv');
if (existsSync(tsv)) for (const line of readFileSync(tsv, 'utf8').trim().split('\n').slice(1)) {
  const [run, , before, after] = line.split('\t');
  if (run) loads.set(run, `${before} → ${after}`);
}
const fmt = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2)) : '—');
const m = (r: Report | undefined, k: string) => r?.metrics[k]?.value ?? null;

/** The load sweep step a figure is read at: the saturation step, else the step of the highest throughput. */
function satUsers(r: Report | undefined): number | null {
  const sat = m(r, 'saturation_concurrency');
  if (sat !== null) return sat;
  const steps = Object.keys(r?.metrics ?? {}).filter((k) => k.startsWith('throughput_rps_at_'));
  let best: number | null = null;
  let bestRps = -1;
  for (const k of steps) {
    const v = m(r, k) ?? -1;
    if (v > bestRps) [best, bestRps] = [Number(k.slice('throughput_rps_at_'.length)), v];
  }
  return best;
}

const rows: string[][] = [];
const add = (target: string, run: string, metric: string, goal: string, value: number | null) => rows.push([target, run, metric, fmt(value), goal, loads.get(run) ?? '—']);
for (const suffix of ['', '-static']) {
  const emb = suffix ? ' (EMBEDDINGS=static)' : '';
  const c100 = read(`latency-mem10k-c100${suffix}`);
  add(`memory on, 10k/user, 100 streams${emb}`, `latency-mem10k-c100${suffix}`, 'overhead_ttft_p50_ms', '≤ 15', m(c100, 'overhead_ttft_p50_ms'));
  add(`memory on, 10k/user, 100 streams${emb}`, `latency-mem10k-c100${suffix}`, 'overhead_ttft_p99_ms', '≤ 40', m(c100, 'overhead_ttft_p99_ms'));
  add(`memory on, 10k/user, 100 streams${emb}`, `latency-mem10k-c100${suffix}`, 'server_overhead_p50_ms', '(server)', m(c100, 'server_overhead_p50_ms'));
  const c1 = read(`latency-mem10k-c1${suffix}`);
  add(`memory on, 10k/user, concurrency 1${emb}`, `latency-mem10k-c1${suffix}`, 'overhead_ttft_p50_ms', '≤ 5', m(c1, 'overhead_ttft_p50_ms'));
  add(`memory on, 10k/user, concurrency 1${emb}`, `latency-mem10k-c1${suffix}`, 'server_overhead_p50_ms', '(server)', m(c1, 'server_overhead_p50_ms'));
}
// The same 100 streams with the LLM queue wider than them (LLM_MAX_CONCURRENCY=128; the default 64 queues 36 of 100).
for (const suffix of ['-q128', '-static-q128']) {
  const run = `latency-mem10k-c100${suffix}`;
  const r = read(run);
  const label = `memory on, 10k/user, 100 streams, LLM_MAX_CONCURRENCY=128${suffix.includes('static') ? ' (EMBEDDINGS=static)' : ''}`;
  add(label, run, 'overhead_ttft_p50_ms', '≤ 15', m(r, 'overhead_ttft_p50_ms'));
  add(label, run, 'overhead_ttft_p99_ms', '≤ 40', m(r, 'overhead_ttft_p99_ms'));
}
const off = read('latency-memoff-c1');
add('memory off, concurrency 1', 'latency-memoff-c1', 'overhead_ttft_p50_ms', '≤ 1', m(off, 'overhead_ttft_p50_ms'));
add('memory off, concurrency 1', 'latency-memoff-c1', 'server_overhead_p50_ms', '(server)', m(off, 'server_overhead_p50_ms'));
for (const suffix of ['', '-static']) {
  const run = `load-saturation${suffix}`;
  const r = read(run);
  const u = satUsers(r);
  const label = `saturation, memory on${suffix ? ' (EMBEDDINGS=static)' : ''}`;
  add(label, run, 'max_throughput_rps', '≥ 150', m(r, 'max_throughput_rps'));
  add(label, run, `saturation_concurrency`, '', u);
  add(label, run, `overhead_p99_ms_at_${u}`, '≤ 100', u === null ? null : m(r, `overhead_p99_ms_at_${u}`));
  add(label, run, `server_eld_p99_ms_at_${u}`, '≤ 10', u === null ? null : m(r, `server_eld_p99_ms_at_${u}`));
  add(label, run, `server_cpu_ms_per_turn_at_${u}`, '(CPU per turn)', u === null ? null : m(r, `server_cpu_ms_per_turn_at_${u}`));
}
for (const c of [0, 2, 5]) {
  const run = `load-streams-500-coalesce${c}`;
  const r = read(run);
  add(`500 SSE streams, SSE_COALESCE_MS=${c}`, run, 'added_itl_p99_ms_at_500', '≤ 5', m(r, 'added_itl_p99_ms_at_500'));
  add(`500 SSE streams, SSE_COALESCE_MS=${c}`, run, 'added_itl_vs_sim_p99_ms_at_500', '', m(r, 'added_itl_vs_sim_p99_ms_at_500'));
  add(`500 SSE streams, SSE_COALESCE_MS=${c}`, run, 'streams_server_cpu_us_per_token', '(CPU per token)', m(r, 'streams_server_cpu_us_per_token'));
}
process.stdout.write(
  [
    `# Serving hot path: figures (${dir})`,
    '',
    '| target | run | metric | value | goal | load avg (1 min) before → after |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
  ].join('\n'),
);
