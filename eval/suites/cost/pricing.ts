/**
 * The editable pricing table of the cost suite: a JSON file (default eval/pricing.json) of USD per 1M
 * input, cached-input and output tokens per model, over serve's built-in table; and the choice of the
 * model a run is priced as (the simulator is unpriced, so an in-process run is priced *as if* it were
 * a chosen model).
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { costUsd, findPrice, type ModelPrice, type PricingTable } from '../../../serve';

export const DEFAULT_PRICING_FILE = 'eval/pricing.json';
export const DEFAULT_PRICE_AS = 'gpt-4o-mini';

const priceSchema = z.strictObject({
  inputPerM: z.number().min(0),
  outputPerM: z.number().min(0),
  cachedInputPerM: z.number().min(0).optional(),
});

export const pricingTableSchema = z.record(z.string().min(1), priceSchema);

const pricingFileSchema = z.object({
  source: z.string().optional(),
  asOf: z.string().optional(),
  models: pricingTableSchema,
});

export interface Pricing {
  table: PricingTable;
  /** where the prices come from: the file's `source`, else its path */
  source: string;
  asOf?: string;
}

/** Validate a pricing file's content ({source?, asOf?, models: {name: {inputPerM, outputPerM, cachedInputPerM?}}}). */
export function parsePricing(data: unknown, where: string): Pricing {
  const r = pricingFileSchema.safeParse(data);
  if (!r.success) throw new Error(`pricing ${where}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return { table: r.data.models, source: r.data.source ?? where, ...(r.data.asOf ? { asOf: r.data.asOf } : {}) };
}

export async function loadPricingFile(file: string): Promise<Pricing> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read pricing file ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parsePricing(data, file);
}

export interface PriceChoice {
  /** the pricing-table key the run is priced as */
  model: string;
  price: ModelPrice;
  /** the model that actually answered */
  targetModel: string;
  /** true when the run is priced as another model than the one that answered */
  asIf: boolean;
  /** one sentence for the report */
  note: string;
}

/**
 * The model to price the run as: `priceAs` when given (it must be in the table), else the target's
 * own model when the table prices it, else DEFAULT_PRICE_AS (the simulator and unknown models).
 */
export function choosePrice(targetModel: string, table: PricingTable, priceAs?: string): PriceChoice {
  const own = findPrice(targetModel, table);
  if (priceAs !== undefined) {
    const found = findPrice(priceAs, table);
    if (!found) throw new Error(`priceAs "${priceAs}" is not in the pricing table (known: ${Object.keys(table).join(', ')})`);
    const asIf = own?.key !== found.key;
    const why = own ? `the target model ${targetModel} has its own price` : `the target model ${targetModel} is unpriced`;
    return { model: found.key, price: found.price, targetModel, asIf, note: asIf ? `priced as if it were ${found.key} (config priceAs; ${why})` : `priced as ${found.key}, the target model` };
  }
  if (own) return { model: own.key, price: own.price, targetModel, asIf: false, note: `priced as ${own.key}, the target model` };
  const fallback = findPrice(DEFAULT_PRICE_AS, table);
  if (!fallback) throw new Error(`the default priceAs ${DEFAULT_PRICE_AS} is not in the pricing table`);
  return {
    model: fallback.key,
    price: fallback.price,
    targetModel,
    asIf: true,
    note: `the target model ${targetModel} is unpriced (e.g. the simulator): priced as if it were ${fallback.key} (set priceAs to change)`,
  };
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  /** prompt tokens served from the provider's prompt cache (part of promptTokens) */
  cachedPromptTokens?: number;
}

/** USD of one call: (uncached prompt × input + cached × cachedInput + completion × output) / 1e6 (serve's costUsd). */
export function priceUsage(choice: PriceChoice, usage: TokenUsage, table: PricingTable): number {
  return costUsd(choice.model, usage, table).usd;
}
