import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FullMemoryService } from '../../serve';
import { type Stack, startStack } from '../../serve/testing';
import { api, postSse } from '../support/client';

describe('long-term memory end to end (use-lite embeddings, pgvector on PGlite, extractive simulator)', () => {
  let t: Stack;
  let memory: FullMemoryService;
  const alice = { 'x-memocha-user': 'alice' };
  const bob = { 'x-memocha-user': 'bob' };
  let aliceS1 = '';

  beforeAll(async () => {
    t = await startStack({ sim: { mode: 'extractive', recordPrompts: true } });
    memory = t.runtime.memoryService!;
    aliceS1 = (await api(`${t.url}/v1/sessions`, { body: { title: 'first' }, headers: alice })).json.id;
    await api(`${t.url}/v1/sessions/${aliceS1}/messages`, { body: { content: 'My dog is called Biscuit and he is a beagle.' }, headers: alice });
    await api(`${t.url}/v1/sessions/${aliceS1}/messages`, { body: { content: 'I work as a nurse at the city hospital.' }, headers: alice });
    await memory.idle();
  });
  afterAll(async () => t?.close());

  it('a fact told in session 1 reaches the prompt in session 2 and the answer; meta lists the memory', async () => {
    const s2 = (await api(`${t.url}/v1/sessions`, { body: {}, headers: alice })).json.id as string;
    const r = await postSse(`${t.url}/v1/sessions/${s2}/messages`, { content: "What is my dog's name?" }, alice);
    const meta = r.events[0]!.data as { memory: string; memories: { id: string; text: string; score: number; sessionId: string; createdAt: string }[] };
    expect(meta.memory).toBe('ok');
    const biscuit = meta.memories.find((m) => m.text.includes('Biscuit'));
    expect(biscuit).toBeDefined();
    expect(biscuit!.sessionId).toBe(aliceS1);
    expect(biscuit!.score).toBeGreaterThan(0.3);
    expect(Date.parse(biscuit!.createdAt)).not.toBeNaN();
    const prompt = t.sim.requests.at(-1)!.messages!.map((m) => m.content).join('\n');
    expect(prompt).toContain('Biscuit');
    const answer = r.events.filter((e) => e.event === 'token').map((e) => e.data.text).join('');
    expect(answer).toContain('Biscuit');
  });

  it("another user asking the same question gets nothing of the first user's memories", async () => {
    const s = (await api(`${t.url}/v1/sessions`, { body: {}, headers: bob })).json.id as string;
    const r = await api(`${t.url}/v1/sessions/${s}/messages`, { body: { content: "What is my dog's name?" }, headers: bob });
    expect(r.json.memories.map((m: { text: string }) => m.text)).toEqual([]);
    expect(r.json.message.content).not.toContain('Biscuit');
    expect(t.sim.requests.at(-1)!.messages!.map((m) => m.content).join('\n')).not.toContain('Biscuit');
    await memory.idle();
    const search = await api(`${t.url}/v1/memories?q=dog&k=20`, { headers: bob });
    // Bob's own question is his memory now; nothing of Alice's is.
    expect(search.json.items.length).toBeGreaterThan(0);
    expect(search.json.items.map((m: { text: string }) => m.text).join(' ')).not.toMatch(/Biscuit|beagle|nurse/);
  });

  it('GET /v1/memories searches the caller’s memories, by session and time', async () => {
    const all = await api(`${t.url}/v1/memories?q=${encodeURIComponent('where do I work')}&k=3`, { headers: alice });
    expect(all.status).toBe(200);
    expect(all.json.items[0].text).toContain('nurse');
    const future = await api(`${t.url}/v1/memories?q=work&from=2999-01-01`, { headers: alice });
    expect(future.json.items).toEqual([]);
    const bad = await api(`${t.url}/v1/memories?q=work&from=yesterday`, { headers: alice });
    expect(bad.status).toBe(400);
    expect((await api(`${t.url}/v1/memories?q=`, { headers: alice })).json.error.code).toBe('invalid_request');
  });

  it('indexing is idempotent: a sweep and a re-index never duplicate', async () => {
    const before = await memory.count('alice');
    await memory.sweep();
    await memory.idle();
    expect(await memory.count('alice')).toBe(before);
    expect(before).toBeGreaterThan(0);
  });

  it('when the vector store fails the chat still answers without memories, and missed messages are indexed when it returns', async () => {
    const knex = t.runtime.deps.db.knex;
    await knex.raw('alter table memories rename to memories_offline');
    try {
      const r = await postSse(`${t.url}/chat`, { message: 'My favourite colour is teal. What is my dog called?' }, alice);
      expect(r.events[0]!.data).toMatchObject({ memory: 'unavailable', memories: [] });
      expect(r.events.at(-1)!.event).toBe('done');
      await memory.idle();
      expect(memory.stats().unavailable).toBeGreaterThan(0);
      expect(memory.stats().indexer.failures).toBeGreaterThan(0);
    } finally {
      await knex.raw('alter table memories_offline rename to memories');
    }
    // The sweep only takes messages older than the LLM deadline; backdate them for the test.
    await knex('messages').whereNull('indexed_at').update({ created_at: new Date(Date.now() - 3_600_000) });
    await memory.sweep();
    await memory.idle();
    const found = await api(`${t.url}/v1/memories?q=${encodeURIComponent('favourite colour')}`, { headers: alice });
    expect(found.json.items.map((m: { text: string }) => m.text).join(' ')).toContain('teal');
  });

  it('clears one session’s memories, then all of the caller’s', async () => {
    const s = (await api(`${t.url}/v1/sessions`, { body: {}, headers: alice })).json.id as string;
    await api(`${t.url}/v1/sessions/${s}/messages`, { body: { content: 'I was born in Porto in 1990.' }, headers: alice });
    await memory.idle();
    const total = await memory.count('alice');
    const one = await api(`${t.url}/v1/sessions/${s}/memories`, { method: 'DELETE', headers: alice });
    expect(one.json.deleted).toBeGreaterThan(0);
    expect(await memory.count('alice')).toBe(total - one.json.deleted);
    expect((await api(`${t.url}/v1/sessions/${s}/memories`, { method: 'DELETE', headers: bob })).status).toBe(404);
    const all = await api(`${t.url}/v1/memories`, { method: 'DELETE', headers: alice });
    expect(all.json.deleted).toBe(total - one.json.deleted);
    expect(await memory.count('alice')).toBe(0);
  });
});

