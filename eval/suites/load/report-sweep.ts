/** The sweep in the report: the degradation table, saturation, bottleneck attribution and resources per step. */
import type { Cell } from '../../harness/builder';
import type { SuiteContext } from '../../harness/suite';
import { LatencyHistogram } from '../../metrics/histogram';
import { requestLatency } from '../../metrics/latency';
import type { ResourceUsage } from './resources';
import type { Saturation } from './saturation';
import type { StepResult } from './step';
import { counted, dominantStage, STAGES, type Pcts, type Stage } from './summary';

export const r1 = (x: number) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : null);
export const r3 = (x: number) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : null);

/**
 * The server process's CPU time (all its threads) per successful turn and per output token during a step:
 * CPU share × the step's window ÷ what it completed. CPU time, not wall time, so it holds on a shared machine
 * (the capacity model's input).
 */
export function cpuCost(st: StepResult): { msPerTurn: number; usPerToken: number } {
  const cpuMsPerS = st.server ? st.server.cpuPct * 10 : Number.NaN;
  const per = (rate: number) => (rate > 0 ? cpuMsPerS / rate : Number.NaN);
  return { msPerTurn: per(st.summary.requestsPerSec), usPerToken: per(st.summary.outputTokensPerSec) * 1000 };
}
const pair = (p: Pcts): Cell => (Number.isFinite(p.mean) ? `${r1(p.mean)} / ${r1(p.p99)}` : null);

const STAGE_LABEL: Record<Stage, string> = {
  queueWaitMs: 'LLM queue wait',
  dbMs: 'db',
  retrievalMs: 'retrieval',
  promptMs: 'prompt',
  llmWaitMs: 'LLM wait (to 1st token)',
  otherMs: 'other (routing, session)',
};

export function degradationRow(st: StepResult): Cell[] {
  const s = st.summary;
  const top = Object.entries(s.errors).sort((a, b) => b[1] - a[1])[0];
  return [st.label, st.users, s.requests, s.ok, r3(s.errorRate), top ? `${top[0]} (${top[1]})` : null, r3(s.share429), r3(s.share503), s.clientTimeouts, r1(s.ttft.p50), r1(s.ttft.p95), r1(s.ttft.p99), r1(s.ttc.p50), r1(s.ttc.p95), r1(s.ttc.p99), r1(s.requestsPerSec), r1(s.outputTokensPerSec)];
}
export const DEGRADATION_COLUMNS = ['step', 'users', 'requests', 'ok', 'error rate', 'top error', '429 share', '503 share', 'client timeouts', 'TTFT p50', 'TTFT p95', 'TTFT p99', 'TTC p50', 'TTC p95', 'TTC p99', 'req/s', 'output tok/s'];

export function resourceCells(u: ResourceUsage | null): Cell[] {
  if (!u) return [null, null, null, null, null];
  return [r1(u.cpuPct), r1(u.rssMaxMb), r1(u.heapUsedMaxMb), r1(u.eldP99Ms), r1(u.eldMaxMs)];
}
export const RESOURCE_COLUMNS = ['step', 'server CPU %', 'server RSS MB', 'server heap MB', 'server ELD p99 ms', 'server ELD max ms', 'server CPU ms / turn', 'server CPU µs / token', 'generator CPU %', 'generator RSS MB', 'generator heap MB', 'generator ELD p99 ms', 'generator ELD max ms', 'TCP listen overflows (machine)'];
export const resourceRow = (st: StepResult): Cell[] => {
  const cost = cpuCost(st);
  return [st.label, ...resourceCells(st.server), r3(cost.msPerTurn), r1(cost.usPerToken), ...resourceCells(st.generator), st.listenOverflows];
};

/** One row per step for rows.csv: the numbers behind the tables. */
export function stepRow(st: StepResult): Record<string, unknown> & { case: string } {
  const s = st.summary;
  const stages = Object.fromEntries(STAGES.flatMap((k) => [[`${k}_mean`, r3(s.stages[k].mean)], [`${k}_p99`, r3(s.stages[k].p99)]]));
  return {
    case: st.label, users: st.users, requests: s.requests, ok: s.ok, error_rate: r3(s.errorRate), share_429: r3(s.share429), share_503: r3(s.share503), client_timeouts: s.clientTimeouts, aborted_at_end: s.abortedAtEnd,
    ttft_p50_ms: r3(s.ttft.p50), ttft_p95_ms: r3(s.ttft.p95), ttft_p99_ms: r3(s.ttft.p99), ttc_p50_ms: r3(s.ttc.p50), ttc_p95_ms: r3(s.ttc.p95), ttc_p99_ms: r3(s.ttc.p99), itl_p99_ms: r3(s.itl.p99),
    rps: r3(s.requestsPerSec), output_tps: r3(s.outputTokensPerSec), window_ms: r1(s.windowMs), peak_in_flight: st.run.peakInFlight, statuses: s.statuses, errors: s.errors, ...stages,
    server_cpu_pct: st.server ? r1(st.server.cpuPct) : null, server_cpu_ms_per_turn: r3(cpuCost(st).msPerTurn), server_cpu_us_per_token: r1(cpuCost(st).usPerToken), server_rss_mb: st.server ? r1(st.server.rssMaxMb) : null, server_eld_p99_ms: st.server ? r1(st.server.eldP99Ms) : null,
    generator_cpu_pct: r1(st.generator.cpuPct), generator_eld_p99_ms: r1(st.generator.eldP99Ms), listen_overflows: st.listenOverflows,
  };
}

