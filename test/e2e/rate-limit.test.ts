/**
 * Per-user rate limits over real HTTP: the refusal (429 rate_limited, Retry-After, the IETF and OpenAI fields),
 * nothing stored for it, the fields on admitted answers (streams too), the OpenAI route's shape, the in-process
 * fallback, Redis failing (limits fail open: metric and log line), and two instances sharing one Redis.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closedPortUrl, startRedisServer, startStack, startTestUpstream, type ConfiguredStack, type TestUpstream } from '../../serve/testing';
import { api, postSse } from '../support/client';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const open: { close(): Promise<void> }[] = [];
const prefixes: string[] = [];
let redis: Redis;

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  await redis.ping();
});
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});
afterAll(async () => {
  for (const p of prefixes) {
    const keys = await redis.keys(`${p}:*`);
    if (keys.length) await redis.del(...keys);
  }
  await redis.quit();
});

function freshPrefix() {
  const p = `memocha-test:rl:${randomUUID()}`;
  prefixes.push(p);
  return p;
}

type Lines = string[];
async function stack(env: Record<string, string>, o: { lines?: Lines; upstream?: TestUpstream } = {}): Promise<ConfiguredStack> {
  const logger = o.lines ? pino({ level: 'warn' }, { write: (l: string) => void o.lines!.push(l) }) : undefined;
  const llmEnv: Record<string, string> = o.upstream ? { LLM_PROVIDER: 'openai', LLM_BASE_URL: o.upstream.url, LLM_API_KEY: 'test-upstream', LLM_MODEL: 'test-model', LLM_MAX_RETRIES: '0' } : {};
  const t = await startStack({ llm: 'config', env: { MEMORY_ENABLED: 'false', ...llmEnv, ...env }, ...(logger ? { logger } : {}) });
  open.push(t);
  return t;
}
// A busy test machine stalls event loops past the default 100 ms command timeout: then limits fail open, which is
// its own test below, not these.
const limitsOnRedis = (env: Record<string, string>, prefix = freshPrefix()) => ({ REDIS_URL, REDIS_COMMAND_TIMEOUT_MS: '5000', RATE_LIMIT_PREFIX: prefix, ...env });

const as = (user: string) => ({ 'X-Memocha-User': user });
async function newSession(t: ConfiguredStack, user: string) {
  return (await api(`${t.url}/v1/sessions`, { body: {}, headers: as(user) })).json.id as string;
}
const ask = (t: ConfiguredStack, user: string, session: string, body: Record<string, unknown> = {}) =>
  api(`${t.url}/v1/sessions/${session}/messages`, { body: { content: 'What is the capital of France?', ...body }, headers: as(user) });
async function rows(t: ConfiguredStack, table: 'messages' | 'sessions') {
  const [{ n }] = (await t.db.knex(table).count({ n: '*' })) as [{ n: string | number }];
  return Number(n);
}
async function metric(t: ConfiguredStack, line: RegExp): Promise<number> {
  const text = (await (await fetch(`${t.url}/metrics`)).text()).split('\n').find((l) => line.test(l));
  return text ? Number(text.split(' ').pop()) : 0;
}

function expectRefusal(r: { status: number; headers: Headers }, policy: RegExp) {
  expect(r.status).toBe(429);
  const retry = r.headers.get('retry-after');
  expect(retry).toMatch(/^[1-9]\d*$/);
  expect(r.headers.get('ratelimit-policy')).toMatch(policy);
  expect(r.headers.get('ratelimit')).toMatch(/^"\w+";r=\d+/);
}

describe('rate limits on Redis', () => {
  it('requests per minute: remaining counts down, then 429 rate_limited with every field; nothing stored; other users unaffected', async () => {
    const t = await stack(limitsOnRedis({ RATE_LIMIT_RPM: '2' }));
    const s = await newSession(t, 'ann');
    const first = await ask(t, 'ann', s);
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe('"rpm";q=2;w=60');
    expect(first.headers.get('ratelimit')).toMatch(/^"rpm";r=1;t=\d+$/);
    expect(first.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    expect(first.headers.get('x-ratelimit-reset-requests')).toMatch(/^(\d+s|1m0s)$/);
    expect((await ask(t, 'ann', s)).headers.get('x-ratelimit-remaining-requests')).toBe('0');

    const [messages, sessions] = [await rows(t, 'messages'), await rows(t, 'sessions')];
    const refused = await ask(t, 'ann', s);
    expectRefusal(refused, /^"rpm";q=2;w=60$/);
    expect(refused.json.error.code).toBe('rate_limited');
    expect(refused.json.error.details).toMatchObject({ limit: 'rpm' });
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(refused.headers.get('ratelimit')).toBe(`"rpm";r=0;t=${refused.headers.get('retry-after')}`);
    expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    // POST /chat without a session: refused before the session would be created
    const chat = await api(`${t.url}/chat`, { body: { message: 'hi' }, headers: as('ann') });
    expect(chat.status).toBe(429);
    expect([await rows(t, 'messages'), await rows(t, 'sessions')]).toEqual([messages, sessions]);
    expect(await metric(t, /^memocha_rate_limit_refused_total\{limit="rpm"\}/)).toBe(2);

    const bob = await ask(t, 'bob', await newSession(t, 'bob'));
    expect(bob.status).toBe(200);
    expect(bob.headers.get('x-ratelimit-remaining-requests')).toBe('1');
  });

  it('a stream carries the fields in its headers', async () => {
    const t = await stack(limitsOnRedis({ RATE_LIMIT_RPM: '5', RATE_LIMIT_CONCURRENT: '3' }));
    const s = await newSession(t, 'ann');
    const r = await postSse(`${t.url}/v1/sessions/${s}/messages`, { content: 'hello there' }, as('ann'));
    expect(r.status).toBe(200);
    expect(r.events.at(-1)?.event).toBe('done');
    expect(r.headers.get('ratelimit-policy')).toBe('"rpm";q=5;w=60, "concurrent";q=3;qu="concurrent-requests"');
    expect(r.headers.get('ratelimit')).toMatch(/^"rpm";r=4;t=\d+, "concurrent";r=2$/);
    expect(r.headers.get('x-ratelimit-remaining-requests')).toBe('4');
  });

  it('tokens per minute: estimate at admission, settled to the turn’s real usage', async () => {
    const t = await stack(limitsOnRedis({ RATE_LIMIT_TPM: '1000' }));
    const s = await newSession(t, 'ann');
    const first = await ask(t, 'ann', s, { maxTokens: 200 });
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe('"tpm";q=1000;w=60;qu="tokens"');
    const estimate1 = 1000 - Number(first.headers.get('x-ratelimit-remaining-tokens'));
    expect(estimate1).toBeGreaterThan(200); // the question's tokens + the reserve
    const used1 = (first.json.usage.promptTokens as number) + (first.json.usage.completionTokens as number);
    expect(used1).not.toBe(estimate1);
    const second = await ask(t, 'ann', s, { maxTokens: 200 });
    expect(second.status).toBe(200);
    // the first turn counts with what it used, the second with its estimate (the same question: the same estimate)
    expect(Number(second.headers.get('x-ratelimit-remaining-tokens'))).toBe(1000 - used1 - estimate1);
    expect(second.headers.get('x-ratelimit-limit-tokens')).toBe('1000');

    const used2 = (second.json.usage.promptTokens as number) + (second.json.usage.completionTokens as number);
    const left = 1000 - used1 - used2; // both settled: what is left this minute
    const before = await rows(t, 'messages');
    const refused = await ask(t, 'ann', s, { maxTokens: left }); // its question's tokens on top do not fit
    expectRefusal(refused, /^"tpm";q=1000;w=60;qu="tokens"$/);
    expect(refused.json.error.details).toMatchObject({ limit: 'tpm' });
    // what was left before it (the refused request took nothing)
    expect(refused.headers.get('x-ratelimit-remaining-tokens')).toBe(String(left));
    expect(refused.headers.get('ratelimit')).toBe(`"tpm";r=${left};t=${refused.headers.get('retry-after')}`);
    expect(refused.headers.get('x-ratelimit-reset-tokens')).toMatch(/^(\d+s|1m0s)$/);
    expect(await rows(t, 'messages')).toBe(before);
  });

  it("the OpenAI-compatible route: OpenAI's error shape, the same fields, a stream's headers", async () => {
    const t = await stack(limitsOnRedis({ RATE_LIMIT_RPM: '1' }));
    const post = (stream: boolean) =>
      fetch(`${t.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...as('oai') },
        body: JSON.stringify({ model: 'memocha', stream, messages: [{ role: 'user', content: 'Say hi' }] }),
      });
    const ok = await post(true);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(ok.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(ok.headers.get('ratelimit')).toMatch(/^"rpm";r=0;t=\d+$/);
    expect(await ok.text()).toContain('[DONE]');
    const sessions = await rows(t, 'sessions');
    const refused = await post(false);
    expectRefusal(refused, /^"rpm";q=1;w=60$/);
    expect(await refused.json()).toEqual({ error: { message: expect.stringContaining('1 requests per minute') as unknown, type: 'rate_limit_error', param: null, code: 'rate_limited' } });
    expect(await rows(t, 'sessions')).toBe(sessions);
  });
});

describe('the slot is given back however the answer ends', () => {
  it('an LLM error, a client that leaves, and shutdown', async () => {
    const upstream = await startTestUpstream({ kind: 'hang' });
    open.push(upstream);
    const prefix = freshPrefix();
    const held = async () => Number((await redis.get(`${prefix}:concurrent:ann`)) ?? 0);
    const until = async (n: number) => {
      for (let i = 0; (await held()) !== n; i++) {
        if (i > 3000) throw new Error(`slots held: ${await held()}, expected ${n}`);
        await sleep(20);
      }
    };
    const t = await stack(limitsOnRedis({ RATE_LIMIT_CONCURRENT: '5', LLM_ATTEMPT_TIMEOUT_MS: '600000', LLM_IDLE_TIMEOUT_MS: '600000', LLM_DEADLINE_MS: '600000' }, prefix), { upstream });
    const s = await newSession(t, 'ann');
    upstream.push({ kind: 'status', status: 400, body: { error: { message: 'bad' } } });
    const failed = await ask(t, 'ann', s);
    expect(failed.status).toBeGreaterThanOrEqual(400);
    expect(failed.status).not.toBe(429);
    expect(await held()).toBe(0);

    const leaving = new AbortController();
    const res = await fetch(`${t.url}/v1/sessions/${s}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...as('ann') },
      body: JSON.stringify({ content: 'a question' }),
      signal: leaving.signal,
    });
    expect(res.status).toBe(200);
    expect(await held()).toBe(1);
    leaving.abort();
    await until(0);

    const stays = await fetch(`${t.url}/v1/sessions/${s}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...as('ann') },
      body: JSON.stringify({ content: 'another question' }),
    });
    expect(stays.status).toBe(200);
    expect(await held()).toBe(1);
    await t.close(); // shutdown stops the open answer
    await stays.text().catch(() => '');
    expect(await held()).toBe(0);
  });
});

describe('without REDIS_URL', () => {
  it('the same limits hold per process', async () => {
    const a = await stack({ RATE_LIMIT_RPM: '2' });
    const b = await stack({ RATE_LIMIT_RPM: '2' });
    const sa = await newSession(a, 'ann');
    const sb = await newSession(b, 'ann');
    expect((await ask(a, 'ann', sa)).status).toBe(200);
    expect((await ask(a, 'ann', sa)).status).toBe(200);
    const refused = await ask(a, 'ann', sa);
    expectRefusal(refused, /^"rpm";q=2;w=60$/);
    expect((await ask(b, 'ann', sb)).headers.get('x-ratelimit-remaining-requests')).toBe('1');
  });
});

describe('Redis failing: the limits fail open', () => {
  it('Redis unreachable from the start: admitted, counted, one log line', async () => {
    const port = new URL(await closedPortUrl()).port;
    const lines: Lines = [];
    const t = await stack({ REDIS_URL: `redis://127.0.0.1:${port}`, RATE_LIMIT_RPM: '1', RATE_LIMIT_CONCURRENT: '1' }, { lines });
    const s = await newSession(t, 'ann');
    for (let i = 0; i < 3; i++) {
      const r = await ask(t, 'ann', s);
      expect(r.status).toBe(200);
      expect(r.headers.get('ratelimit')).toBeNull(); // nothing is known of a limit that was not checked
    }
    expect(await metric(t, /^memocha_rate_limit_fail_open_total\{limit="rpm"\}/)).toBe(3);
    expect(await metric(t, /^memocha_rate_limit_fail_open_total\{limit="concurrent"\}/)).toBe(3);
    const warned = lines.filter((l) => l.includes('rate limit store failed'));
    expect(warned.length).toBeGreaterThanOrEqual(1);
    expect(warned.length).toBeLessThan(6); // throttled, not one per request and limit
  });

  it('Redis going away mid-run: limited while it is up, admitted once it is gone', async () => {
    const server = await startRedisServer();
    try {
      const lines: Lines = [];
      const t = await stack({ REDIS_URL: server.url, RATE_LIMIT_RPM: '2' }, { lines });
      const s = await newSession(t, 'ann');
      expect((await ask(t, 'ann', s)).headers.get('x-ratelimit-remaining-requests')).toBe('1');
      expect((await ask(t, 'ann', s)).status).toBe(200);
      expect((await ask(t, 'ann', s)).status).toBe(429);
      await server.kill();
      for (let i = 0; i < 3; i++) expect((await ask(t, 'ann', s)).status).toBe(200);
      expect(await metric(t, /^memocha_rate_limit_fail_open_total\{limit="rpm"\}/)).toBe(3);
      expect(lines.some((l) => l.includes('rate limit store failed'))).toBe(true);
    } finally {
      await server.kill();
    }
  });

});

describe('two instances, one Redis, one user', () => {
  it('500 concurrent requests against 50 per minute: exactly 50 admitted, 450 refused, 50 turns stored', async () => {
    const env = limitsOnRedis({ RATE_LIMIT_RPM: '50' });
    const a = await stack(env);
    const b = await stack(env);
    const [sa, sb] = [await newSession(a, 'ann'), await newSession(b, 'ann')];
    const [ma, mb] = [await rows(a, 'messages'), await rows(b, 'messages')];
    const statuses = await Promise.all(Array.from({ length: 500 }, (_, i) => (i % 2 ? ask(a, 'ann', sa) : ask(b, 'ann', sb)).then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(50);
    expect(statuses.filter((s) => s === 429)).toHaveLength(450);
    expect((await rows(a, 'messages')) - ma + (await rows(b, 'messages')) - mb).toBe(100);
  });

  it('500 concurrent streams against 50 at once: exactly 50 open, 450 refused; the slots come back when they end', async () => {
    const upstream = await startTestUpstream({ kind: 'hang' });
    open.push(upstream);
    const prefix = freshPrefix();
    // The streams hang until the clients leave, however long 500 requests take on a busy machine.
    const env = limitsOnRedis({ RATE_LIMIT_CONCURRENT: '50', LLM_ATTEMPT_TIMEOUT_MS: '600000', LLM_IDLE_TIMEOUT_MS: '600000', LLM_DEADLINE_MS: '600000' }, prefix);
    const a = await stack(env, { upstream });
    const b = await stack(env, { upstream });
    const [sa, sb] = [await newSession(a, 'ann'), await newSession(b, 'ann')];
    const aborts: AbortController[] = [];
    const statuses = await Promise.all(
      Array.from({ length: 500 }, async (_, i) => {
        const c = new AbortController();
        aborts.push(c);
        const t = i % 2 ? a : b;
        const res = await fetch(`${t.url}/v1/sessions/${i % 2 ? sa : sb}/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...as('ann') },
          body: JSON.stringify({ content: `question ${i}` }),
          signal: c.signal,
        });
        if (res.status !== 200) await res.text();
        return res.status;
      }),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(50);
    expect(statuses.filter((s) => s === 429)).toHaveLength(450);
    expect(await redis.get(`${prefix}:concurrent:ann`)).toBe('50');
    for (const c of aborts) c.abort();
    // The clients left: every answer ends and gives its slot back.
    for (let i = 0; (await redis.get(`${prefix}:concurrent:ann`)) !== '0'; i++) {
      if (i > 3000) throw new Error(`slots not given back: ${await redis.get(`${prefix}:concurrent:ann`)}`);
      await sleep(20);
    }
    upstream.setDefault({ kind: 'ok' });
    const after = await ask(a, 'ann', sa);
    expect(after.status).toBe(200);
    expect(after.headers.get('ratelimit')).toBe('"concurrent";r=49');
  });
});
