/**
 * The LLM steps of the RAGAS metrics, each through judgeStructured (prompt file → judge model →
 * JSON → zod → retry with the error), and the metric computed from the verdicts by
 * eval/metrics/rag.ts. The steps follow RAGAS (explodinggradients/ragas, src/ragas/metrics/):
 *
 *   faithfulness       statements from the answer (ragas-statements), then one NLI verdict per
 *                      statement against the joined contexts (ragas-nli)
 *   answer relevancy   `strictness` questions generated from the answer, each with a
 *                      non-committal flag (ragas-question); cosine with the real question via the
 *                      embedder given
 *   context precision  one usefulness verdict per retrieved context against the reference
 *                      (ragas-context-precision)
 *   context recall     the reference's statements, each attributed to the joined contexts or not
 *                      (ragas-context-recall)
 *
 * A verdict that never validates makes that metric an error for that item: `value` null and
 * `error` set. It is never replaced by a guess. A metric that does not apply (no claims, no
 * contexts, no reference) is null with `notComputed` saying why; that is not an error.
 */
import type { EmbeddingProvider } from '../../serve';
import { answerRelevancy, contextPrecision, contextRecall, faithfulness, type NoncommittalRule } from '../metrics/rag';
import type { JudgeModel } from './model';
import { loadPrompt, promptRef } from './prompt-file';
import { attributionSchema, nliSchema, questionSchema, statementsSchema, usefulnessSchema } from './ragas-schemas';
import { judgeStructured, type JudgeCallOptions, type JudgeOutcome } from './structured';

export const RAGAS_PROMPTS = {
  statements: 'ragas-statements',
  nli: 'ragas-nli',
  question: 'ragas-question',
  usefulness: 'ragas-context-precision',
  attribution: 'ragas-context-recall',
} as const;

/** `id@vN#hash` of every prompt the RAGAS steps use, for the report's effective config. */
export function ragasPromptRefs(): Record<keyof typeof RAGAS_PROMPTS, string> {
  const out = {} as Record<keyof typeof RAGAS_PROMPTS, string>;
  for (const [k, name] of Object.entries(RAGAS_PROMPTS)) out[k as keyof typeof RAGAS_PROMPTS] = promptRef(loadPrompt(name));
  return out;
}

export interface RagasInput {
  question: string;
  answer: string;
  /** retrieved contexts in rank order */
  contexts: readonly string[];
  reference: string | null;
}

export interface RagasJudge {
  model: JudgeModel;
  /** for answer relevancy's cosine between the question and the generated questions */
  embedder: EmbeddingProvider;
  /** questions generated per answer (RAGAS default 3) */
  strictness?: number;
  noncommittalRule?: NoncommittalRule;
  call?: JudgeCallOptions;
}

export interface StepResult {
  value: number | null;
  /** the judge gave no valid verdict (after retries), or the embedder failed */
  error?: string;
  /** why the metric does not apply to this item (not an error) */
  notComputed?: string;
  /** judge requests made, retries included */
  calls: number;
  detail?: Record<string, number | string | (number | string)[]>;
}

/** RAGAS joins the retrieved contexts with newlines for the NLI and recall prompts. */
const joinContexts = (contexts: readonly string[]) => contexts.join('\n');

const callsOf = (o: JudgeOutcome<unknown>) => Math.max(1, o.attempts.length);

