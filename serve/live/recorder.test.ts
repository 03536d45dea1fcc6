import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnsweredTurn } from '../chat/turn';
import { createRepos, type Repos } from '../db/repos';
import { backends, openTestDb, type TestDb } from '../testing/db';
import { createDropDetector } from './alert';
import type { JudgeVerdict, LiveJudge } from './judge';
import { createLiveMetrics } from './metrics';
import { createLiveRecorder, type LiveRecorderOptions } from './recorder';

function turn(o: { topScore?: number; ttftMs?: number; totalMs?: number } = {}): AnsweredTurn {
  const memories = o.topScore === undefined ? [] : [0.1, o.topScore, o.topScore / 2].map((score, i) => ({ id: `m${i}`, text: `memory ${i}`, score, sessionId: null, createdAt: '2025-01-01T00:00:00.000Z' }));
  return {
    userId: 'u1',
    question: 'What is my dog called?',
    answer: 'Biscuit.',
    meta: {
      sessionId: randomUUID(),
      userMessageId: randomUUID(),
      assistantMessageId: randomUUID(),
      model: 'memocha-sim',
      memory: 'ok',
      memories,
      promptTokens: { system: 10, memories: 30, window: 0, user: 8, total: 48 },
    },
    memoryBudgetTokens: 120,
    timings: { dbMs: 1, retrievalMs: 1, promptMs: 1, ttftMs: o.ttftMs ?? 50, totalMs: o.totalMs ?? 200 },
    usage: { promptTokens: 48, completionTokens: 3, totalTokens: 51, source: 'provider' },
    model: 'memocha-sim',
    provider: 'simulator',
  };
}

function logLines() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _e, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, logger: pino({ level: 'info' }, stream) };
}

