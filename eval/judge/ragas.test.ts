import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddingProvider, type ScriptRule, type Simulator, startSimulator } from '../../serve';
import { SIM_RAG_SCRIPT } from '../suites/rag/judge';
import { createJudgeModel, type JudgeModel } from './model';
import { judgeAnswerRelevancy, judgeContextPrecision, judgeContextRecall, judgeFaithfulness, ragasPromptRefs, type RagasJudge } from './ragas';

/** Texts → fixed vectors, so that answer relevancy has an exact expected value. */
function stubEmbedder(table: Record<string, number[]>): EmbeddingProvider {
  return {
    id: 'stub',
    dimensions: 2,
    embed: async (texts) =>
      texts.map((t) => {
        const v = table[t];
        if (!v) throw new Error(`no vector for ${JSON.stringify(t)}`);
        return Float32Array.from(v);
      }),
  };
}

const rule = (task: string, marker: string, reply: unknown): ScriptRule => ({
  pattern: `^Task: ${task}[\\s\\S]*${marker}`,
  flags: 'm',
  target: 'prompt',
  reply: typeof reply === 'string' ? reply : JSON.stringify(reply),
});
const ST = 'break the answer into statements';
const NLI = 'judge each statement';
const Q = 'write the question';
const CP = 'decide whether this context';
const CR = 'classify each statement';
const v = (verdict: 0 | 1, statement = 's') => ({ statement, reason: 'test', verdict });

const RULES: ScriptRule[] = [
  rule(ST, 'ANSWER-F', { statements: ['s1', 's2', 's3'] }),
  rule(NLI, 'CTX-F', { verdicts: [v(1), v(0), v(1)] }),
  rule(ST, 'ANSWER-MISMATCH', { statements: ['s1', 's2', 's3'] }),
  rule(NLI, 'CTX-MISMATCH', { verdicts: [v(1), v(1)] }),
  rule(ST, 'ANSWER-NONE', { statements: [] }),
  rule(Q, 'ANSWER-R', { question: 'GEN-Q', noncommittal: 0 }),
  rule(Q, 'ANSWER-NC', { question: 'GEN-Q', noncommittal: 1 }),
  rule(Q, 'ANSWER-PROSE', 'Sure! The question was probably about cats.'),
  rule(CP, 'CTX-P1', { reason: 'no', verdict: 0 }),
  rule(CP, 'CTX-P2', { reason: 'yes', verdict: 1 }),
  rule(CP, 'CTX-P3', { reason: 'yes', verdict: 1 }),
  rule(CP, 'CTX-BAD', { reason: 'a string verdict', verdict: 'yes' }),
  rule(CR, 'REF-R', { classifications: [1, 1, 0, 1].map((a, i) => ({ statement: `r${i}`, reason: 'test', attributed: a })) }),
  rule(CR, 'REF-EMPTY', { classifications: [] }),
];

let sim: Simulator;
let scriptedSim: Simulator;
let model: JudgeModel;
let scriptedModel: JudgeModel;
const fast = { ttft: { kind: 'fixed', ms: 0 }, itl: { kind: 'fixed', ms: 0 }, chunkTokens: 64 } as const;

beforeAll(async () => {
  sim = await startSimulator({ ...fast, mode: 'scripted', script: RULES, recordPrompts: true });
  scriptedSim = await startSimulator({ ...fast, mode: 'scripted', scriptPath: SIM_RAG_SCRIPT });
  expect(new URL(sim.url).hostname).toBe('127.0.0.1');
  model = createJudgeModel({ baseUrl: sim.url, apiKey: 'x', model: 'judge-test', maxRetries: 0 });
  scriptedModel = createJudgeModel({ baseUrl: scriptedSim.url, apiKey: 'x', model: 'judge-test', maxRetries: 0 });
});
afterAll(async () => {
  model?.close();
  scriptedModel?.close();
  await sim?.close();
  await scriptedSim?.close();
});

