/**
 * retrieval: retrieval quality of the server's memory pipeline on a judged dataset (default
 * memocha:datasets/retrieval-dev.jsonl; BEIR dirs and TREC/BEIR qrels too). Every corpus doc
 * (title + text) goes through the configured embedder into the VectorStore (fresh in-memory PGlite +
 * pgvector) as a memory of one synthetic user; every query goes through serve/memory/retrieve.ts
 * retrieveMemories once per configuration of an A/B list. Reported per configuration: P, R, hit rate
 * and recall_all at each k, MRR, MAP, NDCG (linear; exponential at the main k) with bootstrap CIs,
 * the paired comparison with the first configuration, query embedding and search latency; queries
 * with no relevant doc apart. Each configuration's run is written in TREC format (`<config>.run`,
 * plus `qrels.txt`) for trec_eval. Config: see retrieval/config.ts.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEmbedder } from '../../../serve';
import { loadRetrievalDataset } from '../../datasets/index';
import { parseQrels as parseQrelsFile } from '../../datasets/trec-qrels';
import type { RetrievalQuery } from '../../datasets/types';
import { defineSuite } from '../../harness/suite';
import type { SuiteContext } from '../../harness/suite';
import type { Cell } from '../../harness/builder';
import { LatencyHistogram } from '../../metrics/histogram';
import { bootstrapCi, mean } from '../../metrics/stats';
import { formatQrels, formatRun } from '../../metrics/trec';
import { reportsRoot, timestamp } from '../../report/write';
import { DEFAULT_DATASET, describeConfig, retrievalConfig, retrievalOptions, toRetrievalConfig } from './config';
import type { NamedRetrievalConfig, RetrievalSuiteConfig } from './config';
import { checkJudgments, evaluateConfig, measures } from './evaluate';
import type { ConfigEvaluation } from './evaluate';
import { indexCorpus, openStore, runQuery } from './pipeline';
import type { QueryResult } from './pipeline';
import { best, comparePaired, pickSubset } from './stats';
import type { PairedComparison } from './stats';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** queries run once per configuration before timing (not recorded) */
const WARMUP_QUERIES = 3;

const r4 = (x: number | undefined | null): number | null => (x === undefined || x === null || !Number.isFinite(x) ? null : Number(x.toFixed(4)));
const r2 = (x: number | undefined | null): number | null => (x === undefined || x === null || !Number.isFinite(x) ? null : Number(x.toFixed(2)));

/** The dataset spec: --dataset, else the config's, else the default (found from the repo root when cwd is elsewhere). */
export function datasetSpec(flag: string | undefined, configured: string | undefined): string {
  const spec = flag ?? configured ?? DEFAULT_DATASET;
  if (spec !== DEFAULT_DATASET) return spec;
  const rel = DEFAULT_DATASET.slice('memocha:'.length);
  return existsSync(rel) ? spec : `memocha:${path.join(REPO_ROOT, rel)}`;
}

/** Where the TREC files go: config trecDir, else --out (the report directory), else a dated folder under the reports root. */
export function trecDirectory(configured: string | undefined, out: string | undefined, now = new Date()): string {
  return configured ?? out ?? path.join(reportsRoot(), 'retrieval-trec', `${timestamp(now)}-${process.pid}`);
}

interface ConfigRun {
  named: NamedRetrievalConfig;
  results: Map<string, QueryResult>;
  evaluation: ConfigEvaluation;
  embed: LatencyHistogram;
  search: LatencyHistogram;
  total: LatencyHistogram;
  errors: number;
}

