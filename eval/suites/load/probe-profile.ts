/**
 * A CPU profile of the Memocha child's main thread per measured window, taken by the child probe with
 * node:inspector (no --cpu-prof: that writes only at exit, after the indexing backlog drains, and a
 * child killed on a slow shutdown writes nothing). The generator samples the probe at the start and at
 * the end of each step (resources.ts): the first sample starts the profiler, the next stops it and writes
 * `<dir>/step-<n>.cpuprofile`, and so on (the windows between steps are not profiled).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

/** The environment variable naming the folder (set by spawnMemocha). */
export const PROFILE_ENV = 'MEMOCHA_PROBE_CPU_PROFILE';

export interface StepProfiler {
  /** Called on every probe sample: alternately starts and stops (and writes) a profile. */
  onSample(): void;
}

export function createStepProfiler(dir: string): StepProfiler {
  mkdirSync(dir, { recursive: true });
  const session = new Session();
  session.connect();
  let running = false;
  let step = 0;
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  void post('Profiler.enable').then(() => post('Profiler.setSamplingInterval', { interval: 500 }));
  return {
    onSample() {
      if (!running) {
        running = true;
        void post('Profiler.start');
        return;
      }
      running = false;
      step += 1;
      const file = path.join(dir, `step-${step}.cpuprofile`);
      void post('Profiler.stop').then((res) => writeFileSync(file, JSON.stringify((res as { profile: unknown }).profile)));
    },
  };
}
