/** Fault windows on the simulator, switched on and off on a schedule while the load runs; the actual switch times are recorded. */
import type { FaultSpec } from '../../../serve';
import type { FaultWindow } from './config';
import { sleepUnlessAborted } from '../load/workload';

export interface PlannedWindow extends FaultWindow {
  /** offsets from the start of the run (ms) */
  startMs: number;
  endMs: number;
}

export interface AppliedWindow extends PlannedWindow {
  /** when the faults were switched on and off: performance.now() and epoch ms */
  startedAt: number;
  endedAt: number;
  startedEpoch: number;
  endedEpoch: number;
}

/** baseline, then window₁, gap, window₂, gap, …; the last gap is part of the run (recovery is measured in it). */
export function planWindows(windows: readonly FaultWindow[], s: { baselineMs: number; windowMs: number; gapMs: number }): { windows: PlannedWindow[]; totalMs: number } {
  const out: PlannedWindow[] = [];
  let t = s.baselineMs;
  for (const w of windows) {
    out.push({ ...w, startMs: t, endMs: t + s.windowMs });
    t += s.windowMs + s.gapMs;
  }
  return { windows: out, totalMs: t };
}

/** Apply the plan from `t0` (performance.now()); faults are always cleared at the end, also on abort. */
export async function runWindows(sim: { configure(p: { faults: FaultSpec }): void | Promise<void> }, plan: readonly PlannedWindow[], t0: number, signal: AbortSignal): Promise<AppliedWindow[]> {
  const applied: AppliedWindow[] = [];
  try {
    for (const w of plan) {
      await sleepUnlessAborted(t0 + w.startMs - performance.now(), signal);
      if (signal.aborted) break;
      await sim.configure({ faults: w.faults });
      const startedAt = performance.now();
      const startedEpoch = Date.now();
      await sleepUnlessAborted(t0 + w.endMs - performance.now(), signal);
      await sim.configure({ faults: {} });
      applied.push({ ...w, startedAt, startedEpoch, endedAt: performance.now(), endedEpoch: Date.now() });
    }
  } finally {
    await sim.configure({ faults: {} });
  }
  return applied;
}
