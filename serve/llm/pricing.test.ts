import { describe, expect, it } from 'vitest';
import { costUsd, DEFAULT_PRICING, findPrice } from './pricing';

const usage = (promptTokens: number, completionTokens: number, cachedPromptTokens?: number) => ({
  promptTokens,
  completionTokens,
  ...(cachedPromptTokens !== undefined ? { cachedPromptTokens } : {}),
});

describe('costUsd', () => {
  it('prices gpt-4o-mini: 1000 in × $0.15/M + 500 out × $0.60/M = $0.00045', () => {
    const c = costUsd('gpt-4o-mini', usage(1000, 500));
    expect(c.priced).toBe(true);
    expect(c.pricedAs).toBe('gpt-4o-mini');
    expect(c.usd).toBeCloseTo(0.00045, 12);
  });

  it('prices cached prompt tokens at the cached rate: gpt-4o 1000 uncached + 1000 cached + 100 out = $0.00475', () => {
    // 1000 × 2.50 + 1000 × 1.25 + 100 × 10 = 4750 per 1M
    expect(costUsd('gpt-4o', usage(2000, 100, 1000)).usd).toBeCloseTo(0.00475, 12);
  });

  it('prices dated snapshots and any casing as the base model', () => {
    expect(costUsd('gpt-4o-mini-2024-07-18', usage(1000, 500))).toEqual(costUsd('gpt-4o-mini', usage(1000, 500)));
    expect(costUsd('GPT-4.1-Mini', usage(1_000_000, 0)).usd).toBeCloseTo(0.4, 12);
    // gpt-4.1-mini must not be priced as gpt-4.1
    expect(findPrice('gpt-4.1-mini')?.key).toBe('gpt-4.1-mini');
  });

  it('LLM_PRICING overrides a built-in price (cached falls back to the input price) and adds new models', () => {
    const pricing = { 'gpt-4o-mini': { inputPerM: 1, outputPerM: 2 }, 'llama3.1:8b': { inputPerM: 0.2, outputPerM: 0.8 } };
    // (500 uncached + 500 cached) × 1 + 500 × 2 = 2000 per 1M
    expect(costUsd('gpt-4o-mini', usage(1000, 500, 500), pricing).usd).toBeCloseTo(0.002, 12);
    expect(costUsd('llama3.1:8b', usage(1_000_000, 1_000_000), pricing)).toEqual({ usd: 1, priced: true, pricedAs: 'llama3.1:8b' });
    expect(costUsd('gpt-4o', usage(1_000_000, 0), pricing).usd).toBeCloseTo(2.5, 12);
    expect(DEFAULT_PRICING['gpt-4o-mini']?.inputPerM).toBe(0.15);
  });

  it('unknown models and the simulator cost 0 and are flagged priced: false', () => {
    expect(costUsd('memocha-sim-extractive', usage(5000, 5000))).toEqual({ usd: 0, priced: false });
    expect(costUsd('some-local-model', usage(1, 1))).toEqual({ usd: 0, priced: false });
  });
});
