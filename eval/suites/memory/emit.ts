/** The memory suite's metrics and tables. */
import type { SuiteContext } from '../../harness/suite';
import { bootstrapCi, mean } from '../../metrics/stats';
import type { IngestSummary, QuestionResult } from './run';
import { MEMORY_OFF } from './run';
import { aggregate, comparePaired, groupBy, PICKS, type Aggregate } from './summary';
import { TOKEN_BUDGETS, UTTERANCE_KS } from './utterance-score';

const r4 = (x: number) => (Number.isFinite(x) ? Math.round(x * 10_000) / 10_000 : null);
const values = (rs: readonly QuestionResult[], f: (r: QuestionResult) => number | undefined) => rs.flatMap((r) => (r.error ? [] : (f(r) ?? [])));

const DEF = {
  recall: 'evidence turns covered by the top k retrieved memories / evidence turns, mean over questions with evidence',
  hit: '1 if any of the top k memories was made from an evidence turn, mean over questions with evidence',
  mrr: '1 / rank of the first memory made from an evidence turn (0 if none in the ranked list), mean',
  ndcg: 'NDCG with binary gains over memories (relevant = made from an evidence turn), linear gain, log2 discount, IDCG from every relevant memory of the user',
  f1: "the LoCoMo paper's F1 (multi-hop: comma-split multi-answer F1; open-domain: first ';' part of the gold answer; else normalised token F1), answerable questions",
  uttRecall: 'evidence utterances ranked ≤ k / evidence utterances; retrieved memories expanded into their utterances in retrieved order, each memory putting all its new utterances at its rank (unit-fair across chunkings)',
  uttMrr: '1 / the best utterance rank of an evidence utterance (utterance order as for utterance_recall_at_k), 0 if none retrieved',
  budget: 'evidence utterances inside the memories that fit in B prompt tokens (retrieved order, whole or skipped, each memory line counted with the o200k tokenizer) / evidence utterances',
  abst: 'share of questions with no answer in memory whose reply declines to answer ("I don\'t know", "not mentioned", …)',
  temporal: 'share of temporal-update questions where a memory with the newer fact ranks above every memory with only the replaced fact (or the replaced one is not retrieved at all)',
};

export function emitVariantMetrics(ctx: SuiteContext, rs: readonly QuestionResult[], ks: readonly number[], depth: number, prefix: string, seed: number) {
  const a = aggregate(rs, ks);
  const name = (m: string) => (prefix ? `${prefix}:${m}` : m);
  const headline = prefix === '';
  if (a.withEvidence > 0) emitRetrievalMetrics(ctx, rs, a, ks, depth, name, headline, seed);
  emitAnswerMetrics(ctx, rs, a, name, headline, seed);
  if (a.temporalQuestions > 0) {
    ctx.metric(name('temporal_newer_first'), a.temporal, 'ratio', { n: a.temporalQuestions, definition: DEF.temporal, higherIsBetter: true, headline });
  }
  ctx.metric(name('errors'), a.errors, 'count', { higherIsBetter: false });
  return a;
}

function emitRetrievalMetrics(ctx: SuiteContext, rs: readonly QuestionResult[], a: Aggregate, ks: readonly number[], depth: number, name: (m: string) => string, headline: boolean, seed: number) {
  const ci = (xs: number[]) => (xs.length > 1 ? { ci: bootstrapCi(xs, mean, { seed }) } : {});
  for (const k of ks) {
    const rec = values(rs, (r) => r.retrieval?.recall[k]);
    ctx.metric(name(`recall_at_${k}`), a.recall[k] ?? null, 'ratio', { ...ci(rec), n: rec.length, definition: DEF.recall, higherIsBetter: true, headline: headline && (k === 5 || k === 10) });
    ctx.metric(name(`hit_rate_at_${k}`), a.hit[k] ?? null, 'ratio', { n: rec.length, definition: DEF.hit, higherIsBetter: true });
  }
  const rr = values(rs, (r) => r.retrieval?.rr);
  ctx.metric(name('mrr'), a.mrr, 'ratio', { ...ci(rr), n: rr.length, definition: DEF.mrr, higherIsBetter: true, headline });
  const nd = values(rs, (r) => r.retrieval?.ndcg);
  ctx.metric(name(`ndcg_at_${depth}`), a.ndcg, 'ratio', { ...ci(nd), n: nd.length, definition: DEF.ndcg, higherIsBetter: true, headline });
  emitUnitFairMetrics(ctx, rs, a, name, headline, seed);
}

