/** The latency suite's measurement-validity check: direct streams against the simulator's ground truth. */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { SimRequestRecord } from '../../../serve';
import type { ChatResult } from '../../client/chat';
import type { Cell } from '../../harness/builder';
import { LatencyHistogram } from '../../metrics/histogram';
import { delayMedian, type LatencyConfig } from './config';
import { cell } from './emit';
import { messageFor, recordRows, type LatencyEnv } from './env';
import { indexRecords, streamValidity, summariseErrors } from './validity';
import { directRequest, runBatch } from './workload';

export interface BatchValidity {
  concurrency: number;
  ttftErr: number[];
  itlErr: number[];
  requestLeg: number[];
  responseLeg: number[];
  /** the simulator's own lateness: first write − planned time (not a harness error; a load indicator) */
  simLate: number[];
  attempted: number;
  matched: number;
  /** why requests could not be compared (first few) */
  problems: string[];
  /** the main thread's event-loop delay during the batch (ms), when monitored: how busy the simulator's loop was */
  loopDelay?: { mean: number; p50: number; p90: number; p99: number; max: number };
}

/** Match each successful stream to its record by its (unique) message and compare. */
export function validateBatch(records: readonly SimRequestRecord[], results: readonly ChatResult[], messages: readonly string[], concurrency: number): BatchValidity {
  const index = indexRecords(records, (r) => r.lastUserMessage);
  const v: BatchValidity = { concurrency, ttftErr: [], itlErr: [], requestLeg: [], responseLeg: [], simLate: [], attempted: 0, matched: 0, problems: [] };
  results.forEach((r, i) => {
    if (!r.ok) return;
    v.attempted++;
    const rec = index.get(messages[i] ?? '');
    const problem = (s: string) => void (v.problems.length < 5 && v.problems.push(`#${i}: ${s}`));
    if (!rec) return problem(rec === null ? 'more than one record with this message' : 'no simulator record');
    const c = streamValidity(r, rec);
    if ('error' in c) return problem(c.error);
    v.matched++;
    v.ttftErr.push(c.ttftErrMs);
    v.itlErr.push(...c.itlErrMs);
    v.requestLeg.push(c.requestLegMs);
    v.responseLeg.push(c.responseLegMs);
    if (rec.actualTtftMs !== undefined) v.simLate.push(rec.actualTtftMs - rec.ttftMs);
  });
  return v;
}

export const VALIDITY_COLUMNS = ['concurrency', 'quantity', 'n', 'mean (signed) ms', '|err| p50 ms', '|err| p90 ms', '|err| p99 ms', '|err| max ms'] as const;

export function validityRows(v: BatchValidity): Cell[][] {
  const parts: [string, number[]][] = [
    ['TTFT error (measured − true)', v.ttftErr],
    ['ITL error (measured − true gap)', v.itlErr],
    ['request leg (sim receipt − sent)', v.requestLeg],
    ['response leg (arrival − sim write)', v.responseLeg],
    ['simulator lateness (1st write − plan)', v.simLate],
  ];
  const rows: Cell[][] = parts.map(([name, xs]) => {
    const s = summariseErrors(xs);
    return [v.concurrency, name, s.n, cell(s.meanMs, 4), cell(s.absP50Ms, 4), cell(s.absP90Ms, 4), cell(s.absP99Ms, 4), cell(s.absMaxMs, 4)];
  });
  const d = v.loopDelay;
  if (d) rows.push([v.concurrency, 'main event-loop delay (monitorEventLoopDelay)', null, cell(d.mean, 4), cell(d.p50, 4), cell(d.p90, 4), cell(d.p99, 4), cell(d.max, 4)]);
  return rows;
}

/** About how long one direct stream takes: TTFT + (output tokens − 1) gaps, at the medians. */
export function expectedStreamMs(cfg: LatencyConfig): number {
  return delayMedian(cfg.ttft) + (cfg.outputTokens - 1) * delayMedian(cfg.validityItl);
}