export async function judgeFaithfulness(j: RagasJudge, x: RagasInput): Promise<StepResult> {
  if (x.contexts.length === 0) return { value: null, notComputed: 'no retrieved contexts', calls: 0 };
  const st = await judgeStructured(j.model, loadPrompt(RAGAS_PROMPTS.statements), { question: x.question, answer: x.answer }, statementsSchema, j.call);
  if (!st.ok) return { value: null, error: `statements: ${st.error}`, calls: callsOf(st) };
  const statements = st.value.statements;
  if (statements.length === 0) return { value: null, notComputed: 'no claims in the answer', calls: callsOf(st), detail: { claims: 0 } };
  const nli = await judgeStructured(
    j.model,
    loadPrompt(RAGAS_PROMPTS.nli),
    { context: joinContexts(x.contexts), statements: statements.map((s, i) => `${i + 1}. ${s}`).join('\n') },
    nliSchema(statements.length),
    j.call,
  );
  const calls = callsOf(st) + callsOf(nli);
  if (!nli.ok) return { value: null, error: `nli: ${nli.error}`, calls, detail: { claims: statements.length } };
  const verdicts = nli.value.verdicts.map((v) => v.verdict);
  return { value: faithfulness(verdicts), calls, detail: { claims: statements.length, supported: verdicts.filter((v) => v === 1).length } };
}

export async function judgeAnswerRelevancy(j: RagasJudge, x: RagasInput): Promise<StepResult> {
  const n = Math.max(1, j.strictness ?? 3);
  const prompt = loadPrompt(RAGAS_PROMPTS.question);
  const outcomes = await Promise.all(Array.from({ length: n }, () => judgeStructured(j.model, prompt, { answer: x.answer }, questionSchema, j.call)));
  const calls = outcomes.reduce((s, o) => s + callsOf(o), 0);
  const failed = outcomes.find((o) => !o.ok);
  if (failed && !failed.ok) return { value: null, error: `question generation: ${failed.error}`, calls };
  const generated = outcomes.flatMap((o) => (o.ok ? [o.value] : []));
  let vectors: Float32Array[];
  try {
    vectors = await j.embedder.embed([x.question, ...generated.map((g) => g.question)]);
  } catch (err) {
    return { value: null, error: `embedding: ${(err as Error).message}`, calls };
  }
  const [questionVec, ...generatedVecs] = vectors;
  if (!questionVec || generatedVecs.length !== generated.length) return { value: null, error: 'embedding: wrong number of vectors', calls };
  const flags = generated.map((g) => g.noncommittal);
  const value = answerRelevancy(questionVec, generatedVecs, flags, j.noncommittalRule ?? 'all');
  return { value, calls, detail: { questions: generated.map((g) => g.question), noncommittal: flags } };
}

export async function judgeContextPrecision(j: RagasJudge, x: RagasInput): Promise<StepResult> {
  if (x.reference === null) return { value: null, notComputed: 'no reference', calls: 0 };
  if (x.contexts.length === 0) return { value: null, notComputed: 'no retrieved contexts', calls: 0 };
  const prompt = loadPrompt(RAGAS_PROMPTS.usefulness);
  const reference = x.reference;
  const outcomes = await Promise.all(x.contexts.map((context) => judgeStructured(j.model, prompt, { question: x.question, context, reference }, usefulnessSchema, j.call)));
  const calls = outcomes.reduce((s, o) => s + callsOf(o), 0);
  const i = outcomes.findIndex((o) => !o.ok);
  const failed = outcomes[i];
  if (failed && !failed.ok) return { value: null, error: `usefulness of context ${i + 1}: ${failed.error}`, calls };
  const useful = outcomes.map((o) => (o.ok ? o.value.verdict : 0));
  return { value: contextPrecision(useful), calls, detail: { useful } };
}

export async function judgeContextRecall(j: RagasJudge, x: RagasInput): Promise<StepResult> {
  if (x.reference === null) return { value: null, notComputed: 'no reference', calls: 0 };
  if (x.contexts.length === 0) return { value: null, notComputed: 'no retrieved contexts', calls: 0 };
  const o = await judgeStructured(
    j.model,
    loadPrompt(RAGAS_PROMPTS.attribution),
    { question: x.question, context: joinContexts(x.contexts), reference: x.reference },
    attributionSchema,
    j.call,
  );
  if (!o.ok) return { value: null, error: `attribution: ${o.error}`, calls: callsOf(o) };
  const attributed = o.value.classifications.map((c) => c.attributed);
  return { value: contextRecall(attributed), calls: callsOf(o), detail: { statements: attributed.length, attributed: attributed.filter((a) => a === 1).length } };
}
