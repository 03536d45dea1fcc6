/**
 * Test support (not production code): the one contract every VectorStore passes.
 * Call `vectorStoreContract(name, makeStore)` from a *.test.ts file. Each test works on its own
 * user ids, so one store serves the whole suite.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DimensionMismatchError, InvalidMemoryError, type MemoryFilter, type MemoryRecord, type VectorStore } from '../memory/store/types';

export interface ContractHandle {
  store: VectorStore;
  /** A second store instance on the same table/collection (checks what ensure() finds on disk). */
  reopen?: () => Promise<VectorStore>;
  cleanup(): Promise<void>;
}

export interface ContractOptions {
  /** Skip the whole suite, saying why (e.g. no server here). */
  skip?: string;
}

export const DIM = 4;
const T0 = Date.parse('2024-03-01T12:00:00.000Z');
const DAY = 86_400_000;

const uid = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

export function rec(p: Partial<Omit<MemoryRecord, 'vector'>> & { userId: string; vector: number[] }): MemoryRecord {
  return {
    id: p.id ?? randomUUID(),
    userId: p.userId,
    sessionId: p.sessionId === undefined ? null : p.sessionId,
    messageIds: p.messageIds ?? [],
    role: p.role ?? 'turn',
    text: p.text ?? 'some text',
    createdAt: p.createdAt ?? new Date(T0),
    vector: Float32Array.from(p.vector),
  };
}

const Q = Float32Array.from([1, 0, 0, 0]);

