/** Cost of one LLM call in USD from its token usage. */
import type { LlmUsage } from './types';

/** USD per 1M tokens; the shape of LLM_PRICING (serve/config.ts). */
export interface ModelPrice {
  inputPerM: number;
  outputPerM: number;
  /** Price of prompt tokens served from the prompt cache; defaults to inputPerM. */
  cachedInputPerM?: number;
}

export type PricingTable = Record<string, ModelPrice>;

/**
 * OpenAI standard-tier list prices (https://openai.com/api/pricing) as of 2025-08.
 * Prices change: override or extend with LLM_PRICING, e.g.
 * LLM_PRICING='{"my-model":{"inputPerM":0.2,"outputPerM":0.8}}'.
 */
export const DEFAULT_PRICING: Readonly<PricingTable> = Object.freeze({
  'gpt-4o': { inputPerM: 2.5, cachedInputPerM: 1.25, outputPerM: 10 },
  'gpt-4o-mini': { inputPerM: 0.15, cachedInputPerM: 0.075, outputPerM: 0.6 },
  'gpt-4.1': { inputPerM: 2, cachedInputPerM: 0.5, outputPerM: 8 },
  'gpt-4.1-mini': { inputPerM: 0.4, cachedInputPerM: 0.1, outputPerM: 1.6 },
  'gpt-4.1-nano': { inputPerM: 0.1, cachedInputPerM: 0.025, outputPerM: 0.4 },
  'gpt-5': { inputPerM: 1.25, cachedInputPerM: 0.125, outputPerM: 10 },
  'gpt-5-mini': { inputPerM: 0.25, cachedInputPerM: 0.025, outputPerM: 2 },
  'gpt-5-nano': { inputPerM: 0.05, cachedInputPerM: 0.005, outputPerM: 0.4 },
  'o4-mini': { inputPerM: 1.1, cachedInputPerM: 0.275, outputPerM: 4.4 },
  'gpt-3.5-turbo': { inputPerM: 0.5, outputPerM: 1.5 },
});

export interface CostResult {
  usd: number;
  /** False for unknown models (and the simulator): usd is then 0 and reports should say "not priced". */
  priced: boolean;
  /** The pricing-table key that matched, when priced. */
  pricedAs?: string;
}

/** Dated snapshots (`gpt-4o-mini-2024-07-18`) are priced as their base model. */
const DATE_SUFFIX = /-\d{4}-\d{2}-\d{2}$/;

/** Price entry for a model: exact (case-insensitive) match, else the base name of a dated snapshot. */
export function findPrice(model: string, pricing?: PricingTable): { key: string; price: ModelPrice } | undefined {
  const table: PricingTable = { ...DEFAULT_PRICING, ...pricing };
  const byLower = new Map(Object.entries(table).map(([k, v]) => [k.toLowerCase(), { key: k, price: v }] as const));
  const name = model.trim().toLowerCase();
  return byLower.get(name) ?? byLower.get(name.replace(DATE_SUFFIX, ''));
}

/**
 * USD for one call: uncached prompt tokens × input + cached prompt tokens × cached input + completion × output.
 * `pricing` (LLM_PRICING) overrides and extends the built-in table. Unknown model → {usd: 0, priced: false}.
 */
export function costUsd(model: string, usage: Pick<LlmUsage, 'promptTokens' | 'completionTokens' | 'cachedPromptTokens'>, pricing?: PricingTable): CostResult {
  const found = findPrice(model, pricing);
  if (!found) return { usd: 0, priced: false };
  const { price } = found;
  const cached = Math.min(Math.max(0, usage.cachedPromptTokens ?? 0), usage.promptTokens);
  const usd =
    ((usage.promptTokens - cached) * price.inputPerM +
      cached * (price.cachedInputPerM ?? price.inputPerM) +
      usage.completionTokens * price.outputPerM) /
    1_000_000;
  return { usd, priced: true, pricedAs: found.key };
}
