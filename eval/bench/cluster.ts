/**
 * npm run bench:cluster — throughput of 1 vs 2 Memocha instances behind the same HAProxy, memory off and on.
 * Each case starts a fresh cluster (serve/testing startCluster: server processes on one PostgreSQL schema and
 * one Redis, the LLM simulator in this process), primes it, then runs the load suite's closed loop (`users`
 * virtual users, think 50–150 ms, 3 turns per session) and measures: completed turns/s and output tokens/s in
 * the loaded window, TTFT p50/p95/p99, errors, the spread across instances, and CPU over the run of every
 * process that competes for the cores: each instance (/proc/<pid>/stat), HAProxy, the PostgreSQL processes,
 * this process (the load generator and the simulator), and the whole machine (/proc/stat), with the load average.
 *
 *   npm run bench:cluster -- [--users 100] [--seconds 20] [--cases 1:off,2:off,1:on,2:on] [--out reports/baselines/cluster]
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chatOnce, createDispatcher } from '../client/chat';
import { startTarget } from '../harness/target';
import { machineTicks, sampleNamed, sampleProc, sampleSelf, type ResourceSampler } from '../suites/load/resources';
import { instanceSpread } from '../suites/load/spread';
import { summarise } from '../suites/load/summary';
import { runVirtualUsers } from '../suites/load/virtual-users';

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '20' },
    cases: { type: 'string', default: '1:off,2:off,1:on,2:on' },
    out: { type: 'string', default: 'reports/baselines/cluster' },
  },
});
const USERS = Number(args.users);
const SECONDS = Number(args.seconds);
const SIM = { ttft: { kind: 'fixed' as const, ms: 20 }, itl: { kind: 'fixed' as const, ms: 5 }, outputTokens: 64 };

interface Case {
  instances: number;
  memory: boolean;
}
const CASES: Case[] = args.cases.split(',').map((c) => {
  const [n, m] = c.split(':');
  if (!/^[1-8]$/.test(n ?? '') || (m !== 'on' && m !== 'off')) throw new Error(`--cases: "<instances>:on|off" items, got "${c}"`);
  return { instances: Number(n), memory: m === 'on' };
});

const round = (x: number, d = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);

async function runCase(c: Case) {
  const target = await startTarget(`cluster:${c.instances}`, undefined, { env: { LOG_LEVEL: 'error', MEMORY_ENABLED: String(c.memory) }, sim: SIM });
  const cluster = target.cluster!;
  const dispatcher = createDispatcher(4096);
  try {
    const send = (req: Parameters<typeof chatOnce>[1]) => chatOnce(target.url, req, dispatcher);
    // JIT, pools and (memory on) every instance's embedding model, before anything is measured
    for (let i = 0; i < 4 * c.instances; i++) await send({ message: `warming up ${i}`, user: 'bench-prime', stream: true, signal: AbortSignal.timeout(120_000) });
    const procs: [string, ResourceSampler][] = [
      ...cluster.instances.map((i): [string, ResourceSampler] => [i.name, sampleProc(i.pid)]),
      ['haproxy', sampleProc(cluster.haproxy.pid)],
      ['postgres (all its processes)', sampleNamed('postgres')],
      ['generator + simulator (this process)', sampleSelf()],
    ];
    const machine0 = machineTicks();
    const load0 = loadavg()[0] ?? 0;
    const tag = `B${Date.now().toString(36)}-${c.instances}${c.memory ? 'm' : ''}`;
    const run = await runVirtualUsers({ users: USERS, warmupMs: 3_000, maxWarmupMs: 60_000, durationMs: SECONDS * 1000, clientTimeoutMs: 60_000, drainMs: 65_000, think: { minMs: 50, maxMs: 150 }, turnsPerSession: 3, rampMs: 1_000, stream: true, seed: 42, tag, userOf: (vu) => `bench-${tag}-${vu}`, send });
    const machine1 = machineTicks();
    const cpu = Object.fromEntries(await Promise.all(procs.map(async ([name, s]) => [name, round((await s.stop()).cpuPct)] as const)));
    const s = summarise(run);
    const turns = run.records.filter((r) => r.result.ok).length;
    const runS = (run.endedAt - run.startedAt) / 1000;
    const instanceCpuPct = cluster.instances.reduce((a, i) => a + (cpu[i.name] ?? 0), 0);
    const machineBusyPct = (100 * cpus().length * (machine1.busy - machine0.busy)) / Math.max(1, machine1.total - machine0.total);
    const ours = Object.values(cpu).reduce<number>((a, x) => a + (x ?? 0), 0);
    const spread = instanceSpread(run, cluster.instances.map((i) => i.name));
    const peakRssMb = Object.fromEntries(await Promise.all(cluster.instances.map(async (i) => [i.name, await peakRssMbOf(i.pid)] as const)));
    return {
      instances: c.instances,
      memory: c.memory,
      users: USERS,
      requests: s.requests,
      errors: s.failed,
      errorRate: round(s.errorRate, 4),
      /** failure cause (server error code or client error message) → count */
      errorCauses: s.errors,
      turnsPerSec: round(s.requestsPerSec),
      outputTokensPerSec: round(s.outputTokensPerSec),
      ttftMs: { p50: round(s.ttft.p50), p95: round(s.ttft.p95), p99: round(s.ttft.p99) },
      ttcMs: { p50: round(s.ttc.p50), p99: round(s.ttc.p99) },
      /** % of one core over the whole run (warm-up and drain included), per process */
      cpuPct: cpu,
      /** each instance's peak resident memory since it started (VmHWM), MB: the memory side of the capacity model */
      peakRssMb,
      machineBusyPct: round(machineBusyPct),
      /** machine busy − the processes above: other work on the machine competing for the cores */
      otherProcessesCpuPct: round(Math.max(0, machineBusyPct - ours)),
      /** the instances' CPU time per completed turn over the whole run */
      instanceCpuMsPerTurn: round((instanceCpuPct * 10 * runS) / Math.max(1, turns), 2),
      /** every measured process's CPU time (instances, HAProxy, PostgreSQL, generator + simulator) per completed turn */
      allCpuMsPerTurn: round((ours * 10 * runS) / Math.max(1, turns), 2),
      /** the turns/s these processes could reach if they had every core to themselves: cores × 1000 ms ÷ allCpuMsPerTurn */
      cpuBoundTurnsPerSec: round((cpus().length * 1000 * turns) / Math.max(1, ours * 10 * runS)),
      spread: { cv: round(spread.cv ?? Number.NaN, 3), maxMinShare: round(spread.maxMinRatio ?? Number.NaN, 3), perInstance: spread.instances.map((i) => ({ instance: i.instance, requests: i.requests, share: round(i.share ?? Number.NaN, 3), errors: i.errors, turnsPerSec: round(i.requestsPerSec), ttftP50Ms: round(i.ttftP50Ms), ttftP95Ms: round(i.ttftP95Ms) })) },
      loadavg1: { atStart: round(load0, 2), atEnd: round(loadavg()[0] ?? 0, 2) },
      /** HAProxy log lines of requests that did not end normally, and the instances' error logs: why a request failed */
      anomalies: await anomalies(cluster.dir, cluster.instances.map((i) => i.name)),
    };
  } finally {
    await dispatcher.close();
    await target.close();
  }
}