export default defineSuite({
  name: 'retrieval',
  description: 'memory retrieval quality (P/R/hit/recall_all@k, MRR, MAP, NDCG@10) of retrieveMemories configs on a judged dataset, with CIs, paired tests and TREC runs',
  ...retrievalConfig,
  async run(ctx, config) {
    const cfg = retrievalOptions(config, ctx.args.quick, ctx.args.seed);
    const spec = datasetSpec(ctx.args.dataset, cfg.dataset);
    ctx.log(`loading ${spec}`);
    const dataset = await loadRetrievalDataset(spec);
    let qrels = dataset.qrels;
    let qrelsHash: string | undefined;
    if (cfg.qrels) {
      const text = await readFile(cfg.qrels, 'utf8');
      qrels = parseQrelsFile(text, cfg.qrels);
      qrelsHash = createHash('sha256').update(text).digest('hex');
    }
    const queries = cfg.queries === undefined ? dataset.queries : pickSubset(dataset.queries, cfg.queries, cfg.seed);
    // every evaluated query, judged or not: one with no relevant doc is reported apart
    const judgments = new Map(queries.map((q) => [q.id, qrels.get(q.id) ?? new Map<string, number>()]));
    checkJudgments(judgments, cfg.ks, cfg.mainK);
    const trecDir = trecDirectory(cfg.trecDir, ctx.args.out);
    await mkdir(trecDir, { recursive: true });
    await writeFile(path.join(trecDir, 'qrels.txt'), formatQrels(judgments));

    const embedder = createEmbedder(cfg.embedder);
    const t0 = performance.now();
    await embedder.warmup?.();
    const modelLoadMs = performance.now() - t0;
    const opened = await openStore(cfg.store, embedder.dimensions);
    const runs: ConfigRun[] = [];
    const files: string[] = ['qrels.txt'];
    try {
      ctx.log(`indexing ${dataset.corpus.length} docs with ${embedder.id} into ${opened.store.id}`);
      const indexing = ctx.progress(dataset.corpus.length, 'retrieval: index');
      let shown = 0;
      const stats = await indexCorpus({ store: opened.store, embedder }, dataset.corpus, {
        signal: ctx.signal,
        onBatch: (done) => {
          indexing.tick(done - shown);
          shown = done;
        },
      });
      indexing.done();
      emitIndexing(ctx, stats, modelLoadMs);

      const progress = ctx.progress(cfg.configs.length * queries.length, 'retrieval: queries');
      for (const named of cfg.configs) {
        if (ctx.signal.aborted) break;
        const run = await runConfig(ctx, cfg, named, queries, judgments, { store: opened.store, embedder }, () => progress.tick());
        if (!run) break;
        runs.push(run);
        const file = `${named.name}.run`;
        try {
          await writeFile(path.join(trecDir, file), formatRun(new Map(queries.map((q) => [q.id, run.results.get(q.id)?.ranking ?? []])), named.name));
          files.push(file);
        } catch (err) {
          ctx.error(undefined, `could not write ${file}: ${(err as Error).message}`);
        }
        const m = run.evaluation.linear.means;
        ctx.log(`${named.name}: NDCG@${cfg.mainK} ${m.atK[cfg.mainK]?.ndcg.toFixed(4)}, MRR ${m.mrr.toFixed(4)}, MAP ${m.map.toFixed(4)} (${m.queries} queries)`);
      }
      progress.done();
    } finally {
      await opened.close();
    }

    emitResults(ctx, cfg, runs, judgments);
    ctx.log(`TREC runs and qrels.txt in ${trecDir}`);
    ctx.setMeta({
      config: {
        configsRun: cfg.configs.map((c) => ({ ...c, description: describeConfig(c, cfg.candidates) })),
        ks: cfg.ks,
        depth: cfg.depth,
        mainK: cfg.mainK,
        embedderId: embedder.id,
        storeId: opened.store.id,
        datasetUsed: spec,
        qrelsSha256: qrelsHash ?? null,
        queriesEvaluated: queries.length,
        queriesOfDataset: dataset.queries.length,
        docs: dataset.corpus.length,
        trecDirUsed: trecDir,
        trecFiles: files,
      },
      dataset: dataset.info,
      provider: { kind: 'embedder', model: embedder.id },
      target: `${opened.store.id} on in-memory PGlite, serve/memory/retrieve.ts retrieveMemories`,
    });
  },
});

