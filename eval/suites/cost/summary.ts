/** Price each answered message and summarise one mode (stream or batch): tokens, cost, memory share, throughput. */
import type { PricingTable } from '../../../serve';
import { aggregateLatency, requestLatency, type LatencyAggregate } from '../../metrics/latency';
import { priceUsage, type PriceChoice } from './pricing';
import type { MessageRecord } from './runner';
import { memoryShare, summariseUsage, type MemoryShare, type MessageUsage, type UsageSummary } from './usage';

export interface PricedRecord extends MessageRecord {
  usd: number;
}

export interface ModeSummary {
  usage: UsageSummary;
  share: MemoryShare;
  latency: LatencyAggregate;
  failed: number;
}

export function priceRecords(records: readonly MessageRecord[], choice: PriceChoice, table: PricingTable): PricedRecord[] {
  return records.map((r) => ({ ...r, usd: r.ok ? priceUsage(choice, { promptTokens: r.promptTokens, completionTokens: r.completionTokens }, table) : 0 }));
}

export function toUsage(r: PricedRecord): MessageUsage {
  const mem = r.parts?.memories;
  const total = r.parts?.total;
  return {
    conversation: r.conversation,
    promptTokens: r.promptTokens,
    completionTokens: r.completionTokens,
    usd: r.usd,
    ...(mem !== undefined && total !== undefined ? { parts: { memories: mem, total } } : {}),
  };
}

/** Failed messages are counted apart and left out of every token, cost and latency statistic. */
export function summariseMode(records: readonly PricedRecord[], wallMs: number): ModeSummary {
  const ok = records.filter((r) => r.ok);
  const usage = ok.map(toUsage);
  return {
    usage: summariseUsage(usage),
    share: memoryShare(usage),
    latency: aggregateLatency(
      records.map((r) => r.timing),
      { durationMs: wallMs },
    ),
    failed: records.length - ok.length,
  };
}

/** The per-message row of the report. */
export function messageRow(r: PricedRecord): Record<string, unknown> & { case: string } {
  const lat = r.ok ? requestLatency(r.timing) : undefined;
  const mem = r.parts?.memories;
  const total = r.parts?.total;
  return {
    case: `${r.mode}/${r.conversation}/t${r.turn}`,
    mode: r.mode,
    conversation: r.conversation,
    user: r.user,
    turn: r.turn,
    prompt_tokens: r.promptTokens,
    completion_tokens: r.completionTokens,
    memory_tokens: mem ?? null,
    memory_share: mem !== undefined && total ? mem / total : null,
    memories: r.memories ?? null,
    usd: r.usd,
    e2el_ms: lat ? round(lat.e2elMs) : null,
    ttft_ms: lat?.ttftMs != null ? round(lat.ttftMs) : null,
    tokens_per_sec: lat?.tokensPerSec != null ? round(lat.tokensPerSec) : null,
    ...(r.error ? { error: r.error } : {}),
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;


export interface ModeComparison {
  /** messages answered in both modes, paired by conversation and turn */
  pairs: number;
  /** pairs whose prompt and completion tokens are equal in both modes */
  sameTokens: number;
  /** mean over pairs of (batch − stream) prompt tokens */
  promptDiffPerMessage: number;
  /** mean over pairs of (batch − stream) completion tokens */
  completionDiffPerMessage: number;
}

/** Pair the two plays message by message (conversation, turn) and compare their billed tokens. */
export function compareModes(stream: readonly MessageRecord[], batch: readonly MessageRecord[]): ModeComparison {
  const key = (r: MessageRecord) => `${r.conversation}\u0000${r.turn}`;
  const b = new Map(batch.filter((r) => r.ok).map((r) => [key(r), r] as const));
  let pairs = 0;
  let same = 0;
  let dp = 0;
  let dc = 0;
  for (const s of stream) {
    const o = s.ok ? b.get(key(s)) : undefined;
    if (!o) continue;
    pairs++;
    if (o.promptTokens === s.promptTokens && o.completionTokens === s.completionTokens) same++;
    dp += o.promptTokens - s.promptTokens;
    dc += o.completionTokens - s.completionTokens;
  }
  const nan = Number.NaN;
  return { pairs, sameTokens: same, promptDiffPerMessage: pairs ? dp / pairs : nan, completionDiffPerMessage: pairs ? dc / pairs : nan };
}
