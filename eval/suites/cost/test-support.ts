/** A cost report as an earlier run would have written it (for the trend tests). */
import { fixtureReport } from '../../report/test-support';
import type { Report } from '../../report/schema';

export function costReport(o: { runId: string; startedAt: string; usd: number; prompt: number; completion: number; quick?: boolean; pricedAs?: string }): Report {
  const base = fixtureReport();
  return fixtureReport({
    suite: 'cost',
    runId: o.runId,
    startedAt: o.startedAt,
    finishedAt: o.startedAt,
    meta: { ...base.meta, quick: o.quick ?? false, config: { pricedAs: o.pricedAs ?? 'gpt-4o-mini' } },
    metrics: {
      cost_per_message_usd: { value: o.usd, unit: 'USD' },
      prompt_tokens_per_message: { value: o.prompt, unit: 'tokens' },
      completion_tokens_per_message: { value: o.completion, unit: 'tokens' },
      memory_share: { value: 0.25, unit: 'ratio' },
    },
  });
}