/** The dedicated phase: many concurrent direct streams (default 100), every one checked. */
export async function runValidityPhase(env: LatencyEnv): Promise<BatchValidity | undefined> {
  const { cfg, records } = env;
  if (!records || cfg.validityRequests === 0 || !env.endpoints.directUrl) return undefined;
  await env.settle();
  const c = cfg.validityConcurrency;
  const messages = Array.from({ length: cfg.validityRequests }, (_, i) => messageFor(env, 'v', 0, i, cfg.messageChars));
  const restore = env.setItl?.(cfg.validityItl);
  const monitor = monitorEventLoopDelay({ resolution: 1 });
  monitor.enable();
  const results = await runBatch(
    env.client,
    // ramped over about one request's duration, so 100 equal streams do not hit the simulator in lock-step
    { n: cfg.validityRequests, concurrency: c, warmup: c, rampMs: expectedStreamMs(cfg) },
    (i, warm) => directRequest(env.endpoints, warm ? messageFor(env, 'w', 9, i, cfg.messageChars) : (messages[i] as string), true),
    env.ctx.signal,
    env.tick,
  ).finally(() => {
    monitor.disable();
    restore?.();
  });
  const v = validateBatch(records(), results, messages, c);
  const ms = (ns: number) => ns / 1e6;
  v.loopDelay = { mean: ms(monitor.mean), p50: ms(monitor.percentile(50)), p90: ms(monitor.percentile(90)), p99: ms(monitor.percentile(99)), max: ms(monitor.max) };
  recordRows(env, 'validity', 'direct-sse', c, cfg.messageChars, results);
  return v;
}

/** validity_* metrics from the dedicated phase, and the |error| histograms. */
export function emitValidity(env: LatencyEnv, v: BatchValidity): void {
  const { ctx } = env;
  const t = summariseErrors(v.ttftErr);
  const g = summariseErrors(v.itlErr);
  const itl = env.cfg.validityItl;
  const rate = itl.kind === 'fixed' ? `ITL ${itl.ms} ms` : `ITL ${JSON.stringify(itl)}`;
  const def = (what: string) => `${what} of the harness vs the simulator's chunkSentAt/receivedAt (same clock), ${v.concurrency} concurrent direct streams, ${rate}`;
  ctx.histogram('validity_ttft_abs_err', new LatencyHistogram().recordAll(v.ttftErr.map(Math.abs)));
  ctx.histogram('validity_itl_abs_err', new LatencyHistogram().recordAll(v.itlErr.map(Math.abs)));
  const low = { higherIsBetter: false } as const;
  ctx.metric('validity_ttft_err_p50_ms', t.absP50Ms, 'ms', { n: t.n, definition: def('|TTFT error| p50 (nearest rank)'), ...low });
  ctx.metric('validity_ttft_err_p99_ms', t.absP99Ms, 'ms', { n: t.n, definition: def('|TTFT error| p99 (nearest rank)'), ...low, headline: true });
  ctx.metric('validity_ttft_err_mean_ms', t.meanMs, 'ms', { n: t.n, definition: def('mean signed TTFT error (bias; > 0 = measured late)') });
  ctx.metric('validity_itl_err_p50_ms', g.absP50Ms, 'ms', { n: g.n, definition: def('|ITL error| p50 (nearest rank)'), ...low });
  ctx.metric('validity_itl_err_p99_ms', g.absP99Ms, 'ms', { n: g.n, definition: def('|ITL error| p99 (nearest rank)'), ...low });
  ctx.metric('validity_matched_ratio', v.attempted ? v.matched / v.attempted : Number.NaN, 'ratio', { n: v.attempted, definition: 'successful direct streams matched to a simulator record with the same chunk count', higherIsBetter: true });
  ctx.metric('validity_concurrency', v.concurrency, 'streams', { definition: 'concurrent direct streams in the validity phase' });
  for (const p of v.problems) ctx.error(undefined, `validity: ${p}`);
}