export function vectorStoreContract(name: string, makeStore: () => Promise<ContractHandle>, opts: ContractOptions = {}): void {
  if (opts.skip) {
    describe.skip(`${name} — skipped: ${opts.skip}`, () => {
      it('contract', () => undefined);
    });
    return;
  }

  describe(`VectorStore contract: ${name}`, () => {
    let h: ContractHandle;
    let store: VectorStore;
    const ids = async (filter: MemoryFilter, k = 10) => (await store.search(Q, { k, filter })).map((hit) => hit.record.text);

    beforeAll(async () => {
      h = await makeStore();
      store = h.store;
      await store.ensure(DIM);
    });
    afterAll(async () => {
      await h?.cleanup();
    });

    it('ensure() is idempotent', async () => {
      await store.ensure(DIM);
      await store.ensure(DIM);
      expect(await store.count({ userId: uid('nobody') })).toBe(0);
    });

    it('upserts and counts per user and session', async () => {
      const [u1, u2] = [uid('u1'), uid('u2')];
      await store.upsert([
        rec({ userId: u1, sessionId: 's1', vector: [1, 0, 0, 0] }),
        rec({ userId: u1, sessionId: 's1', vector: [0, 1, 0, 0] }),
        rec({ userId: u1, sessionId: 's2', vector: [0, 0, 1, 0] }),
        rec({ userId: u2, vector: [0, 0, 0, 1] }),
      ]);
      expect(await store.count({ userId: u1 })).toBe(3);
      expect(await store.count({ userId: u1, sessionId: 's1' })).toBe(2);
      expect(await store.count({ userId: u2 })).toBe(1);
      expect(await store.count()).toBeGreaterThanOrEqual(4);
    });

    it('returns the nearest first with cosine scores and respects k', async () => {
      const u = uid('near');
      await store.upsert([
        rec({ userId: u, text: 'minus', vector: [-1, 0, 0, 0] }),
        rec({ userId: u, text: 'orthogonal', vector: [0, 0, 1, 0] }),
        rec({ userId: u, text: 'point6', vector: [3, 4, 0, 0] }), // not unit length: cosine 0.6 all the same
        rec({ userId: u, text: 'same', vector: [1, 0, 0, 0] }),
        rec({ userId: u, text: 'point8', vector: [0.8, 0, 0.6, 0] }),
      ]);
      const hits = await store.search(Q, { k: 10, filter: { userId: u } });
      expect(hits.map((x) => x.record.text)).toEqual(['same', 'point8', 'point6', 'orthogonal', 'minus']);
      [1, 0.8, 0.6, 0, -1].forEach((score, i) => expect(hits[i]?.score).toBeCloseTo(score, 5));
      expect(await ids({ userId: u }, 3)).toEqual(['same', 'point8', 'point6']);
      expect(await store.search(Q, { k: 2, filter: { userId: u }, exact: true })).toHaveLength(2);
    });

    it("never returns another user's records, even nearer ones", async () => {
      const [mine, theirs] = [uid('mine'), uid('theirs')];
      await store.upsert([
        rec({ userId: theirs, text: 'theirs', vector: [1, 0, 0, 0] }),
        rec({ userId: mine, text: 'mine', vector: [0, 1, 0, 0] }),
      ]);
      expect(await ids({ userId: mine })).toEqual(['mine']);
      expect(await ids({ userId: theirs })).toEqual(['theirs']);
      expect(await ids({ userId: uid('stranger') })).toEqual([]);
    });

    it('filters by session', async () => {
      const u = uid('sess');
      await store.upsert([
        rec({ userId: u, sessionId: 'a', text: 'a1', vector: [1, 0, 0, 0] }),
        rec({ userId: u, sessionId: 'b', text: 'b1', vector: [1, 0.1, 0, 0] }),
        rec({ userId: u, sessionId: null, text: 'none', vector: [1, 0.2, 0, 0] }),
      ]);
      expect(await ids({ userId: u, sessionId: 'b' })).toEqual(['b1']);
      expect(await ids({ userId: u })).toEqual(['a1', 'b1', 'none']);
      const [hit] = await store.search(Q, { k: 1, filter: { userId: u } });
      expect(hit?.record.sessionId).toBe('a');
    });

    it('filters by time range with inclusive bounds', async () => {
      const u = uid('time');
      const at = (d: number) => new Date(T0 + d * DAY);
      await store.upsert([0, 1, 2, 3].map((d) => rec({ userId: u, text: `day${d}`, createdAt: at(d), vector: [1, d / 10, 0, 0] })));
      expect(await ids({ userId: u, from: at(1), to: at(2) })).toEqual(['day1', 'day2']);
      expect(await ids({ userId: u, from: at(2) })).toEqual(['day2', 'day3']);
      expect(await ids({ userId: u, to: at(0) })).toEqual(['day0']);
      expect(await ids({ userId: u, from: new Date(at(1).getTime() + 1), to: new Date(at(2).getTime() - 1) })).toEqual([]);
      expect(await store.count({ userId: u, from: at(1) })).toBe(3);
    });

    it('round-trips every field', async () => {
      const u = uid('fields');
      const r = rec({ userId: u, sessionId: 'sx', messageIds: ['m1', 'm2'], role: 'digest', text: 'hello', createdAt: new Date(T0 + 123), vector: [0.5, 0.5, 0.5, 0.5] });
      await store.upsert([r]);
      const [hit] = await store.search(Q, { k: 1, filter: { userId: u }, withVectors: true });
      const { vector: _v, ...rest } = r;
      expect(hit?.record).toEqual(rest);
      expect(Array.from(hit?.vector ?? [])).toEqual([0.5, 0.5, 0.5, 0.5].map((x) => expect.closeTo(x, 5)));
      if (store.get) {
        const got = await store.get([r.id, 'missing-id'], u);
        expect(got.map((g) => g.id)).toEqual([r.id]);
        expect(await store.get([r.id], uid('other'))).toEqual([]);
      }
    });

    it('upsert is idempotent by id and replaces text and vector', async () => {
      const u = uid('idem');
      const id = randomUUID();
      await store.upsert([rec({ id, userId: u, text: 'v1', vector: [0, 1, 0, 0] })]);
      await store.upsert([rec({ id, userId: u, text: 'v1', vector: [0, 1, 0, 0] })]);
      await store.upsert([rec({ id, userId: u, text: 'v2', vector: [1, 0, 0, 0] })]);
      expect(await store.count({ userId: u })).toBe(1);
      const [hit] = await store.search(Q, { k: 5, filter: { userId: u } });
      expect(hit?.record.text).toBe('v2');
      expect(hit?.score).toBeCloseTo(1, 5);
      await store.upsert([rec({ id: 'dup-' + id, userId: u, text: 'first', vector: [1, 0, 0, 0] }), rec({ id: 'dup-' + id, userId: u, text: 'last', vector: [1, 0, 0, 0] })]);
      expect(await store.count({ userId: u })).toBe(2);
      expect(await ids({ userId: u })).toContain('last');
    });

    it("refuses to overwrite another user's record id", async () => {
      const [owner, intruder] = [uid('owner'), uid('intruder')];
      const id = randomUUID();
      await store.upsert([rec({ id, userId: owner, text: 'original', vector: [1, 0, 0, 0] })]);
      await expect(store.upsert([rec({ id, userId: intruder, text: 'hijack', vector: [1, 0, 0, 0] })])).rejects.toThrow(InvalidMemoryError);
      expect(await ids({ userId: owner })).toEqual(['original']);
      expect(await store.count({ userId: intruder })).toBe(0);
    });

    it('deletes by session, by ids and by user, and counts after', async () => {
      const [u, other] = [uid('del'), uid('keep')];
      const recs = [
        rec({ id: randomUUID(), userId: u, sessionId: 's1', vector: [1, 0, 0, 0] }),
        rec({ id: randomUUID(), userId: u, sessionId: 's1', vector: [1, 0, 0, 0] }),
        rec({ id: randomUUID(), userId: u, sessionId: 's2', vector: [1, 0, 0, 0] }),
        rec({ id: randomUUID(), userId: u, sessionId: 's2', vector: [1, 0, 0, 0] }),
        rec({ id: randomUUID(), userId: u, sessionId: null, vector: [1, 0, 0, 0] }),
      ];
      const theirs = rec({ id: randomUUID(), userId: other, sessionId: 's1', vector: [1, 0, 0, 0] });
      await store.upsert([...recs, theirs]);
      expect(await store.delete({ userId: u, sessionId: 's1' })).toBe(2);
      expect(await store.count({ userId: u })).toBe(3);
      expect(await store.delete({ userId: u, ids: [recs[2]!.id, theirs.id, 'no-such-id'] })).toBe(1);
      expect(await store.count({ userId: u })).toBe(2);
      expect(await store.delete({ userId: u, ids: [] })).toBe(0);
      expect(await store.delete({ userId: u })).toBe(2);
      expect(await store.count({ userId: u })).toBe(0);
      expect(await store.count({ userId: other })).toBe(1);
    });

    it('refuses vectors of another dimension with DimensionMismatchError', async () => {
      const u = uid('dim');
      await expect(store.upsert([rec({ userId: u, vector: [1, 0, 0] })])).rejects.toThrow(DimensionMismatchError);
      await expect(store.search(Float32Array.from([1, 0, 0, 0, 0]), { k: 1, filter: { userId: u } })).rejects.toThrow(DimensionMismatchError);
      await expect(store.ensure(DIM + 4)).rejects.toThrow(DimensionMismatchError);
      if (h.reopen) {
        const again = await h.reopen();
        await expect(again.ensure(DIM + 4)).rejects.toThrow(/holds 4-d vectors but got 8-d/);
        await again.close?.();
      }
      expect(await store.count({ userId: u })).toBe(0);
    });

    it('requires a userId for search and delete', async () => {
      const noUser = { userId: '' };
      await expect(store.search(Q, { k: 1, filter: noUser })).rejects.toThrow(InvalidMemoryError);
      await expect(store.search(Q, { k: 1, filter: {} as MemoryFilter })).rejects.toThrow(InvalidMemoryError);
      await expect(store.delete({} as MemoryFilter)).rejects.toThrow(InvalidMemoryError);
      await expect(store.delete({ ids: ['x'] } as unknown as MemoryFilter)).rejects.toThrow(InvalidMemoryError);
    });

    it('textSearch (where offered) ranks by BM25 within the user and filter; score stays the cosine', async () => {
      if (!store.textSearch) return;
      const [u, other] = [uid('text'), uid('text-other')];
      await store.upsert([
        rec({ userId: u, sessionId: 'a', text: 'the quick brown fox', vector: [1, 0, 0, 0] }),
        rec({ userId: u, sessionId: 'a', text: 'brown bread with brown butter and more bread', vector: [0, 1, 0, 0] }),
        rec({ userId: u, sessionId: 'b', text: 'a fox in the garden', vector: [0, 0, 1, 0] }),
        rec({ userId: u, sessionId: 'b', text: 'nothing relevant here', vector: [0, 0, 0, 1] }),
        rec({ userId: other, text: 'brown fox brown fox brown fox', vector: [1, 0, 0, 0] }),
      ]);
      const hits = await store.textSearch('brown fox', Q, { k: 10, filter: { userId: u } });
      // "quick brown fox" has both terms; the others one each
      expect(hits.map((h) => h.record.text)).toEqual(['the quick brown fox', expect.any(String), expect.any(String)]);
      expect(hits.map((h) => h.record.userId)).toEqual([u, u, u]);
      expect(hits[0]?.score).toBeCloseTo(1, 5);
      const lexical = hits.map((h) => h.lexicalScore ?? Number.NaN);
      expect(lexical.every((x) => x > 0)).toBe(true);
      expect(lexical).toEqual([...lexical].sort((a, b) => b - a));
      const inB = await store.textSearch('brown fox', Q, { k: 10, filter: { userId: u, sessionId: 'b' } });
      expect(inB.map((h) => [h.record.text, h.score])).toEqual([['a fox in the garden', expect.closeTo(0, 5)]]);
      expect(await store.textSearch('brown fox', Q, { k: 1, filter: { userId: u } })).toHaveLength(1);
      // without the query's vector (hybrid retrieval searches while the query is embedded): the same hits, score 0
      const blind = await store.textSearch('brown fox', null, { k: 10, filter: { userId: u }, withVectors: true });
      expect(blind.map((h) => [h.record.id, h.lexicalScore])).toEqual(hits.map((h) => [h.record.id, h.lexicalScore]));
      expect(blind.map((h) => h.score)).toEqual([0, 0, 0]);
      expect(blind.map((h) => Array.from(h.vector ?? []))).toEqual([[1, 0, 0, 0], expect.any(Array), expect.any(Array)]);
    });

    it('list (where offered) pages newest first, ties by id, within the user and filter', async () => {
      if (!store.list) return;
      const [u, other] = [uid('list'), uid('list-other')];
      const at = (d: number) => new Date(T0 + d * DAY);
      // Two records share a timestamp: the id breaks the tie, so the cursor never skips or repeats one.
      const recs = [
        rec({ id: 'list-a', userId: u, sessionId: 's1', text: 'oldest', createdAt: at(0), vector: [1, 0, 0, 0] }),
        rec({ id: 'list-b', userId: u, sessionId: 's2', text: 'tie low id', createdAt: at(1), vector: [1, 0, 0, 0] }),
        rec({ id: 'list-c', userId: u, sessionId: 's1', text: 'tie high id', createdAt: at(1), vector: [1, 0, 0, 0] }),
        rec({ id: 'list-d', userId: u, sessionId: 's2', text: 'newest', createdAt: at(2), vector: [1, 0, 0, 0] }),
      ];
      await store.upsert([...recs.map((r) => ({ ...r, id: `${r.id}-${u}` })), rec({ userId: other, text: 'not yours', createdAt: at(3), vector: [1, 0, 0, 0] })]);
      const all = await store.list({ userId: u }, { limit: 10 });
      expect(all.map((m) => m.text)).toEqual(['newest', 'tie high id', 'tie low id', 'oldest']);
      expect(all[0]).toMatchObject({ userId: u, sessionId: 's2', createdAt: at(2) });
      expect(all[0]).not.toHaveProperty('vector');
      const pages: string[][] = [];
      let after: { createdAt: Date; id: string } | undefined;
      for (let i = 0; i < 5; i++) {
        const page = await store.list({ userId: u }, { limit: 1, ...(after ? { after } : {}) });
        if (page.length === 0) break;
        pages.push(page.map((m) => m.text));
        const last = page[page.length - 1]!;
        after = { createdAt: last.createdAt, id: last.id };
      }
      expect(pages).toEqual([['newest'], ['tie high id'], ['tie low id'], ['oldest']]);
      expect((await store.list({ userId: u, sessionId: 's1' }, { limit: 10 })).map((m) => m.text)).toEqual(['tie high id', 'oldest']);
      expect((await store.list({ userId: u, to: at(1) }, { limit: 10 })).map((m) => m.text)).toEqual(['tie high id', 'tie low id', 'oldest']);
      await store.delete({ userId: u, ids: [`list-c-${u}`] });
      expect((await store.list({ userId: u }, { limit: 10 })).map((m) => m.text)).toEqual(['newest', 'tie low id', 'oldest']);
      await expect(store.list({ userId: '' }, { limit: 1 })).rejects.toThrow(InvalidMemoryError);
      await expect(store.list({ userId: u }, { limit: 0 })).rejects.toThrow(/limit/);
    });

    it('stores hostile strings verbatim and they never change a filter', async () => {
      const tag = randomUUID().slice(0, 6);
      const hostile = [`a" or user_id != "${tag}`, `'; drop table memories; --${tag}`, `back\\slash\\"${tag}\\`, `x' || 'y ${tag} $1 ? :name`, `nl\n\ttab ${tag} 🙂`];
      const text = `He said "hi" \\ it's 100% \`ok\` $1 ?? \n${tag}`;
      await store.upsert(hostile.map((u, i) => rec({ userId: u, sessionId: `${u}#s`, text: `${text}#${i}`, vector: [1, i / 10, 0, 0] })));
      for (const [i, u] of hostile.entries()) {
        const hits = await store.search(Q, { k: 10, filter: { userId: u } });
        expect(hits.map((x) => [x.record.userId, x.record.text])).toEqual([[u, `${text}#${i}`]]);
        expect(await ids({ userId: u, sessionId: `${u}#s` })).toHaveLength(1);
        expect(await ids({ userId: u, sessionId: `${u}" or "1"=="1` })).toEqual([]);
        expect(await store.count({ userId: u })).toBe(1);
      }
      expect(await ids({ userId: `a" or user_id != "` })).toEqual([]);
      expect(await store.delete({ userId: hostile[0]! })).toBe(1);
      expect(await store.count({ userId: hostile[1]! })).toBe(1);
    });
  });
}