async function runConfig(
  ctx: SuiteContext,
  cfg: RetrievalSuiteConfig,
  named: NamedRetrievalConfig,
  queries: readonly RetrievalQuery[],
  judgments: ReadonlyMap<string, ReadonlyMap<string, number>>,
  deps: Parameters<typeof runQuery>[0],
  tick: () => void,
): Promise<ConfigRun | undefined> {
  const rc = toRetrievalConfig(named, cfg.depth, cfg.candidates);
  for (const q of queries.slice(0, WARMUP_QUERIES)) await runQuery(deps, q, rc).catch(() => undefined);
  const results = new Map<string, QueryResult>();
  const embed = new LatencyHistogram();
  const search = new LatencyHistogram();
  const total = new LatencyHistogram();
  const failed = new Map<string, string>();
  for (const q of queries) {
    if (ctx.signal.aborted) return undefined; // a half-run configuration is not scored
    try {
      const r = await runQuery(deps, q, rc);
      results.set(q.id, r);
      embed.record(r.embedMs);
      search.record(r.searchMs);
      total.record(r.embedMs + r.searchMs + r.rankMs);
    } catch (err) {
      failed.set(q.id, (err as Error).message);
    }
    tick();
  }
  // a failed query is scored as an empty ranking (0) and recorded as an error
  const run = new Map(queries.map((q) => [q.id, results.get(q.id)?.ranking ?? []]));
  const evaluation = evaluateConfig(run, judgments, cfg.ks, cfg.mainK);
  for (const q of queries) {
    const r = results.get(q.id);
    const values = evaluation.byQuery.get(q.id);
    const base = { case: `${named.name}/${q.id}`, config: named.name, qid: q.id, relevant: countRelevant(judgments.get(q.id)), no_relevant: values === undefined };
    const error = failed.get(q.id);
    if (error !== undefined) ctx.error(base.case, error);
    ctx.row({
      ...base,
      retrieved: r?.ranking.length ?? 0,
      ...values,
      top_similarity: r4(r?.similarities[0]),
      embed_ms: r2(r?.embedMs),
      search_ms: r2(r?.searchMs),
      rank_ms: r2(r?.rankMs),
      ranking: r?.ranking.join(' ') ?? '',
      ...(error !== undefined ? { error } : {}),
    });
  }
  return { named, results, evaluation, embed, search, total, errors: failed.size };
}

function countRelevant(j: ReadonlyMap<string, number> | undefined): number {
  let n = 0;
  for (const g of j?.values() ?? []) if (g > 0) n++;
  return n;
}

function emitIndexing(ctx: SuiteContext, s: { docs: number; embedMs: number; upsertMs: number }, modelLoadMs: number): void {
  ctx.metric('index_docs', s.docs, 'docs', { definition: 'corpus docs embedded (title + text) and stored' });
  ctx.metric('index_embed_s', s.embedMs / 1000, 's', { n: s.docs, definition: 'wall time of the embedder over the corpus, batches of 64, after the model was loaded', higherIsBetter: false });
  ctx.metric('index_embed_docs_per_sec', s.embedMs > 0 ? (s.docs / s.embedMs) * 1000 : null, 'docs/s', { n: s.docs, definition: 'corpus docs / embedding wall time', higherIsBetter: true });
  ctx.metric('index_upsert_s', s.upsertMs / 1000, 's', { n: s.docs, definition: 'wall time of store.upsert over the corpus, batches of 500', higherIsBetter: false });
  ctx.metric('model_load_s', modelLoadMs / 1000, 's', { definition: 'embedder.warmup() (use-lite: loading the model), once per process' });
}

