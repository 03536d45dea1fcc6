import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../serve';
import { type Stack, startStack } from '../../serve/testing';
import { api, postSse } from '../support/client';

/** The scripted judge: a verdict for the dog question, prose (unparseable) for anything else. */
const JUDGE_SCRIPT = [
  { pattern: "Question:\\n<<<\\nWhat is my dog's name\\?", target: 'prompt' as const, reply: '{"groundedness": 5, "relevance": 4, "reason": "Names the dog from the memory."}' },
  { pattern: 'Question:', target: 'prompt' as const, reply: 'The answer looks fine to me.' },
];

async function metricsText(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  return res.text();
}
const series = (text: string, name: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
};

describe('live quality monitoring end to end (PGlite with pgvector, use-lite memory, scripted judge over HTTP)', () => {
  let t: Stack;
  let judge: Simulator;
  const alice = { 'x-memocha-user': 'alice' };

  beforeAll(async () => {
    judge = await startSimulator({ mode: 'scripted', model: 'live-judge', script: JUDGE_SCRIPT, ttft: { kind: 'fixed', ms: 0 }, itl: { kind: 'fixed', ms: 0 }, chunkTokens: 64 });
    t = await startStack({
      sim: { mode: 'extractive' },
      // SLOs no answer can miss (TTFT 10 min) and none can meet (total 1 ms): the checks, not the machine's speed
      env: { EVAL_SAMPLE_RATE: '1', LIVE_SLO_TTFT_MS: '600000', LIVE_SLO_TOTAL_MS: '1', LIVE_JUDGE_MODEL: 'live-judge', LIVE_JUDGE_BASE_URL: judge.url, LIVE_JUDGE_API_KEY: 'k' },
    });
  });
  afterAll(async () => {
    await t?.close();
    await judge?.close();
  });

  it('a sampled turn with memories is recorded with its retrieval diagnostics, SLO checks and judge verdict; /metrics shows them', async () => {
    const s1 = (await api(`${t.url}/v1/sessions`, { body: {}, headers: alice })).json.id as string;
    const first = await api(`${t.url}/v1/sessions/${s1}/messages`, { body: { content: 'My dog is called Biscuit and he is a beagle.' }, headers: alice });
    await t.runtime.memoryService!.idle();
    const s2 = (await api(`${t.url}/v1/sessions`, { body: {}, headers: alice })).json.id as string;
    const r = await postSse(`${t.url}/v1/sessions/${s2}/messages`, { content: "What is my dog's name?" }, alice);
    const meta = r.events[0]!.data as { assistantMessageId: string; memories: { id: string; score: number }[]; promptTokens: { memories: number } };
    expect(meta.memories.length).toBeGreaterThan(0);
    await t.runtime.live!.idle();

    const rows = await t.runtime.deps.repos.liveEval.list();
    expect(rows.map((x) => x.id).sort()).toEqual([first.json.message.id, meta.assistantMessageId].sort());
    const row = rows.find((x) => x.id === meta.assistantMessageId)!;
    const scores = meta.memories.map((m) => m.score);
    expect(row).toMatchObject({
      userId: 'alice',
      sessionId: s2,
      memoryStatus: 'ok',
      memoriesUsed: meta.memories.length,
      memoryIds: meta.memories.map((m) => m.id),
      memoryTopScore: Math.max(...scores),
      memoryTokens: meta.promptTokens.memories,
      ttftSloMet: true,
      totalSloMet: false,
      judgeModel: 'live-judge',
      judgeGroundedness: 5,
      judgeRelevance: 4,
      judgeScore: 0.875,
      judgeError: null,
    });
    expect(row.memoryBudgetTokens).toBeGreaterThanOrEqual(row.memoryTokens);
    expect(row.ttftMs).toBeGreaterThan(0);
    expect(row.completionTokens).toBeGreaterThan(0);
    // the first turn's judge replied in prose: recorded as a parse failure, no score
    expect(rows.find((x) => x.id === first.json.message.id)).toMatchObject({ memoriesUsed: 0, judgeScore: null, judgeError: expect.stringMatching(/^unparseable: not JSON/) });

    const text = await metricsText(t.url);
    expect(series(text, 'memocha_live_samples_total')).toBe(2);
    expect(series(text, 'memocha_live_judge_score_count')).toBe(1);
    expect(series(text, 'memocha_live_judge_score_sum')).toBe(0.875);
    expect(series(text, 'memocha_live_judge_failures_total{reason="unparseable"}')).toBe(1);
    expect(series(text, 'memocha_live_slo_met_ratio{slo="ttft"}')).toBe(1);
    expect(series(text, 'memocha_live_slo_met_ratio{slo="total"}')).toBe(0);
    expect(series(text, 'memocha_live_memory_top_score_count')).toBe(1);
    expect(series(text, 'memocha_live_dropped_total')).toBe(0);
  }, 60_000);
});

describe('live quality monitoring off (EVAL_SAMPLE_RATE=0, the default)', () => {
  let t: Stack;
  beforeAll(async () => {
    t = await startStack({ env: { MEMORY_ENABLED: 'false' } });
  });
  afterAll(async () => t?.close());

  it('records nothing and exposes no live metrics', async () => {
    const r = await api(`${t.url}/chat`, { body: { message: 'hello' } });
    expect(r.status).toBe(200);
    expect(t.runtime.live).toBeUndefined();
    expect(await t.runtime.deps.repos.liveEval.list()).toEqual([]);
    expect(await metricsText(t.url)).not.toContain('memocha_live_');
  });
});
