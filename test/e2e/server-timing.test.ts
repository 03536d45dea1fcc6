import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../serve/testing';
import { serverTimingMap } from '../../eval/client/server-timing';
import { postSse } from '../support/client';

/** The simulator's time to first token: upstream time that must not count as Memocha's overhead. */
const SIM_TTFT_MS = 150;

describe('Server-Timing and timings.overheadMs on chat answers', () => {
  let t: Stack;
  beforeAll(async () => {
    t = await startStack({ env: { SIM_TTFT_MS: String(SIM_TTFT_MS), SIM_ITL_MS: '2', MEMORY_ENABLED: 'false' } });
  });
  afterAll(async () => t?.close());

  it('SSE: the header carries the stages known when it goes out; done carries the overhead', async () => {
    const r = await postSse(`${t.url}/chat?stream=true`, { message: 'Where does my sister live?' });
    expect(r.status).toBe(200);
    const timing = serverTimingMap(r.headers.get('server-timing'));
    expect([...timing.keys()]).toEqual(['db', 'retrieval', 'prompt', 'pre']);
    const [db, retrieval, prompt, pre] = ['db', 'retrieval', 'prompt', 'pre'].map((k) => timing.get(k)?.dur ?? Number.NaN) as [number, number, number, number];
    for (const d of [db, retrieval, prompt]) expect(d).toBeGreaterThanOrEqual(0);
    expect(db).toBeGreaterThan(0); // three queries at least
    // the stages are disjoint parts of the time before the headers (each rounded to 0.01 ms)
    expect(pre).toBeGreaterThanOrEqual(db + retrieval + prompt - 0.03);

    const done = r.events.find((e) => e.event === 'done')?.data as { timings: Record<string, number>; usage: { completionTokens: number } };
    const tm = done.timings;
    const tokens = r.events.filter((e) => e.event === 'token').length;
    expect(tokens).toBeGreaterThan(1);
    expect(tm.ttftMs).toBeGreaterThanOrEqual(SIM_TTFT_MS);
    expect(tm.preUpstreamMs).toBeGreaterThanOrEqual(pre); // the headers went out before the LLM was called
    expect(tm.overheadMs).toBeGreaterThanOrEqual(tm.preUpstreamMs as number);
    // the upstream's own wait is not Memocha's overhead
    expect(tm.overheadMs).toBeLessThan(tm.ttftMs as number - SIM_TTFT_MS + 1);
    expect(tm.overheadPerTokenMs).toBeGreaterThanOrEqual(0);
    // the handling is part of the LLM loop's time
    expect(tm.overheadPerTokenMs).toBeLessThanOrEqual((tm.llmMs as number) / tokens);
  });

  it('JSON: the header carries every stage, equal to the body timings', async () => {
    const res = await fetch(`${t.url}/chat?stream=false`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'hello there' }) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { timings: Record<string, number> };
    const timing = serverTimingMap(res.headers.get('server-timing'));
    const pairs: [string, string][] = [
      ['db', 'dbMs'],
      ['retrieval', 'retrievalMs'],
      ['prompt', 'promptMs'],
      ['queue', 'queueWaitMs'],
      ['upstream-ttft', 'llmTtftMs'],
      ['llm', 'llmMs'],
      ['ttft', 'ttftMs'],
      ['pre-upstream', 'preUpstreamMs'],
      ['overhead', 'overheadMs'],
      ['overhead-token', 'overheadPerTokenMs'],
      ['total', 'totalMs'],
    ];
    for (const [name, key] of pairs) {
      expect(body.timings[key], key).toBeTypeOf('number');
      expect(timing.get(name)?.dur, name).toBeCloseTo(body.timings[key] as number, 1);
    }
    expect(timing.get('overhead')?.desc).toMatch(/Memocha/);
    expect(body.timings.overheadMs).toBeLessThan((body.timings.ttftMs as number) - SIM_TTFT_MS + 1);
  });

  it('an error answer has no Server-Timing stages but its envelope', async () => {
    const res = await fetch(`${t.url}/chat?stream=false`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
    expect(res.headers.get('server-timing')).toBeNull();
  });
});
