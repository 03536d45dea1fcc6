/** The open-loop, rate-limit and streams runs in the report. */
import type { SuiteContext } from '../../harness/suite';
import { LatencyHistogram } from '../../metrics/histogram';
import { cpuCost, DEGRADATION_COLUMNS, degradationRow, r1, r3, RESOURCE_COLUMNS, resourceRow, stepRow } from './report-sweep';
import type { RateLimitResult, StreamsResult } from './runs';
import type { StepResult } from './step';

export function emitOpenLoop(ctx: SuiteContext, st: StepResult & { rate: number }, burstiness: number): void {
  const s = st.summary;
  const late = new LatencyHistogram();
  for (const r of st.run.records) if (r.scheduledAt !== undefined) late.record(Math.max(0, r.result.sentAt - r.scheduledAt));
  ctx.table(`open loop (Poisson/gamma arrivals at ${r1(st.rate)} req/s, burstiness ${burstiness}; latency ms)`, DEGRADATION_COLUMNS, [degradationRow(st)]);
  ctx.row({ ...stepRow(st), offered_rps: r3(st.rate), dropped: st.run.dropped, send_lateness_p99_ms: r3(late.percentile(99)) });
  const n = s.requests;
  ctx.metric('open_loop_offered_rps', st.rate, 'req/s', { definition: 'the arrival rate of the open-loop run (auto: a fraction of max_throughput_rps)' });
  ctx.metric('open_loop_throughput_rps', s.requestsPerSec, 'req/s', { definition: 'vLLM: successful counted requests / (last end − first send)', higherIsBetter: true });
  ctx.metric('open_loop_ttft_p99_ms', s.ttft.p99, 'ms', { n, definition: 'p99 TTFT (vLLM), open loop', higherIsBetter: false });
  ctx.metric('open_loop_ttc_p99_ms', s.ttc.p99, 'ms', { n, definition: 'p99 TTC, open loop', higherIsBetter: false });
  ctx.metric('open_loop_error_rate', s.errorRate, 'ratio', { n, definition: 'failed / requests sent in the window', higherIsBetter: false });
  ctx.metric('open_loop_dropped', st.run.dropped, 'count', { definition: 'arrivals skipped because maxInFlight requests were in flight (generator limit)', higherIsBetter: false });
  ctx.metric('open_loop_send_lateness_p99_ms', late.percentile(99), 'ms', { definition: 'p99 of (sent − scheduled arrival): the generator keeping its schedule', higherIsBetter: false });
}

export function emitRateLimit(ctx: SuiteContext, r: RateLimitResult, errorRate: number): void {
  const a = r.retries;
  const s = r.step.summary;
  ctx.table(
    `rate limits (upstream ${Math.round(errorRate * 100)} % 429 with Retry-After)`,
    ['requests', 'ok', 'client error rate', 'upstream attempts', 'upstream 429s', 'requests hit by a 429', 'absorbed by retries', 'seen by the client', 'client rate-limited (503 llm_rate_limited)', 'client refused, circuit open (503 llm_unavailable)', 'retried requests', 'retry success rate', 'breaker activations', 'breaker open ms'],
    [[s.requests, s.ok, r3(s.errorRate), a.upstreamAttempts, a.upstream429, a.hit429, a.absorbed429, a.seen429, a.clientRateLimited, a.clientBreakerRefused, a.retried, r3(a.retrySuccessRate), r.breaker.activations, Math.round(r.breaker.openMs)]],
  );
  ctx.row({ ...stepRow(r.step), ...a, breaker_activations: r.breaker.activations, breaker_open_ms: Math.round(r.breaker.openMs), ...(r.resilience ? { resilience: { ...r.resilience } } : {}) });
  const n = a.hit429;
  ctx.metric('rate_limit_429_absorbed_share', a.share429Absorbed, 'ratio', { n, definition: 'requests that met ≥ 1 upstream 429 and still succeeded / requests that met ≥ 1 upstream 429', higherIsBetter: true });
  ctx.metric('rate_limit_429_seen_share', a.share429Seen, 'ratio', { n, definition: 'requests that met ≥ 1 upstream 429 and failed at the client / requests that met ≥ 1', higherIsBetter: false });
  ctx.metric('rate_limit_client_error_rate', s.errorRate, 'ratio', { n: s.requests, definition: 'failed / all requests during the rate-limited run (any cause, incl. circuit-open refusals)', higherIsBetter: false });
  ctx.metric('rate_limit_retry_success_rate', a.retrySuccessRate, 'ratio', { n: a.retried, definition: 'requests with ≥ 2 upstream attempts that succeeded / requests with ≥ 2 upstream attempts', higherIsBetter: true });
  ctx.metric('rate_limit_upstream_429', a.upstream429, 'count', { definition: '429 responses the simulator sent during the run' });
  ctx.metric('rate_limit_breaker_activations', r.breaker.activations, 'count', { definition: 'circuit-breaker transitions to open during the run', higherIsBetter: false });
}

