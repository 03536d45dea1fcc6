/**
 * The OpenAI-compatible API through the official `openai` SDK against a running Memocha (startStack, the
 * simulator as its LLM): models, completions streamed and not, memory across calls and users, the client's
 * own history, sessions, stop, an abort mid-stream, and errors as the SDK's typed errors.
 */
import OpenAI, { APIError, AuthenticationError, BadRequestError, InternalServerError, NotFoundError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FullMemoryService } from '../../serve';
import { type Stack, startStack } from '../../serve/testing';
import { api } from '../support/client';

type Completion = OpenAI.Chat.Completions.ChatCompletion & {
  memocha: { session_id: string; message_id: string; memory: string; memories: { text: string; sessionId: string }[] };
};

function sdk(t: Stack, opts: { apiKey?: string; user?: string } = {}): OpenAI {
  return new OpenAI({
    baseURL: `${t.url}/v1`,
    apiKey: opts.apiKey ?? 'unused-when-auth-is-off',
    maxRetries: 0,
    logLevel: 'off',
    ...(opts.user ? { defaultHeaders: { 'X-Memocha-User': opts.user } } : {}),
  });
}

const storedMessages = async (t: Stack, sessionId: string, user: string) =>
  (await api(`${t.url}/v1/sessions/${sessionId}/messages?limit=100`, { headers: { 'x-memocha-user': user } })).json.items as { role: string; content: string; status: string }[];

const promptOfLastCall = (t: Stack) => t.sim.requests.at(-1)!.messages!.map((m) => `${m.role}: ${m.content}`);