const judge = (extra: Partial<RagasJudge> = {}): RagasJudge => ({
  model,
  embedder: stubEmbedder({ 'ORIG-Q': [1, 0], 'GEN-Q': [1, 1] }),
  ...extra,
});
const item = (x: Partial<{ question: string; answer: string; contexts: string[]; reference: string | null }>) => ({
  question: 'ORIG-Q',
  answer: 'ANSWER-F',
  contexts: ['CTX-F'],
  reference: 'REF-R',
  ...x,
});
const requestsWith = (marker: string) => sim.requests.filter((r) => r.messages?.some((m) => m.content.includes(marker)));

describe('RAGAS judge steps against the simulator (valid verdicts → exact values)', () => {
  it('faithfulness: 2 of 3 statements supported → 2/3, in two judge calls', async () => {
    const r = await judgeFaithfulness(judge(), item({}));
    expect(r.error).toBeUndefined();
    expect(r.value).toBeCloseTo(2 / 3, 15);
    expect(r.calls).toBe(2);
    expect(r.detail).toEqual({ claims: 3, supported: 2 });
    // the NLI prompt numbers the statements and carries the context
    const nli = requestsWith('CTX-F').find((q) => q.messages?.some((m) => m.content.startsWith('Task: judge each statement')));
    expect(nli?.messages?.[1]?.content).toContain('Statements:\n1. s1\n2. s2\n3. s3');
  });

  it('faithfulness: an answer without claims is not computed (reported apart, not an error)', async () => {
    const r = await judgeFaithfulness(judge(), item({ answer: 'ANSWER-NONE' }));
    expect(r).toMatchObject({ value: null, notComputed: 'no claims in the answer' });
    expect(r.error).toBeUndefined();
    const none = await judgeFaithfulness(judge(), item({ contexts: [] }));
    expect(none).toMatchObject({ value: null, notComputed: 'no retrieved contexts', calls: 0 });
  });

  it('answer relevancy: mean cosine over 3 generated questions; 0 when they are non-committal', async () => {
    const r = await judgeAnswerRelevancy(judge(), item({ answer: 'ANSWER-R' }));
    expect(r.error).toBeUndefined();
    expect(r.value).toBeCloseTo(Math.SQRT1_2, 6);
    expect(r.calls).toBe(3);
    expect(r.detail).toMatchObject({ questions: ['GEN-Q', 'GEN-Q', 'GEN-Q'], noncommittal: [0, 0, 0] });
    const nc = await judgeAnswerRelevancy(judge({ strictness: 2 }), item({ answer: 'ANSWER-NC' }));
    expect(nc.value).toBe(0);
    expect(nc.calls).toBe(2);
  });

  it('context precision: verdicts [0, 1, 1] in rank order → 7/12', async () => {
    const r = await judgeContextPrecision(judge(), item({ contexts: ['CTX-P1', 'CTX-P2', 'CTX-P3'] }));
    expect(r.error).toBeUndefined();
    expect(r.value).toBeCloseTo(7 / 12, 9);
    expect(r.detail).toEqual({ useful: [0, 1, 1] });
    const swapped = await judgeContextPrecision(judge(), item({ contexts: ['CTX-P2', 'CTX-P3', 'CTX-P1'] }));
    expect(swapped.value).toBeCloseTo(1, 9);
    expect(await judgeContextPrecision(judge(), item({ reference: null }))).toMatchObject({ value: null, notComputed: 'no reference' });
  });

  it('context recall: 3 of 4 reference statements attributed → 0.75', async () => {
    const r = await judgeContextRecall(judge(), item({}));
    expect(r.error).toBeUndefined();
    expect(r.value).toBe(0.75);
    expect(r.detail).toEqual({ statements: 4, attributed: 3 });
  });
});

