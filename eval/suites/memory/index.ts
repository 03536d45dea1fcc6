/**
 * memory: long-term memory quality. Replays a memory dataset (our JSONL or LoCoMo) through the real
 * memory pipeline as one user per conversation with dated sessions, asks every question in a new
 * session through the chat endpoint, and reports evidence-level recall@k, hit rate, MRR and NDCG of
 * the retrieved memories, answer F1/EM, abstention on unanswerable questions, whether newer facts
 * outrank replaced ones, memory on vs off, and the A/B of every retrieval and chunking option.
 * In-process only: replaying dated history needs the database. Config: memory/config.ts.
 */
import { chunkingConfig, createLogger, retrievalConfig } from '../../../serve';
import { loadMemoryDataset } from '../../datasets';
import { defineSuite } from '../../harness/suite';
import { memoryConfig, resolveVariant } from './config';
import { emitCategoryMetrics, emitRows, emitTables, emitVariantMetrics } from './emit';
import { MEMORY_OFF, runMemoryEval } from './run';
import { selectQuestions } from './select';
import { evalEmbedder, evalServerConfig } from './server-config';

export const DEFAULT_MEMORY_DATASET = 'memocha:datasets/memory-dev.jsonl';

export default defineSuite({
  name: 'memory',
  description: 'long-term memory: evidence recall@k/MRR/NDCG, answer F1/EM, abstention, newer-vs-stale facts, memory on/off, retrieval and chunking A/B',
  ...memoryConfig,
  async run(ctx, cfg) {
    if (ctx.args.target !== 'in-process') throw new Error('the memory suite replays dated conversations into its own database: it runs in-process only (--target in-process)');
    const spec = ctx.args.dataset ?? DEFAULT_MEMORY_DATASET;
    const dataset = await loadMemoryDataset(spec);
    const { conversations, questions } = selectQuestions(dataset, cfg.conversations, cfg.questionsPerConversation);
    const server = evalServerConfig();
    const base = { retrieval: retrievalConfig(server), chunking: chunkingConfig(server) };
    const variants = cfg.variants.map((v) => resolveVariant(v, base));
    const embedder = evalEmbedder(server);
    ctx.setMeta({
      dataset: dataset.info,
      provider: { kind: server.llmMode === 'sim' ? 'simulator' : 'openai-compatible', model: server.model },
      target: 'in-process',
      config: {
        resolvedVariants: variants.map((v) => ({ name: v.name, retrieval: { ...v.retrieval }, chunking: { ...v.chunking } })),
        embedder: embedder.id,
        vectorIndex: server.VECTOR_INDEX === 'hnsw' ? `hnsw (m ${server.HNSW_M}, ef_construction ${server.HNSW_EF_CONSTRUCTION}, ef_search ${server.HNSW_EF_SEARCH})` : 'exact',
        llm: server.llmMode === 'sim' ? `built-in simulator (${server.SIM_MODE}): answers are the context sentence sharing most words with the question` : server.model,
        conversationsUsed: conversations.length,
        questions: questions.length,
        datasetSource: dataset.source,
        unresolvedEvidence: dataset.stats.unresolvedEvidence,
      },
    });
    ctx.log(`${dataset.id}: ${conversations.length} conversations, ${questions.length} questions, ${variants.length} variants${cfg.memoryOff && cfg.answers ? ' + memory off' : ''}; embedder ${embedder.id}, LLM ${server.model}`);
    const { results, ingests } = await runMemoryEval(
      { dataset, conversations, questions, variants, depth: cfg.depth, ks: cfg.ks, memoryOff: cfg.memoryOff, answers: cfg.answers },
      { embedder, config: server, logger: createLogger(server.LOG_LEVEL, 'memocha-eval-memory'), signal: ctx.signal, progress: (n, l) => ctx.progress(n, l), log: (m) => ctx.log(m) },
    );
    const byVariant = (name: string) => results.filter((r) => r.variant === name);
    const baseline = variants[0]!.name;
    const a = emitVariantMetrics(ctx, byVariant(baseline), cfg.ks, cfg.depth, '', ctx.args.seed);
    for (const v of variants.slice(1)) emitVariantMetrics(ctx, byVariant(v.name), cfg.ks, cfg.depth, v.name, ctx.args.seed);
    for (const [i, v] of variants.entries()) emitCategoryMetrics(ctx, byVariant(v.name), cfg.ks, i === 0 ? '' : v.name, ctx.args.seed);
    const off = byVariant(MEMORY_OFF);
    if (off.length > 0) {
      const o = emitVariantMetrics(ctx, off, [], cfg.depth, MEMORY_OFF, ctx.args.seed);
      ctx.metric('memory_injection_f1_gain', a.f1 - o.f1, 'ratio', { definition: `answer F1 with memory (${baseline}) − answer F1 with memory off, same questions`, higherIsBetter: true, headline: true });
    }
    emitTables(ctx, results, variants.map((v) => v.name), cfg.ks, cfg.depth, ctx.args.seed, ingests);
    emitRows(ctx, results, cfg.depth);
  },
});