describe('the openai SDK against Memocha (AUTH off, extractive simulator, long-term memory)', () => {
  let t: Stack;
  let memory: FullMemoryService;
  let client: OpenAI;

  beforeAll(async () => {
    t = await startStack({ sim: { mode: 'extractive', recordPrompts: true } });
    memory = t.runtime.memoryService!;
    client = sdk(t);
  });
  afterAll(async () => t?.close());

  it('lists the configured model and the memocha alias; an unknown model is a NotFoundError', async () => {
    const models = [];
    for await (const m of client.models.list()) models.push(m);
    expect(models.map((m) => m.id).sort()).toEqual(['memocha', t.config.LLM_MODEL ?? t.runtime.deps.llm.model].sort());
    expect(models.every((m) => m.object === 'model' && m.owned_by === 'memocha' && Number.isInteger(m.created))).toBe(true);
    expect((await client.models.retrieve('memocha')).id).toBe('memocha');
    const err = await client.models.retrieve('gpt-9').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).code).toBe('model_not_found');
  });

  it('a non-streamed completion: OpenAI shape, usage, session header, Server-Timing, both messages stored', async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: 'memocha',
        user: 'carol',
        messages: [
          { role: 'user', content: 'My favourite colour is teal.' },
          { role: 'assistant', content: 'Noted.' },
          { role: 'user', content: 'What is my favourite colour?' },
        ],
      })
      .withResponse();
    const c = data as Completion;
    expect(c.object).toBe('chat.completion');
    expect(c.id).toBe(`chatcmpl-${c.memocha.message_id}`);
    expect(c.choices).toHaveLength(1);
    expect(c.choices[0]!.message.role).toBe('assistant');
    expect(c.choices[0]!.message.content).toContain('teal');
    expect(c.choices[0]!.finish_reason).toBe('stop');
    expect(c.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(c.usage!.completion_tokens).toBeGreaterThan(0);
    expect(c.usage!.total_tokens).toBe(c.usage!.prompt_tokens + c.usage!.completion_tokens);
    const sessionId = response.headers.get('x-memocha-session')!;
    expect(sessionId).toBe(c.memocha.session_id);
    expect(response.headers.get('server-timing')).toMatch(/(^|, )db;dur=.*total;dur=/);
    const stored = await storedMessages(t, sessionId, 'carol');
    expect(stored.map((m) => [m.role, m.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'complete'],
    ]);
    expect(stored[1]!.content).toBe(c.choices[0]!.message.content);
  });

  it('a streamed completion with include_usage: role chunk, content chunks, finish_reason, the usage chunk, [DONE]', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({
        model: 'memocha',
        user: 'carol',
        stream: true,
        stream_options: { include_usage: true },
        messages: [
          { role: 'user', content: 'I keep my bike in the blue shed.' },
          { role: 'assistant', content: 'Good to know.' },
          { role: 'user', content: 'Where do I keep my bike?' },
        ],
      })
      .withResponse();
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(response.headers.get('server-timing')).toMatch(/pre;dur=/);
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toContain('blue shed');
    const finish = chunks.filter((c) => c.choices[0]?.finish_reason);
    expect(finish.map((c) => c.choices[0]!.finish_reason)).toEqual(['stop']);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage!.completion_tokens).toBeGreaterThan(0);
    expect(last.usage!.total_tokens).toBe(last.usage!.prompt_tokens + last.usage!.completion_tokens);
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    const stored = await storedMessages(t, response.headers.get('x-memocha-session')!, 'carol');
    expect(stored.at(-1)!.content).toBe(text);

    // without include_usage no usage chunk
    const plain = await client.chat.completions.create({ model: 'memocha', user: 'carol', stream: true, messages: [{ role: 'user', content: 'Say something.' }] });
    const plainChunks = [];
    for await (const chunk of plain) plainChunks.push(chunk);
    expect(plainChunks.every((c) => c.choices.length === 1 && c.usage === undefined)).toBe(true);
  });

  it("a fact told in one call is recalled in a later call of the same user, never in another user's", async () => {
    const told = await client.chat.completions.create({ model: 'memocha', user: 'alice', messages: [{ role: 'user', content: 'My sister Ana lives in Lisbon.' }] });
    await memory.idle();
    const asked = (await client.chat.completions.create({ model: 'memocha', user: 'alice', messages: [{ role: 'user', content: 'Which city does my sister Ana live in?' }] })) as Completion;
    expect(asked.memocha.session_id).not.toBe((told as Completion).memocha.session_id); // another conversation
    expect(asked.memocha.memories.map((m) => m.text).join(' ')).toContain('Lisbon');
    expect(promptOfLastCall(t).join('\n')).toContain('Lisbon');
    expect(asked.choices[0]!.message.content).toContain('Lisbon');

    const bob = (await client.chat.completions.create({ model: 'memocha', user: 'bob', messages: [{ role: 'user', content: 'Which city does my sister Ana live in?' }] })) as Completion;
    expect(bob.memocha.memories).toEqual([]);
    expect(promptOfLastCall(t).join('\n')).not.toContain('Lisbon');
    expect(bob.choices[0]!.message.content).not.toContain('Lisbon');
  });

  it("the client's history is the prompt's window (not the stored one, not duplicated); only the new turn is stored", async () => {
    const system = 'You answer in one sentence.';
    const first = 'I planted three lemon trees in March.';
    const c1 = (await client.chat.completions.create({ model: 'memocha', user: 'dave', messages: [{ role: 'system', content: system }, { role: 'user', content: first }] })) as Completion;
    await memory.idle();
    const shown = c1.choices[0]!.message.content!;
    const c2 = (await client.chat.completions.create({
      model: 'memocha',
      user: 'dave',
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: first },
        { role: 'assistant', content: shown },
        { role: 'user', content: 'How many lemon trees did I plant?' },
      ],
    })) as Completion;
    expect(c2.memocha.session_id).toBe(c1.memocha.session_id); // same system + first user message: same conversation
    const prompt = promptOfLastCall(t);
    expect(prompt[0]).toBe(`system: ${t.config.SYSTEM_PROMPT}\n\n${system}`);
    expect(prompt.slice(-3)).toEqual([`user: ${first}`, `assistant: ${shown}`, 'user: How many lemon trees did I plant?']);
    expect(prompt.join('\n').split(first).length - 1).toBe(1); // the memory of that turn is dropped as in the window
    const stored = await storedMessages(t, c1.memocha.session_id, 'dave');
    expect(stored.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(stored[2]!.content).toBe('How many lemon trees did I plant?');

    // The client edited the answer it shows: its version is what the model sees (the stored one may come as a memory).
    const edited = 'Lovely, lemon trees need sun.';
    await client.chat.completions.create({
      model: 'memocha',
      user: 'dave',
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: first },
        { role: 'assistant', content: edited },
        { role: 'user', content: 'When did I plant them?' },
      ],
    });
    expect(promptOfLastCall(t).slice(-3)).toEqual([`user: ${first}`, `assistant: ${edited}`, 'user: When did I plant them?']);
    expect((await storedMessages(t, c1.memocha.session_id, 'dave')).length).toBe(6);
  });

  it('X-Memocha-Session or metadata.session_id names the session: a key of the user, or their own session id', async () => {
    const h = { headers: { 'X-Memocha-Session': 'librechat-conv-42' } };
    const a = (await client.chat.completions.create({ model: 'memocha', user: 'erin', messages: [{ role: 'user', content: 'First question.' }] }, h)) as Completion;
    const b = (await client.chat.completions.create({ model: 'memocha', user: 'erin', messages: [{ role: 'user', content: 'An unrelated opening.' }] }, h)) as Completion;
    expect(b.memocha.session_id).toBe(a.memocha.session_id);
    const m = (await client.chat.completions.create({ model: 'memocha', user: 'erin', metadata: { session_id: 'librechat-conv-42' }, messages: [{ role: 'user', content: 'Third.' }] })) as Completion;
    expect(m.memocha.session_id).toBe(a.memocha.session_id);
    // the same key of another user is another session
    const other = (await client.chat.completions.create({ model: 'memocha', user: 'frank', messages: [{ role: 'user', content: 'First question.' }] }, h)) as Completion;
    expect(other.memocha.session_id).not.toBe(a.memocha.session_id);
    // an existing Memocha session of the user, by its id
    const own = (await api(`${t.url}/v1/sessions`, { body: { title: 'made by hand' }, headers: { 'x-memocha-user': 'erin' } })).json.id as string;
    const c = (await client.chat.completions.create({ model: 'memocha', user: 'erin', messages: [{ role: 'user', content: 'Hi.' }] }, { headers: { 'X-Memocha-Session': own } })) as Completion;
    expect(c.memocha.session_id).toBe(own);
    // someone else's session id is only a key: frank gets a session of his own, erin's stays untouched
    const f = (await client.chat.completions.create({ model: 'memocha', user: 'frank', messages: [{ role: 'user', content: 'Hi.' }] }, { headers: { 'X-Memocha-Session': own } })) as Completion;
    expect(f.memocha.session_id).not.toBe(own);
    expect((await storedMessages(t, own, 'erin')).length).toBe(2);
  });

  it('AUTH off: X-Memocha-User names the user before the `user` field', async () => {
    const c = (await sdk(t, { user: 'kate' }).chat.completions.create({ model: 'memocha', user: 'leo', messages: [{ role: 'user', content: 'Whose turn is this?' }] })) as Completion;
    expect(await storedMessages(t, c.memocha.session_id, 'kate')).toHaveLength(2);
    expect(await storedMessages(t, c.memocha.session_id, 'leo')).toBeUndefined(); // 404 for leo: not his session
  });

  it('stop ends the answer before the stop sequence (passed to the provider)', async () => {
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'My car is a red Volvo from 1998.' },
      { role: 'assistant', content: 'Nice.' },
      { role: 'user', content: 'What car do I have?' },
    ];
    const full = await client.chat.completions.create({ model: 'memocha', user: 'gina', messages });
    expect(full.choices[0]!.message.content).toContain('Volvo');
    const cut = await client.chat.completions.create({ model: 'memocha', user: 'gina', stop: ['Volvo'], messages });
    expect(cut.choices[0]!.message.content).not.toContain('Volvo');
    expect(full.choices[0]!.message.content!.startsWith(cut.choices[0]!.message.content!)).toBe(true);
    expect(cut.choices[0]!.finish_reason).toBe('stop');
  });

  it('max_tokens caps the answer (finish_reason length); temperature is accepted', async () => {
    const c = await client.chat.completions.create({ model: 'memocha', user: 'gina', max_tokens: 2, temperature: 0.3, messages: [{ role: 'user', content: 'My car is a red Volvo from 1998. What car do I have?' }] });
    expect(c.usage!.completion_tokens).toBeLessThanOrEqual(2);
    expect(c.choices[0]!.finish_reason).toBe('length');
  });

  it('bad requests are BadRequestErrors with param and code, in OpenAI shape, and store nothing', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ temperature: 5 }, 'temperature', 'invalid_value'],
      [{ tools: [{ type: 'function', function: { name: 'f' } }] }, 'tools', 'unsupported_parameter'],
      [{ n: 2 }, 'n', 'unsupported_parameter'],
      [{ logprobs: true }, 'logprobs', 'unsupported_parameter'],
      [{ frobnicate: 1 }, 'frobnicate', 'unknown_parameter'],
      [{ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }] }, 'messages[1].role', 'invalid_value'],
      [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://x/y.png' } }] }] }, 'messages[0].content[0]', 'unsupported_content'],
      [{ messages: [] }, 'messages', 'invalid_value'],
      [{ user: 'not a valid user!' }, 'user', 'invalid_user'],
    ];
    const before = (await api(`${t.url}/v1/sessions?limit=100`, { headers: { 'x-memocha-user': 'henry' } })).json.items.length as number;
    for (const [patch, param, code] of cases) {
      const body = { model: 'memocha', user: 'henry', messages: [{ role: 'user', content: 'hi' }], ...patch };
      const err = await client.chat.completions.create(body as never).catch((e: unknown) => e);
      expect(err, JSON.stringify(patch)).toBeInstanceOf(BadRequestError);
      const e = err as BadRequestError;
      expect([e.param, e.code, e.type]).toEqual([param, code, 'invalid_request_error']);
    }
    expect((await api(`${t.url}/v1/sessions?limit=100`, { headers: { 'x-memocha-user': 'henry' } })).json.items.length).toBe(before);
    // raw: the body's shape, a bad JSON body and a wrong method
    const raw = await api(`${t.url}/v1/chat/completions`, { raw: '{"model":', headers: { 'content-type': 'application/json' } });
    expect(raw.status).toBe(400);
    expect(raw.json).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: 'invalid_json' } });
    const wrongMethod = await api(`${t.url}/v1/chat/completions`, { method: 'GET' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.json.error.code).toBe('method_not_allowed');
    // an unknown model names the param
    const nf = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(nf).toBeInstanceOf(NotFoundError);
    expect([(nf as NotFoundError).code, (nf as NotFoundError).param]).toEqual(['model_not_found', 'model']);
  });
});

