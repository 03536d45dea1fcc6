/**
 * CPU, memory and event-loop delay during a step, for this process (the generator, and Memocha too in
 * in-process mode) and for a Memocha child process (through child-probe.ts over IPC, or /proc/<pid>/stat
 * when there is no probe). CPU is in % of one core (200 % = both cores of a 2-core machine).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createUsageMeter, type ProbeUsage } from './usage-meter';

export interface ResourceUsage {
  cpuPct: number;
  rssMaxMb: number;
  /** NaN when unknown (/proc fallback) */
  heapUsedMaxMb: number;
  eldP50Ms: number;
  eldP99Ms: number;
  eldMaxMs: number;
}

export interface ResourceSampler {
  /** the usage since start() (or the previous stop()) */
  stop(): Promise<ResourceUsage>;
}

export function fromProbe(u: ProbeUsage): ResourceUsage {
  return { cpuPct: u.wallMs > 0 ? (100 * u.cpuMs) / u.wallMs : Number.NaN, rssMaxMb: u.rssMaxMb, heapUsedMaxMb: u.heapUsedMaxMb, eldP50Ms: u.eldP50Ms, eldP99Ms: u.eldP99Ms, eldMaxMs: u.eldMaxMs };
}

/** This process: process.cpuUsage, memoryUsage (polled every 250 ms for the maximum), monitorEventLoopDelay (10 ms resolution). */
export function sampleSelf(): ResourceSampler {
  const meter = createUsageMeter();
  return {
    async stop() {
      const usage = meter.take();
      meter.stop();
      return fromProbe(usage);
    },
  };
}

export interface ProcStat {
  /** user + system CPU in clock ticks */
  cpuTicks: number;
  rssPages: number;
  threads: number;
}

/** Parse /proc/<pid>/stat (proc(5)): the fields after the command name in parentheses, which may hold spaces. */
export function parseProcStat(text: string): ProcStat {
  const rest = text.slice(text.lastIndexOf(')') + 2).trim().split(/\s+/);
  // rest[0] is field 3 (state): utime = field 14, stime = 15, num_threads = 20, rss = 24
  const f = (n: number) => Number(rest[n - 3]);
  const out = { cpuTicks: f(14) + f(15), threads: f(20), rssPages: f(24) };
  if (!Object.values(out).every(Number.isFinite)) throw new Error(`unreadable /proc stat line: ${text.slice(0, 80)}`);
  return out;
}

/** USER_HZ and the page size: 100 and 4096 on every Linux we run on (x86-64 and arm64 defaults). */
const TICKS_PER_S = 100;
const PAGE_BYTES = 4096;

/** Another process by pid, from /proc: CPU between start and stop, RSS polled every 250 ms. */
export function sampleProc(pid: number): ResourceSampler {
  const read = () => parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  const s0 = read();
  const t0 = performance.now();
  let rssMax = s0.rssPages;
  const timer = setInterval(() => {
    try {
      rssMax = Math.max(rssMax, read().rssPages);
    } catch {
      // the process ended; stop() reports what was seen
    }
  }, 250);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      let s1 = s0;
      try {
        s1 = read();
      } catch {
        // gone
      }
      const wall = performance.now() - t0;
      const nan = Number.NaN;
      return { cpuPct: wall > 0 ? (100 * ((s1.cpuTicks - s0.cpuTicks) / TICKS_PER_S) * 1000) / wall : nan, rssMaxMb: (Math.max(rssMax, s1.rssPages) * PAGE_BYTES) / 2 ** 20, heapUsedMaxMb: nan, eldP50Ms: nan, eldP99Ms: nan, eldMaxMs: nan };
    },
  };
}

/** Several processes (a cluster's instances) as one server: CPU summed, max RSS summed (an upper bound of the peak), no event-loop figures. */
export function sampleProcs(pids: readonly number[]): ResourceSampler {
  // a pid that ended since it was listed has nothing to add
  const samplers = pids.flatMap((pid) => {
    try {
      return [sampleProc(pid)];
    } catch {
      return [];
    }
  });
  return {
    async stop() {
      const us = await Promise.all(samplers.map((x) => x.stop()));
      const nan = Number.NaN;
      return { cpuPct: us.reduce((a, u) => a + u.cpuPct, 0), rssMaxMb: us.reduce((a, u) => a + u.rssMaxMb, 0), heapUsedMaxMb: nan, eldP50Ms: nan, eldP99Ms: nan, eldMaxMs: nan };
    },
  };
}

/** The pids whose command (/proc/<pid>/stat comm) is `comm`, e.g. 'postgres'; with `parent`, only its children. */
export function pidsNamed(comm: string, parent?: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
      const ppid = Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
      if (name === comm && (parent === undefined || ppid === parent)) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * Every process named `comm` (e.g. PostgreSQL's postmaster and backends) as one: CPU between start and stop,
 * counting processes that started meanwhile (all their CPU falls in the window) and not those that ended.
 */
export function sampleNamed(comm: string): ResourceSampler {
  const ticks = () => new Map(pidsNamed(comm).flatMap((pid) => {
    try {
      return [[pid, parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).cpuTicks] as const];
    } catch {
      return [];
    }
  }));
  const t0 = performance.now();
  const before = ticks();
  return {
    async stop() {
      const wall = performance.now() - t0;
      let used = 0;
      for (const [pid, t] of ticks()) used += t - (before.get(pid) ?? 0);
      const nan = Number.NaN;
      return { cpuPct: wall > 0 ? (100 * (used / TICKS_PER_S) * 1000) / wall : nan, rssMaxMb: nan, heapUsedMaxMb: nan, eldP50Ms: nan, eldP99Ms: nan, eldMaxMs: nan };
    },
  };
}

/** Busy and total CPU ticks of the whole machine (/proc/stat `cpu` line; busy = all but idle and iowait). */
export function machineTicks(stat = readFileSync('/proc/stat', 'utf8')): { busy: number; total: number } {
  const f = (stat.split('\n').find((l) => l.startsWith('cpu ')) ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
}

/** TcpExt ListenOverflows from /proc/net/netstat (machine-wide: connections dropped because an accept queue was full); null if unreadable. */
export function parseListenOverflows(netstat: string): number | null {
  const lines = netstat.split('\n').filter((l) => l.startsWith('TcpExt:'));
  const [head, values] = [lines[0]?.split(/\s+/), lines[1]?.split(/\s+/)];
  const i = head?.indexOf('ListenOverflows') ?? -1;
  const v = i > 0 ? Number(values?.[i]) : Number.NaN;
  return Number.isFinite(v) ? v : null;
}

export function listenOverflows(): number | null {
  try {
    return parseListenOverflows(readFileSync('/proc/net/netstat', 'utf8'));
  } catch {
    return null;
  }
}
