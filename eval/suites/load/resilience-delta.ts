/** The change of the resilience layer's counters over a run (serve/llm/resilience.ts `stats()`, in-process targets only). */
import type { ResilienceStats } from '../../../serve';

export interface ResilienceDelta {
  calls: number;
  succeeded: number;
  failed: number;
  attempts: number;
  retries: number;
  retrySuccesses: number;
  timeoutsFirstToken: number;
  timeoutsIdle: number;
  timeoutsDeadline: number;
  breakerRejections: number;
  queueRejections: number;
  partialFailures: number;
}

export function resilienceDelta(a: ResilienceStats, b: ResilienceStats): ResilienceDelta {
  return {
    calls: b.calls - a.calls,
    succeeded: b.succeeded - a.succeeded,
    failed: b.failed - a.failed,
    attempts: b.attempts - a.attempts,
    retries: b.retries - a.retries,
    retrySuccesses: b.retrySuccesses - a.retrySuccesses,
    timeoutsFirstToken: b.timeouts.firstToken - a.timeouts.firstToken,
    timeoutsIdle: b.timeouts.idle - a.timeouts.idle,
    timeoutsDeadline: b.timeouts.deadline - a.timeouts.deadline,
    breakerRejections: b.breakerRejections - a.breakerRejections,
    queueRejections: b.queueRejections - a.queueRejections,
    partialFailures: b.partialFailures - a.partialFailures,
  };
}