/** utterance_recall_at_5/10, utterance_mrr, budget_recall_500/1000/2000/4000 (names fixed by the memory-engine issue). */
export function emitUnitFairMetrics(ctx: SuiteContext, rs: readonly QuestionResult[], a: Aggregate, name: (m: string) => string, headline: boolean, seed: number) {
  const ci = (xs: number[]) => (xs.length > 1 ? { ci: bootstrapCi(xs, mean, { seed }) } : {});
  for (const k of UTTERANCE_KS) {
    const xs = values(rs, (r) => r.utterance?.recall[k]);
    ctx.metric(name(`utterance_recall_at_${k}`), a.utteranceRecall[k] ?? null, 'ratio', { ...ci(xs), n: xs.length, definition: DEF.uttRecall, higherIsBetter: true, headline: headline && k === 10 });
  }
  const rr = values(rs, (r) => r.utterance?.rr);
  ctx.metric(name('utterance_mrr'), a.utteranceMrr, 'ratio', { ...ci(rr), n: rr.length, definition: DEF.uttMrr, higherIsBetter: true, headline });
  for (const b of TOKEN_BUDGETS) {
    const xs = values(rs, (r) => r.budget?.[b]);
    ctx.metric(name(`budget_recall_${b}`), a.budgetRecall[b] ?? null, 'ratio', { ...ci(xs), n: xs.length, definition: DEF.budget, higherIsBetter: true, headline: headline && b === 2000 });
  }
}

/** The unit-fair metrics of every category of one variant: `<prefix:>category:<name>:<metric>`. */
export function emitCategoryMetrics(ctx: SuiteContext, rs: readonly QuestionResult[], ks: readonly number[], prefix: string, seed: number) {
  for (const [cat, crs] of [...groupBy(rs, (r) => r.question.category).entries()].sort(([x], [y]) => x.localeCompare(y))) {
    const a = aggregate(crs, ks);
    if (a.withEvidence === 0) continue;
    const name = (m: string) => `${prefix ? `${prefix}:` : ''}category:${cat}:${m}`;
    for (const k of ks.filter((k) => k === 5 || k === 10)) ctx.metric(name(`recall_at_${k}`), a.recall[k] ?? null, 'ratio', { n: a.withEvidence, definition: DEF.recall, higherIsBetter: true });
    ctx.metric(name('mrr'), a.mrr, 'ratio', { n: a.withEvidence, definition: DEF.mrr, higherIsBetter: true });
    emitUnitFairMetrics(ctx, crs, a, name, false, seed);
  }
}

function emitAnswerMetrics(ctx: SuiteContext, rs: readonly QuestionResult[], a: Aggregate, name: (m: string) => string, headline: boolean, seed: number) {
  if (a.answered === 0 && a.unanswerable === 0) return;
  const f1 = values(rs, (r) => r.answerScores?.f1);
  ctx.metric(name('answer_f1'), a.f1, 'ratio', { ...(f1.length > 1 ? { ci: bootstrapCi(f1, mean, { seed }) } : {}), n: f1.length, definition: DEF.f1, higherIsBetter: true, headline });
  ctx.metric(name('answer_f1_squad'), a.f1Squad, 'ratio', { n: f1.length, definition: 'SQuAD token F1 (multiset of normalised tokens)', higherIsBetter: true });
  ctx.metric(name('answer_em'), a.em, 'ratio', { n: f1.length, definition: 'SQuAD exact match after normalisation', higherIsBetter: true });
  ctx.metric(name('answer_gold_recall'), a.goldRecall, 'ratio', { n: f1.length, definition: "share of the gold answer's normalised tokens present in the answer (lenient with verbose answers)", higherIsBetter: true });
  ctx.metric(name('false_abstention_rate'), a.falseAbstention, 'ratio', { n: a.answered, definition: 'share of answerable questions whose reply declines to answer', higherIsBetter: false });
  if (a.unanswerable > 0) ctx.metric(name('abstention_accuracy'), a.abstention, 'ratio', { n: a.unanswerable, definition: DEF.abst, higherIsBetter: true, headline });
}

const UNIT_FAIR_HEAD = [...UTTERANCE_KS.map((k) => `utt recall@${k}`), 'utt MRR', ...TOKEN_BUDGETS.map((b) => `budget recall@${b}`)];
const unitFairCells = (a: Aggregate) => [...UTTERANCE_KS.map((k) => r4(a.utteranceRecall[k] ?? Number.NaN)), r4(a.utteranceMrr), ...TOKEN_BUDGETS.map((b) => r4(a.budgetRecall[b] ?? Number.NaN))];

