import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, testConfig } from '../config';
import { createRepos, type Repos } from '../db/repos';
import { startSimulator, type Simulator } from '../llm/simulator';
import { openTestDb, type TestDb } from '../testing/db';
import { createLiveMonitor } from './wire';

describe('createLiveMonitor', () => {
  let t: TestDb;
  let repos: Repos;
  let chatLlm: Simulator;
  const logger = pino({ level: 'silent' });
  beforeAll(async () => {
    t = await openTestDb('pglite');
    repos = createRepos(t.db.knex);
    // stands for the chat's own LLM endpoint, which the judge uses when LIVE_JUDGE_BASE_URL is unset
    chatLlm = await startSimulator({ mode: 'scripted', apiKey: 'chat-key', script: [{ pattern: 'Live judge', target: 'prompt', reply: '{"groundedness": 2, "relevance": 3, "reason": "r"}' }], ttft: { kind: 'fixed', ms: 0 }, itl: { kind: 'fixed', ms: 0 }, chunkTokens: 64 });
  });
  afterAll(async () => {
    await chatLlm?.close();
    await t?.cleanup();
  });

  it('is off at EVAL_SAMPLE_RATE 0 (the default), and the rate must be within 0..1', () => {
    expect(createLiveMonitor({ config: testConfig(), repos, logger, instanceId: 'i', chatEndpoint: {} })).toBeUndefined();
    expect(() => testConfig({ EVAL_SAMPLE_RATE: '1.5' })).toThrow(ConfigError);
    expect(() => testConfig({ EVAL_SAMPLE_RATE: '1.5' })).toThrow(/EVAL_SAMPLE_RATE="1.5"/);
  });

  it("without LIVE_JUDGE_BASE_URL the judge calls the chat's endpoint with its key", async () => {
    const config = testConfig({ EVAL_SAMPLE_RATE: '1', LIVE_JUDGE_MODEL: 'judge-model' });
    const live = createLiveMonitor({ config, repos, logger, instanceId: 'i', registry: new Registry(), chatEndpoint: { baseUrl: chatLlm.url, apiKey: 'chat-key' } })!;
    const id = randomUUID();
    live.onTurnAnswered({
      userId: 'u',
      question: 'Q?',
      answer: 'A.',
      meta: { sessionId: randomUUID(), userMessageId: randomUUID(), assistantMessageId: id, model: 'm', memory: 'disabled', memories: [], promptTokens: { system: 1, memories: 0, window: 0, user: 1, total: 2 } },
      memoryBudgetTokens: 100,
      timings: { dbMs: 1, retrievalMs: 0, promptMs: 0, ttftMs: 10, totalMs: 20 },
      usage: { promptTokens: 2, completionTokens: 1, totalTokens: 3, source: 'provider' },
      model: 'm',
    });
    await live.idle();
    await live.close();
    expect((await repos.liveEval.list()).find((r) => r.id === id)).toMatchObject({ judgeModel: 'judge-model', judgeGroundedness: 2, judgeRelevance: 3, judgeScore: 0.375 });
    expect(chatLlm.requests.at(-1)?.model).toBe('judge-model');
  });
});
