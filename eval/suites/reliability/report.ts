/** The reliability run in the report. */
import type { SuiteContext } from '../../harness/suite';
import type { ReliabilityResult } from './analysis';
import { r1, r3 } from '../load/report-sweep';

const metricName = (w: string) => w.replace(/[^a-z0-9]+/gi, '_').toLowerCase();

export function emitReliability(ctx: SuiteContext, r: ReliabilityResult, rec: { windowMs: number; threshold: number; minRequests: number }): void {
  const L = r.ledger;
  const a = r.retries;
  const recDef = `time from the end of the window to the first request end t* such that the requests ending in [t*, t* + ${rec.windowMs} ms) are ≥ ${rec.minRequests} and ≥ ${rec.threshold * 100} % successful; null = not recovered before the next window`;
  ctx.table(
    'fault windows (error rates by send time; recovery ms)',
    ['window', 'ms', 'requests', 'error rate in window', 'error rate after', 'recovery ms', 'breaker activations', 'breaker open ms', 'statuses in window'],
    r.windows.map((w) => [w.name, Math.round(w.durationMs), w.requests, r3(w.errorRate), r3(w.gapErrorRate), w.recoveryMs === null ? null : Math.round(w.recoveryMs), w.breakerActivations, Math.round(w.breakerOpenMs), JSON.stringify(w.statuses)]),
  );
  ctx.table(
    'messages: what clients were told vs what the database holds',
    ['user messages acknowledged', 'user messages lost', 'answers confirmed (done)', 'answers lost', 'answer mismatches', 'client errors after ack', 'client errors before ack', 'stored complete', 'stored error', 'stored partial', 'error seen, no error row', 'error rows no client saw', 'stored without ack', 'sessions checked'],
    [[L.acknowledged, L.userLost, L.confirmed, L.assistantLost, L.assistantMismatch, L.clientErrorsAfterAck, L.clientErrorsBeforeAck, L.storedComplete, L.storedError, L.storedPartial, L.errorWithoutRow, L.unexplainedErrorRows, L.storedWithoutAck, L.sessionsChecked]],
  );
  const res = r.resilience;
  ctx.table(
    'retries, timeouts and the breaker',
    ['requests', 'upstream attempts', 'retried requests', 'retried ok', 'retry success rate', 'upstream 429s', '429 absorbed share', 'retries (resilience)', 'retry successes (resilience)', 'first-token timeouts', 'idle timeouts', 'deadlines', 'client 504s', 'client timeouts', 'breaker activations', 'breaker open ms', 'breaker not closed ms'],
    [[r.requests, a.upstreamAttempts, a.retried, a.retriedOk, r3(a.retrySuccessRate), a.upstream429, r3(a.share429Absorbed), res?.retries ?? null, res?.retrySuccesses ?? null, res?.timeoutsFirstToken ?? null, res?.timeoutsIdle ?? null, res?.timeoutsDeadline ?? null, r.timeouts504, r.clientTimeouts, r.breaker.activations, Math.round(r.breaker.openMs), Math.round(r.breaker.notClosedMs)]],
  );
  for (const w of r.windows) ctx.row({ case: w.name, requests: w.requests, error_rate: r3(w.errorRate), gap_error_rate: r3(w.gapErrorRate), recovery_ms: w.recoveryMs === null ? null : r1(w.recoveryMs), breaker_activations: w.breakerActivations, breaker_open_ms: r1(w.breakerOpenMs), statuses: w.statuses });

  ctx.metric('availability', r.availability, 'ratio', { n: r.requests, definition: 'successful requests (a complete answer) / all requests, over the whole run incl. fault windows', higherIsBetter: true, headline: true });
  ctx.metric('client_error_rate', r.requests ? 1 - r.ok / r.requests : Number.NaN, 'ratio', { n: r.requests, definition: 'failed / all requests as clients saw them', higherIsBetter: false });
  ctx.metric('messages_lost', L.messagesLost, 'count', { definition: 'acknowledged user messages + confirmed answers missing from the database (must be 0)', higherIsBetter: false, headline: true });
  ctx.metric('answer_mismatches', L.assistantMismatch, 'count', { definition: 'confirmed answers stored with another content or a status other than complete', higherIsBetter: false });
  ctx.metric('error_row_mismatches', L.errorWithoutRow + L.unexplainedErrorRows, 'count', { definition: 'client errors after ack without an error/partial row + error/partial rows no client saw fail', higherIsBetter: false });
  ctx.metric('stored_error_rows', L.storedError, 'count', { definition: "assistant rows with status 'error'" });
  ctx.metric('stored_partial_rows', L.storedPartial, 'count', { definition: "assistant rows with status 'partial'" });
  ctx.metric('client_errors_after_ack', L.clientErrorsAfterAck, 'count', { definition: 'requests that failed after the SSE meta event (an error row is expected)' });
  ctx.metric('retry_success_rate', a.retrySuccessRate, 'ratio', { n: a.retried, definition: 'requests with ≥ 2 upstream attempts (simulator records) that succeeded / requests with ≥ 2', higherIsBetter: true, headline: true });
  if (res) ctx.metric('retry_attempt_success_rate', res.retries ? res.retrySuccesses / res.retries : Number.NaN, 'ratio', { n: res.retries, definition: 'resilience stats: retrySuccesses / retries (the share of retry attempts that succeeded)', higherIsBetter: true });
  ctx.metric('breaker_activations', r.breaker.activations, 'count', { definition: `transitions to open (${res ? 'resilience stats, exact' : '/readyz polled every 100 ms'})`, higherIsBetter: false });
  ctx.metric('breaker_open_ms', r.breaker.openMs, 'ms', { definition: 'time the circuit spent open during the run', higherIsBetter: false });
  ctx.metric('llm_timeouts', res ? res.timeoutsFirstToken + res.timeoutsIdle + res.timeoutsDeadline : r.timeouts504, 'count', { definition: res ? 'resilience stats: first-token + idle timeouts + deadlines' : 'client-visible 504 llm_timeout (no resilience stats for this target)' });
  const recovered = r.windows.map((w) => w.recoveryMs).filter((x): x is number => x !== null);
  ctx.metric('recovery_ms_max', recovered.length === r.windows.length && recovered.length ? Math.max(...recovered) : Number.NaN, 'ms', { definition: `${recDef}; the largest over the windows (null if one never recovered)`, higherIsBetter: false, headline: true });
  ctx.metric('windows_not_recovered', r.windows.length - recovered.length, 'count', { definition: 'fault windows after which the success rate never got back to the threshold before the next window', higherIsBetter: false });
  for (const w of r.windows) {
    ctx.metric(`recovery_ms_${metricName(w.name)}`, w.recoveryMs, 'ms', { definition: recDef, higherIsBetter: false });
    ctx.metric(`error_rate_${metricName(w.name)}`, w.errorRate, 'ratio', { n: w.requests, definition: 'failed / requests sent during the window', higherIsBetter: false });
  }
}