describe('the openai SDK: an abort mid-stream', () => {
  let t: Stack;
  beforeAll(async () => {
    t = await startStack({ sim: { mode: 'lorem', outputTokens: 3000, itl: { kind: 'fixed', ms: 10 } }, env: { LLM_MAX_TOKENS: '3000' } });
  });
  afterAll(async () => t?.close());

  it('stores the answer so far as partial', async () => {
    const client = sdk(t, { user: 'ivy' });
    const { data: stream, response } = await client.chat.completions.create({ model: 'memocha', stream: true, messages: [{ role: 'user', content: 'Tell me a long story.' }] }).withResponse();
    const sessionId = response.headers.get('x-memocha-session')!;
    let text = '';
    let n = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (++n === 6) stream.controller.abort();
    }
    expect(text.length).toBeGreaterThan(0);
    let answer: { status: string; content: string } | undefined;
    for (let i = 0; i < 100 && answer?.status !== 'partial'; i++) {
      answer = (await storedMessages(t, sessionId, 'ivy')).find((m) => m.role === 'assistant');
      if (answer?.status !== 'partial') await new Promise((r) => setTimeout(r, 50));
    }
    expect(answer!.status).toBe('partial');
    expect(answer!.content.startsWith(text)).toBe(true);
    expect(answer!.content.split(' ').length).toBeLessThan(2000);
  });
});

