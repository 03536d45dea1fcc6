import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../report/schema';
import judge from './index';
import { pairs } from './units';

// the config as the harness resolves it: defaults ← quick ← --config file, validated
const readJudgeConfig = (raw: JsonValue, quick: boolean) => judge.resolveConfig(raw, quick).value;

describe('judge suite config', () => {
  it('defaults: all criteria, 3 samples at 0.7; quick: 3 items, 2 samples', () => {
    expect(readJudgeConfig({}, false)).toMatchObject({ samples: 3, temperature: 0.7, pairwise: true, paraphrases: true, paraphraseCriterion: 'relevance', humanSheets: [], exportSheet: false });
    expect(readJudgeConfig({}, false).criteria).toHaveLength(6);
    expect(readJudgeConfig({}, false).items).toBeUndefined();
    expect(readJudgeConfig({}, true)).toMatchObject({ items: 3, samples: 2 });
  });

  it('refuses several samples at temperature 0, unknown criteria and unknown keys', () => {
    expect(() => readJudgeConfig({ samples: 3, temperature: 0 }, false)).toThrow(/temperature must be > 0 when samples > 1/);
    expect(readJudgeConfig({ samples: 1 }, false).temperature).toBe(0);
    expect(() => readJudgeConfig({ criteria: ['politeness'] }, false)).toThrow(/unknown criterion "politeness"/);
    expect(() => readJudgeConfig({ sample: 2 }, false)).toThrow(/unknown key\(s\) sample/);
    expect(readJudgeConfig({ humanSheet: ['a.csv', 'b.csv'] }, false).humanSheets).toEqual(['a.csv', 'b.csv']);
  });

  it('orients pairs so that the answer labelled better comes first', () => {
    const item = { id: 'q', question: 'Q', paraphrases: ['P'], reference: 'R', candidates: (['wrong', 'correct', 'hallucinated', 'partial'] as const).map((q) => ({ id: q, quality: q, text: q })) };
    const ps = pairs([item]);
    expect(ps).toHaveLength(6);
    expect(ps.map((p) => `${p.first.id}>${p.second.id}:${p.ordered}`)).toEqual([
      'correct>wrong:true',
      'wrong>hallucinated:false',
      'partial>wrong:true',
      'correct>hallucinated:true',
      'correct>partial:true',
      'partial>hallucinated:true',
    ]);
  });
});
