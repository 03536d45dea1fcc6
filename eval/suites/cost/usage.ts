/**
 * Token and cost aggregates of a set of chat messages (one assistant answer each): per message, per
 * conversation, and the share of prompt tokens spent on long-term memories. Pure functions.
 */
import { mean } from '../../metrics/stats';

export interface MessageUsage {
  conversation: string;
  promptTokens: number;
  completionTokens: number;
  /** USD of this message under the chosen price */
  usd: number;
  /** prompt tokens by part, from the SSE meta event (unknown for JSON answers) */
  parts?: { memories: number; total: number };
}

export interface UsageSummary {
  messages: number;
  conversations: number;
  promptTokens: number;
  completionTokens: number;
  usd: number;
  /** Σ / messages */
  perMessage: { prompt: number; completion: number; total: number; usd: number };
  /** Σ / conversations (the mean over conversations of their sums) */
  perConversation: { prompt: number; completion: number; total: number; usd: number };
}

/** Totals, and means per message and per conversation; NaN means with no messages. */
export function summariseUsage(msgs: readonly MessageUsage[]): UsageSummary {
  let promptTokens = 0;
  let completionTokens = 0;
  let usd = 0;
  const convs = new Set<string>();
  for (const m of msgs) {
    promptTokens += m.promptTokens;
    completionTokens += m.completionTokens;
    usd += m.usd;
    convs.add(m.conversation);
  }
  const per = (n: number) => ({
    prompt: promptTokens / n,
    completion: completionTokens / n,
    total: (promptTokens + completionTokens) / n,
    usd: usd / n,
  });
  const nan = Number.NaN;
  const empty = { prompt: nan, completion: nan, total: nan, usd: nan };
  return {
    messages: msgs.length,
    conversations: convs.size,
    promptTokens,
    completionTokens,
    usd,
    perMessage: msgs.length > 0 ? per(msgs.length) : empty,
    perConversation: convs.size > 0 ? per(convs.size) : empty,
  };
}

/** Messages grouped by conversation, in first-seen order. */
export function byConversation<T extends { conversation: string }>(msgs: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const m of msgs) out.set(m.conversation, [...(out.get(m.conversation) ?? []), m]);
  return out;
}

export interface MemoryShare {
  /** Σ memory tokens / Σ prompt tokens over the messages with known parts */
  tokenWeighted: number;
  /** mean over those messages of memory tokens / prompt tokens */
  meanPerMessage: number;
  /** share of those messages whose prompt held at least one memory token */
  messagesWithMemories: number;
  /** Σ memory tokens / messages */
  memoryTokensPerMessage: number;
  /** messages with known parts */
  n: number;
}

/** The share of prompt tokens spent on memories (promptParts.memories / promptParts.total); NaN with no parts. */
export function memoryShare(msgs: readonly Pick<MessageUsage, 'parts'>[]): MemoryShare {
  const parts = msgs.flatMap((m) => (m.parts && m.parts.total > 0 ? [m.parts] : []));
  const mem = parts.reduce((s, p) => s + p.memories, 0);
  const total = parts.reduce((s, p) => s + p.total, 0);
  return {
    tokenWeighted: total > 0 ? mem / total : Number.NaN,
    meanPerMessage: mean(parts.map((p) => p.memories / p.total)),
    messagesWithMemories: parts.length > 0 ? parts.filter((p) => p.memories > 0).length / parts.length : Number.NaN,
    memoryTokensPerMessage: parts.length > 0 ? mem / parts.length : Number.NaN,
    n: parts.length,
  };
}
