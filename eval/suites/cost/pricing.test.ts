import { describe, expect, it } from 'vitest';
import { choosePrice, DEFAULT_PRICE_AS, loadPricingFile, parsePricing, priceUsage } from './pricing';

const table = { 'gpt-4o-mini': { inputPerM: 0.15, cachedInputPerM: 0.075, outputPerM: 0.6 }, 'my-model': { inputPerM: 1, outputPerM: 2 } };

describe('priceUsage (USD per call from a pricing table)', () => {
  it('prompt × input + completion × output, per 1M tokens (hand-computed)', () => {
    const c = choosePrice('gpt-4o-mini', table);
    // 1000 × 0.15 / 1e6 + 200 × 0.6 / 1e6 = 0.00015 + 0.00012
    expect(priceUsage(c, { promptTokens: 1000, completionTokens: 200 }, table)).toBeCloseTo(0.00027, 15);
    // 400 of the 1000 prompt tokens cached: (600 × 0.15 + 400 × 0.075 + 200 × 0.6) / 1e6 = 240 / 1e6
    expect(priceUsage(c, { promptTokens: 1000, completionTokens: 200, cachedPromptTokens: 400 }, table)).toBeCloseTo(0.00024, 15);
  });

  it('a model without a cached price bills cached tokens as input', () => {
    const c = choosePrice('my-model', table);
    // (1000 × 1 + 10 × 2) / 1e6
    expect(priceUsage(c, { promptTokens: 1000, completionTokens: 10, cachedPromptTokens: 500 }, table)).toBeCloseTo(0.00102, 15);
  });
});

describe('choosePrice', () => {
  it('an unpriced model (the simulator) is priced as if it were gpt-4o-mini, and says so', () => {
    const c = choosePrice('memocha-sim', table);
    expect(c).toMatchObject({ model: DEFAULT_PRICE_AS, targetModel: 'memocha-sim', asIf: true });
    expect(c.note).toMatch(/memocha-sim is unpriced.*as if it were gpt-4o-mini/);
  });

  it('a priced target model is priced as itself; priceAs wins and must be known', () => {
    expect(choosePrice('gpt-4o-mini-2024-07-18', table)).toMatchObject({ model: 'gpt-4o-mini', asIf: false });
    expect(choosePrice('memocha-sim', table, 'my-model')).toMatchObject({ model: 'my-model', asIf: true });
    expect(() => choosePrice('memocha-sim', table, 'nope')).toThrow(/priceAs "nope" is not in the pricing table/);
  });
});

describe('pricing files', () => {
  it('eval/pricing.json is valid and prices gpt-4o-mini', async () => {
    const p = await loadPricingFile('eval/pricing.json');
    expect(p.table['gpt-4o-mini']).toEqual({ inputPerM: 0.15, cachedInputPerM: 0.075, outputPerM: 0.6 });
    expect(p.asOf).toBeDefined();
  });

  it('rejects a malformed table with the path of the problem', () => {
    expect(() => parsePricing({ models: { m: { inputPerM: -1, outputPerM: 1 } } }, 'x.json')).toThrow(/pricing x.json: models.m.inputPerM/);
    expect(() => parsePricing({ models: { m: { inputPerM: 1, outputPerM: 1, typo: 2 } } }, 'x.json')).toThrow(/x.json/);
  });
});
