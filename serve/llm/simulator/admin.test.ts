import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { countTokens } from '../tokens';
import { DONT_KNOW } from './replies';
import { startSimulator } from './server';
import { client, post, USER } from '../../testing/simulator';
import type { SimRequestRecord, Simulator, SimulatorOptions } from './types';

const FAST = { ttft: { kind: 'fixed', ms: 0 }, itl: { kind: 'fixed', ms: 0 } } as const;
const dir = mkdtempSync(join(tmpdir(), 'memocha-sim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function reply(sim: Simulator, messages: { role: 'system' | 'user' | 'assistant'; content: string }[]): Promise<string> {
  const r = await client(sim).chat.completions.create({ model: 'm', messages });
  return r.choices[0]?.message.content ?? '';
}

describe('reply modes over HTTP', () => {
  it('echo, lorem, extractive and scripted (from a scriptPath file)', async () => {
    const scriptPath = join(dir, 'rules.json');
    writeFileSync(scriptPath, JSON.stringify([{ pattern: 'weather in (\\w+)', flags: 'i', reply: 'Sunny in $1.' }]));
    const sim = await startSimulator({ ...FAST, mode: 'echo', scriptPath });
    try {
      expect(await reply(sim, USER('ping'))).toBe('ping');
      sim.configure({ mode: 'lorem', outputTokens: 12 });
      const lorem = await reply(sim, USER('ping'));
      expect(countTokens(lorem)).toBe(12);
      sim.configure({ mode: 'extractive', outputTokens: undefined });
      const context = [{ role: 'system' as const, content: 'The user plays the cello. The user drinks tea.' }];
      expect(await reply(sim, [...context, ...USER('What instrument, the cello?')])).toBe('The user plays the cello.');
      expect(await reply(sim, [...context, ...USER('Where is Paris?')])).toBe(DONT_KNOW);
      sim.configure({ mode: 'scripted' });
      expect(await reply(sim, USER('What is the weather in Oslo?'))).toBe('Sunny in Oslo.');
      expect(await reply(sim, USER('Hi'))).toBe(DONT_KNOW);
      sim.configure({ outputTokens: 2 });
      expect(await reply(sim, USER('weather in Oslo'))).toBe('Sunny in');
    } finally {
      await sim.close();
    }
  });
});

describe('run-time configuration', () => {
  it('configure() changes behaviour, validates, and faults: {} ends a fault window', async () => {
    const sim = await startSimulator({ ...FAST, mode: 'echo' });
    try {
      expect(await reply(sim, USER('a'))).toBe('a');
      sim.configure({ faults: { errorRate: 1, errorStatus: 503 } });
      await expect(reply(sim, USER('a'))).rejects.toMatchObject({ status: 503 });
      sim.configure({ faults: {} });
      expect(await reply(sim, USER('a'))).toBe('a');
      expect(() => sim.configure({ faults: { errorRate: 2 } })).toThrow(/errorRate/);
      expect(() => sim.configure({ mode: 'nope' } as unknown as Partial<SimulatorOptions>)).toThrow(/mode/);
      expect(() => sim.configure({ script: [{ pattern: '(', reply: 'x' }] })).toThrow(/script rule 0/);
      expect(sim.options.mode).toBe('echo');
    } finally {
      await sim.close();
    }
  });

  it('/sim/config, /sim/requests?since= and DELETE /sim/requests', async () => {
    const sim = await startSimulator({ ...FAST, mode: 'echo', model: 'cfg-model' });
    const base = sim.url.replace(/\/v1$/, '');
    try {
      const cfg = (await (await fetch(`${base}/sim/config`)).json()) as SimulatorOptions;
      expect(cfg).toMatchObject({ mode: 'echo', model: 'cfg-model', seed: 42 });

      const set = await fetch(`${base}/sim/config`, { method: 'POST', body: JSON.stringify({ mode: 'lorem', outputTokens: 5 }) });
      expect(set.status).toBe(200);
      expect(((await set.json()) as SimulatorOptions).mode).toBe('lorem');
      expect(sim.options.outputTokens).toBe(5);
      const bad = await fetch(`${base}/sim/config`, { method: 'POST', body: JSON.stringify({ modee: 'x' }) });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/modee/);
      expect((await fetch(`${base}/sim/config`, { method: 'POST', body: '{oops' })).status).toBe(400);

      for (const q of ['one', 'two', 'three']) await (await post(sim, { messages: USER(q) })).json();
      const all = (await (await fetch(`${base}/sim/requests`)).json()) as SimRequestRecord[];
      expect(all.map((r) => [r.seq, r.lastUserMessage, r.outcome, r.status])).toEqual([
        [0, 'one', 'ok', 200],
        [1, 'two', 'ok', 200],
        [2, 'three', 'ok', 200],
      ]);
      expect(all[0]?.completionTokens).toBe(5);
      const since = (await (await fetch(`${base}/sim/requests?since=2`)).json()) as SimRequestRecord[];
      expect(since.map((r) => r.lastUserMessage)).toEqual(['three']);

      expect((await fetch(`${base}/sim/requests`, { method: 'DELETE' })).status).toBe(200);
      expect(sim.requests).toHaveLength(0);
      await (await post(sim, { messages: USER('four') })).json();
      expect(sim.requests.map((r) => r.seq)).toEqual([3]);
      expect((await fetch(`${base}/sim/nothing`)).status).toBe(404);
    } finally {
      await sim.close();
    }
  });

  it('keeps at most maxRecords records', async () => {
    const sim = await startSimulator({ ...FAST, mode: 'echo', maxRecords: 2 });
    try {
      for (const q of ['a', 'b', 'c']) await reply(sim, USER(q));
      expect(sim.requests.map((r) => r.lastUserMessage)).toEqual(['b', 'c']);
    } finally {
      await sim.close();
    }
  });
});

describe('determinism', () => {
  it('two simulators with the same seed give the same replies and fault decisions', async () => {
    const opts = { ...FAST, seed: 7, mode: 'lorem', outputTokens: 8, faults: { errorRate: 0.3, errorStatus: 429 } } as const;
    const run = async (): Promise<string[]> => {
      const sim = await startSimulator(opts);
      try {
        const out: string[] = [];
        for (let i = 0; i < 30; i++) {
          const res = await post(sim, { messages: USER(`q${i}`), stream: i % 2 === 0 });
          out.push(`${res.status}:${await res.text().then((t) => t.replace(/"created":\d+,/g, ''))}`);
        }
        return out;
      } finally {
        await sim.close();
      }
    };
    const a = await run();
    const b = await run();
    expect(b).toEqual(a);
    const errors = a.filter((s) => s.startsWith('429')).length;
    expect(errors).toBeGreaterThan(0);
    expect(errors).toBeLessThan(30);
    const other = await startSimulator({ ...opts, seed: 8 });
    try {
      const texts = [];
      for (let i = 0; i < 5; i++) texts.push(await (await post(other, { messages: USER('x') })).text());
      expect(texts.join()).not.toBe(a.slice(0, 5).join());
    } finally {
      await other.close();
    }
  });
});
