/** Live quality metrics on the app's Prometheus registry (what /metrics shows of the sampled turns). */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { NewLiveSample } from '../db/repos';
import type { JudgeVerdict } from './judge';

export interface LiveMetrics {
  sampled(s: NewLiveSample): void;
  judged(v: JudgeVerdict): void;
  dropped(): void;
  writeFailed(): void;
  alert(signal: string): void;
}

const SCORE_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

/** `window`: how many recent samples the SLO ratios are over (LIVE_ALERT_WINDOW). `queueDepth` is read at scrape time. */
export function createLiveMetrics(registry: Registry, o: { window: number; queueDepth: () => number }): LiveMetrics {
  const registers = [registry];
  const samples = new Counter({ name: 'memocha_live_samples_total', help: 'Sampled answered turns recorded by live quality monitoring (EVAL_SAMPLE_RATE)', registers });
  const dropped = new Counter({ name: 'memocha_live_dropped_total', help: 'Sampled turns dropped because the live queue was full (LIVE_QUEUE_MAX)', registers });
  const writeFailures = new Counter({ name: 'memocha_live_write_failures_total', help: 'Sampled turns that could not be written to live_eval', registers });
  const sloMet = new Counter({ name: 'memocha_live_slo_met_total', help: 'Sampled turns by SLO (ttft | total) and whether they met it (true | false)', labelNames: ['slo', 'met'] as const, registers });
  const recent: Record<'ttft' | 'total', boolean[]> = { ttft: [], total: [] };
  new Gauge({
    name: 'memocha_live_slo_met_ratio',
    help: 'Share of the last LIVE_ALERT_WINDOW sampled turns that met each SLO (ttft | total)',
    labelNames: ['slo'] as const,
    registers,
    collect() {
      for (const slo of ['ttft', 'total'] as const) {
        const r = recent[slo];
        if (r.length) this.set({ slo }, r.filter(Boolean).length / r.length);
      }
    },
  });
  const judgeScore = new Histogram({ name: 'memocha_live_judge_score', help: "The live judge's score of sampled answers: mean of groundedness and relevance scaled to 0..1", buckets: SCORE_BUCKETS, registers });
  const judgeFailures = new Counter({
    name: 'memocha_live_judge_failures_total',
    help: 'Sampled answers the live judge gave no score for, by reason (unparseable | call_failed)',
    labelNames: ['reason'] as const,
    registers,
  });
  const topScore = new Histogram({ name: 'memocha_live_memory_top_score', help: 'Retrieval score of the best memory in the prompt of sampled turns that used memories', buckets: [...SCORE_BUCKETS, 1.5, 2], registers });
  const memoriesUsed = new Histogram({ name: 'memocha_live_memories_used', help: 'Memories in the prompt of sampled turns', buckets: [0, 1, 2, 3, 5, 8, 13, 21], registers });
  const budgetUsed = new Histogram({ name: 'memocha_live_memory_budget_used_ratio', help: "Memory tokens in the prompt / the memories' planned budget, sampled turns", buckets: SCORE_BUCKETS, registers });
  const alerts = new Counter({ name: 'memocha_live_alerts_total', help: 'Live quality alerts: a window of samples dropped below the previous one or a floor, by signal', labelNames: ['signal'] as const, registers });
  new Gauge({
    name: 'memocha_live_queue_depth',
    help: 'Sampled turns waiting to be judged and written',
    registers,
    collect() {
      this.set(o.queueDepth());
    },
  });

  const remember = (slo: 'ttft' | 'total', met: boolean) => {
    const r = recent[slo];
    r.push(met);
    if (r.length > o.window) r.shift();
    sloMet.inc({ slo, met: String(met) });
  };

  return {
    sampled(s) {
      samples.inc();
      if (s.ttftSloMet !== null) remember('ttft', s.ttftSloMet);
      remember('total', s.totalSloMet);
      memoriesUsed.observe(s.memoriesUsed);
      if (s.memoryTopScore !== null) topScore.observe(s.memoryTopScore);
      if (s.memoryBudgetTokens > 0) budgetUsed.observe(s.memoryTokens / s.memoryBudgetTokens);
    },
    judged(v) {
      if (v.ok) judgeScore.observe(v.score);
      else judgeFailures.inc({ reason: v.failure });
    },
    dropped: () => dropped.inc(),
    writeFailed: () => writeFailures.inc(),
    alert: (signal) => alerts.inc({ signal }),
  };
}
