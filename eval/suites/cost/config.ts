/**
 * The cost suite's --config: the conversations, the pricing table and the model to price as.
 *   {"priceAs": "gpt-4o-mini", "pricingFile": "eval/pricing.json", "pricing": {"m": {"inputPerM": 1, "outputPerM": 2}},
 *    "users": 4, "conversationsPerUser": 3, "turnsPerConversation": 6, "maxTokens": 128, "batch": true,
 *    "memory": true, "reportsRoot": "reports", "historyRuns": 20}
 * The --config file may itself be a pricing file ({"models": {...}}): its models then extend the table.
 */
import type { JsonValue } from '../../report/schema';
import { asObject, bool, int, str } from '../../lib/config';
import { DEFAULT_PRICING_FILE, loadPricingFile, parsePricing, pricingTableSchema, type Pricing } from './pricing';

export interface CostConfig {
  users: number;
  conversationsPerUser: number;
  turnsPerConversation: number;
  maxTokens?: number;
  /** also play every conversation in batch (JSON) mode */
  batch: boolean;
  /** in-process only: MEMORY_ENABLED for the target */
  memory: boolean;
  priceAs?: string;
  pricingFile: string;
  /** reports root to read earlier cost runs from (default $REPORTS_DIR or ./reports) */
  reportsRoot?: string;
  historyRuns: number;
}

export function readCostConfig(c: JsonValue, quick: boolean): { cfg: CostConfig; inline: Pricing | undefined } {
  const o = asObject(c);
  const maxTokens = o.maxTokens === undefined ? undefined : int(o, 'maxTokens', 0, 1);
  const priceAs = str(o, 'priceAs');
  const reportsRoot = str(o, 'reportsRoot');
  const cfg: CostConfig = {
    users: int(o, 'users', quick ? 2 : 4, 1),
    conversationsPerUser: int(o, 'conversationsPerUser', quick ? 2 : 3, 1),
    turnsPerConversation: int(o, 'turnsPerConversation', quick ? 3 : 6, 1),
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    batch: bool(o, 'batch', true),
    memory: bool(o, 'memory', true),
    ...(priceAs ? { priceAs } : {}),
    pricingFile: str(o, 'pricingFile') ?? DEFAULT_PRICING_FILE,
    ...(reportsRoot ? { reportsRoot } : {}),
    historyRuns: int(o, 'historyRuns', 20, 0),
  };
  let inline: Pricing | undefined;
  if (o.models !== undefined) inline = parsePricing(o, '--config');
  if (o.pricing !== undefined) {
    const r = pricingTableSchema.safeParse(o.pricing);
    if (!r.success) throw new Error(`config pricing: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    inline = { table: { ...inline?.table, ...r.data }, source: inline?.source ?? '--config pricing' };
  }
  return { cfg, inline };
}

/** The pricing file, extended and overridden by the prices given in --config. */
export async function resolvePricing(cfg: CostConfig, inline: Pricing | undefined): Promise<Pricing> {
  const file = await loadPricingFile(cfg.pricingFile);
  if (!inline) return file;
  return { table: { ...file.table, ...inline.table }, source: `${file.source}; overridden by ${inline.source}`, ...(file.asOf ? { asOf: file.asOf } : {}) };
}
