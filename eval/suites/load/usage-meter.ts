/**
 * This process's CPU, memory and event-loop delay over an interval: process.cpuUsage, memoryUsage
 * (polled every 250 ms for the maximum) and monitorEventLoopDelay (10 ms resolution). No imports
 * beyond node: it is also preloaded into Memocha's child process by child-probe.ts.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface ProbeUsage {
  /** ms of CPU (user + system) since the previous sample, and the wall ms it covers */
  cpuMs: number;
  wallMs: number;
  rssMaxMb: number;
  heapUsedMaxMb: number;
  eldP50Ms: number;
  eldP99Ms: number;
  eldMaxMs: number;
}

export interface UsageMeter {
  /** the usage since the meter started or the previous take(); starts a new interval */
  take(): ProbeUsage;
  stop(): void;
}

export function createUsageMeter(): UsageMeter {
  const eld = monitorEventLoopDelay({ resolution: 10 });
  eld.enable();
  let cpu = process.cpuUsage();
  let wall = performance.now();
  let rssMax = 0;
  let heapMax = 0;
  const mem = () => {
    const m = process.memoryUsage();
    rssMax = Math.max(rssMax, m.rss);
    heapMax = Math.max(heapMax, m.heapUsed);
  };
  mem();
  const timer = setInterval(mem, 250);
  timer.unref();
  return {
    take() {
      mem();
      const d = process.cpuUsage(cpu);
      const now = performance.now();
      const usage: ProbeUsage = {
        cpuMs: (d.user + d.system) / 1000,
        wallMs: now - wall,
        rssMaxMb: rssMax / 2 ** 20,
        heapUsedMaxMb: heapMax / 2 ** 20,
        eldP50Ms: eld.percentile(50) / 1e6,
        eldP99Ms: eld.percentile(99) / 1e6,
        eldMaxMs: eld.max / 1e6,
      };
      cpu = process.cpuUsage();
      wall = now;
      rssMax = 0;
      heapMax = 0;
      eld.reset();
      return usage;
    },
    stop() {
      clearInterval(timer);
      eld.disable();
    },
  };
}