describe('RAGAS judge steps: invalid verdicts are retried, then errors (never guessed)', () => {
  it('a string verdict fails validation 3 times → error, metric null, the refusal shown to the model', async () => {
    const before = requestsWith('CTX-BAD').length;
    const r = await judgeContextPrecision(judge(), item({ contexts: ['CTX-P2', 'CTX-BAD'] }));
    expect(r.value).toBeNull();
    expect(r.error).toMatch(/^usefulness of context 2: no valid verdict after 3 attempts: the JSON does not match the schema: verdict/);
    const bad = requestsWith('CTX-BAD').slice(before);
    expect(bad).toHaveLength(3);
    expect(bad[1]?.lastUserMessage).toMatch(/^Your reply was refused: the JSON does not match the schema/);
    expect(r.calls).toBe(1 + 3);
  });

  it('the number of NLI verdicts must equal the number of statements', async () => {
    const r = await judgeFaithfulness(judge({ call: { maxAttempts: 2 } }), item({ answer: 'ANSWER-MISMATCH', contexts: ['CTX-MISMATCH'] }));
    expect(r.value).toBeNull();
    expect(r.error).toMatch(/^nli: no valid verdict after 2 attempts: .*expected exactly 3 verdict\(s\), one per statement/);
    expect(r.calls).toBe(1 + 2);
  });

  it('prose instead of JSON in one of the generations makes answer relevancy an error', async () => {
    const r = await judgeAnswerRelevancy(judge({ strictness: 1 }), item({ answer: 'ANSWER-PROSE' }));
    expect(r).toMatchObject({ value: null, error: expect.stringMatching(/^question generation: no valid verdict after 3 attempts: the reply is not valid JSON/) });
  });

  it('context recall with no classification at all is an error, not 0 or 1', async () => {
    const r = await judgeContextRecall(judge({ call: { maxAttempts: 1 } }), item({ reference: 'REF-EMPTY' }));
    expect(r).toMatchObject({ value: null, error: expect.stringMatching(/classifications/) });
  });

  it('an embedder failure makes answer relevancy an error', async () => {
    const r = await judgeAnswerRelevancy(judge({ strictness: 1, embedder: stubEmbedder({}) }), item({ answer: 'ANSWER-R' }));
    expect(r).toMatchObject({ value: null, error: expect.stringMatching(/^embedding: no vector for/) });
  });
});

describe('the committed offline script (eval/judge/sim-rag-script.json)', () => {
  const offline = (): RagasJudge => ({ model: scriptedModel, embedder: stubEmbedder({ 'What is my cat called?': [1, 0], 'What was asked?': [0, 1], 'Your cat is called Biscuit.': [1, 0.2] }) });
  const cat = {
    question: 'What is my cat called?',
    answer: 'Your cat is called Biscuit.',
    contexts: ['You play the cello.', 'Your cat is called Biscuit and sleeps all day.'],
    reference: 'Your cat is called Biscuit.',
  };

  it('supports what occurs word for word in the contexts, and nothing else', async () => {
    expect((await judgeFaithfulness(offline(), cat)).value).toBe(1);
    expect((await judgeFaithfulness(offline(), { ...cat, answer: 'Biscuit is the name of your cat.' })).value).toBe(0);
    expect((await judgeContextPrecision(offline(), cat)).value).toBeCloseTo(0.5, 9);
    expect((await judgeContextRecall(offline(), cat)).value).toBe(1);
    expect((await judgeContextRecall(offline(), { ...cat, contexts: ['You play the cello.'] })).value).toBe(0);
  });

  it('marks non-committal answers: no claims, relevancy 0', async () => {
    const idk = { ...cat, answer: "I don't know what your cat is called." };
    expect(await judgeFaithfulness(offline(), idk)).toMatchObject({ value: null, notComputed: 'no claims in the answer' });
    expect((await judgeAnswerRelevancy(offline(), idk)).value).toBe(0);
    expect((await judgeAnswerRelevancy(offline(), cat)).value).toBeCloseTo(1 / Math.sqrt(1.04), 6);
  });

  it('names every prompt by id, version and content hash', () => {
    const refs = ragasPromptRefs();
    expect(Object.keys(refs).sort()).toEqual(['attribution', 'nli', 'question', 'statements', 'usefulness']);
    for (const ref of Object.values(refs)) expect(ref).toMatch(/^ragas-[a-z-]+@v\d+#[0-9a-f]{16}$/);
  });
});