/** HAProxy's httplog termination state is '----' for a normal end; a client closing an idle keep-alive connection logs <BADREQ>. */
async function anomalies(dir: string, instances: string[]): Promise<Record<string, string[]>> {
  const read = async (f: string) => (await readFile(path.join(dir, f), 'utf8').catch(() => '')).split('\n').filter(Boolean);
  const balancer = (await read('haproxy.log')).filter((l) => /\[\d\d\/\w{3}\//.test(l) && !/ -{4} /.test(l) && !l.includes('<BADREQ>'));
  const out: Record<string, string[]> = {};
  if (balancer.length) out.haproxy = balancer.slice(0, 20);
  for (const name of instances) {
    const lines = await read(`${name}.log`);
    if (lines.length) out[name] = lines.slice(-10).map((l) => l.slice(0, 400));
  }
  return out;
}

type Figures = Awaited<ReturnType<typeof runCase>>;

async function peakRssMbOf(pid: number): Promise<number | null> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
  return kb ? round(Number(kb) / 1024) : null;
}

/** turns/s of the most instances / of 1 instance, per memory setting, when both ran. */
function scaling(rows: Figures[]): string[] {
  return [false, true].flatMap((memory) => {
    const same = rows.filter((r) => r.memory === memory && r.turnsPerSec !== null);
    const one = same.find((r) => r.instances === 1);
    const most = same.reduce<Figures | undefined>((a, r) => (r.instances > (a?.instances ?? 1) ? r : a), undefined);
    if (!one || !most || !one.turnsPerSec) return [];
    return [`- memory ${memory ? 'on' : 'off'}: ${most.instances} instances give ×${round((most.turnsPerSec ?? 0) / one.turnsPerSec, 2)} the turns/s of 1 (${most.turnsPerSec} vs ${one.turnsPerSec}).`];
  });
}

function markdown(rows: Figures[], meta: { cores: number; when: string }): string {
  const instanceCols = Array.from({ length: Math.max(0, ...rows.map((r) => r.instances)) }, (_, i) => `i${i + 1}`);
  const cpuCols = [...new Set([...instanceCols, ...rows.flatMap((r) => Object.keys(r.cpuPct))])];
  const line = (cells: unknown[]) => `| ${cells.map((c) => (c === null || c === undefined ? '—' : String(c))).join(' | ')} |`;
  return [
    `# 1 vs 2 instances behind HAProxy (${meta.when}, ${meta.cores} cores)`,
    '',
    `Closed loop, ${rows[0]?.users ?? USERS} users, ${SECONDS} s measured, simulator 20 ms TTFT + 64 tokens × 5 ms. Re-run: \`npm run bench:cluster\`.`,
    'CPU in % of one core over the whole run; "machine busy" = all cores (100 % per core); "other processes" = machine busy − the processes measured here (work that is not this benchmark).',
    '',
    line(['instances', 'memory', 'turns/s', 'output tok/s', 'TTFT p50', 'TTFT p95', 'TTFT p99', 'error rate', 'spread CV', 'max/min share', 'loadavg (start → end)']),
    line(Array(11).fill('---')),
    ...rows.map((r) => line([r.instances, r.memory ? 'on' : 'off', r.turnsPerSec, r.outputTokensPerSec, r.ttftMs.p50, r.ttftMs.p95, r.ttftMs.p99, r.errorRate, r.spread.cv, r.spread.maxMinShare, `${r.loadavg1.atStart} → ${r.loadavg1.atEnd}`])),
    '',
    '## Why: CPU',
    '',
    'CPU-bound turns/s = cores × 1000 ms ÷ (CPU ms per turn of every process measured): the rate this benchmark could reach with the machine to itself.',
    '',
    line(['instances', 'memory', 'instance CPU ms/turn', 'all measured CPU ms/turn', 'CPU-bound turns/s', 'measured turns/s', 'machine busy %', 'other processes %']),
    line(Array(8).fill('---')),
    ...rows.map((r) => line([r.instances, r.memory ? 'on' : 'off', r.instanceCpuMsPerTurn, r.allCpuMsPerTurn, r.cpuBoundTurnsPerSec, r.turnsPerSec, r.machineBusyPct, r.otherProcessesCpuPct])),
    '',
    ...scaling(rows),
    '',
    '## Peak resident memory per instance (VmHWM, MB)',
    '',
    line(['instances', 'memory', ...instanceCols]),
    line(Array(2 + instanceCols.length).fill('---')),
    ...rows.map((r) => line([r.instances, r.memory ? 'on' : 'off', ...instanceCols.map((k) => r.peakRssMb[k])])),
    '',
    '## CPU per process (% of one core)',
    '',
    line(['instances', 'memory', ...cpuCols]),
    line(Array(2 + cpuCols.length).fill('---')),
    ...rows.map((r) => line([r.instances, r.memory ? 'on' : 'off', ...cpuCols.map((k) => r.cpuPct[k])])),
    '',
  ].join('\n');
}

const results: (Figures | { instances: number; memory: boolean; error: string })[] = [];
for (const c of CASES) {
  process.stderr.write(`bench:cluster: ${c.instances} instance(s), memory ${c.memory ? 'on' : 'off'}, ${USERS} users, ${SECONDS} s …\n`);
  try {
    const f = await runCase(c);
    results.push(f);
    process.stderr.write(`  ${f.turnsPerSec} turns/s, ${f.outputTokensPerSec} tok/s, TTFT p99 ${f.ttftMs.p99} ms, errors ${f.errors}, loadavg ${f.loadavg1.atEnd}\n`);
  } catch (err) {
    results.push({ ...c, error: (err as Error).message });
    process.stderr.write(`  failed: ${(err as Error).message}\n`);
  }
}
const ok = results.filter((r): r is Figures => !('error' in r));
const meta = { cores: cpus().length, when: new Date().toISOString(), users: USERS, seconds: SECONDS, sim: SIM, node: process.version };
await mkdir(args.out, { recursive: true });
await writeFile(path.join(args.out, 'figures.json'), `${JSON.stringify({ meta, results }, null, 2)}\n`);
const failed = results.filter((r) => 'error' in r).map((r) => `- ${r.instances} instance(s), memory ${r.memory ? 'on' : 'off'}: failed: ${(r as { error: string }).error}`);
await writeFile(path.join(args.out, 'figures.md'), markdown(ok, meta) + (failed.length ? `\n${failed.join('\n')}\n` : ''));
process.stdout.write(markdown(ok, meta));
if (failed.length) process.exitCode = 1;
