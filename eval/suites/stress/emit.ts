/** The stress suite's metrics, tables and checks, one function per part. */
import type { SuiteContext } from '../../harness/suite';
import { flatness } from '../../lib/slope';
import type { Checks } from './checks';
import type { LimitResult } from './context-limit';
import type { IrrelevantCase } from './irrelevant';
import type { LongPoint } from './long-conversation';
import type { ScaleResult } from './many-memories';

const r3 = (x: number | null | undefined): number | null => (typeof x === 'number' && Number.isFinite(x) ? Math.round(x * 1000) / 1000 : null);

export function emitLong(ctx: SuiteContext, points: readonly LongPoint[], checks: Checks, o: { maxRatio: number; toleranceMs: number; target: number; window: number }): void {
  const xs = points.map((p) => p.messages);
  const p50 = (h: LongPoint['history']) => h.percentile(50);
  const series = {
    history_load: points.map((p) => p50(p.history)),
    history_control: points.map((p) => p50(p.historyControl)),
    prompt_assembly: points.map((p) => p50(p.prompt)),
    prompt_control: points.map((p) => p50(p.promptControl)),
    server_db: points.map((p) => p.serverDbMs),
    server_prompt: points.map((p) => p.serverPromptMs),
    server_retrieval: points.map((p) => p.serverRetrievalMs),
  };
  for (const p of points) {
    ctx.histogram(`long/history@${p.messages}`, p.history);
    ctx.histogram(`long/prompt@${p.messages}`, p.prompt);
  }
  const defs: Record<keyof typeof series, string> = {
    history_load: 'p50 of messages.recent(session, HISTORY_WINDOW) timed directly',
    history_control: 'p50 of messages.recent on a fixed 10-message session, timed alongside (control)',
    prompt_assembly: 'p50 of assemblePrompt with the turn’s settings, timed directly',
    prompt_control: 'p50 of assemblePrompt on the first checkpoint’s inputs, timed alongside (control)',
    server_db: 'median of the server’s dbMs (session check + history + insert) over the measured turns',
    server_prompt: 'median of the server’s promptMs over the measured turns',
    server_retrieval: 'median of the server’s retrievalMs over the measured turns (memories grow with the conversation)',
  };
  // below HISTORY_WINDOW messages the window itself still grows: flatness is judged from the first full window on
  const steady = points.findIndex((p) => p.messages >= o.window);
  for (const [name, ys] of Object.entries(series) as [keyof typeof series, number[]][]) {
    const f = flatness(xs, ys, { maxRatio: o.maxRatio, toleranceAbs: o.toleranceMs, per: 1000 });
    const head = name === 'history_load' || name === 'prompt_assembly';
    ctx.metric(`${name}_ratio`, f.ratio, 'ratio', { n: points.length, definition: `last / first checkpoint of the ${defs[name]}`, higherIsBetter: false, headline: head });
    ctx.metric(`${name}_slope_ms_per_1k_messages`, f.slope, 'ms/1k messages', { n: points.length, definition: `OLS slope of the ${defs[name]} against messages in the session`, higherIsBetter: false });
    if (!head) continue;
    const sx = steady >= 0 ? xs.slice(steady) : [];
    const sy = steady >= 0 ? ys.slice(steady) : [];
    const fs = flatness(sx, sy, { maxRatio: o.maxRatio, toleranceAbs: o.toleranceMs, per: 1000 });
    ctx.metric(`${name}_steady_ratio`, fs.ratio, 'ratio', { n: sx.length, definition: `last / first checkpoint at or past HISTORY_WINDOW (${o.window}) messages of the ${defs[name]}`, higherIsBetter: false, headline: true });
    checks.add({
      name: `long/${name.replace('_', '-')}-flat`,
      passed: sx.length >= 2 && fs.flat,
      value: fs.ratio,
      limit: o.maxRatio,
      detail: `${defs[name]}: ${r3(sy[0])} → ${r3(sy[sy.length - 1])} ms from ${sx[0]} to ${sx[sx.length - 1]} messages (steady ratio ${r3(fs.ratio)}, slope ${r3(fs.slope)} ms/1k; from ${xs[0]}: ratio ${r3(f.ratio)}); flat when ratio ≤ ${o.maxRatio} or +≤ ${o.toleranceMs} ms`,
    });
  }
  const reached = xs[xs.length - 1] ?? 0;
  checks.add({ name: 'long/reached', passed: reached >= o.target, value: reached, limit: o.target, detail: `the conversation held ${reached} messages at the last checkpoint` });
  ctx.table(
    'long conversation (per checkpoint)',
    ['messages', 'history p50 ms', 'history p99 ms', 'history control p50', 'prompt p50 ms', 'prompt p99 ms', 'prompt control p50', 'server dbMs', 'server promptMs', 'server retrievalMs', 'E2EL ms', 'window tokens', 'memory tokens'],
    points.map((p) => [
      p.messages,
      r3(p50(p.history)),
      r3(p.history.percentile(99)),
      r3(p50(p.historyControl)),
      r3(p50(p.prompt)),
      r3(p.prompt.percentile(99)),
      r3(p50(p.promptControl)),
      r3(p.serverDbMs),
      r3(p.serverPromptMs),
      r3(p.serverRetrievalMs),
      r3(p.e2elMs),
      r3(p.windowTokens),
      r3(p.memoryTokens),
    ]),
  );
}

