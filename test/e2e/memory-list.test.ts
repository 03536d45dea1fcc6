import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FullMemoryService } from '../../serve';
import { type Stack, startStack } from '../../serve/testing';
import { api } from '../support/client';

interface ListedMemory {
  id: string;
  text: string;
  role: string;
  sessionId: string | null;
  sessionTitle: string | null;
  createdAt: string;
}
interface Page {
  items: ListedMemory[];
  nextCursor: string | null;
}

const as = (user: string) => ({ 'x-memocha-user': user });

/** Every page of GET /v1/memories (without q) for `query`, in order. */
async function listAll(t: Stack, user: string, query = '', limit = 2): Promise<{ items: ListedMemory[]; pages: number }> {
  const items: ListedMemory[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const r = await api(`${t.url}/v1/memories?limit=${limit}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers: as(user) });
    expect(r.status).toBe(200);
    const page = r.json as Page;
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.nextCursor;
    pages++;
  } while (cursor && pages < 100);
  return { items, pages };
}

describe('GET /v1/memories without q: the memory manager list (pgvector on PGlite)', () => {
  let t: Stack;
  let memory: FullMemoryService;
  let first = '';
  let second = '';

  beforeAll(async () => {
    t = await startStack({ sim: { mode: 'extractive' } });
    memory = t.runtime.memoryService!;
    first = (await api(`${t.url}/v1/sessions`, { body: { title: 'Pets chat' }, headers: as('lister') })).json.id;
    second = (await api(`${t.url}/v1/sessions`, { body: {}, headers: as('lister') })).json.id;
    for (const content of ['My cat is called Miso.', 'Miso is a tabby.', 'She likes tuna.']) {
      await api(`${t.url}/v1/sessions/${first}/messages`, { body: { content }, headers: as('lister') });
    }
    for (const content of ['I live in Porto.', 'I cycle to work.']) {
      await api(`${t.url}/v1/sessions/${second}/messages`, { body: { content }, headers: as('lister') });
    }
    const other = (await api(`${t.url}/v1/sessions`, { body: {}, headers: as('stranger') })).json.id;
    await api(`${t.url}/v1/sessions/${other}/messages`, { body: { content: 'My secret is 4417.' }, headers: as('stranger') });
    await memory.idle();
  });
  afterAll(async () => t?.close());

  it('pages through all of the user’s memories, newest first, each once, with the chat title', async () => {
    const total = await memory.count('lister');
    expect(total).toBeGreaterThanOrEqual(5);
    const { items, pages } = await listAll(t, 'lister');
    expect(items).toHaveLength(total);
    expect(pages).toBe(Math.ceil(total / 2));
    expect(new Set(items.map((m) => m.id)).size).toBe(total);
    const times = items.map((m) => Date.parse(m.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(items.map((m) => m.text).join(' ')).toContain('Miso');
    expect(items.map((m) => m.text).join(' ')).not.toContain('4417');
    const miso = items.find((m) => m.text.includes('called Miso'))!;
    expect(miso).toMatchObject({ sessionId: first, sessionTitle: 'Pets chat' });
    expect(items.find((m) => m.text.includes('Porto'))).toMatchObject({ sessionId: second, sessionTitle: null });
    // The newest memory comes from the last message told.
    expect(items[0]!.text).toContain('cycle');
    const one = await api(`${t.url}/v1/memories`, { headers: as('lister') });
    expect(one.json.items).toEqual(items.slice(0, 50));
    expect(one.json.nextCursor).toBeNull();
  });

  it('filters by sessionId and from/to; another user lists only their own', async () => {
    const { items } = await listAll(t, 'lister', `&sessionId=${second}`);
    expect(items.length).toBe(await memory.list({ userId: 'lister', sessionId: second, limit: 100 }).then((r) => r.length));
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((m) => m.sessionId === second)).toBe(true);
    expect((await api(`${t.url}/v1/memories?from=2999-01-01`, { headers: as('lister') })).json.items).toEqual([]);
    const theirs = (await api(`${t.url}/v1/memories`, { headers: as('stranger') })).json.items as ListedMemory[];
    expect(theirs.map((m) => m.text).join(' ')).toContain('4417');
    expect(theirs.map((m) => m.text).join(' ')).not.toContain('Miso');
  });

  it('a deleted memory and forgotten ones are never listed, not even after a sweep', async () => {
    const before = (await listAll(t, 'lister', '', 50)).items;
    const victim = before.find((m) => m.text.includes('tabby'))!;
    expect((await api(`${t.url}/v1/memories/${victim.id}`, { method: 'DELETE', headers: as('lister') })).status).toBe(204);
    const after = (await listAll(t, 'lister', '', 50)).items;
    expect(after.map((m) => m.id)).toEqual(before.map((m) => m.id).filter((id) => id !== victim.id));
    await api(`${t.url}/v1/sessions/${second}/memories`, { method: 'DELETE', headers: as('lister') });
    await memory.sweep({ minAgeMs: 0 });
    await memory.idle();
    const left = (await listAll(t, 'lister', '', 50)).items;
    expect(left.length).toBeGreaterThan(0);
    expect(left.some((m) => m.sessionId === second || m.id === victim.id)).toBe(false);
    expect((await api(`${t.url}/v1/memories`, { method: 'DELETE', headers: as('lister') })).status).toBe(200);
    await memory.sweep({ minAgeMs: 0 });
    await memory.idle();
    expect(await api(`${t.url}/v1/memories`, { headers: as('lister') }).then((r) => r.json)).toEqual({ items: [], nextCursor: null });
  });

  it('refuses a bad limit, cursor or sessionId with a 400 and a code', async () => {
    const wrongShape = Buffer.from(JSON.stringify(['yesterday', 'x'])).toString('base64url');
    const impossible = Buffer.from(JSON.stringify(['2024-02-31T00:00:00.000Z', 'x'])).toString('base64url');
    const cases: [string, string][] = [
      ['limit=0', 'invalid_request'],
      ['limit=201', 'invalid_request'],
      ['limit=two', 'invalid_request'],
      ['limit=1.5', 'invalid_request'],
      ['cursor=%25%25%25', 'invalid_cursor'],
      [`cursor=${wrongShape}`, 'invalid_cursor'],
      [`cursor=${impossible}`, 'invalid_cursor'],
      [`cursor=${'a'.repeat(600)}`, 'invalid_request'],
      ['sessionId=nope', 'invalid_id'],
      ['from=yesterday', 'invalid_request'],
      ['q=', 'invalid_request'],
    ];
    for (const [query, code] of cases) {
      const r = await api(`${t.url}/v1/memories?${query}`, { headers: as('lister') });
      expect([query, r.status, r.json.error?.code]).toEqual([query, 400, code]);
    }
  });
});

describe('GET /v1/memories without q on PostgreSQL with memory off', () => {
  let t: Stack;
  beforeAll(async () => {
    t = await startStack({ db: 'postgres', env: { MEMORY_ENABLED: 'false' } });
  });
  afterAll(async () => t?.close());

  it('answers 404 memory_disabled, after checking the query', async () => {
    const r = await api(`${t.url}/v1/memories`, { headers: as('pg-user') });
    expect([r.status, r.json.error.code]).toEqual([404, 'memory_disabled']);
    const bad = await api(`${t.url}/v1/memories?cursor=%25%25`, { headers: as('pg-user') });
    expect([bad.status, bad.json.error.code]).toEqual([400, 'invalid_cursor']);
  });
});
