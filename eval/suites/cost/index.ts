/**
 * cost: tokens and cost per message and per conversation, the share of prompt tokens spent on
 * long-term memories, output tokens per second, streaming vs batch on the same conversations, and
 * the cost per message across earlier runs. Cost always comes from this run's own token usage.
 * Config: see cost/config.ts. In-process the simulator is unpriced: the run is priced as if it
 * were `priceAs` (default gpt-4o-mini), and the report says so.
 */
import { randomBytes } from 'node:crypto';
import { chatOnce } from '../../client/chat';
import { defineSuite, type SuiteContext } from '../../harness/suite';
import { startTarget, type Target } from '../../harness/target';
import { reportsRoot } from '../../report/write';
import { buildConversations, SIM_SCRIPT } from './conversations';
import { costConfig, resolvePricing, type CostConfig } from './config';
import { conversationsTable, emitBatch, emitStream, modesTable, pricingTable } from './emit';
import { choosePrice, priceUsage, type PriceChoice, type Pricing } from './pricing';
import { playConversations, type Mode } from './runner';
import { compareModes, messageRow, priceRecords, summariseMode, type ModeSummary, type PricedRecord } from './summary';
import { loadCostHistory, trendRows, trendSlope } from './trend';

export default defineSuite({
  name: 'cost',
  description: 'tokens, cost and memory share per message/conversation, tokens/s, stream vs batch, cost trend across runs',
  ...costConfig,
  async run(ctx, cfg) {
    const pricing = await resolvePricing(cfg);
    const target = await startTarget(ctx.args.target, ctx.args.direct, {
      env: { MEMORY_ENABLED: String(cfg.memory) },
      sim: { mode: 'scripted', script: SIM_SCRIPT, outputTokens: 128 },
    });
    try {
      const choice = choosePrice(target.model, pricing.table, cfg.priceAs);
      ctx.log(choice.note);
      ctx.setMeta({ config: pricedAs(pricing, choice), provider: { kind: target.kind === 'in-process' ? 'simulator' : 'memocha', model: target.model }, target: target.kind === 'in-process' ? 'in-process' : target.url });
      const summaries = await playModes(ctx, target, cfg, pricing, choice);
      const stream = summaries.get('stream');
      if (stream) emitStream(ctx, stream.summary, choice);
      const batch = summaries.get('batch');
      if (batch && stream) emitBatch(ctx, batch.summary, stream.summary, compareModes(stream.records, batch.records));
      modesTable(ctx, [...summaries.entries()].map(([m, s]) => [m, s.summary]));
      conversationsTable(ctx, stream?.records ?? [], batch?.records ?? []);
      pricingTable(ctx, pricing, choice);
      if (stream) await emitTrend(ctx, cfg, choice, pricing, stream.summary);
    } finally {
      await target.close();
    }
  },
});

async function playModes(ctx: SuiteContext, target: Target, cfg: CostConfig, pricing: Pricing, choice: PriceChoice) {
  const convs = buildConversations(cfg, ctx.args.seed);
  const modes: Mode[] = cfg.batch ? ['stream', 'batch'] : ['stream'];
  const runTag = randomBytes(3).toString('hex');
  const out = new Map<Mode, { records: PricedRecord[]; summary: ModeSummary }>();
  const memory = target.runtime?.memoryService;
  for (const mode of modes) {
    if (ctx.signal.aborted) break;
    // one uncounted turn first: the embedding model loads and connections open outside the measurement
    const warm = await chatOnce(target.url, { message: 'Hello! Just checking you are there.', user: `cost-${runTag}-warmup-${mode}`, stream: mode === 'stream', signal: ctx.signal });
    if (!warm.ok) ctx.error('warmup', `warm-up ${mode} request failed: ${warm.error ?? warm.status}`);
    await memory?.idle();
    const progress = ctx.progress(convs.reduce((s, c) => s + c.turns.length, 0), `cost ${mode}`);
    const { records, wallMs } = await playConversations(convs, {
      url: target.url,
      mode,
      // a fresh set of users per mode: both modes start from no memories and see the same ones
      userPrefix: `cost-${runTag}-${mode}`,
      ...(cfg.maxTokens ? { maxTokens: cfg.maxTokens } : {}),
      signal: ctx.signal,
      ...(memory ? { afterTurn: () => memory.idle() } : {}),
      onMessage: () => progress.tick(),
    });
    progress.done();
    const priced = priceRecords(records, choice, pricing.table);
    for (const r of priced) ctx.row(messageRow(r));
    out.set(mode, { records: priced, summary: summariseMode(priced, wallMs) });
  }
  return out;
}

async function emitTrend(ctx: SuiteContext, cfg: CostConfig, choice: PriceChoice, pricing: Pricing, s: ModeSummary) {
  const root = reportsRoot(cfg.reportsRoot);
  const { runs, skipped } = cfg.historyRuns > 0 ? await loadCostHistory(root, { limit: cfg.historyRuns }) : { runs: [], skipped: [] };
  for (const sk of skipped) ctx.error('trend', `earlier report skipped: ${sk}`);
  const current = {
    runId: '(this run)',
    startedAt: new Date().toISOString(),
    gitSha: '',
    quick: ctx.args.quick,
    pricedAs: choice.model,
    costPerMessage: finite(s.usage.perMessage.usd),
    promptPerMessage: finite(s.usage.perMessage.prompt),
    completionPerMessage: finite(s.usage.perMessage.completion),
    memoryShare: finite(s.share.tokenWeighted),
  };
  const rows = trendRows([...runs, current], (p, c) => priceUsage(choice, { promptTokens: p, completionTokens: c }, pricing.table));
  const last = rows[rows.length - 1];
  ctx.metric('cost_per_message_change', last?.changeVsPrevious ?? null, 'ratio', {
    definition: `(this − previous) / previous cost per message, the previous ${ctx.args.quick ? 'quick' : 'full'} cost run re-priced as ${choice.model} from its tokens per message; null without one`,
    higherIsBetter: false,
  });
  ctx.metric('cost_per_message_slope', trendSlope(rows, ctx.args.quick), 'USD/run', { n: rows.filter((r) => r.quick === ctx.args.quick).length, definition: 'OLS slope of the re-priced cost per message over the run index (runs of this kind)', higherIsBetter: false });
  ctx.table(
    `cost per message over runs (re-priced as ${choice.model})`,
    ['run', 'started', 'git', 'quick', 'priced as', 'USD/msg recorded', 'USD/msg re-priced', 'change vs previous', 'prompt/msg', 'completion/msg', 'memory share'],
    rows.map((r) => [r.runId, r.startedAt, r.gitSha.slice(0, 7), r.quick ? 'yes' : 'no', r.pricedAs, r.costPerMessage, r.repriced, r.changeVsPrevious, r.promptPerMessage, r.completionPerMessage, r.memoryShare]),
  );
}

/** What the run was priced with (trend.ts reads pricedAs back from earlier reports). */
function pricedAs(pricing: Pricing, choice: PriceChoice) {
  return {
    pricedAs: choice.model,
    priceNote: choice.note,
    price: { inputPerM: choice.price.inputPerM, outputPerM: choice.price.outputPerM, cachedInputPerM: choice.price.cachedInputPerM ?? choice.price.inputPerM },
    pricingSource: pricing.source,
    ...(pricing.asOf ? { pricingAsOf: pricing.asOf } : {}),
    cachedPromptTokens: 'not reported by the chat client: every prompt token is priced as uncached input',
  };
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);
