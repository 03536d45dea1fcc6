/**
 * Inter-token delay added by Memocha on long streams. The simulator runs in this process, so its write
 * times (`chunkSentAt`) and the client's arrival times share one clock (performance.now()).
 *
 * - added ITL p99 = p99 of the client's pooled inter-chunk gaps (ITL, METRICS.md) − the simulator's
 *   configured ITL (fixed). This is the figure the target (≤ 5 ms) applies to.
 * - transit = arrival of content chunk i at the client − the simulator's write of chunk i (same request,
 *   matched by the message text; single-attempt requests only): Memocha's pass-through delay per token.
 * - simulator lateness = p99 of the simulator's actual gaps − configured ITL (the generator process's
 *   own timer delay, which is not Memocha's).
 * - added gap vs the simulator = per matched gap, (client gap) − (the simulator's actual gap for the same
 *   two chunks), clipped at 0: what the path simulator → Memocha → client added to each gap, with the
 *   simulator's own lateness taken out.
 */
import type { SimRequestRecord } from '../../../serve';
import { LatencyHistogram } from '../../metrics/histogram';
import { requestLatency } from '../../metrics/latency';
import type { LoadRecord } from './types';

export interface ItlAnalysis {
  clientItl: LatencyHistogram;
  transit: LatencyHistogram;
  simItl: LatencyHistogram;
  addedItlP99Ms: number;
  /** the same over gaps ending inside `steady` (every stream open: after the last start, before the first end) */
  steadyItl: LatencyHistogram;
  addedItlSteadyP99Ms: number;
  transitP50Ms: number;
  transitP99Ms: number;
  simLatenessP99Ms: number;
  addedVsSim: LatencyHistogram;
  addedVsSimP99Ms: number;
  /** requests whose chunks were matched one to one with the simulator's writes */
  matched: number;
}

export function analyseItl(
  records: readonly LoadRecord[],
  sim: readonly Pick<SimRequestRecord, 'lastUserMessage' | 'chunkSentAt' | 'itlMs' | 'outcome'>[],
  configuredItlMs: number,
  steady?: { from: number; to: number },
): ItlAnalysis {
  const clientItl = new LatencyHistogram();
  const steadyItl = new LatencyHistogram();
  const transit = new LatencyHistogram();
  const simItl = new LatencyHistogram();
  const addedVsSim = new LatencyHistogram();
  const byMessage = new Map<string, Pick<SimRequestRecord, 'chunkSentAt' | 'itlMs' | 'outcome'>[]>();
  for (const s of sim) byMessage.set(s.lastUserMessage, [...(byMessage.get(s.lastUserMessage) ?? []), s]);
  let matched = 0;
  for (const r of records) {
    if (!r.result.ok) continue;
    clientItl.recordAll(requestLatency(r.result).itlMs);
    if (steady) {
      const content = r.result.chunks.filter((c) => c.text.length > 0);
      for (let i = 1; i < content.length; i++) {
        const at = (content[i] as { at: number }).at;
        if (at >= steady.from && at <= steady.to) steadyItl.record(at - (content[i - 1] as { at: number }).at);
      }
    }
    const attempts = byMessage.get(r.message) ?? [];
    const only = attempts.length === 1 ? attempts[0] : undefined;
    if (!only || only.outcome !== 'ok') continue;
    simItl.recordAll(only.itlMs.filter((x) => x >= 0));
    const content = r.result.chunks.filter((c) => c.text.length > 0);
    if (content.length !== only.chunkSentAt.length) continue;
    matched++;
    content.forEach((c, i) => {
      const sent = only.chunkSentAt[i] as number;
      transit.record(Math.max(0, c.at - sent));
      if (i > 0) addedVsSim.record(Math.max(0, c.at - (content[i - 1] as { at: number }).at - (sent - (only.chunkSentAt[i - 1] as number))));
    });
  }
  const p = (h: LatencyHistogram, q: number) => h.percentile(q);
  return {
    clientItl,
    transit,
    simItl,
    addedItlP99Ms: p(clientItl, 99) - configuredItlMs,
    steadyItl,
    addedItlSteadyP99Ms: p(steadyItl, 99) - configuredItlMs,
    transitP50Ms: p(transit, 50),
    transitP99Ms: p(transit, 99),
    simLatenessP99Ms: p(simItl, 99) - configuredItlMs,
    addedVsSim,
    addedVsSimP99Ms: p(addedVsSim, 99),
    matched,
  };
}
