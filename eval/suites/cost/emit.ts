/** The cost suite's metrics and tables (names listed in eval/suites/cost/README.md). */
import type { SuiteContext } from '../../harness/suite';
import type { Cell } from '../../harness/builder';
import { relativeChange } from '../../lib/slope';
import type { PriceChoice, Pricing } from './pricing';
import type { ModeComparison, ModeSummary, PricedRecord } from './summary';
import { toUsage } from './summary';
import { byConversation, memoryShare, summariseUsage } from './usage';

const TOKENS = 'tokens (usage reported by the provider through Memocha)';

export function emitStream(ctx: SuiteContext, s: ModeSummary, choice: PriceChoice): void {
  const priced = `USD, ${choice.note}`;
  const n = s.usage.messages;
  ctx.metric('cost_per_message_usd', s.usage.perMessage.usd, 'USD', { n, definition: `Σ cost / answered messages (streamed); ${priced}`, higherIsBetter: false, headline: true, rowField: 'usd' });
  ctx.metric('cost_per_conversation_usd', s.usage.perConversation.usd, 'USD', { n: s.usage.conversations, definition: `Σ cost / conversations (streamed); ${priced}`, higherIsBetter: false });
  ctx.metric('prompt_tokens_per_message', s.usage.perMessage.prompt, 'tokens', { n, definition: `mean prompt ${TOKENS}`, higherIsBetter: false, headline: true, rowField: 'prompt_tokens' });
  ctx.metric('completion_tokens_per_message', s.usage.perMessage.completion, 'tokens', { n, definition: `mean completion ${TOKENS}`, higherIsBetter: false, rowField: 'completion_tokens' });
  ctx.metric('prompt_tokens_per_conversation', s.usage.perConversation.prompt, 'tokens', { n: s.usage.conversations, definition: 'Σ prompt tokens / conversations', higherIsBetter: false });
  ctx.metric('completion_tokens_per_conversation', s.usage.perConversation.completion, 'tokens', { n: s.usage.conversations, definition: 'Σ completion tokens / conversations', higherIsBetter: false });
  ctx.metric('memory_share', s.share.tokenWeighted, 'ratio', { n: s.share.n, definition: 'Σ promptParts.memories / Σ promptParts.total (SSE meta), token-weighted', headline: true });
  ctx.metric('memory_share_mean', s.share.meanPerMessage, 'ratio', { n: s.share.n, definition: 'mean over messages of promptParts.memories / promptParts.total', rowField: 'memory_share' });
  ctx.metric('memory_tokens_per_message', s.share.memoryTokensPerMessage, 'tokens', { n: s.share.n, definition: 'Σ promptParts.memories / messages', rowField: 'memory_tokens' });
  ctx.metric('messages_with_memories', s.share.messagesWithMemories, 'ratio', { n: s.share.n, definition: 'messages whose prompt held ≥ 1 memory token / messages' });
  ctx.metric('output_tokens_per_sec_request', s.latency.meanRequestTokensPerSec, 'tokens/s', { n: s.latency.completed, definition: 'mean per-request throughput = output tokens / E2EL (METRICS.md)', higherIsBetter: true, rowField: 'tokens_per_sec' });
  ctx.metric('output_tokens_per_sec_system', s.latency.outputTokensPerSec, 'tokens/s', { definition: 'system output tokens/s = Σ output tokens / wall time of the streamed phase (users concurrent)', higherIsBetter: true });
  ctx.metric('failed_messages', s.failed, 'count', { definition: 'streamed messages that failed (left out of every statistic)', higherIsBetter: false });
  ctx.histogram('e2el_stream', s.latency.e2el);
}