describe('the openai SDK: authentication and provider failures', () => {
  let t: Stack;
  let key = '';
  beforeAll(async () => {
    t = await startStack({ env: { AUTH: 'required', LLM_MAX_RETRIES: '0' }, sim: { mode: 'extractive', faults: { errorRate: 1, errorStatus: 429, retryAfterS: 7 } } });
    key = (await t.runtime.deps.repos.apiKeys.create('judy')).key;
  });
  afterAll(async () => t?.close());

  it('a bad or missing key is an AuthenticationError (401, authentication_error), also on /v1/models', async () => {
    for (const apiKey of ['mk_wrong', '']) {
      const client = new OpenAI({ baseURL: `${t.url}/v1`, apiKey: apiKey || 'x', maxRetries: 0, logLevel: 'off', ...(apiKey ? {} : { defaultHeaders: { authorization: null } }) });
      const err = await client.chat.completions.create({ model: 'memocha', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthenticationError);
      expect((err as AuthenticationError).type).toBe('authentication_error');
      expect((err as AuthenticationError).code).toBe(apiKey ? 'invalid_api_key' : 'unauthorized');
      expect(await client.models.list().catch((e: unknown) => e)).toBeInstanceOf(AuthenticationError);
    }
  });

  it('the key names the user; `user` does not. The provider rate limiting: 503 llm_rate_limited (rate_limit_error, Retry-After)', async () => {
    const client = sdk(t, { apiKey: key });
    const err = await client.chat.completions.create({ model: 'memocha', user: 'mallory', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InternalServerError);
    const e = err as InternalServerError;
    expect([e.status, e.code, e.type]).toEqual([503, 'llm_rate_limited', 'rate_limit_error']);
    expect(e.headers.get('retry-after')).toBe('7');
    const sessions = (await api(`${t.url}/v1/sessions`, { headers: { authorization: `Bearer ${key}` } })).json.items as { id: string }[];
    expect(sessions).toHaveLength(1); // judy's, not mallory's
    const stored = (await api(`${t.url}/v1/sessions/${sessions[0]!.id}/messages`, { headers: { authorization: `Bearer ${key}` } })).json.items as { role: string; status: string; errorCode: string }[];
    expect(stored.at(-1)).toMatchObject({ role: 'assistant', status: 'error', errorCode: 'llm_rate_limited' });
  });

  it('a failure after the stream started arrives as an error event: the SDK throws an APIError with the code', async () => {
    const client = sdk(t, { apiKey: key });
    const stream = await client.chat.completions.create({ model: 'memocha', stream: true, messages: [{ role: 'user', content: 'hi again' }] });
    const seen: unknown[] = [];
    const err = await (async () => {
      for await (const chunk of stream) seen.push(chunk);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).code).toBe('llm_rate_limited');
    expect((err as APIError).type).toBe('rate_limit_error');
    expect(seen).toHaveLength(1); // the role chunk
  });
});
