import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../report/schema';
import { resolvePricing } from './config';
import cost from './index';

// the config as the harness resolves it: defaults ← quick ← --config file, validated
const readCostConfig = (raw: JsonValue, quick: boolean) => ({ cfg: cost.resolveConfig(raw, quick).value });

describe('readCostConfig', () => {
  it('quick and full defaults; the default pricing file', () => {
    expect(readCostConfig({}, true).cfg).toMatchObject({ users: 2, conversationsPerUser: 2, turnsPerConversation: 3, batch: true, memory: true, pricingFile: 'eval/pricing.json' });
    expect(readCostConfig({}, false).cfg).toMatchObject({ users: 4, conversationsPerUser: 3, turnsPerConversation: 6 });
  });

  it('rejects wrong types instead of ignoring them', () => {
    expect(() => readCostConfig({ users: 'two' }, true)).toThrow(/users must be a number/);
    expect(() => readCostConfig({ priceAs: 3 }, true)).toThrow(/priceAs/);
    expect(() => readCostConfig({ pricing: { m: { inputPerM: 1 } } }, true)).toThrow(/pricing\.m\.outputPerM/);
  });

  it('a --config that is itself a pricing file extends the table; inline prices override it', async () => {
    const { cfg } = readCostConfig({ priceAs: 'house-model', models: { 'house-model': { inputPerM: 1, outputPerM: 2 } }, pricing: { 'gpt-4o-mini': { inputPerM: 9, outputPerM: 9 } } }, true);
    expect(cfg.priceAs).toBe('house-model');
    const pricing = await resolvePricing(cfg);
    expect(pricing.table['house-model']).toEqual({ inputPerM: 1, outputPerM: 2 });
    expect(pricing.table['gpt-4o-mini']).toEqual({ inputPerM: 9, outputPerM: 9 });
    expect(pricing.table['gpt-4o']).toBeDefined(); // the file's other models stay
    expect(pricing.source).toMatch(/overridden by --config/);
  });
});
