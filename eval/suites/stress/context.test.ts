import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E_TIMEOUT_MS, tempRoot, type TempRoot } from '../../lib/test-run';
import stress from './index';

describe('stress suite end to end: prompts at the context limit', () => {
  let t: TempRoot;
  beforeAll(async () => {
    t = await tempRoot('stress-context');
  });
  afterAll(async () => t?.cleanup());

  it('answers near-limit messages with prompts that fit, reports what was cut, refuses what cannot fit', async () => {
    const r = await t.run(stress, { parts: ['context'], limitTurns: 1 });
    expect(r.exitCode).toBe(0);
    const rep = r.report!;
    expect(rep.errors).toEqual([]);
    const check = (name: string) => rep.rows.find((x) => x.case === `check/${name}`);
    for (const name of ['context/all-answered', 'context/prompt-fits', 'context/budget-cut', 'context/over-limit-refused', 'context/max-tokens-refused']) {
      expect(check(name), name).toMatchObject({ passed: 1 });
    }
    // 448 = LLM_CONTEXT_TOKENS 512 − reserve 64
    expect(rep.metrics.context_max_prompt_tokens?.value).toBeLessThanOrEqual(448);
    expect(rep.metrics.context_user_truncated?.value).toBe(1);
    expect(rep.tables?.['context limit (per turn)']?.rows).toHaveLength(3);
  }, E2E_TIMEOUT_MS);
});
