/** Reliability numbers from one fault run: per-window error rates and recovery, availability, retries, breaker, and the lost-message ledger. */
import type { SimRequestRecord } from '../../../serve';
import { breakerTimeline, type BreakerTimeline, type Transition } from './breaker-timeline';
import type { AppliedWindow } from './faults';
import { reconcile, type ClientTurn, type Ledger, type StoredMessage } from '../load/ledger';
import { acknowledged, effectiveStatus, receivedText } from '../load/outcome';
import { availability, errorRateSent, recoveryTimeMs, type Outcome, type RecoveryOptions } from './recovery';
import type { ResilienceDelta } from '../load/resilience-delta';
import type { LoadRecord } from '../load/types';
import { accountRetries, type RetryAccounting } from '../load/upstream';

export interface WindowResult {
  name: string;
  durationMs: number;
  requests: number;
  /** failed / sent during the window */
  errorRate: number;
  /** failed / sent in the healthy gap after it */
  gapErrorRate: number;
  recoveryMs: number | null;
  breakerActivations: number;
  breakerOpenMs: number;
  /** effective status → count, requests sent during the window */
  statuses: Record<string, number>;
}

export interface ReliabilityResult {
  requests: number;
  ok: number;
  availability: number;
  statuses: Record<string, number>;
  /** failures with effective status 504 (the server's LLM timeout) and client-side timeouts */
  timeouts504: number;
  clientTimeouts: number;
  windows: WindowResult[];
  retries: RetryAccounting;
  breaker: BreakerTimeline;
  resilience?: ResilienceDelta;
  ledger: Ledger;
}

export interface AnalysisInput {
  records: readonly LoadRecord[];
  windows: readonly AppliedWindow[];
  /** the end of the run (performance.now()) and its epoch time */
  runStart: { perf: number; epoch: number };
  runEnd: { perf: number; epoch: number };
  sim: readonly Pick<SimRequestRecord, 'lastUserMessage' | 'status' | 'outcome'>[];
  transitions: readonly Transition[];
  resilience?: ResilienceDelta;
  stored: readonly StoredMessage[];
  recovery: RecoveryOptions;
}

const statusCounts = (recs: readonly LoadRecord[]) => {
  const out: Record<string, number> = {};
  for (const r of recs) {
    const s = effectiveStatus(r.result);
    out[s] = (out[s] ?? 0) + 1;
  }
  return out;
};

export function clientTurns(records: readonly LoadRecord[]): ClientTurn[] {
  return records.map((r) => {
    const sessionId = r.result.sessionId ?? r.sessionId;
    return { message: r.message, ...(sessionId ? { sessionId } : {}), acknowledged: acknowledged(r.result), ok: r.result.ok, ...(r.result.messageId ? { assistantId: r.result.messageId } : {}), text: receivedText(r.result) };
  });
}

export function analyseReliability(i: AnalysisInput): ReliabilityResult {
  const counted = i.records.filter((r) => !r.warmup && !r.abortedAtEnd);
  const outcomes: Outcome[] = counted.map((r) => ({ sentAt: r.result.sentAt, endAt: r.result.endAt, ok: r.result.ok }));
  const toEpoch = (perf: number) => i.runStart.epoch + (perf - i.runStart.perf);
  const windows = i.windows.map((w, k): WindowResult => {
    const next = i.windows[k + 1]?.startedAt ?? i.runEnd.perf;
    const inWindow = counted.filter((r) => r.result.sentAt >= w.startedAt && r.result.sentAt < w.endedAt);
    const b = breakerTimeline(i.transitions, toEpoch(w.startedAt), toEpoch(next));
    return {
      name: w.name,
      durationMs: w.endedAt - w.startedAt,
      requests: inWindow.length,
      errorRate: errorRateSent(outcomes, w.startedAt, w.endedAt).rate,
      gapErrorRate: errorRateSent(outcomes, w.endedAt, next).rate,
      recoveryMs: recoveryTimeMs(outcomes.filter((o) => o.endAt < next), w.endedAt, i.recovery),
      breakerActivations: b.activations,
      breakerOpenMs: b.openMs,
      statuses: statusCounts(inWindow),
    };
  });
  const statuses = statusCounts(counted);
  return {
    requests: counted.length,
    ok: counted.filter((r) => r.result.ok).length,
    availability: availability(outcomes),
    statuses,
    timeouts504: statuses[504] ?? 0,
    clientTimeouts: counted.filter((r) => r.clientTimeout === true).length,
    windows,
    retries: accountRetries(counted, i.sim),
    breaker: breakerTimeline(i.transitions, i.runStart.epoch, i.runEnd.epoch),
    ...(i.resilience ? { resilience: i.resilience } : {}),
    ledger: reconcile(clientTurns(i.records), i.stored),
  };
}