export function emitScale(ctx: SuiteContext, s: ScaleResult, checks: Checks, wanted: number): void {
  const def = `${s.memories} memories (${s.dims}-d random unit vectors, seeded: scale only, plus ${s.plantedQueries ? 'planted real facts' : 'no facts'}), ${s.storeId}`;
  ctx.metric('memories_total', s.memories, 'count', { definition: def });
  ctx.metric('memory_fill_ms', s.fillMs, 'ms', { definition: 'upsert of every memory in batches of 1000 (no ANN index while loading)' });
  ctx.metric('memory_index_ms', s.indexMs, 'ms', { definition: 'building the ANN index (if any) and ANALYZE after the load' });
  const pair = (name: string, h: ScaleResult['storeHeavy'], what: string, headline = false) => {
    ctx.histogram(`memories/${name}`, h);
    ctx.metric(`${name}_p50_ms`, h.percentile(50), 'ms', { n: h.count, definition: `HdrHistogram p50 of ${what}; ${def}`, higherIsBetter: false, headline });
    ctx.metric(`${name}_p99_ms`, h.percentile(99), 'ms', { n: h.count, definition: `HdrHistogram p99 of ${what}; ${def}`, higherIsBetter: false, headline });
  };
  pair('retrieval', s.retrieveHeavy, `memory service retrieve (embed + search + rank) for the user holding ${s.heavyCount}`, true);
  pair('store_search_heavy', s.storeHeavy, `store.search(k = MEMORY_CANDIDATES) for the user holding ${s.heavyCount}`);
  pair('store_search_heavy_vectors', s.storeHeavyVectors, `store.search(withVectors, as retrieve asks when near-duplicate dedupe or MMR is on) for the user holding ${s.heavyCount}`);
  pair('store_search_light', s.storeLight, `store.search for a user holding ${s.lightCount}`);
  pair('retrieval_irrelevant', s.irrelevant, `retrieve of an unrelated question by a user holding ${s.lightCount} (random) memories`);
  const hitRate = s.plantedQueries ? s.plantedHits / s.plantedQueries : Number.NaN;
  ctx.metric('planted_hit_rate', hitRate, 'ratio', { n: s.plantedQueries, definition: 'retrieve calls whose planted fact was among the memories returned', higherIsBetter: true });
  checks.add({ name: 'memories/count', passed: s.memories >= wanted, value: s.memories, limit: wanted, detail: `${s.memories} memories stored (${s.heavyCount} for one user, the rest spread over light users)` });
  checks.add({ name: 'memories/planted-found', passed: hitRate === 1, value: hitRate, limit: 1, detail: `${s.plantedHits}/${s.plantedQueries} questions got their planted fact back among ${s.memories} memories` });
  checks.add({ name: 'memories/no-timeouts', passed: s.retrieveUnavailable === 0, value: s.retrieveUnavailable, limit: 0, detail: `${s.retrieveUnavailable} retrieve calls answered "unavailable" (timeout or error)` });
  const p99 = s.retrieveHeavy.percentile(99);
  checks.add({ name: 'memories/within-timeout', passed: p99 <= s.timeoutMs, value: p99, limit: s.timeoutMs, detail: `retrieve p99 ${r3(p99)} ms vs MEMORY_TIMEOUT_MS ${s.timeoutMs} (the chat waits at most this long for memories)` });
  checks.add({ name: 'memories/irrelevant-empty', passed: s.irrelevantMemories === 0, value: s.irrelevantMemories, limit: 0, detail: `${s.irrelevantMemories} memories returned over ${s.irrelevantQueries} unrelated questions (MEMORY_MIN_SCORE ${s.minScore})` });
}

