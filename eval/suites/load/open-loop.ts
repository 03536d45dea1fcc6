/**
 * Open loop: requests arrive on a seeded Poisson/gamma schedule (arrivals.ts) whatever the server
 * does, each in its own new session. Arrivals due while `maxInFlight` requests are in flight are
 * dropped and counted (the generator never queues, which would turn it back into a closed loop).
 */
import { createRng } from '../../metrics/random';
import { arrivalOffsetsMs } from './arrivals';
import type { LoadRecord, LoadRun, Sender } from './types';
import { chatMessage, sleepUnlessAborted } from './workload';
import { loopSignals } from './signals';

export interface OpenLoopOptions {
  /** mean requests per second */
  rate: number;
  /** gamma shape (1 = Poisson) */
  burstiness?: number;
  warmupMs: number;
  durationMs: number;
  drainMs: number;
  /** a client gives up on a request after this long (a counted failure); default: never */
  clientTimeoutMs?: number;
  maxRequests?: number;
  maxInFlight: number;
  stream: boolean;
  maxTokens?: number;
  seed: number;
  tag: string;
  userOf?: (n: number) => string;
  send: Sender;
  signal?: AbortSignal;
}

export async function runOpenLoop(o: OpenLoopOptions): Promise<LoadRun> {
  const offsets = arrivalOffsetsMs({ rate: o.rate, burstiness: o.burstiness ?? 1, seed: o.seed, durationMs: o.warmupMs + o.durationMs, maxCount: o.maxRequests });
  const rng = createRng(o.seed + 1);
  const startedAt = performance.now();
  const measureFrom = startedAt + o.warmupMs;
  const measureTo = measureFrom + o.durationMs;
  const { stop, drain, unlink } = loopSignals(o.signal);
  const records: LoadRecord[] = [];
  const pending: Promise<void>[] = [];
  const state = { inFlight: 0, peak: 0, dropped: 0 };

  const fire = async (n: number, scheduledAt: number) => {
    const user = o.userOf?.(n) ?? `open-${n % 1000}`;
    const message = chatMessage(rng, o.tag, n, 0, n);
    state.inFlight++;
    state.peak = Math.max(state.peak, state.inFlight);
    const sentAt = performance.now();
    const timeout = o.clientTimeoutMs ? AbortSignal.timeout(o.clientTimeoutMs) : undefined;
    const result = await o.send({ message, user, stream: o.stream, signal: timeout ? AbortSignal.any([drain.signal, timeout]) : drain.signal, ...(o.maxTokens ? { maxTokens: o.maxTokens } : {}) });
    state.inFlight--;
    records.push({ seq: n, vu: n, turn: 0, user, message, warmup: sentAt < measureFrom, scheduledAt, abortedAtEnd: drain.signal.aborted && !result.ok, clientTimeout: !result.ok && timeout?.aborted === true && !drain.signal.aborted, result });
  };

  for (const [n, offset] of offsets.entries()) {
    const due = startedAt + offset;
    await sleepUnlessAborted(due - performance.now(), stop.signal);
    if (stop.signal.aborted) break;
    if (state.inFlight >= o.maxInFlight) {
      state.dropped++;
      continue;
    }
    pending.push(fire(n, due));
  }
  const timer = setTimeout(() => drain.abort(), Math.max(0, measureTo - performance.now()) + o.drainMs);
  try {
    await Promise.all(pending);
  } finally {
    clearTimeout(timer);
    unlink();
  }
  records.sort((a, b) => a.seq - b.seq);
  return { records, startedAt, measureFrom, measureTo, endedAt: performance.now(), peakInFlight: state.peak, dropped: state.dropped };
}
