import { afterEach, describe, expect, it } from 'vitest';
import { judgeParaphrases, paraphraseSpread, summariseConsistency } from './consistency';
import type { ScriptedJudge } from './sim';
import { scriptedJudge, verdict } from './test-support';

describe('consistency across paraphrases, over HTTP', () => {
  let j: ScriptedJudge | undefined;
  afterEach(async () => {
    await j?.close();
    j = undefined;
  });

  it('judges the same answer under each phrasing and computes spread and MAD', async () => {
    j = await scriptedJudge([
      { pattern: 'Question:\\nWhat is the capital city', target: 'prompt', reply: verdict(5) },
      { pattern: 'Question:\\nWhich city', target: 'prompt', reply: verdict(3) },
      { pattern: 'Question:\\nName the capital', target: 'prompt', reply: verdict(4) },
    ]);
    const phrasings = ['What is the capital city of Australia?', "Which city is Australia's capital?", 'Name the capital of Australia.'];
    const r = await judgeParaphrases(j.model, 'relevance', { phrasings, reference: 'Canberra.', answer: 'Canberra.' });
    expect(r.verdicts.map((v) => [v.phrasing, v.score])).toEqual([[0, 5], [1, 3], [2, 4]]);
    expect(r.verdicts.map((v) => v.question)).toEqual(phrasings);
    // scores 5, 3, 4: mean 4, spread 2, MAD (1 + 1 + 0) / 3
    expect(r.spread).toEqual({ n: 3, mean: 4, spread: 2, mad: 2 / 3 });
    expect(j.sim.requests).toHaveLength(3);
  });
});

describe('paraphrase statistics', () => {
  it('hand-computed spread and MAD', () => {
    expect(paraphraseSpread([4, 4, 4])).toEqual({ n: 3, mean: 4, spread: 0, mad: 0 });
    const s = paraphraseSpread([1, 2, 2, 5]); // mean 2.5; |−1.5| + 0.5 + 0.5 + 2.5 = 5 → 1.25
    expect(s.spread).toBe(4);
    expect(s.mad).toBeCloseTo(1.25, 12);
    expect(paraphraseSpread([3]).spread).toBeNaN();
  });

  it('averages MAD over items with ≥ 2 valid scores; errors are counted', () => {
    const item = (...scores: (number | undefined)[]) => ({
      verdicts: scores.map((score, phrasing) => ({ phrasing, question: 'q', sample: 0, attempts: 1, ...(score === undefined ? { error: 'x' } : { score }) })),
      spread: paraphraseSpread(scores.filter((x): x is number => x !== undefined)),
    });
    const s = summariseConsistency([item(5, 3, 4), item(2, 2, 2), item(4, undefined)]);
    expect(s).toMatchObject({ items: 3, compared: 2, errors: 1, maxSpread: 2, unstableShare: 0.5 });
    expect(s.meanMad).toBeCloseTo((2 / 3 + 0) / 2, 12);
    expect(s.meanSpread).toBe(1);
  });
});
