/** What the provider client sends for the OpenAI-compatible route's pass-through options (stop, sampling). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestUpstream, type TestUpstream } from '../testing';
import { createOpenAiProvider } from './openai';

describe('createOpenAiProvider: stop and sampling go to the provider under OpenAI names', () => {
  let up: TestUpstream;
  beforeAll(async () => {
    up = await startTestUpstream();
  });
  afterAll(async () => up?.close());

  it('sends them when given, streamed and not; nothing when absent', async () => {
    const llm = createOpenAiProvider({ baseUrl: up.url, model: 'm' });
    const messages = [{ role: 'user' as const, content: 'hi' }];
    for await (const ev of llm.stream({ messages, stop: ['END', '\n\n'], sampling: { topP: 0.5, frequencyPenalty: -1, presencePenalty: 0.25, seed: 3 } })) void ev;
    expect(up.requests.at(-1)!.body).toMatchObject({ stop: ['END', '\n\n'], top_p: 0.5, frequency_penalty: -1, presence_penalty: 0.25, seed: 3, stream: true });
    await llm.complete({ messages, sampling: { seed: 0 } });
    const plain = up.requests.at(-1)!.body;
    expect(plain.seed).toBe(0);
    expect(['stop', 'top_p', 'frequency_penalty', 'presence_penalty'].filter((k) => k in plain)).toEqual([]);
    await llm.complete({ messages, stop: [] });
    expect('stop' in up.requests.at(-1)!.body).toBe(false);
  });
});