export function emitIrrelevant(ctx: SuiteContext, cases: readonly IrrelevantCase[], checks: Checks): void {
  for (const c of cases) {
    ctx.metric(`irrelevant_${c.name.replace('-', '_')}_e2el_ms`, c.e2elMs, 'ms', { definition: 'E2EL of the streamed answer to an unrelated question', higherIsBetter: false });
    ctx.metric(`irrelevant_${c.name.replace('-', '_')}_retrieval_ms`, c.retrievalMs, 'ms', { definition: 'server retrievalMs of that turn', higherIsBetter: false });
    const passed = c.ok && c.answerChars > 0 && c.memoriesUsed === 0;
    checks.add({
      name: `irrelevant/${c.name}`,
      passed,
      value: c.memoriesUsed,
      limit: 0,
      detail: `${c.ok ? `answered (${c.answerChars} chars)` : `failed: ${c.error}`}; ${c.memoriesUsed} memories in the prompt; ${c.memoriesStored ?? '?'} stored, best raw score ${r3(c.bestScore) ?? 'n/a'}; E2EL ${r3(c.e2elMs)} ms, retrieval ${r3(c.retrievalMs)} ms`,
    });
  }
}

export function emitContext(ctx: SuiteContext, l: LimitResult, checks: Checks): void {
  const budget = l.contextTokens - l.reserveTokens;
  const ok = l.turns.filter((t) => t.ok);
  const maxPrompt = Math.max(...l.turns.map((t) => t.promptTokens ?? 0));
  const dropped = l.turns.reduce((s, t) => s + Math.max(0, t.windowAvailable - t.windowKept), 0);
  const userCut = l.turns.filter((t) => t.userTruncated).length;
  const systemCut = l.turns.filter((t) => t.systemTruncated).length;
  ctx.metric('context_max_prompt_tokens', maxPrompt, 'tokens', { n: l.turns.length, definition: `largest prompt the simulator counted (budget ${budget} = LLM_CONTEXT_TOKENS ${l.contextTokens} − reserve ${l.reserveTokens})`, higherIsBetter: false });
  ctx.metric('context_window_dropped', dropped, 'messages', { definition: 'Σ over turns of window messages available (min(HISTORY_WINDOW, earlier)) − kept in the prompt received' });
  ctx.metric('context_user_truncated', userCut, 'count', { definition: 'turns whose user message reached the LLM cut' });
  ctx.metric('context_system_truncated', systemCut, 'count', { definition: 'turns whose system prompt reached the LLM cut or emptied' });
  checks.add({ name: 'context/all-answered', passed: ok.length === l.turns.length, value: ok.length, limit: l.turns.length, detail: `${ok.length}/${l.turns.length} turns near MAX_CONTENT_CHARS (${l.maxChars}) answered${l.turns.find((t) => !t.ok)?.error ? `; first error: ${l.turns.find((t) => !t.ok)?.error}` : ''}` });
  checks.add({ name: 'context/prompt-fits', passed: l.turns.every((t) => t.fits), value: maxPrompt, limit: budget, detail: `every prompt the simulator received ≤ ${budget} tokens (largest ${maxPrompt})` });
  checks.add({ name: 'context/budget-cut', passed: userCut > 0 || dropped > 0, value: userCut + dropped, limit: null, detail: `the budget did cut: ${userCut} user messages truncated, ${dropped} window messages dropped, ${systemCut} system prompts cut` });
  checks.add({
    name: 'context/fact-kept-under-budget',
    passed: l.factInLastPrompt,
    value: l.factInLastPrompt ? 1 : 0,
    limit: 1,
    detail: `the fact told in turn 1 ${l.factInLastPrompt ? 'reached' : 'did NOT reach'} the last turn's prompt (window or memories) after near-limit messages pushed it out of the budget`,
  });
  checks.add({ name: 'context/over-limit-refused', passed: l.overLimit.status === 413, value: l.overLimit.status, limit: 413, detail: `MAX_CONTENT_CHARS + 1 characters → HTTP ${l.overLimit.status} ${l.overLimit.code ?? ''}` });
  checks.add({ name: 'context/max-tokens-refused', passed: l.tooManyTokens.status === 400, value: l.tooManyTokens.status, limit: 400, detail: `maxTokens leaving no room for a prompt → HTTP ${l.tooManyTokens.status} ${l.tooManyTokens.code ?? ''}` });
  ctx.table(
    'context limit (per turn)',
    ['turn', 'chars sent', 'ok', 'prompt tokens', 'budget', 'fits', 'user cut', 'system cut', 'memories (meta)', 'memory block in prompt', 'window available', 'window kept', 'E2EL ms'],
    l.turns.map((t) => [t.turn, t.sentChars, t.ok ? 'yes' : `no: ${t.error}`, t.promptTokens, t.budget, t.fits ? 'yes' : 'NO', t.userTruncated ? 'yes' : 'no', t.systemTruncated ? 'yes' : 'no', t.memoriesUsed, t.memoriesInPrompt ? 'yes' : 'no', t.windowAvailable, t.windowKept, r3(t.e2elMs)]),
  );
}
