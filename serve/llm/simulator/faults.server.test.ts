import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { startSimulator } from './server';
import { client, post, readSse, USER, waitFor } from '../../testing/simulator';
import type { Simulator, StartSimulatorOptions } from './types';

const FAST = { ttft: { kind: 'fixed', ms: 0 }, itl: { kind: 'fixed', ms: 0 } } as const;

async function withSim(opts: StartSimulatorOptions, run: (sim: Simulator) => Promise<void>): Promise<void> {
  const sim = await startSimulator(opts);
  try {
    await run(sim);
  } finally {
    await sim.close();
  }
}

describe('fault injection over HTTP', () => {
  it('429 with Retry-After; the SDK throws APIError 429', async () => {
    await withSim({ ...FAST, mode: 'echo', faults: { errorRate: 1, errorStatus: 429, retryAfterS: 7 } }, async (sim) => {
      const res = await post(sim, { messages: USER('hi') });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('7');
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('rate_limit_exceeded');

      const err = await client(sim).chat.completions.create({ model: 'm', messages: USER('hi') }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect(err).toBeInstanceOf(OpenAI.RateLimitError);
      expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(429);
      expect(sim.requests.map((r) => [r.outcome, r.status])).toEqual([['error', 429], ['error', 429]]);
    });
  });

  it('503 on streams too, before any token', async () => {
    await withSim({ ...FAST, mode: 'echo', faults: { errorRate: 1, errorStatus: 503 } }, async (sim) => {
      const res = await post(sim, { messages: USER('hi'), stream: true });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      const err = await client(sim).chat.completions.create({ model: 'm', messages: USER('hi'), stream: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    });
  });

  it('hang: never answers, the client times out, the record says hang and gets finishedAt on disconnect', async () => {
    await withSim({ ...FAST, mode: 'echo', faults: { hangRate: 1 } }, async (sim) => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 150);
      const t0 = performance.now();
      await expect(post(sim, { messages: USER('hi'), stream: true }, { signal: controller.signal })).rejects.toThrow();
      clearTimeout(timer);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
      const rec = await waitFor(() => sim.requests[0]?.finishedAt !== undefined && sim.requests[0]);
      expect(rec.outcome).toBe('hang');
      expect(rec.status).toBe(0);
      expect(rec.chunkSentAt).toEqual([]);
    });
  });

  it('close() resolves while a request hangs, and the hanging client sees the connection drop', async () => {
    const sim = await startSimulator({ ...FAST, mode: 'echo', faults: { hangRate: 1 } });
    const pending = post(sim, { messages: USER('hi') }).then(
      () => 'answered',
      () => 'dropped',
    );
    await waitFor(() => sim.requests.length === 1);
    await sim.close();
    expect(await pending).toBe('dropped');
  });

  it('cut: the SDK stream throws after cutAfterTokens tokens', async () => {
    await withSim({ ...FAST, mode: 'lorem', outputTokens: 40, faults: { cutRate: 1, cutAfterTokens: 5 } }, async (sim) => {
      const stream = await client(sim).chat.completions.create({ model: 'm', messages: USER('hi'), stream: true });
      let text = '';
      await expect(
        (async () => {
          for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
        })(),
      ).rejects.toThrow();
      expect(text.length).toBeGreaterThan(0);
      const rec = await waitFor(() => sim.requests[0]?.finishedAt !== undefined && sim.requests[0]);
      expect(rec.outcome).toBe('cut');
      expect(rec.chunkSentAt).toHaveLength(5);
      expect(rec.completionTokens).toBe(5);
    });
  });

  it('cut with a reply shorter than cutAfterTokens drops the connection before the finish chunk', async () => {
    await withSim({ ...FAST, mode: 'echo', faults: { cutRate: 1, cutAfterTokens: 100 } }, async (sim) => {
      const res = await post(sim, { messages: USER('hello world'), stream: true });
      await expect(readSse(res)).rejects.toThrow();
      expect(sim.requests[0]?.outcome).toBe('cut');
    });
  });

  it('cut does not apply to non-stream requests', async () => {
    await withSim({ ...FAST, mode: 'echo', faults: { cutRate: 1, malformedRate: 1 } }, async (sim) => {
      const r = await client(sim).chat.completions.create({ model: 'm', messages: USER('hello') });
      expect(r.choices[0]?.message.content).toBe('hello');
    });
  });

  it('malformed: one bad line after the first content chunk, then the stream continues', async () => {
    await withSim({ ...FAST, mode: 'echo', faults: { malformedRate: 1 } }, async (sim) => {
      const events = await readSse(await post(sim, { messages: USER('hello big world'), stream: true }));
      const bad = events.findIndex((e) => e.data === '{not json');
      expect(bad).toBe(2); // role chunk, first content chunk, bad line
      expect(events[events.length - 1]?.data).toBe('[DONE]');
      const text = events
        .filter((e, i) => i !== bad && e.data !== '[DONE]')
        .map((e) => (JSON.parse(e.data) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? '')
        .join('');
      expect(text).toBe('hello big world');

      const stream = await client(sim).chat.completions.create({ model: 'm', messages: USER('hello big world'), stream: true });
      await expect(
        (async () => {
          for await (const _ of stream) void _;
        })(),
      ).rejects.toThrow();
      expect(sim.requests.map((r) => r.outcome)).toEqual(['malformed', 'malformed']);
    });
  });

  it('client abort mid-stream stops the writes and records aborted', async () => {
    const itl = { kind: 'fixed', ms: 20 } as const;
    await withSim({ ttft: { kind: 'fixed', ms: 0 }, itl, mode: 'lorem', outputTokens: 200 }, async (sim) => {
      const controller = new AbortController();
      const res = await post(sim, { messages: USER('hi'), stream: true }, { signal: controller.signal });
      await readSse(res, (_e, all) => all.length >= 3).catch(() => undefined);
      controller.abort();
      const rec = await waitFor(() => sim.requests[0]?.finishedAt !== undefined && sim.requests[0]);
      expect(rec.outcome).toBe('aborted');
      const sent = rec.chunkSentAt.length;
      expect(sent).toBeLessThan(200);
      await new Promise((r) => setTimeout(r, 60));
      expect(rec.chunkSentAt.length).toBe(sent);
    });
  });
});
