/**
 * rag: the RAGAS metrics — faithfulness, answer relevancy, context precision, context recall —
 * and semantic similarity, per record and overall (mean with a bootstrap CI, n, errors), by category.
 *
 * Records come from a RAGAS-compatible JSONL file (`--dataset rag:<path>` or config `records`), or
 * by default from the memory suite's answered questions (`answerMemoryQuestions`, dataset default
 * memocha:datasets/memory-dev.jsonl; only questions with a reference). Verdicts come from the
 * JUDGE_* model, or offline from the scripted simulator — which only exercises the machinery, and
 * the report says so. Semantic similarity always uses the real embedder. Config: rag/config.ts.
 */
import { setMaxListeners } from 'node:events';
import path from 'node:path';
import { createEmbedder } from '../../../serve';
import { defineSuite, type Suite, type SuiteContext } from '../../harness/suite';
import { ragasPromptRefs } from '../../judge/ragas';
import { datasetInfo, type DatasetInfo } from '../../report/meta';
import { ragConfig, recordSource, type RagConfig, type RecordSource } from './config';
import { emitCategories, emitMetrics, emitRows } from './emit';
import { openRagJudge } from './judge';
import { fromQaRecords, loadRagJsonl, type RagRecord } from './records';
import { scoreAll } from './score';
import type { QaRecord } from '../memory/types';

export type AnswerMemoryQuestions = (ctx: SuiteContext, opts: { dataset: string; quick: boolean; limit?: number; seed: number }) => Promise<QaRecord[]>;

export interface RagSuiteDeps {
  /** the memory suite's question answering; default: eval/suites/memory/records.ts, loaded when needed */
  answerMemoryQuestions?: AnswerMemoryQuestions;
  /** where JUDGE_* are read (default process.env) */
  env?: NodeJS.ProcessEnv;
}

/** memory/records.ts is written separately: import it by a variable specifier, so that this file typechecks without it. */
async function importAnswerMemoryQuestions(): Promise<AnswerMemoryQuestions> {
  const specifier: string = '../memory/records';
  let mod: { answerMemoryQuestions?: AnswerMemoryQuestions };
  try {
    mod = (await import(/* @vite-ignore */ specifier)) as typeof mod;
  } catch (err) {
    throw new Error(`the memory suite's answered questions are not available (${(err as Error).message}); score a records file instead: --dataset rag:<file.jsonl>`, { cause: err });
  }
  if (typeof mod.answerMemoryQuestions !== 'function') throw new Error('eval/suites/memory/records does not export answerMemoryQuestions');
  return mod.answerMemoryQuestions;
}

async function loadRecords(ctx: SuiteContext, source: RecordSource, cfg: RagConfig, deps: RagSuiteDeps): Promise<{ records: RagRecord[]; dataset?: DatasetInfo }> {
  if (source.kind === 'jsonl') {
    const records = await loadRagJsonl(source.path);
    return { records, dataset: await datasetInfo(path.basename(source.path).replace(/\.[^.]+$/, ''), source.path) };
  }
  const answer = deps.answerMemoryQuestions ?? (await importAnswerMemoryQuestions());
  const qa = await answer(ctx, { dataset: source.dataset, quick: ctx.args.quick, seed: ctx.args.seed, ...(cfg.limit ? { limit: cfg.limit } : {}) });
  const { records, withoutReference, failed } = fromQaRecords(qa);
  ctx.log(`rag: ${records.length} answered questions with a reference (${withoutReference} without one are not RAG records)`);
  for (const f of failed) ctx.error(f.id, `memory question failed, not scored: ${f.error}`);
  return { records };
}

export function createRagSuite(deps: RagSuiteDeps = {}): Suite<RagConfig> {
  return defineSuite({
    name: 'rag',
    description: 'RAGAS faithfulness, answer relevancy, context precision/recall and semantic similarity (JUDGE_* or scripted simulator)',
    ...ragConfig,
    async run(ctx, cfg) {
      const source = recordSource(ctx.args.dataset, cfg);
      const loaded = await loadRecords(ctx, source, cfg, deps);
      const records = cfg.limit ? loaded.records.slice(0, cfg.limit) : loaded.records;
      const embedder = createEmbedder(cfg.embedder, { cacheEntries: 4096 });
      const judge = await openRagJudge(deps.env ?? process.env);
      // every in-flight judge call listens for the abort: a signal of our own, with room for them
      const stop = new AbortController();
      setMaxListeners(0, stop.signal);
      const onAbort = () => stop.abort();
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      try {
        const scripted = judge.kind === 'scripted-simulator';
        const prompts = ragasPromptRefs();
        ctx.log(judge.note);
        ctx.setMeta({
          config: { source, judge: { kind: judge.kind, model: judge.model.id, note: judge.note }, prompts },
          ...(loaded.dataset ? { dataset: loaded.dataset } : {}),
          provider: { kind: scripted ? 'simulator' : 'openai', model: judge.model.model },
        });
        const progress = ctx.progress(records.length, 'rag');
        const scores = await scoreAll(
          { model: judge.model, embedder, strictness: cfg.strictness, noncommittalRule: cfg.noncommittalRule, call: { maxAttempts: cfg.maxAttempts, signal: stop.signal } },
          records,
          { concurrency: cfg.concurrency, signal: ctx.signal, onDone: () => progress.tick() },
        );
        progress.done();
        emitMetrics(ctx, scores, { scripted, iterations: cfg.bootstrapIterations, embedder: embedder.id, noncommittalRule: cfg.noncommittalRule });
        emitCategories(ctx, scores);
        emitRows(ctx, scores);
        ctx.table('judge', ['item', 'value'], [
          ['verdicts from', scripted ? 'scripted simulator (eval/judge/sim-rag-script.json)' : judge.model.id],
          ['note', judge.note],
          ['embedder', embedder.id],
          ...Object.entries(prompts).map(([step, ref]): [string, string] => [`prompt ${step}`, ref]),
        ]);
      } finally {
        ctx.signal.removeEventListener('abort', onAbort);
        await judge.close();
      }
    },
  });
}

export default createRagSuite();
