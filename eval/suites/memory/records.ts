/**
 * Question/answer/context records from the memory pipeline, for suites that grade answers (RAG):
 * the dataset replayed with the server's default memory configuration, every question asked
 * through the chat endpoint in a new session.
 */
import { chunkingConfig, createLogger, retrievalConfig } from '../../../serve';
import { loadMemoryDataset } from '../../datasets';
import type { SuiteContext } from '../../harness/suite';
import { evalEmbedder, evalServerConfig } from './server-config';
import { resolveVariant } from './config';
import { runMemoryEval } from './run';
import { selectQuestions } from './select';
import type { QaRecord } from './types';

export async function answerMemoryQuestions(ctx: SuiteContext, opts: { dataset: string; quick: boolean; limit?: number; seed: number }): Promise<QaRecord[]> {
  const dataset = await loadMemoryDataset(opts.dataset);
  const sel = selectQuestions(dataset, opts.quick ? 2 : 0, opts.quick ? 4 : 0);
  const questions = opts.limit ? sel.questions.slice(0, opts.limit) : sel.questions;
  const server = evalServerConfig();
  const variant = resolveVariant({ name: 'default' }, { retrieval: retrievalConfig(server), chunking: chunkingConfig(server) });
  const embedder = evalEmbedder(server);
  const { results } = await runMemoryEval(
    { dataset, conversations: sel.conversations, questions, variants: [variant], depth: 10, ks: [5], memoryOff: false, answers: true },
    { embedder, config: server, logger: createLogger(server.LOG_LEVEL, 'memocha-eval-records'), signal: ctx.signal, progress: (n, l) => ctx.progress(n, l), log: (m) => ctx.log(m) },
  );
  return results.map((r) => r.record);
}