export function emitStreams(ctx: SuiteContext, r: StreamsResult, itlMs: number): void {
  const st = r.step;
  const s = st.summary;
  const i = r.itl;
  const users = st.users ?? 0;
  ctx.histogram(`itl@streams${users}`, i.clientItl);
  ctx.histogram(`transit@streams${users}`, i.transit);
  ctx.table(
    `long SSE streams (${users} at once, simulator ITL ${itlMs} ms; ms)`,
    ['streams', 'ok', 'error rate', 'peak concurrent', 'client ITL p50', 'client ITL p99', 'added ITL p99', 'added ITL p99 (all open)', 'added vs simulator gap p99', 'transit p50', 'transit p99', 'simulator lateness p99', 'TTFT p50', 'TTFT p99'],
    [[s.requests, s.ok, r3(s.errorRate), st.run.peakInFlight, r1(i.clientItl.percentile(50)), r1(i.clientItl.percentile(99)), r1(i.addedItlP99Ms), r1(i.addedItlSteadyP99Ms), r1(i.addedVsSimP99Ms), r1(i.transitP50Ms), r1(i.transitP99Ms), r1(i.simLatenessP99Ms), r1(s.ttft.p50), r1(s.ttft.p99)]],
  );
  ctx.table('resources during the streams run', RESOURCE_COLUMNS, [resourceRow(st)]);
  ctx.row({ ...stepRow(st), added_itl_p99_ms: r3(i.addedItlP99Ms), added_itl_steady_p99_ms: r3(i.addedItlSteadyP99Ms), transit_p50_ms: r3(i.transitP50Ms), transit_p99_ms: r3(i.transitP99Ms), sim_lateness_p99_ms: r3(i.simLatenessP99Ms), added_vs_sim_p99_ms: r3(i.addedVsSimP99Ms), matched: i.matched, steady_ms: r.steady ? r1(r.steady.to - r.steady.from) : null });
  ctx.metric(`added_itl_p99_ms_at_${users}`, i.addedItlP99Ms, 'ms', { n: i.clientItl.count, definition: `p99 of the client's inter-chunk gaps − the simulator's configured ITL (${itlMs} ms), ${users} concurrent SSE streams; target ≤ 5 ms`, higherIsBetter: false, headline: true });
  ctx.metric(`added_itl_steady_p99_ms_at_${users}`, i.addedItlSteadyP99Ms, 'ms', { n: i.steadyItl.count, definition: 'the same, over gaps ending while every stream was open (after the last first token, before the first end)', higherIsBetter: false });
  ctx.metric(`added_itl_vs_sim_p99_ms_at_${users}`, i.addedVsSimP99Ms, 'ms', { n: i.addedVsSim.count, definition: "p99 of (client gap − the simulator's actual gap for the same two chunks), clipped at 0: the delay added by Memocha and the client, without the simulator's own lateness", higherIsBetter: false });
  if (st.server) ctx.metric('streams_server_cpu_us_per_token', cpuCost(st).usPerToken, 'µs', { definition: "the server process's CPU time (all threads) per output token during the streams run", higherIsBetter: false });
  ctx.metric('streams_peak_concurrent', st.run.peakInFlight, 'streams', { definition: 'the most requests in flight at once during the streams run', higherIsBetter: true });
  ctx.metric('streams_transit_p99_ms', i.transitP99Ms, 'ms', { n: i.transit.count, definition: 'p99 of (client arrival of chunk i − simulator write of chunk i): the per-token delay through Memocha', higherIsBetter: false });
  ctx.metric('streams_sim_lateness_p99_ms', i.simLatenessP99Ms, 'ms', { definition: "p99 of the simulator's actual gaps − the configured ITL (this process's timer delay, not Memocha's)", higherIsBetter: false });
  ctx.metric('streams_error_rate', s.errorRate, 'ratio', { n: s.requests, definition: 'failed / streams', higherIsBetter: false });
}
