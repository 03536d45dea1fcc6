/**
 * Preloaded into a Memocha child process (`node --import tsx --import eval/load/child-probe.ts serve/main.ts`)
 * so the generator can read the server's CPU, memory and event-loop delay over the IPC channel without
 * any endpoint in serve/. Message in: {probe: 'sample', id}; out: {probe: 'sample', id, usage} — usage since
 * the previous sample (or start). Does nothing when the process has no IPC channel.
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

if (typeof process.send === 'function') {
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
  setInterval(mem, 250).unref();
  process.channel?.unref();
  // the generator went away (crash, second Ctrl-C): shut Memocha down gracefully rather than orphan it
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  process.on('message', (msg: unknown) => {
    if (typeof msg !== 'object' || msg === null || (msg as { probe?: unknown }).probe !== 'sample') return;
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
    process.send?.({ probe: 'sample', id: (msg as { id?: unknown }).id, usage });
  });
}
