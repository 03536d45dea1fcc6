/**
 * Preloaded into a Memocha child process (`node --import tsx --import eval/suites/load/child-probe.ts serve/main.ts`)
 * so the generator can read the server's CPU, memory and event-loop delay over the IPC channel without
 * any endpoint in serve/. Message in: {probe: 'sample', id}; out: {probe: 'sample', id, usage} — usage since
 * the previous sample (or start). Does nothing when the process has no IPC channel.
 */
import { createStepProfiler, PROFILE_ENV } from './probe-profile';
import { createUsageMeter } from './usage-meter';

export type { ProbeUsage } from './usage-meter';

if (typeof process.send === 'function') {
  const meter = createUsageMeter();
  const profileDir = process.env[PROFILE_ENV];
  const profiler = profileDir ? createStepProfiler(profileDir) : undefined;
  process.channel?.unref();
  // the generator went away (crash, second Ctrl-C): shut Memocha down gracefully rather than orphan it
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  process.on('message', (msg: unknown) => {
    if (typeof msg !== 'object' || msg === null || (msg as { probe?: unknown }).probe !== 'sample') return;
    const usage = meter.take();
    profiler?.onSample();
    process.send?.({ probe: 'sample', id: (msg as { id?: unknown }).id, usage });
  });
}