describe('memory retention', () => {
  it('keeps at most MEMORY_MAX_PER_USER memories (the newest) after a sweep', async () => {
    const t = await startStack({ env: { MEMORY_MAX_PER_USER: '2', MEMORY_CHUNKING: 'message' } });
    try {
      const s = (await api(`${t.url}/v1/sessions`, { body: {} })).json.id as string;
      for (const fact of ['I play the cello.', 'I live near the river Douro.', 'My brother is called Tiago.']) {
        await api(`${t.url}/v1/sessions/${s}/messages`, { body: { content: fact } });
      }
      const memory = t.runtime.memoryService!;
      await memory.idle();
      expect(await memory.count('default')).toBeGreaterThan(2);
      await memory.sweep();
      expect(await memory.count('default')).toBe(2);
      const left = await api(`${t.url}/v1/memories?q=brother`);
      expect(left.json.items.map((m: { text: string }) => m.text).join(' ')).toContain('Tiago');
    } finally {
      await t.close();
    }
  });

  it('deleting a session deletes its memories', async () => {
    const t = await startStack({});
    try {
      const s = (await api(`${t.url}/v1/sessions`, { body: {} })).json.id as string;
      await api(`${t.url}/v1/sessions/${s}/messages`, { body: { content: 'My passport number is X1234567.' } });
      const memory = t.runtime.memoryService!;
      await memory.idle();
      expect(await memory.count('default')).toBeGreaterThan(0);
      expect((await api(`${t.url}/v1/sessions/${s}`, { method: 'DELETE' })).status).toBe(204);
      expect(await memory.count('default')).toBe(0);
    } finally {
      await t.close();
    }
  });
});

describe('memory options', () => {
  it('MEMORY_TTL_DAYS: the sweep deletes memories older than the TTL', async () => {
    const t = await startStack({ env: { MEMORY_TTL_DAYS: '30', MEMORY_CHUNKING: 'message' } });
    try {
      await api(`${t.url}/chat`, { body: { message: 'I collect old maps of Lisbon.' } });
      await api(`${t.url}/chat`, { body: { message: 'My bike is a red fixie.' } });
      const memory = t.runtime.memoryService!;
      await memory.idle();
      const total = await memory.count('default');
      await t.runtime.deps.db.knex('memories').where('text', 'like', '%maps%').update({ created_at: new Date(Date.now() - 40 * 86_400_000) });
      await memory.sweep();
      expect(await memory.count('default')).toBe(total - 1);
      const left = await api(`${t.url}/v1/memories?q=maps&k=10`);
      expect(left.json.items.map((m: { text: string }) => m.text).join(' ')).not.toContain('maps');
    } finally {
      await t.close();
    }
  });

  it('MEMORY_HYBRID: full-text matches are fused with vector hits (a rare token is found by its spelling)', async () => {
    const t = await startStack({ env: { MEMORY_HYBRID: 'true', MEMORY_CHUNKING: 'message', MEMORY_MIN_SCORE: '0.9' } });
    try {
      await api(`${t.url}/chat`, { body: { message: 'The wifi password at the cabin is zq7kplm.' } });
      await api(`${t.url}/chat`, { body: { message: 'I had pasta for lunch today.' } });
      await t.runtime.memoryService!.idle();
      // The vector score of this query is far below 0.9; only the lexical list can bring the memory back.
      const r = await api(`${t.url}/v1/memories?q=zq7kplm`);
      expect(r.json.items.map((m: { text: string }) => m.text)).toEqual(['The wifi password at the cabin is zq7kplm.']);
    } finally {
      await t.close();
    }
  });
});
