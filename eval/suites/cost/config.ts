/**
 * The cost suite's --config: the conversations, the pricing table and the model to price as.
 *   {"priceAs": "gpt-4o-mini", "pricingFile": "eval/pricing.json", "pricing": {"m": {"inputPerM": 1, "outputPerM": 2}},
 *    "users": 4, "conversationsPerUser": 3, "turnsPerConversation": 6, "maxTokens": 128, "batch": true,
 *    "memory": true, "reportsRoot": "reports", "historyRuns": 20}
 * The --config file may itself be a pricing file ({"models": {...}}): its models then extend the table.
 */
import { z } from 'zod';
import type { ConfigSpec } from '../../harness/config';
import { DEFAULT_PRICING_FILE, loadPricingFile, pricingTableSchema, type Pricing } from './pricing';

const int = (min: number) => z.number().int().min(min);

const costSchema = z.strictObject({
  users: int(1),
  conversationsPerUser: int(1),
  turnsPerConversation: int(1),
  maxTokens: int(1).optional(),
  /** also play every conversation in batch (JSON) mode */
  batch: z.boolean(),
  /** in-process only: MEMORY_ENABLED for the target */
  memory: z.boolean(),
  priceAs: z.string().min(1).optional(),
  pricingFile: z.string().min(1),
  /** prices laid over the pricing file's */
  pricing: pricingTableSchema.optional(),
  /** reports root to read earlier cost runs from (default $REPORTS_DIR or ./reports) */
  reportsRoot: z.string().min(1).optional(),
  historyRuns: int(0),
  /** a pricing file's own keys, for a --config that is itself a pricing file */
  models: pricingTableSchema.optional(),
  source: z.string().optional(),
  asOf: z.string().optional(),
});

export type CostConfig = z.infer<typeof costSchema>;

export const costConfig: ConfigSpec<typeof costSchema> = {
  config: costSchema,
  defaults: { users: 4, conversationsPerUser: 3, turnsPerConversation: 6, batch: true, memory: true, pricingFile: DEFAULT_PRICING_FILE, historyRuns: 20 },
  quick: { users: 2, conversationsPerUser: 2, turnsPerConversation: 3 },
};

/** The pricing file, extended and overridden by the prices given in --config (`models`, then `pricing`). */
export async function resolvePricing(cfg: CostConfig): Promise<Pricing> {
  const file = await loadPricingFile(cfg.pricingFile);
  if (!cfg.models && !cfg.pricing) return file;
  const inline = { table: { ...cfg.models, ...cfg.pricing }, source: cfg.models ? (cfg.source ?? '--config') : '--config pricing' };
  return { table: { ...file.table, ...inline.table }, source: `${file.source}; overridden by ${inline.source}`, ...(file.asOf ? { asOf: file.asOf } : {}) };
}
