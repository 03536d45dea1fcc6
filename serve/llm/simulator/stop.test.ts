import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, USER } from '../../testing/simulator';
import { cutAtStop } from './plan';
import { startSimulator } from './server';
import type { Simulator } from './types';

describe('simulator stop sequences', () => {
  it('cutAtStop ends before the earliest stop sequence found', () => {
    expect(cutAtStop('one two three two', ['three', 'two'])).toBe('one ');
    expect(cutAtStop('abc', ['x'])).toBe('abc');
    expect(cutAtStop('abc', undefined)).toBe('abc');
    expect(cutAtStop('abc', ['', 'c'])).toBe('ab');
  });

  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ mode: 'echo' });
  });
  afterAll(async () => sim?.close());

  it('honours stop over HTTP, streamed and not, with finish_reason stop', async () => {
    const c = client(sim);
    const full = await c.chat.completions.create({ model: 'm', messages: USER('alpha beta gamma delta') });
    expect(full.choices[0]!.message.content).toContain('gamma');
    const cut = await c.chat.completions.create({ model: 'm', messages: USER('alpha beta gamma delta'), stop: 'gamma' });
    expect(cut.choices[0]!.message.content).toBe(full.choices[0]!.message.content!.split('gamma')[0]);
    expect(cut.choices[0]!.finish_reason).toBe('stop');
    const stream = await c.chat.completions.create({ model: 'm', messages: USER('alpha beta gamma delta'), stop: ['delta', 'beta'], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(full.choices[0]!.message.content!.split('beta')[0]);
    await expect(c.chat.completions.create({ model: 'm', messages: USER('x'), stop: 5 as never })).rejects.toMatchObject({ status: 400, param: 'stop' });
  });
});