export function emitBatch(ctx: SuiteContext, b: ModeSummary, s: ModeSummary, cmp: ModeComparison): void {
  const n = b.usage.messages;
  ctx.metric('batch_cost_per_message_usd', b.usage.perMessage.usd, 'USD', { n, definition: 'Σ cost / answered messages, the same conversations in batch (JSON) mode', higherIsBetter: false });
  ctx.metric('batch_prompt_tokens_per_message', b.usage.perMessage.prompt, 'tokens', { n, higherIsBetter: false });
  ctx.metric('batch_completion_tokens_per_message', b.usage.perMessage.completion, 'tokens', { n, higherIsBetter: false });
  ctx.metric('batch_output_tokens_per_sec_request', b.latency.meanRequestTokensPerSec, 'tokens/s', { n: b.latency.completed, definition: 'mean output tokens / E2EL (batch)', higherIsBetter: true });
  ctx.metric('batch_output_tokens_per_sec_system', b.latency.outputTokensPerSec, 'tokens/s', { definition: 'Σ output tokens / wall time of the batch phase', higherIsBetter: true });
  ctx.metric('batch_vs_stream_cost_change', relativeChange(s.usage.perMessage.usd, b.usage.perMessage.usd), 'ratio', { definition: '(batch − stream) / stream cost per message: 0 when both modes bill the same tokens' });
  ctx.metric('batch_failed_messages', b.failed, 'count', { higherIsBetter: false });
  ctx.metric('stream_batch_same_tokens', cmp.pairs ? cmp.sameTokens / cmp.pairs : null, 'ratio', {
    n: cmp.pairs,
    definition: 'message pairs (same conversation and turn) billed the same prompt and completion tokens in both modes / pairs',
  });
  ctx.metric('batch_minus_stream_prompt_tokens', cmp.promptDiffPerMessage, 'tokens', { n: cmp.pairs, definition: 'mean over pairs of batch − stream prompt tokens' });
  ctx.metric('batch_minus_stream_completion_tokens', cmp.completionDiffPerMessage, 'tokens', { n: cmp.pairs, definition: 'mean over pairs of batch − stream completion tokens' });
  ctx.histogram('e2el_batch', b.latency.e2el);
}

export function modesTable(ctx: SuiteContext, modes: [string, ModeSummary][]): void {
  const r = (x: number, d = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);
  ctx.table(
    'stream vs batch (same conversations)',
    ['mode', 'messages', 'failed', 'prompt/msg', 'completion/msg', 'memory share', 'USD/msg', 'USD/conversation', 'tok/s per request', 'tok/s system', 'E2EL p50 ms'],
    modes.map(([mode, m]) => [
      mode,
      m.usage.messages,
      m.failed,
      r(m.usage.perMessage.prompt, 1),
      r(m.usage.perMessage.completion, 1),
      mode === 'stream' ? r(m.share.tokenWeighted, 4) : 'n/a (JSON has no parts)',
      r(m.usage.perMessage.usd, 8),
      r(m.usage.perConversation.usd, 8),
      r(m.latency.meanRequestTokensPerSec, 1),
      r(m.latency.outputTokensPerSec, 1),
      r(m.latency.e2el.percentile(50), 1),
    ]),
  );
}

export function conversationsTable(ctx: SuiteContext, stream: readonly PricedRecord[], batch: readonly PricedRecord[]): void {
  const batchBy = byConversation(batch.filter((x) => x.ok).map(toUsage));
  const rows: Cell[][] = [];
  for (const [conv, msgs] of byConversation(stream.filter((x) => x.ok).map(toUsage))) {
    const u = summariseUsage(msgs);
    const b = batchBy.get(conv);
    rows.push([conv, u.messages, u.promptTokens, u.completionTokens, round(memoryShare(msgs).tokenWeighted, 4), round(u.usd, 8), b ? round(summariseUsage(b).usd, 8) : null]);
  }
  ctx.table('per conversation', ['conversation', 'messages', 'prompt tokens', 'completion tokens', 'memory share', 'USD stream', 'USD batch'], rows);
}

export function pricingTable(ctx: SuiteContext, pricing: Pricing, choice: PriceChoice): void {
  ctx.table(
    'pricing (USD per 1M tokens)',
    ['model', 'input', 'cached input', 'output', 'used'],
    Object.entries(pricing.table).map(([model, p]) => [model, p.inputPerM, p.cachedInputPerM ?? p.inputPerM, p.outputPerM, model === choice.model ? `yes: ${choice.note}` : '']),
  );
}

function round(x: number, d: number): number | null {
  return Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null;
}