function emitResults(ctx: SuiteContext, cfg: RetrievalSuiteConfig, runs: readonly ConfigRun[], judgments: ReadonlyMap<string, ReadonlyMap<string, number>>): void {
  const base = runs[0];
  if (!base) return;
  const ms = measures(cfg.ks, cfg.mainK);
  const seed = cfg.seed;
  const judged = base.evaluation.qids.length;
  const noRelevant = base.evaluation.linear.noRelevant;
  ctx.metric('queries_judged', judged, 'queries', { definition: 'evaluated queries with at least one relevant doc (rel > 0): every mean is over these' });
  ctx.metric('queries_no_relevant', noRelevant.count, 'queries', { definition: 'evaluated queries without a relevant doc: reported apart, never averaged in' });

  const ndcgKey = `ndcg@${cfg.mainK}`;
  const compareKeys = [ndcgKey, 'mrr', 'map', `ndcg_exp@${cfg.mainK}`];
  const comparisons = new Map<string, Map<string, PairedComparison>>();
  const cis = new Map<string, Map<string, { low: number; high: number }>>();
  for (const run of runs) {
    const name = run.named.name;
    const ciOf = new Map<string, { low: number; high: number }>();
    cis.set(name, ciOf);
    for (const m of ms) {
      const values = run.evaluation.values.get(m.key) ?? [];
      const ci = bootstrapCi(values, mean, { iterations: cfg.bootstrapIterations, seed });
      ciOf.set(m.key, ci);
      ctx.metric(`${m.key}/${name}`, values.length > 0 ? mean(values) : null, 'ratio', {
        ci,
        n: values.length,
        definition: `${m.definition}; mean over judged queries, ${describeConfig(run.named, cfg.candidates)}`,
        higherIsBetter: true,
        headline: m.key === ndcgKey || m.key === 'mrr',
      });
    }
    emitLatency(ctx, run);
    if (noRelevant.count > 0) {
      const rs = noRelevant.ids.map((id) => run.results.get(id)?.ranking.length ?? 0);
      ctx.metric(`no_relevant_empty_rate/${name}`, rs.filter((n) => n === 0).length / rs.length, 'ratio', { n: rs.length, definition: 'share of the queries without a relevant doc that retrieved nothing (the right answer for them)', higherIsBetter: true });
      ctx.metric(`no_relevant_mean_retrieved/${name}`, mean(rs), 'docs', { n: rs.length, definition: 'mean number of docs retrieved for the queries without a relevant doc', higherIsBetter: false });
    }
    if (run === base) continue;
    const byKey = new Map<string, PairedComparison>();
    comparisons.set(name, byKey);
    for (const key of compareKeys) {
      const c = comparePaired(base.evaluation.values.get(key) ?? [], run.evaluation.values.get(key) ?? [], { bootstrapIterations: cfg.bootstrapIterations, permutationIterations: cfg.permutationIterations, seed });
      byKey.set(key, c);
      if (key === `ndcg_exp@${cfg.mainK}`) continue;
      ctx.metric(`${key}_diff/${name}`, c.meanDiff, 'ratio', {
        ci: c.ci,
        n: c.n,
        definition: `mean over judged queries of ${key}(${name}) − ${key}(${base.named.name}), CI: percentile bootstrap of the per-query differences`,
        higherIsBetter: true,
      });
      ctx.metric(`${key}_p/${name}`, c.pPaired, 'p', {
        n: c.n,
        definition: `two-sided paired randomisation (sign-flip) test of the per-query ${key} differences vs ${base.named.name}, ${cfg.permutationIterations} flips; unpaired permutationTest p = ${c.pUnpaired.toFixed(4)}`,
      });
    }
  }

  // one row per configuration
  const columns = ['config', 'queries', ...ms.map((m) => m.label), `NDCG@${cfg.mainK} 95% CI`, `ΔNDCG@${cfg.mainK}`, `p ΔNDCG@${cfg.mainK}`, 'ΔMRR', 'p ΔMRR', 'embed p50 ms', 'embed p99 ms', 'search p50 ms', 'search p99 ms', 'retrieve p99 ms'];
  const rows: Cell[][] = runs.map((run) => {
    const name = run.named.name;
    const ci = cis.get(name)?.get(ndcgKey);
    const cmp = comparisons.get(name);
    const means = ms.map((m) => r4(mean(run.evaluation.values.get(m.key) ?? [])));
    return [
      name,
      run.evaluation.qids.length,
      ...means,
      ci ? `[${r4(ci.low)}, ${r4(ci.high)}]` : null,
      r4(cmp?.get(ndcgKey)?.meanDiff),
      r4(cmp?.get(ndcgKey)?.pPaired),
      r4(cmp?.get('mrr')?.meanDiff),
      r4(cmp?.get('mrr')?.pPaired),
      r2(run.embed.percentile(50)),
      r2(run.embed.percentile(99)),
      r2(run.search.percentile(50)),
      r2(run.search.percentile(99)),
      r2(run.total.percentile(99)),
    ];
  });
  ctx.table('by configuration', columns, rows);
  ctx.table(
    'configurations',
    ['config', 'what'],
    runs.map((r) => [r.named.name, describeConfig(r.named, cfg.candidates)]),
  );

  if (comparisons.size > 0) {
    const cmpRows: Cell[][] = [];
    for (const run of runs.slice(1)) {
      for (const key of compareKeys) {
        const c = comparisons.get(run.named.name)?.get(key);
        if (!c) continue;
        cmpRows.push([run.named.name, key, r4(mean(base.evaluation.values.get(key) ?? [])), r4(mean(run.evaluation.values.get(key) ?? [])), r4(c.meanDiff), r4(c.ci.low), r4(c.ci.high), r4(c.pPaired), r4(c.pUnpaired), c.n]);
      }
    }
    ctx.table(`vs ${base.named.name} (paired by query)`, ['config', 'measure', base.named.name, 'config value', 'diff', 'diff CI low', 'diff CI high', 'p paired (sign-flip)', 'p unpaired (permutationTest)', 'n'], cmpRows);
  }

  const winners: Cell[][] = [];
  for (const key of [ndcgKey, 'mrr', 'map']) {
    const top = best(runs.map((r) => ({ run: r, value: mean(r.evaluation.values.get(key) ?? []) })));
    if (!top) continue;
    const name = top.run.named.name;
    const ci = cis.get(name)?.get(key);
    const c = comparisons.get(name)?.get(key);
    winners.push([key, name, r4(top.value), r4(ci?.low), r4(ci?.high), r4(c?.meanDiff), r4(c?.pPaired)]);
  }
  ctx.table('best configuration', ['measure', 'config', 'value', 'CI low', 'CI high', `diff vs ${base.named.name}`, 'p paired'], winners);

  if (noRelevant.count > 0) {
    ctx.table(
      'queries without a relevant doc (not averaged in)',
      ['config', 'queries', 'retrieved nothing', 'mean retrieved', 'mean top similarity', 'ids'],
      runs.map((run) => {
        const rs = noRelevant.ids.map((id) => run.results.get(id));
        const tops = rs.flatMap((r) => (r && r.similarities.length > 0 ? [r.similarities[0] as number] : []));
        return [
          run.named.name,
          rs.length,
          rs.filter((r) => (r?.ranking.length ?? 0) === 0).length,
          r2(mean(rs.map((r) => r?.ranking.length ?? 0))),
          tops.length > 0 ? r4(mean(tops)) : null,
          noRelevant.ids.join(' '),
        ];
      }),
    );
  }
  const unjudgedGrades = [...judgments.values()].filter((j) => j.size === 0).length;
  if (unjudgedGrades > 0) ctx.log(`${unjudgedGrades} queries have no judgments at all (counted as queries without a relevant doc)`);
}