export function emitTables(ctx: SuiteContext, results: readonly QuestionResult[], variants: readonly string[], ks: readonly number[], depth: number, seed: number, ingests: readonly IngestSummary[]) {
  const byVariant = groupBy(results, (r) => r.variant);
  const head = ['variant', 'questions', ...ks.map((k) => `recall@${k}`), ...ks.map((k) => `hit@${k}`), 'MRR', `NDCG@${depth}`, ...UNIT_FAIR_HEAD, 'answer F1', 'EM', 'gold recall', 'abstention', 'false abstention', 'temporal newer-first', 'memories in prompt', 'errors'];
  const row = (label: string, a: Aggregate) => [
    label,
    a.questions,
    ...ks.map((k) => r4(a.recall[k] ?? Number.NaN)),
    ...ks.map((k) => r4(a.hit[k] ?? Number.NaN)),
    r4(a.mrr),
    r4(a.ndcg),
    ...unitFairCells(a),
    r4(a.f1),
    r4(a.em),
    r4(a.goldRecall),
    r4(a.abstention),
    r4(a.falseAbstention),
    r4(a.temporal),
    r4(a.memoriesInPrompt),
    a.errors,
  ];
  ctx.table('variants (overall)', head, [...byVariant.entries()].map(([v, rs]) => row(v, aggregate(rs, ks))));
  const catHead = ['variant', 'category', 'questions', 'with evidence', ...ks.map((k) => `recall@${k}`), 'MRR', `NDCG@${depth}`, ...UNIT_FAIR_HEAD, 'answered', 'answer F1', 'EM', 'gold recall', 'abstention'];
  const catRows = [];
  for (const v of [...variants, MEMORY_OFF]) {
    const rs = byVariant.get(v);
    if (!rs) continue;
    for (const [cat, crs] of [...groupBy(rs, (r) => r.question.category).entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const a = aggregate(crs, ks);
      catRows.push([v, cat, a.questions, a.withEvidence, ...ks.map((k) => r4(a.recall[k] ?? Number.NaN)), r4(a.mrr), r4(a.ndcg), ...unitFairCells(a), a.answered, r4(a.f1), r4(a.em), r4(a.goldRecall), r4(a.abstention)]);
    }
  }
  ctx.table('variants by category', catHead, catRows);
  const base = variants[0];
  const baseRs = base ? byVariant.get(base) : undefined;
  if (baseRs) {
    const cmp = [];
    for (const v of [...variants.slice(1), MEMORY_OFF]) {
      const rs = byVariant.get(v);
      if (!rs) continue;
      for (const [metric, { pick, label }] of Object.entries(PICKS)) {
        if (v === MEMORY_OFF && metric !== 'answer_f1') continue;
        const c = comparePaired(baseRs, rs, metric, pick, seed);
        if (c.n === 0) continue;
        cmp.push([v, label, c.n, r4(c.baselineMean), r4(c.variantMean), r4(c.diff), r4(c.ci.low), r4(c.ci.high), r4(c.pValue)]);
      }
    }
    ctx.table(`paired comparison with ${base} (sign-flip permutation test, bootstrap 95% CI of the difference)`, ['variant', 'metric', 'n', base ?? 'baseline', 'variant', 'difference', 'CI low', 'CI high', 'p'], cmp);
  }
  ctx.table('ingestion (per chunking strategy)', ['chunking', 'messages', 'memories', 'seconds'], ingests.map((i) => [i.chunking, i.messages, i.memories, r4(i.ingestMs / 1000)]));
}

export function emitRows(ctx: SuiteContext, results: readonly QuestionResult[], depth: number) {
  for (const r of results) {
    ctx.row({
      case: `${r.variant}/${r.question.id}`,
      variant: r.variant,
      question_id: r.question.id,
      conversation: r.question.conversationId,
      category: r.question.category,
      question: r.question.question,
      gold: r.question.answer,
      answer: r.answer ?? null,
      f1: r.answerScores ? r4(r.answerScores.f1) : null,
      em: r.answerScores?.em ?? null,
      abstained: r.abstained ?? null,
      recall_at_5: r.retrieval ? r4(r.retrieval.recall[5] ?? Number.NaN) : null,
      utterance_recall_at_10: r.utterance ? r4(r.utterance.recall[10] ?? Number.NaN) : null,
      utterance_mrr: r.utterance ? r4(r.utterance.rr) : null,
      budget_recall_2000: r.budget ? r4(r.budget[2000] ?? Number.NaN) : null,
      [`ndcg_at_${depth}`]: r.retrieval ? r4(r.retrieval.ndcg) : null,
      first_relevant_rank: r.retrieval?.firstRelevantRank ?? null,
      temporal: r.temporal ?? null,
      evidence: r.question.evidence.join(' '),
      retrieved_turns: r.record.retrieved.map((m) => m.turnIds.join('+')).join(' '),
      memories_in_prompt: r.inPrompt,
      ask_ms: r.askMs !== undefined ? Math.round(r.askMs * 10) / 10 : null,
      ...(r.error ? { error: r.error } : {}),
    });
    if (r.error) ctx.error(`${r.variant}/${r.question.id}`, r.error);
  }
}
