import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from './server';
import { optionsFromArgs } from './main';
import type { Simulator } from './types';
import { testConfig } from '../../config';
import { createRuntime, type Runtime } from '../../runtime';
import { createLogger } from '../../logger';
import { openTestDb } from '../../testing/db';

const FAST = { ttft: { kind: 'fixed', ms: 0 }, itl: { kind: 'fixed', ms: 0 } } as const;
const KEY = 'k'.repeat(24);
const chat = (sim: Simulator, headers: Record<string, string> = {}) =>
  fetch(`${sim.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'my secret is 42' }] }),
  });
const root = (sim: Simulator) => sim.url.replace(/\/v1$/, '');

describe('a simulator started with an apiKey', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ ...FAST, mode: 'echo', apiKey: KEY });
  });
  afterAll(() => sim?.close());

  it('answers only requests that send Authorization: Bearer <apiKey>, on every route', async () => {
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong' }, { authorization: `Bearer ${KEY}x` }, { authorization: KEY }]) {
      const res = await chat(sim, headers);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
      for (const [method, path] of [['GET', '/sim/requests'], ['GET', '/sim/config'], ['POST', '/sim/config'], ['DELETE', '/sim/requests'], ['GET', '/v1/models']]) {
        const r = await fetch(`${root(sim)}${path}`, { method, headers, ...(method === 'POST' ? { body: '{"mode":"lorem"}' } : {}) });
        expect(r.status, `${method} ${path}`).toBe(401);
      }
    }
    expect(sim.options.mode).toBe('echo'); // the refused POST /sim/config changed nothing
    const ok = await chat(sim, { authorization: `Bearer ${KEY}` });
    expect(ok.status).toBe(200);
    const records = await fetch(`${root(sim)}/sim/requests`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(records.status).toBe(200);
    expect(((await records.json()) as unknown[]).length).toBe(1); // refused requests leave no record
    const config = (await (await fetch(`${root(sim)}/sim/config`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as Record<string, unknown>;
    expect(JSON.stringify(config)).not.toContain(KEY);
  });
});

describe('maxRecords: 0', () => {
  it('keeps no record of any request (and still answers)', async () => {
    const sim = await startSimulator({ ...FAST, mode: 'echo', maxRecords: 0 });
    try {
      expect((await chat(sim)).status).toBe(200);
      expect(sim.requests).toHaveLength(0);
      expect(await (await fetch(`${root(sim)}/sim/requests`)).json()).toEqual([]);
    } finally {
      await sim.close();
    }
  });
});

describe('the built-in simulator of a runtime built as npm start builds it', () => {
  let runtime: Runtime;
  const cleanups: (() => Promise<void>)[] = [];
  /** main.ts's createRuntime(config), only with an in-memory database */
  const build = async (env: Record<string, string>) => {
    const { db, cleanup } = await openTestDb('pglite');
    cleanups.push(cleanup);
    return createRuntime(testConfig({ MEMORY_ENABLED: 'false', ...env }), { logger: createLogger('silent'), db });
  };
  beforeAll(async () => {
    runtime = await build({ SIM_TTFT_MS: '0', SIM_ITL_MS: '0' });
  });
  afterAll(async () => {
    await runtime?.close();
    for (const c of cleanups) await c();
  });

  it('demands a random per-start key the provider holds, and keeps no records', async () => {
    const sim = runtime.sim!;
    expect(sim.apiKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await chat(sim)).status).toBe(401);
    expect((await fetch(`${root(sim)}/sim/requests`)).status).toBe(401);
    expect((await fetch(`${root(sim)}/sim/config`, { method: 'POST', body: '{"faults":{"errorRate":1}}' })).status).toBe(401);
    // Memocha's own provider holds the key: its calls go through
    const answer = await runtime.deps.llm.complete({ messages: [{ role: 'user', content: 'my secret is 42' }] });
    expect(answer.text.length).toBeGreaterThan(0);
    expect(sim.requests).toHaveLength(0);
  });

  it('a second runtime gets another key; SIM_API_KEY fixes it and SIM_MAX_RECORDS keeps records', async () => {
    const other = await build({ SIM_API_KEY: KEY, SIM_MAX_RECORDS: '5' });
    try {
      expect(other.sim!.apiKey).toBe(KEY);
      expect(other.sim!.apiKey).not.toBe(runtime.sim!.apiKey);
      expect((await chat(other.sim!, { authorization: `Bearer ${KEY}` })).status).toBe(200);
      expect(other.sim!.requests).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
});

describe('npm run sim', () => {
  it('takes the key and the record limit from --api-key / --max-records or SIM_API_KEY / SIM_MAX_RECORDS', () => {
    expect(optionsFromArgs(['--api-key', KEY, '--max-records', '0'], {})).toMatchObject({ apiKey: KEY, maxRecords: 0 });
    expect(optionsFromArgs([], { SIM_API_KEY: KEY, SIM_MAX_RECORDS: '7' })).toMatchObject({ apiKey: KEY, maxRecords: 7 });
    expect(optionsFromArgs([], {})).not.toHaveProperty('apiKey'); // open by default: eval's standalone simulator
  });
});
