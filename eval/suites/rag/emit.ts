/** Put scored RAG records into the report: per-metric means with CIs, error counts, tables, rows. */
import type { SuiteContext } from '../../harness/suite';
import { bootstrapCi, mean } from '../../metrics/stats';
import { JUDGED, RAG_METRICS, type RagMetric, type RecordScore } from './score';

export const DEFINITIONS: Record<RagMetric, string> = {
  faithfulness: 'RAGAS faithfulness: claims in the answer supported by the retrieved contexts / claims in the answer (answers without claims not computed)',
  answer_relevancy: 'RAGAS answer relevancy: mean cosine(emb(question), emb(q_i)) over questions generated from the answer; 0 if every generation is non-committal',
  context_precision: 'RAGAS context precision (with reference): sum_i(precision@i * v_i) / (sum_i v_i + 1e-10), v_i = context i useful for the reference',
  context_recall: 'RAGAS context recall: reference statements attributable to the retrieved contexts / reference statements',
  semantic_similarity: 'RAGAS semantic similarity: cosine(emb(reference), emb(answer))',
};

export interface MetricSummary {
  metric: RagMetric;
  values: number[];
  errors: number;
  /** reason → count of records the metric does not apply to */
  notComputed: Map<string, number>;
}

export function summarise(scores: readonly RecordScore[], metric: RagMetric): MetricSummary {
  const s: MetricSummary = { metric, values: [], errors: 0, notComputed: new Map() };
  for (const { results } of scores) {
    const r = results[metric];
    if (r.error !== undefined) s.errors++;
    else if (r.value !== null) s.values.push(r.value);
    else s.notComputed.set(r.notComputed ?? 'not computed', (s.notComputed.get(r.notComputed ?? 'not computed') ?? 0) + 1);
  }
  return s;
}

const describeNotComputed = (m: Map<string, number>) => [...m].map(([why, n]) => `${n} ${why}`).join(', ');

export function emitMetrics(ctx: SuiteContext, scores: readonly RecordScore[], o: { scripted: boolean; iterations: number; embedder: string; noncommittalRule: 'all' | 'any' }) {
  const summaryRows: (string | number | null)[][] = [];
  for (const metric of RAG_METRICS) {
    const s = summarise(scores, metric);
    const judged = JUDGED.includes(metric);
    let definition = DEFINITIONS[metric];
    if (metric === 'answer_relevancy' && o.noncommittalRule === 'any') definition = definition.replace('every generation is', 'any generation is (RAGAS legacy rule)');
    if (metric === 'answer_relevancy' || metric === 'semantic_similarity') definition += `; embedder ${o.embedder}`;
    if (judged && o.scripted) definition += ' [OFFLINE: scripted-simulator verdicts, not a judgement of quality]';
    const ci = bootstrapCi(s.values, mean, { seed: ctx.args.seed, iterations: o.iterations });
    ctx.metric(metric, mean(s.values), 'ratio', { ci, n: s.values.length, definition, higherIsBetter: true, headline: true, rowField: metric });
    ctx.metric(`${metric}_errors`, s.errors, 'count', { definition: `records whose ${metric} could not be judged (no valid verdict after retries, or an embedding failure)`, higherIsBetter: false });
    summaryRows.push([
      metric,
      s.values.length > 0 ? mean(s.values) : null,
      Number.isFinite(ci.low) ? ci.low : null,
      Number.isFinite(ci.high) ? ci.high : null,
      s.values.length,
      s.errors,
      describeNotComputed(s.notComputed),
      judged ? (o.scripted ? 'scripted simulator (not a judgement)' : 'judge model') : `embedder ${o.embedder}`,
    ]);
  }
  ctx.table('RAG metrics (mean, 95% bootstrap CI)', ['metric', 'mean', 'ci low', 'ci high', 'n', 'errors', 'not computed', 'verdicts from'], summaryRows);
}

export function emitCategories(ctx: SuiteContext, scores: readonly RecordScore[]) {
  const byCategory = new Map<string, RecordScore[]>();
  for (const s of scores) byCategory.set(s.record.category, [...(byCategory.get(s.record.category) ?? []), s]);
  const rows = [...byCategory.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([category, group]) => {
      const cells: (string | number | null)[] = [category, group.length];
      let errors = 0;
      for (const metric of RAG_METRICS) {
        const s = summarise(group, metric);
        errors += s.errors;
        cells.push(s.values.length > 0 ? mean(s.values) : null, s.values.length);
      }
      cells.push(errors);
      return cells;
    });
  ctx.table('by category (mean and n per metric)', ['category', 'records', ...RAG_METRICS.flatMap((m) => [m, `${m} n`]), 'errors'], rows);
}

export function emitRows(ctx: SuiteContext, scores: readonly RecordScore[]) {
  for (const { record, results } of scores) {
    const row: Record<string, unknown> = { case: record.id, category: record.category, question: record.question, contexts: record.contexts.length };
    let calls = 0;
    for (const metric of RAG_METRICS) {
      const r = results[metric];
      row[metric] = r.value;
      if (r.error !== undefined) {
        row[`${metric}_error`] = r.error;
        ctx.error(record.id, `${metric}: ${r.error}`);
      }
      if (r.notComputed !== undefined) row[`${metric}_not_computed`] = r.notComputed;
      calls += r.calls;
    }
    const f = results.faithfulness.detail;
    if (f?.claims !== undefined) row.claims = f.claims;
    if (f?.supported !== undefined) row.supported_claims = f.supported;
    row.judge_calls = calls;
    ctx.row(row as { case: string });
  }
}