function emitLatency(ctx: SuiteContext, run: ConfigRun): void {
  const name = run.named.name;
  const def = (what: string) => `HdrHistogram ${what} per query of ${name} (retrieveMemories timings), after ${WARMUP_QUERIES} untimed warm-up queries`;
  ctx.histogram(`query_embed/${name}`, run.embed);
  ctx.histogram(`search/${name}`, run.search);
  ctx.histogram(`retrieve/${name}`, run.total);
  ctx.metric(`query_embed_p50_ms/${name}`, run.embed.percentile(50), 'ms', { n: run.embed.count, definition: def('p50 of the query embedding'), higherIsBetter: false });
  ctx.metric(`query_embed_p99_ms/${name}`, run.embed.percentile(99), 'ms', { n: run.embed.count, definition: def('p99 of the query embedding'), higherIsBetter: false });
  ctx.metric(`search_p50_ms/${name}`, run.search.percentile(50), 'ms', { n: run.search.count, definition: def('p50 of the store search (vector, + full-text search when hybrid, + fusion)'), higherIsBetter: false });
  ctx.metric(`search_p99_ms/${name}`, run.search.percentile(99), 'ms', { n: run.search.count, definition: def('p99 of the store search (vector, + full-text search when hybrid, + fusion)'), higherIsBetter: false });
}
