import { describe, expect, it } from 'vitest';
import { OpenAiRequestError, paramOf, parseCompletionRequest } from './schema';

const base = { model: 'memocha', messages: [{ role: 'user', content: 'hi' }] };

function refusal(body: unknown): { code: string; param: unknown; message: string } {
  try {
    parseCompletionRequest(body);
  } catch (err) {
    expect(err).toBeInstanceOf(OpenAiRequestError);
    const e = err as OpenAiRequestError;
    expect(e.status).toBe(400);
    return { code: e.code, param: (e.details as { param: unknown }).param, message: e.message };
  }
  throw new Error('accepted');
}

describe('parseCompletionRequest', () => {
  it('reads the honoured fields', () => {
    const r = parseCompletionRequest({
      ...base,
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      max_completion_tokens: 50,
      stop: 'END',
      user: 'alice',
      metadata: { session_id: 'conv-1', other: 'x' },
      top_p: 0.9,
      seed: 7,
    });
    expect(r).toMatchObject({ model: 'memocha', stream: true, includeUsage: true, temperature: 0.2, maxTokens: 50, stop: ['END'], user: 'alice', sessionKey: 'conv-1', sampling: { topP: 0.9, seed: 7 } });
  });

  it('include_usage only counts on a stream; max_tokens alone is the limit; nulls are absent', () => {
    const r = parseCompletionRequest({ ...base, stream: false, stream_options: { include_usage: true }, max_tokens: 9, temperature: null, stop: null });
    expect(r.includeUsage).toBe(false);
    expect(r.maxTokens).toBe(9);
    expect('temperature' in r || 'stop' in r || 'sampling' in r).toBe(false);
  });

  it('splits the conversation: system and developer text, the history, the new user message, the first user message', () => {
    const r = parseCompletionRequest({
      model: 'memocha',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: [{ type: 'text', text: 'Use metric units.' }] },
        { role: 'user', content: [{ type: 'text', text: 'I am Ana.' }, { type: 'text', text: 'Hello.' }] },
        { role: 'assistant', content: 'Hi Ana.' },
        { role: 'assistant', content: null },
        { role: 'user', content: 'How tall is Everest?', name: 'ana' },
      ],
    });
    expect(r.system).toBe('Be brief.\n\nUse metric units.');
    expect(r.history).toEqual([
      { role: 'user', content: 'I am Ana.\nHello.' },
      { role: 'assistant', content: 'Hi Ana.' },
    ]);
    expect(r.content).toBe('How tall is Everest?');
    expect(r.firstUser).toBe('I am Ana.\nHello.');
  });

  it('refuses what it cannot do, naming the field', () => {
    expect(refusal({ ...base, tools: [{ type: 'function', function: { name: 'f' } }] })).toMatchObject({ code: 'unsupported_parameter', param: 'tools' });
    expect(refusal({ ...base, response_format: { type: 'json_object' } })).toMatchObject({ code: 'unsupported_parameter', param: 'response_format' });
    expect(refusal({ ...base, n: 3 })).toMatchObject({ code: 'unsupported_parameter', param: 'n' });
    expect(refusal({ ...base, top_logprobs: 2 })).toMatchObject({ code: 'unsupported_parameter', param: 'top_logprobs' });
    expect(refusal({ ...base, messages: [{ role: 'user', content: 'x' }, { role: 'tool', content: 'y', tool_call_id: 'a' }, { role: 'user', content: 'z' }] })).toMatchObject({ param: 'messages[1].role' });
    expect(refusal({ ...base, messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'a' }] }, { role: 'user', content: 'z' }] })).toMatchObject({ param: 'messages[0].tool_calls' });
    expect(refusal({ ...base, messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'input_audio', input_audio: {} }] }] })).toMatchObject({ code: 'unsupported_content', param: 'messages[0].content[1]' });
  });

  it('accepts the refused fields in their harmless forms and the ignored ones', () => {
    expect(() => parseCompletionRequest({ ...base, n: 1, logprobs: false, tools: [], tool_choice: 'none', response_format: { type: 'text' }, modalities: ['text'], store: true, service_tier: 'auto', parallel_tool_calls: false })).not.toThrow();
  });

  it('refuses unknown and invalid fields as OpenAI does', () => {
    expect(refusal({ ...base, top_k: 5 })).toMatchObject({ code: 'unknown_parameter', param: 'top_k' });
    expect(refusal({ ...base, stream_options: { include_usage: true, extra: 1 } })).toMatchObject({ code: 'unknown_parameter', param: 'stream_options.extra' });
    expect(refusal({ messages: base.messages })).toMatchObject({ code: 'missing_required_parameter', param: 'model' });
    expect(refusal({ model: 'memocha' })).toMatchObject({ code: 'missing_required_parameter', param: 'messages' });
    expect(refusal({ ...base, temperature: 2.5 })).toMatchObject({ code: 'invalid_value', param: 'temperature' });
    expect(refusal({ ...base, max_tokens: 0 })).toMatchObject({ code: 'invalid_value', param: 'max_tokens' });
    expect(refusal({ ...base, max_tokens: 10, max_completion_tokens: 20 })).toMatchObject({ code: 'invalid_value', param: 'max_completion_tokens' });
    expect(refusal({ ...base, stop: ['a', 'b', 'c', 'd', 'e'] })).toMatchObject({ param: 'stop' });
    expect(refusal({ ...base, messages: [{ role: 'user', content: 42 }] })).toMatchObject({ param: 'messages[0].content' });
    expect(refusal({ ...base, messages: [{ role: 'robot', content: 'x' }] })).toMatchObject({ param: 'messages[0].role' });
    expect(refusal([base])).toMatchObject({ code: 'invalid_request', param: null });
    expect(refusal(undefined)).toMatchObject({ code: 'invalid_request' });
  });

  it('the last message must be a non-empty user message', () => {
    expect(refusal({ ...base, messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }] })).toMatchObject({ param: 'messages[1].role' });
    expect(refusal({ ...base, messages: [{ role: 'user', content: 'a' }, { role: 'system', content: 'b' }] })).toMatchObject({ param: 'messages[1].role' });
    expect(refusal({ ...base, messages: [{ role: 'user', content: '  ' }] })).toMatchObject({ param: 'messages[0].content' });
    expect(refusal({ ...base, messages: [{ role: 'system', content: 'only' }] })).toMatchObject({ param: 'messages[0].role' });
  });

  it('paramOf names fields the way OpenAI does', () => {
    expect(paramOf(['messages', 2, 'content', 0])).toBe('messages[2].content[0]');
    expect(paramOf([])).toBeNull();
  });
});