describe.each(backends)('live recorder on %s (prom-client registry)', (backend) => {
  let t: TestDb;
  let repos: Repos;
  beforeAll(async () => {
    t = await openTestDb(backend);
    repos = createRepos(t.db.knex);
  });
  afterAll(async () => t?.cleanup());

  function recorder(extra: Partial<LiveRecorderOptions> = {}) {
    const registry = new Registry();
    const { lines, logger } = logLines();
    let r: ReturnType<typeof createLiveRecorder> | undefined = undefined;
    const metrics = createLiveMetrics(registry, { window: 10, queueDepth: () => r?.depth() ?? 0 });
    r = createLiveRecorder({ rate: 1, slo: { ttftMs: 100, totalMs: 1000 }, queueMax: 1000, instanceId: 'i1', repo: repos.liveEval, detector: createDropDetector({ window: 10, drop: 0.1 }), logger, metrics, ...extra });
    const value = async (name: string, labels: Record<string, string> = {}) => {
      const family = registry.getSingleMetric(name) ?? registry.getSingleMetric(name.replace(/_count$/, ''))!;
      const values = (await family.get()).values.filter((v) => ((v as { metricName?: string }).metricName ?? name) === name);
      return values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
    };
    return { r, lines, value };
  }

  it('writes each sampled turn with its diagnostics and SLO checks, and counts them', async () => {
    const { r, value } = recorder();
    const fast = turn({ topScore: 0.8 });
    const slow = turn({ ttftMs: 150, totalMs: 1500 });
    r.onTurnAnswered(fast);
    r.onTurnAnswered(slow);
    await r.idle();
    const rows = await repos.liveEval.list();
    const a = rows.find((x) => x.id === fast.meta.assistantMessageId)!;
    expect(a).toMatchObject({ instanceId: 'i1', memoriesUsed: 3, memoryIds: ['m0', 'm1', 'm2'], memoryTopScore: 0.8, memoryTokens: 30, memoryBudgetTokens: 120, ttftSloMet: true, totalSloMet: true, judgeScore: null, judgeError: null });
    expect(a.memoryMeanScore).toBeCloseTo((0.1 + 0.8 + 0.4) / 3, 12);
    expect(rows.find((x) => x.id === slow.meta.assistantMessageId)).toMatchObject({ memoriesUsed: 0, memoryTopScore: null, ttftSloMet: false, totalSloMet: false });
    expect(await value('memocha_live_samples_total')).toBe(2);
    expect(await value('memocha_live_slo_met_ratio', { slo: 'ttft' })).toBe(0.5);
  });

  it('an injected drop in retrieval scores logs one alert line with the figures; noise logs none', async () => {
    const noisy = recorder();
    for (let i = 0; i < 40; i++) noisy.r.onTurnAnswered(turn({ topScore: i % 2 ? 0.76 : 0.84 }));
    await noisy.r.idle();
    expect(noisy.lines.filter((l) => l.event === 'alert')).toEqual([]);

    const dropping = recorder();
    for (let i = 0; i < 20; i++) dropping.r.onTurnAnswered(turn({ topScore: 0.8 }));
    for (let i = 0; i < 20; i++) dropping.r.onTurnAnswered(turn({ topScore: 0.4 }));
    await dropping.r.idle();
    const alerts = dropping.lines.filter((l) => l.event === 'alert');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ level: 50, alert: { signal: 'memory_top_score', reason: 'drop', window: 10 } });
    expect(alerts[0]!.msg).toMatch(/^alert: live memory_top_score over the last 10 samples is 0\.400: fell by 0\.400 from 0\.800$/);
    expect(await dropping.value('memocha_live_alerts_total', { signal: 'memory_top_score' })).toBe(1);
  });

  it('judges off the chat path, records a failed verdict as such, and drops (counted) what does not fit the queue', async () => {
    let release!: () => void;
    const gate = new Promise<void>((res) => (release = res));
    const verdicts: JudgeVerdict[] = [
      { ok: true, groundedness: 5, relevance: 3, score: 0.75, reason: 'r' },
      { ok: false, failure: 'unparseable', error: 'not JSON: no JSON object in the reply' },
    ];
    const judge: LiveJudge = { model: 'j', judge: async () => (await gate, verdicts.shift()!), close: () => undefined };
    const { r, value } = recorder({ judge, queueMax: 2 });
    const turns = [turn(), turn(), turn(), turn()];
    for (const x of turns) r.onTurnAnswered(x); // returns at once: nothing is judged or written yet
    expect(r.depth()).toBe(2);
    expect(await value('memocha_live_dropped_total')).toBe(2);
    release();
    await r.idle();
    const rows = await repos.liveEval.list();
    expect(rows.find((x) => x.id === turns[0]!.meta.assistantMessageId)).toMatchObject({ judgeModel: 'j', judgeGroundedness: 5, judgeRelevance: 3, judgeScore: 0.75, judgeError: null });
    expect(rows.find((x) => x.id === turns[1]!.meta.assistantMessageId)).toMatchObject({ judgeModel: 'j', judgeScore: null, judgeError: 'unparseable: not JSON: no JSON object in the reply' });
    expect(rows.some((x) => x.id === turns[2]!.meta.assistantMessageId)).toBe(false);
    expect(await value('memocha_live_judge_failures_total', { reason: 'unparseable' })).toBe(1);
    expect(await value('memocha_live_judge_score_count')).toBe(1);
  });

  it('close() aborts the judge call in flight, writes what is queued unjudged, and takes no more samples', async () => {
    let started!: () => void;
    const judging = new Promise<void>((res) => (started = res));
    const judge: LiveJudge = {
      model: 'j',
      judge: (_input, signal) => {
        started();
        return new Promise((resolve) => signal?.addEventListener('abort', () => resolve({ ok: false, failure: 'call_failed', error: 'judge call failed: aborted' })));
      },
      close: () => undefined,
    };
    const { r } = recorder({ judge });
    const turns = [turn(), turn(), turn()];
    for (const x of turns) r.onTurnAnswered(x);
    await judging; // the first is with the judge
    await r.close();
    const late = turn();
    r.onTurnAnswered(late);
    await r.idle();
    const rows = new Map((await repos.liveEval.list()).map((x) => [x.id, x]));
    expect(rows.get(turns[0]!.meta.assistantMessageId)).toMatchObject({ judgeModel: 'j', judgeError: 'call_failed: judge call failed: aborted' });
    for (const x of turns.slice(1)) expect(rows.get(x.meta.assistantMessageId)).toMatchObject({ judgeModel: null, judgeScore: null, judgeError: 'not judged: the server was shutting down' });
    expect(rows.has(late.meta.assistantMessageId)).toBe(false);
  });

  it('judges up to `concurrency` samples at once', async () => {
    let inFlight = 0;
    let most = 0;
    let release!: () => void;
    const gate = new Promise<void>((res) => (release = res));
    const judge: LiveJudge = {
      model: 'j',
      judge: async () => {
        most = Math.max(most, ++inFlight);
        if (most === 3) release();
        await gate;
        inFlight--;
        return { ok: true, groundedness: 3, relevance: 3, score: 0.5, reason: 'r' };
      },
      close: () => undefined,
    };
    const { r } = recorder({ judge, concurrency: 3 });
    const turns = Array.from({ length: 7 }, () => turn());
    for (const x of turns) r.onTurnAnswered(x);
    await r.idle();
    expect(most).toBe(3);
    const ids = new Set((await repos.liveEval.list()).filter((x) => x.judgeScore === 0.5).map((x) => x.id));
    expect(turns.every((x) => ids.has(x.meta.assistantMessageId))).toBe(true);
  });

  it('rate 0 records nothing', async () => {
    const { r } = recorder({ rate: 0 });
    const x = turn();
    r.onTurnAnswered(x);
    await r.idle();
    expect((await repos.liveEval.list()).some((row) => row.id === x.meta.assistantMessageId)).toBe(false);
  });
});
