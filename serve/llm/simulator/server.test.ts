import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countChatTokens, countTokens } from '../tokens';
import { startSimulator } from './server';
import { client, post, readSse, USER } from '../../testing/simulator';
import type { Simulator } from './types';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ mode: 'echo', ttft: { kind: 'fixed', ms: 1 }, itl: { kind: 'fixed', ms: 1 }, model: 'sim-model' });
});
afterAll(() => sim.close());

const TEXT = 'The quick brown fox jumps over the lazy dog. Ünïcödé 😀 too!';

describe('OpenAI wire format (openai SDK as client)', () => {
  it('listens on 127.0.0.1 with a /v1 base URL', () => {
    expect(sim.url).toBe(`http://127.0.0.1:${sim.port}/v1`);
    expect(sim.port).toBeGreaterThan(0);
  });

  it('non-stream completion with usage', async () => {
    const r = await client(sim).chat.completions.create({ model: 'asked-model', messages: USER(TEXT) });
    expect(r.object).toBe('chat.completion');
    expect(r.model).toBe('asked-model');
    expect(r.id).toMatch(/^chatcmpl-/);
    expect(r.choices[0]?.message).toMatchObject({ role: 'assistant', content: TEXT });
    expect(r.choices[0]?.finish_reason).toBe('stop');
    expect(r.usage).toEqual({
      prompt_tokens: countChatTokens(USER(TEXT)),
      completion_tokens: countTokens(TEXT),
      total_tokens: countChatTokens(USER(TEXT)) + countTokens(TEXT),
    });
  });

  it('stream: deltas join to the text, then finish_reason, then the usage chunk', async () => {
    const stream = await client(sim).chat.completions.create({
      model: 'sim-model',
      messages: USER(TEXT),
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant' });
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe(TEXT);
    const contentChunks = chunks.filter((c) => c.choices[0]?.delta.content);
    expect(contentChunks.length).toBeGreaterThan(5);
    const finish = chunks.find((c) => c.choices[0]?.finish_reason);
    expect(finish?.choices[0]?.finish_reason).toBe('stop');
    const last = chunks[chunks.length - 1];
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual({
      prompt_tokens: countChatTokens(USER(TEXT)),
      completion_tokens: countTokens(TEXT),
      total_tokens: countChatTokens(USER(TEXT)) + countTokens(TEXT),
    });
  });

  it('stream without include_usage sends no usage chunk', async () => {
    const stream = await client(sim).chat.completions.create({ model: 'm', messages: USER('hi there'), stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((c) => c.choices.length === 1 && c.usage === undefined)).toBe(true);
  });

  it('max_tokens / max_completion_tokens cap the reply with finish_reason length', async () => {
    const r = await client(sim).chat.completions.create({ model: 'm', messages: USER(TEXT), max_tokens: 4 });
    expect(r.choices[0]?.message.content).toBe('The quick brown fox');
    expect(r.choices[0]?.finish_reason).toBe('length');
    expect(r.usage?.completion_tokens).toBe(4);

    const stream = await client(sim).chat.completions.create({ model: 'm', messages: USER(TEXT), max_completion_tokens: 3, stream: true });
    let text = '';
    let finish: string | null | undefined;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      finish ??= c.choices[0]?.finish_reason;
    }
    expect(text).toBe('The quick brown');
    expect(finish).toBe('length');
  });

  it('GET /v1/models lists the configured model', async () => {
    const models = await client(sim).models.list();
    expect(models.data).toEqual([{ id: 'sim-model', object: 'model', created: 0, owned_by: 'memocha' }]);
  });

  it('rejects invalid bodies OpenAI-style', async () => {
    for (const body of ['{not json', '[]', '{}', '{"messages":[]}', '{"messages":[{"content":"x"}]}', '{"messages":[{"role":"user","content":"x"}],"max_tokens":0}']) {
      const res = await post(sim, body);
      expect(res.status).toBe(400);
      const json = (await res.json()) as { error: { message: string; type: string; code: string | null } };
      expect(json.error.type).toBe('invalid_request_error');
      expect(json.error.message.length).toBeGreaterThan(0);
      expect(res.headers.get('x-sim-request-id')).toMatch(/^chatcmpl-sim-/);
    }
    await expect(client(sim).chat.completions.create({ model: 'm', messages: [] })).rejects.toMatchObject({ status: 400 });
    const missing = await post(sim, {});
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('missing_required_parameter');
  });

  it('404 on unknown routes', async () => {
    const res = await fetch(`${sim.url}/nope`);
    expect(res.status).toBe(404);
    await expect(client(sim).embeddings.create({ model: 'x', input: 'y' })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});

describe('raw SSE', () => {
  it('role chunk, content chunks of chunkTokens tokens, finish, usage, [DONE]', async () => {
    const chunky = await startSimulator({ mode: 'echo', ttft: { kind: 'fixed', ms: 0 }, itl: { kind: 'fixed', ms: 0 }, chunkTokens: 3 });
    try {
      const res = await post(chunky, { messages: USER(TEXT), stream: true, stream_options: { include_usage: true } });
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(res.headers.get('x-sim-ttft-ms')).toBe('0');
      const events = await readSse(res);
      expect(events[events.length - 1]?.data).toBe('[DONE]');
      const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data) as { object: string; id: string; choices: { delta: { content?: string }; finish_reason: string | null }[]; usage?: unknown });
      expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === res.headers.get('x-sim-request-id'))).toBe(true);
      const content = chunks.map((c) => c.choices[0]?.delta.content).filter((s): s is string => s !== undefined);
      expect(content.join('')).toBe(TEXT);
      expect(content.slice(0, -1).every((s) => countTokens(s) === 3)).toBe(true);
      expect(chunks[chunks.length - 2]?.choices[0]?.finish_reason).toBe('stop');
      expect(chunks[chunks.length - 1]?.usage).toMatchObject({ completion_tokens: countTokens(TEXT) });
    } finally {
      await chunky.close();
    }
  });

  it('reportUsage: false never sends usage', async () => {
    const quiet = await startSimulator({ mode: 'echo', ttft: { kind: 'fixed', ms: 0 }, itl: { kind: 'fixed', ms: 0 }, reportUsage: false });
    try {
      const events = await readSse(await post(quiet, { messages: USER('hello'), stream: true, stream_options: { include_usage: true } }));
      expect(events.some((e) => e.data.includes('"usage"'))).toBe(false);
      const json = (await (await post(quiet, { messages: USER('hello') })).json()) as { usage?: unknown };
      expect(json.usage).toBeUndefined();
    } finally {
      await quiet.close();
    }
  });
});
