import { describe, expect, it } from 'vitest';
import { fromProbe, parseProcStat, sampleProc, sampleSelf } from './resources';

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

  it('measure this process (busy ~100 ms of ~180 ms) and /proc/self', async () => {
    const self = sampleSelf();
    const proc = sampleProc(process.pid);
    await new Promise((r) => setTimeout(r, 30)); // let the delay monitor tick first
    const until = performance.now() + 100;
    while (performance.now() < until) Math.sqrt(Math.random());
    await new Promise((r) => setTimeout(r, 50));
    const a = await self.stop();
    const b = await proc.stop();
    expect(a.cpuPct).toBeGreaterThan(30);
    expect(a.rssMaxMb).toBeGreaterThan(10);
    expect(a.heapUsedMaxMb).toBeGreaterThan(1);
    expect(a.eldMaxMs).toBeGreaterThan(50); // the busy loop blocked the event loop ~100 ms
    expect(b.cpuPct).toBeGreaterThan(20);
    expect(b.rssMaxMb).toBeGreaterThan(10);
    expect(b.heapUsedMaxMb).toBeNaN();
  });
});
