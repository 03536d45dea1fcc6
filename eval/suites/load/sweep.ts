/** The closed-loop concurrency sweep: one measured step per user count, lowest first, after a short priming. */
import { runVirtualUsers } from './virtual-users';
import type { LoadConfig } from './config';
import type { LoadTarget } from './target';
import { detectSaturation, type Saturation } from './saturation';
import { measureStep, type StepResult } from './step';
import type { Sender } from './types';
import { sleepUnlessAborted } from './workload';

export interface RunContext {
  send: Sender;
  seed: number;
  /** unique per suite run: tags every message */
  tag: string;
  signal: AbortSignal;
  log(s: string): void;
  tick(): void;
}

/** A few sequential requests before anything is measured (JIT, connection pools, the embedding model). */
export async function prime(rc: RunContext, n = 3): Promise<number> {
  let ok = 0;
  for (let i = 0; i < n && !rc.signal.aborted; i++) {
    const r = await rc.send({ message: `warming up ${i} [${rc.tag}-prime-${i}]`, user: 'load-prime', stream: true, signal: AbortSignal.any([rc.signal, AbortSignal.timeout(120_000)]) });
    if (r.ok) ok++;
  }
  return ok;
}

export async function runSweep(target: LoadTarget, cfg: LoadConfig, rc: RunContext): Promise<{ steps: StepResult[]; saturation: Saturation }> {
  const steps: StepResult[] = [];
  const s = cfg.sweep;
  for (const users of [...s.users].sort((a, b) => a - b)) {
    if (rc.signal.aborted) break;
    rc.log(`sweep: ${users} users`);
    const step = await measureStep(target, `sweep@${users}`, users, () =>
      runVirtualUsers({
        users,
        warmupMs: s.warmupMs,
        maxWarmupMs: s.clientTimeoutMs,
        durationMs: s.durationMs,
        clientTimeoutMs: s.clientTimeoutMs,
        drainMs: s.clientTimeoutMs + 5_000,
        think: s.think,
        turnsPerSession: s.turnsPerSession,
        rampMs: Math.min(s.warmupMs, 1_000),
        stream: true,
        seed: rc.seed + users,
        tag: `${rc.tag}-c${users}`,
        userOf: (vu) => `load-c${users}-${vu}`,
        send: rc.send,
        signal: rc.signal,
        ...(s.maxRequestsPerStep ? { maxRequests: s.maxRequestsPerStep } : {}),
      }),
    );
    steps.push(step);
    rc.tick();
    await sleepUnlessAborted(1_000, rc.signal); // let queues and timers settle between steps
  }
  const saturation = detectSaturation(
    steps.map((st) => ({ concurrency: st.users ?? 0, throughput: st.summary.requestsPerSec, ttftP99Ms: st.summary.ttft.p99 })),
    { sloTtftP99Ms: cfg.slo.ttftP99Ms, minGain: cfg.slo.minGain },
  );
  return { steps, saturation };
}
