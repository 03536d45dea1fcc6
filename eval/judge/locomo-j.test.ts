import { afterEach, describe, expect, it } from 'vitest';
import { locomoJ, locomoJApplies, locomoJScore } from './locomo-j';
import type { ScriptedJudge } from './sim';
import { scriptedJudge } from './test-support';

describe('LoCoMo J over HTTP', () => {
  let j: ScriptedJudge | undefined;
  afterEach(async () => {
    await j?.close();
    j = undefined;
  });

  it('labels answers CORRECT or WRONG; an invalid label is an error; J is the mean of the valid ones', async () => {
    j = await scriptedJudge([
      { pattern: 'Generated answer: On 7 May', target: 'prompt', reply: '{"reason": "same date", "label": "CORRECT"}' },
      { pattern: 'Generated answer: maybe', target: 'prompt', reply: '{"label": "PARTLY"}' },
      { pattern: 'Generated answer:', target: 'prompt', reply: '{"label": "WRONG"}' },
    ]);
    const q = { question: 'When did Ana move?', reference: '7 May 2023', category: 2 };
    const a = await locomoJ(j.model, { ...q, answer: 'On 7 May last year.' });
    const b = await locomoJ(j.model, { ...q, answer: 'In June.' });
    const c = await locomoJ(j.model, { ...q, answer: 'maybe', category: 'temporal' }, { maxAttempts: 2 });
    expect(a).toMatchObject({ ok: true, correct: true, reason: 'same date', attempts: 1 });
    expect(b).toMatchObject({ ok: true, correct: false });
    expect(c).toMatchObject({ ok: false, attempts: 2 });
    expect(locomoJScore([a, b, c])).toMatchObject({ j: 0.5, n: 2, correct: 1, errors: 1, prompt: expect.stringMatching(/^locomo-j@v1#/) });
  });

  it('is defined for categories 1–4 only', async () => {
    expect([1, 2, 3, 4, 'single-hop', 'multi-hop', 'temporal', 'open-domain'].every(locomoJApplies)).toBe(true);
    expect(locomoJApplies(5)).toBe(false);
    expect(locomoJApplies('adversarial')).toBe(false);
    j = await scriptedJudge([]);
    await expect(locomoJ(j.model, { question: 'q', reference: 'r', answer: 'a', category: 5 })).rejects.toThrow(/categories 1–4 only/);
    expect(j.sim.requests).toHaveLength(0);
  });
});
