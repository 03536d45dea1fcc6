import { afterEach, describe, expect, it } from 'vitest';
import { promptRef } from './prompt-file';
import { CRITERIA, judgeRubric, type RubricSample, rubricPrompt, sampleStats, samplingTemperature, summariseCriterion } from './rubric';
import type { ScriptedJudge } from './sim';
import { rotatingModel, scriptedJudge, verdict } from './test-support';

const input = { question: 'What is the capital city of Australia?', reference: 'Canberra.', answer: 'The capital of Australia is Canberra.' };

describe('rubric judge against the scripted simulator over HTTP', () => {
  let j: ScriptedJudge | undefined;
  afterEach(async () => {
    await j?.close();
    j = undefined;
  });

  it('parses a valid verdict in one attempt and names the prompt', async () => {
    j = await scriptedJudge([{ pattern: '^Criterion: relevance$', flags: 'm', target: 'prompt', reply: 'Sure! ```json\n{"score": 4, "reason": "On topic."}\n```' }]);
    const r = await judgeRubric(j.model, 'relevance', input);
    expect(r.samples).toEqual([{ sample: 0, score: 4, reason: 'On topic.', attempts: 1 }]);
    expect(r.prompt).toBe(promptRef(rubricPrompt('relevance')));
    expect(r.prompt).toMatch(/^rubric-relevance@v1#[0-9a-f]{16}$/);
    expect(j.sim.requests).toHaveLength(1);
    // the prompt the judge saw holds the question and the answer
    expect(j.sim.requests[0]?.messages?.[1]?.content).toContain(input.answer);
  });

  it('retries a malformed verdict, then records an error and no score', async () => {
    j = await scriptedJudge([{ pattern: 'Criterion:', target: 'prompt', reply: 'I would give it a 4.' }]);
    const r = await judgeRubric(j.model, 'fluency', input, { maxAttempts: 3 });
    const s = r.samples[0]!;
    expect(s.score).toBeUndefined();
    expect(s.attempts).toBe(3);
    expect(s.error).toMatch(/no valid verdict after 3 attempts: the reply is not valid JSON/);
    expect(s.lastRaw).toBe('I would give it a 4.');
    expect(j.sim.requests).toHaveLength(3);
    // the refusal was shown to the judge on the retries
    expect(j.sim.requests[2]?.lastUserMessage).toMatch(/^Your reply was refused: the reply is not valid JSON/);
    expect(r.stats).toMatchObject({ n: 0, errors: 1 });
    expect(r.stats.mean).toBeNaN();
  });

  it('refuses a score outside 1–5 and an empty reason (schema), never clamping', async () => {
    j = await scriptedJudge([{ pattern: 'Criterion: coherence', target: 'prompt', reply: verdict(6) }, { pattern: 'Criterion:', target: 'prompt', reply: '{"score": 3, "reason": "  "}' }]);
    const a = await judgeRubric(j.model, 'coherence', input, { maxAttempts: 2 });
    expect(a.samples[0]).toMatchObject({ attempts: 2, error: expect.stringMatching(/score: Too big/) });
    expect(a.samples[0]?.score).toBeUndefined();
    const b = await judgeRubric(j.model, 'fluency', input, { maxAttempts: 2 });
    expect(b.samples[0]).toMatchObject({ attempts: 2, error: expect.stringMatching(/reason/) });
  });

  it('accepts a verdict fixed on the second attempt', async () => {
    j = await scriptedJudge([
      { pattern: '^Your reply was refused', reply: verdict(5, 'fixed') },
      { pattern: 'Criterion:', target: 'prompt', reply: '{"score": 5}' },
    ]);
    const r = await judgeRubric(j.model, 'completeness', input);
    expect(r.samples[0]).toEqual({ sample: 0, score: 5, reason: 'fixed', attempts: 2 });
    expect(j.sim.requests).toHaveLength(2);
  });

  it('takes several samples and sees when they disagree', async () => {
    j = await scriptedJudge([]);
    const model = rotatingModel(j, [[{ pattern: '', reply: verdict(2) }], [{ pattern: '', reply: verdict(4) }], [{ pattern: '', reply: verdict(4) }]]);
    const r = await judgeRubric(model, 'factual-accuracy', input, { samples: 3, temperature: 0.7 });
    expect(r.samples.map((s) => s.score)).toEqual([2, 4, 4]);
    expect(r.stats.disagree).toBe(true);
    expect(r.stats.spread).toBe(2);
    expect(r.stats.mean).toBeCloseTo(10 / 3, 12);
    expect(r.stats.stddev).toBeCloseTo(Math.sqrt(4 / 3), 12); // ((4/3)² + 2·(2/3)²) / 2 = 4/3
    expect(r.stats.median).toBe(4);
  });
});

describe('sampling and statistics', () => {
  it('needs temperature > 0 for several samples', () => {
    expect(samplingTemperature(1, undefined)).toBe(0);
    expect(samplingTemperature(3, undefined)).toBe(0.7);
    expect(samplingTemperature(3, 0.2)).toBe(0.2);
    expect(() => samplingTemperature(3, 0)).toThrow(/temperature must be > 0 when samples > 1/);
    expect(() => samplingTemperature(0, 1)).toThrow(/samples must be an integer/);
  });

  it('leaves errors out of the statistics and compares only ≥ 2 valid samples', () => {
    expect(sampleStats([{ score: 3 }, {}])).toEqual({ n: 1, errors: 1, mean: 3, stddev: Number.NaN, spread: 0, median: 3 });
    expect(sampleStats([{ score: 3 }, { score: 3 }]).disagree).toBe(false);
    expect(sampleStats([{ score: 1 }, { score: 5 }, { score: 2 }, { score: 4 }]).median).toBe(2); // lower median
  });

  it('summarises a criterion: errors counted, disagreement over comparable answers', () => {
    const unit = (...scores: (number | undefined)[]) => {
      const samples: RubricSample[] = scores.map((score, sample) => (score === undefined ? { sample, attempts: 1, error: 'x' } : { sample, attempts: 1, score }));
      return { samples, stats: sampleStats(samples) };
    };
    const s = summariseCriterion('relevance', [unit(4, 4), unit(2, 5), unit(3, undefined), unit(undefined, undefined)]);
    expect(s).toMatchObject({ units: 4, scored: 3, samples: 8, errors: 3, comparable: 2, disagreementShare: 0.5, maxSpread: 3 });
    expect(s.meanScore).toBeCloseTo((4 + 3.5 + 3) / 3, 12);
    expect(s.meanSpread).toBeCloseTo((0 + 3 + 0) / 3, 12);
  });

  it('has one versioned prompt file per criterion', () => {
    for (const c of CRITERIA) expect(rubricPrompt(c)).toMatchObject({ id: `rubric-${c}`, version: 1 });
    expect(rubricPrompt('factual-accuracy').variables).toEqual(['question', 'reference', 'answer']);
    expect(rubricPrompt('fluency').variables).toEqual(['question', 'answer']);
  });
});
