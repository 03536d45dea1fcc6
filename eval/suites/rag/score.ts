/** Score RAG records: the four judged RAGAS metrics and semantic similarity, a few records at a time. */
import type { EmbeddingProvider } from '../../../serve';
import { semanticSimilarity } from '../../metrics/rag';
import { judgeAnswerRelevancy, judgeContextPrecision, judgeContextRecall, judgeFaithfulness, type RagasJudge, type StepResult } from '../../judge/ragas';
import type { RagRecord } from './records';

export const RAG_METRICS = ['faithfulness', 'answer_relevancy', 'context_precision', 'context_recall', 'semantic_similarity'] as const;
export type RagMetric = (typeof RAG_METRICS)[number];
/** the metrics whose verdicts come from the judge model */
export const JUDGED: readonly RagMetric[] = ['faithfulness', 'answer_relevancy', 'context_precision', 'context_recall'];

export interface RecordScore {
  record: RagRecord;
  results: Record<RagMetric, StepResult>;
}

/** cosine(emb(reference), emb(answer)) with the real embedder. */
export async function judgeSemanticSimilarity(embedder: EmbeddingProvider, r: Pick<RagRecord, 'answer' | 'reference'>): Promise<StepResult> {
  if (r.reference === null) return { value: null, notComputed: 'no reference', calls: 0 };
  try {
    const [ref, ans] = await embedder.embed([r.reference, r.answer]);
    if (!ref || !ans) return { value: null, error: 'embedding: wrong number of vectors', calls: 0 };
    return { value: semanticSimilarity(ref, ans), calls: 0 };
  } catch (err) {
    return { value: null, error: `embedding: ${(err as Error).message}`, calls: 0 };
  }
}

export async function scoreRecord(j: RagasJudge, r: RagRecord): Promise<RecordScore> {
  const [faithfulness, answer_relevancy, context_precision, context_recall, semantic_similarity] = await Promise.all([
    judgeFaithfulness(j, r),
    judgeAnswerRelevancy(j, r),
    judgeContextPrecision(j, r),
    judgeContextRecall(j, r),
    judgeSemanticSimilarity(j.embedder, r),
  ]);
  return { record: r, results: { faithfulness, answer_relevancy, context_precision, context_recall, semantic_similarity } };
}

/** Score every record, `concurrency` at a time, in input order; stops starting new records once `signal` fires. */
export async function scoreAll(
  j: RagasJudge,
  records: readonly RagRecord[],
  o: { concurrency: number; signal?: AbortSignal; onDone?: (s: RecordScore) => void },
): Promise<RecordScore[]> {
  const out: (RecordScore | undefined)[] = new Array<RecordScore | undefined>(records.length);
  let next = 0;
  const worker = async () => {
    while (next < records.length && !o.signal?.aborted) {
      const i = next++;
      const s = await scoreRecord(j, records[i] as RagRecord);
      out[i] = s;
      o.onDone?.(s);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, records.length) }, worker));
  return out.filter((s): s is RecordScore => s !== undefined);
}
