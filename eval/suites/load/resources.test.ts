import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fromProbe, machineTicks, parseListenOverflows, parseProcStat, pidsNamed, sampleNamed, sampleProc, sampleProcs, sampleSelf } from './resources';

describe('parseProcStat', () => {
  it('reads utime+stime, threads and rss after a command name with spaces and parentheses', () => {
    // fields: pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime prio nice threads itreal start vsize rss
    const line = '4242 (node (x) y) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 75 0 0 20 0 11 0 1234 1073741824 5120 18446744073709551615';
    expect(parseProcStat(line)).toEqual({ cpuTicks: 325, threads: 11, rssPages: 5120 });
    expect(() => parseProcStat('garbage')).toThrow();
  });
});

describe('samplers', () => {
  it('turn probe usage into % of one core', () => {
    expect(fromProbe({ cpuMs: 500, wallMs: 1000, rssMaxMb: 100, heapUsedMaxMb: 50, eldP50Ms: 10, eldP99Ms: 20, eldMaxMs: 30 }).cpuPct).toBe(50);
  });

  it('measure this process (100 ms of CPU) and /proc/self', async () => {
    const t0 = performance.now();
    const self = sampleSelf();
    const proc = sampleProc(process.pid);
    await new Promise((r) => setTimeout(r, 30)); // let the delay monitor tick first
    const c0 = process.cpuUsage();
    const cpuMs = () => {
      const d = process.cpuUsage(c0);
      return (d.user + d.system) / 1000;
    };
    while (cpuMs() < 100) Math.sqrt(Math.random()); // ≥ 100 ms of CPU, however long the machine makes it take
    await new Promise((r) => setTimeout(r, 50));
    const a = await self.stop();
    const b = await proc.stop();
    const wall = performance.now() - t0;
    // cpuPct · wall ≥ the 100 ms spent (the samplers' own wall time is within the test's)
    expect((a.cpuPct * wall) / 100).toBeGreaterThan(95);
    expect(a.rssMaxMb).toBeGreaterThan(10);
    expect(a.heapUsedMaxMb).toBeGreaterThan(1);
    expect(a.eldMaxMs).toBeGreaterThan(50); // the busy loop blocked the event loop ~100 ms
    expect((b.cpuPct * wall) / 100).toBeGreaterThan(80); // 10 ms clock ticks
    expect(b.rssMaxMb).toBeGreaterThan(10);
    expect(b.heapUsedMaxMb).toBeNaN();
  });
});

describe('parseListenOverflows', () => {
  it('reads TcpExt ListenOverflows', () => {
    const text = 'TcpExt: SyncookiesSent ListenOverflows ListenDrops\nTcpExt: 0 3389 3390\nIpExt: InNoRoutes\nIpExt: 0\n';
    expect(parseListenOverflows(text)).toBe(3389);
    expect(parseListenOverflows('IpExt: a\nIpExt: 1\n')).toBeNull();
  });
});

describe('processes and the machine', () => {
  it('finds processes by command name, optionally only children of a parent', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn('sleep', ['30']);
    try {
      await new Promise((r) => child.once('spawn', r));
      expect(pidsNamed('sleep', process.pid)).toEqual([child.pid]);
      expect(pidsNamed('sleep')).toContain(child.pid);
      expect(pidsNamed('sleep', 1)).not.toContain(child.pid);
      // a pid listed then gone adds nothing rather than failing the sum
      const u = await sampleProcs([child.pid as number, 2 ** 22 + 1]).stop();
      expect(u.cpuPct).toBeGreaterThanOrEqual(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('sums the CPU of processes by name, including one that started after the sampler', async () => {
    const { spawn } = await import('node:child_process');
    const sampler = sampleNamed('yes');
    const busy = spawn('yes', { stdio: ['ignore', 'ignore', 'ignore'] });
    try {
      // let it burn at least 50 ms of CPU (/proc/<pid>/stat), however long a busy machine makes that take
      const pid = busy.pid as number;
      await new Promise((r) => busy.once('spawn', r));
      while (parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).cpuTicks < 5) await new Promise((r) => setTimeout(r, 20));
      const u = await sampler.stop();
      expect(u.cpuPct).toBeGreaterThan(0);
    } finally {
      busy.kill('SIGKILL');
    }
  });

  it('reads busy and total ticks from /proc/stat (idle and iowait are not busy)', () => {
    // user nice system idle iowait irq softirq steal guest guest_nice
    const stat = 'cpu  100 5 50 800 20 3 2 0 7 0\ncpu0 50 2 25 400 10 1 1 0 0 0\n';
    expect(machineTicks(stat)).toEqual({ busy: 160, total: 980 });
  });
});