export function ttftHistogram(st: StepResult): LatencyHistogram {
  const h = new LatencyHistogram();
  for (const r of counted(st.run)) {
    if (!r.result.ok) continue;
    const t = requestLatency(r.result).ttftMs;
    if (t !== null) h.record(t);
  }
  return h;
}

export function emitSweep(ctx: SuiteContext, steps: readonly StepResult[], sat: Saturation, slo: { ttftP99Ms: number; minGain: number }): void {
  ctx.table('degradation (closed-loop sweep; latency ms)', DEGRADATION_COLUMNS, steps.map(degradationRow));
  ctx.table(
    'saturation',
    ['saturation users', 'reason', 'triggered by', 'p99 TTFT objective ms', 'min throughput gain', 'max req/s', 'at users'],
    [[sat.concurrency, sat.reason, sat.triggeredBy, slo.ttftP99Ms, slo.minGain, r1(sat.maxThroughput), sat.maxThroughputAt]],
  );
  const first = steps[0];
  ctx.table(
    'bottleneck attribution (server stages of TTFT, ms: mean / p99)',
    ['users', ...STAGES.map((k) => STAGE_LABEL[k]), 'server TTFT', 'client − server TTFT', 'dominant stage', 'grew most since first step'],
    steps.map((st) => {
      const s = st.summary;
      const grew = first && first !== st ? STAGES.reduce<Stage | null>((best, k) => (best === null || growth(first, st, k) > growth(first, st, best) ? k : best), null) : null;
      const dom = dominantStage(s);
      return [st.users, ...STAGES.map((k) => pair(s.stages[k])), pair(s.serverTtft), pair(s.clientOverhead), dom ? STAGE_LABEL[dom] : null, grew ? STAGE_LABEL[grew] : null];
    }),
  );
  ctx.table('resources per step (server = the Memocha process; generator = this process)', RESOURCE_COLUMNS, steps.map(resourceRow));
  for (const st of steps) {
    ctx.row(stepRow(st));
    ctx.histogram(`ttft@${st.users}`, ttftHistogram(st));
  }
  ctx.metric('saturation_concurrency', sat.concurrency, 'users', {
    definition: `last sweep step before the first step that adds < ${slo.minGain * 100} % req/s or has p99 TTFT > ${slo.ttftP99Ms} ms (${sat.reason}${sat.reason === 'not_reached' ? ': a lower bound' : ''})`,
    higherIsBetter: true,
    headline: true,
  });
  ctx.metric('max_throughput_rps', sat.maxThroughput, 'req/s', { definition: 'highest steady-state successful completions/s over the sweep steps', higherIsBetter: true, headline: true });
  const tps = steps.map((s) => s.summary.outputTokensPerSec).filter(Number.isFinite);
  ctx.metric('max_output_tokens_per_s', tps.length ? Math.max(...tps) : Number.NaN, 'tokens/s', { definition: 'highest system output tokens/s over the sweep steps', higherIsBetter: true });
  for (const st of steps) {
    const s = st.summary;
    const n = s.requests;
    ctx.metric(`ttft_p99_ms_at_${st.users}`, s.ttft.p99, 'ms', { n, definition: 'p99 TTFT (vLLM), closed loop, successful requests', higherIsBetter: false, headline: st.users === 100 });
    ctx.metric(`ttc_p99_ms_at_${st.users}`, s.ttc.p99, 'ms', { n, definition: 'p99 TTC / E2EL, closed loop', higherIsBetter: false });
    ctx.metric(`error_rate_at_${st.users}`, s.errorRate, 'ratio', { n, definition: 'failed / requests sent in the measurement window (client timeouts included)', higherIsBetter: false, headline: st.users === 100 });
    ctx.metric(`throughput_rps_at_${st.users}`, s.requestsPerSec, 'req/s', { definition: 'successful completions/s inside the loaded window', higherIsBetter: true });
    ctx.metric(`overhead_p50_ms_at_${st.users}`, s.serverOverhead.p50, 'ms', { n, definition: "p50 of the server's timings.overheadMs: Memocha's own time before the upstream request plus first-token handling", higherIsBetter: false });
    ctx.metric(`overhead_p99_ms_at_${st.users}`, s.serverOverhead.p99, 'ms', { n, definition: "p99 of the server's timings.overheadMs", higherIsBetter: false });
    if (st.server) {
      const cost = cpuCost(st);
      ctx.metric(`server_cpu_ms_per_turn_at_${st.users}`, cost.msPerTurn, 'ms', { definition: "the server process's CPU time (all threads) per successful turn in the step: CPU share × window ÷ completions", higherIsBetter: false });
      ctx.metric(`server_cpu_us_per_token_at_${st.users}`, cost.usPerToken, 'µs', { definition: "the server process's CPU time (all threads) per output token in the step", higherIsBetter: false });
    }
    if (st.server) ctx.metric(`server_eld_p99_ms_at_${st.users}`, st.server.eldP99Ms, 'ms', { definition: "the server process's event-loop delay p99 during the step (monitorEventLoopDelay, 10 ms resolution; child target only)", higherIsBetter: false });
  }
}

function growth(a: StepResult, b: StepResult, k: Stage): number {
  const d = b.summary.stages[k].mean - a.summary.stages[k].mean;
  return Number.isFinite(d) ? d : Number.NEGATIVE_INFINITY;
}
