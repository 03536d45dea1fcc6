import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRepos, type Repos } from '../db/repos';
import { createStaticEmbedder } from '../embeddings/static';
import { createLogger } from '../logger';
import { openTestDb, type TestDb } from '../testing/db';
import { probePostgres } from '../testing/pg';
import { createIndexer, type Indexer } from './indexer';
import { createPgarrayStore } from './store/pgvector';
import type { MemoryRecord, VectorStore } from './store/types';

/**
 * Servers sharing one PostgreSQL index each pending message once: they claim messages (FOR UPDATE
 * SKIP LOCKED, a lease) before indexing them. Real PostgreSQL, the pgarray store in the same schema,
 * the static embedder on a synthetic table.
 */
const pg = await probePostgres();

describe.skipIf(!pg.ok && !pg.reachable)('indexing claims on PostgreSQL', () => {
  let t: TestDb;
  let repos: Repos;
  let dataDir: string;
  /** Upserts per source message id, over every indexer of the test. */
  let upserted: Map<string, number>;
  let store: VectorStore;

  beforeAll(async () => {
    t = await openTestDb('postgres', { poolMax: 6 });
    repos = createRepos(t.db.knex);
    dataDir = await mkdtemp(path.join(tmpdir(), 'memocha-claims-'));
    store = createPgarrayStore({ knex: t.db.knex, backend: 'postgres' });
    await store.ensure(512);
  });
  afterAll(async () => {
    await t?.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    upserted = new Map();
  });

  function indexer(owner: string, opts: { leaseMs?: number; failUpserts?: number } = {}): Indexer {
    let failures = opts.failUpserts ?? 0;
    const counted: VectorStore = Object.assign(Object.create(store) as VectorStore, {
      upsert: async (records: MemoryRecord[]) => {
        if (failures-- > 0) throw new Error('store down');
        for (const r of records) for (const id of r.messageIds) upserted.set(id, (upserted.get(id) ?? 0) + 1);
        return store.upsert(records);
      },
    });
    const embedder = createStaticEmbedder({
      dataDir,
      build: async () => ({ pieces: 8000, dims: 512, data: Float32Array.from({ length: 8000 * 512 }, (_, i) => Math.sin(i * 0.37)) }),
    });
    return createIndexer({
      repos,
      store: counted,
      embedder,
      chunking: { strategy: 'message' },
      logger: createLogger('silent'),
      claims: { owner, ...(opts.leaseMs ? { leaseMs: opts.leaseMs } : {}) },
    });
  }

  async function seed(userId: string, sessions: number, perSession: number): Promise<string[]> {
    await repos.users.ensure(userId);
    const ids: string[] = [];
    for (let s = 0; s < sessions; s++) {
      const session = await repos.sessions.create({ userId });
      for (let i = 0; i < perSession; i++) {
        const role = i % 2 === 0 ? 'user' : 'assistant';
        const m = await repos.messages.insert({ sessionId: session.id, userId, role, content: `${userId} session ${s} line ${i} about bees`, status: 'complete' });
        ids.push(m.id);
      }
    }
    return ids;
  }

  /** Sweep in small pages until a sweep finds nothing it may claim. */
  async function sweepUntilDry(ix: Indexer, limit: number) {
    for (;;) {
      const before = ix.stats().messagesIndexed;
      await ix.sweep({ minAgeMs: 0, limit });
      if (ix.stats().failures > 0) throw new Error(ix.stats().lastError);
      if (ix.stats().messagesIndexed === before) return;
    }
  }

  const claimColumns = (ids: string[]) =>
    t.db.knex('messages').whereIn('id', ids).select('id', 'indexed_at', 'index_claimed_by', 'index_claim_until') as Promise<
      { id: string; indexed_at: Date | null; index_claimed_by: string | null; index_claim_until: Date | null }[]
    >;

  it('two indexers sweeping the same pending messages at once index each exactly once', async () => {
    const ids = [...(await seed('claims-a', 4, 15)), ...(await seed('claims-b', 4, 15))];
    const [a, b] = [indexer('server-a'), indexer('server-b')];
    // per-turn indexing of one session races the sweeps too
    const session = (await repos.memoryIndex.pending({ limit: 1, userId: 'claims-b' }))[0]!.sessionId;
    await Promise.all([sweepUntilDry(a, 7), sweepUntilDry(b, 5), b.indexSession(session)]);
    await Promise.all([a.idle(), b.idle()]);
    expect(ids.filter((id) => upserted.get(id) !== 1)).toEqual([]);
    expect(a.stats().messagesIndexed + b.stats().messagesIndexed).toBe(ids.length);
    // both took part (otherwise the test proves nothing about concurrency)
    expect(a.stats().messagesIndexed).toBeGreaterThan(0);
    expect(b.stats().messagesIndexed).toBeGreaterThan(0);
    const rows = await claimColumns(ids);
    expect(rows.filter((r) => r.indexed_at === null || r.index_claimed_by !== null || r.index_claim_until !== null)).toEqual([]);
    expect(await store.count({ userId: 'claims-a' })).toBe(60);
  });

  it('a claim skips the rows another transaction is claiming and never waits for it', async () => {
    const ids = await seed('claims-locked', 1, 10);
    const sessionId = (await repos.messages.get(ids[0]!))!.sessionId;
    const [first, second] = await t.db.knex.transaction(async (trx) => {
      const a = await createRepos(trx).memoryIndex.claim({ owner: 'a', leaseMs: 60_000, limit: 4, sessionId });
      // a's claim is not committed: b must neither wait for its row locks nor take its rows
      const b = await t.db.knex.transaction(async (trx2) => {
        await trx2.raw("set local lock_timeout = '5s'");
        return createRepos(trx2).memoryIndex.claim({ owner: 'b', leaseMs: 60_000, limit: 100, sessionId });
      });
      return [a, b];
    });
    expect(first.map((m) => m.id)).toEqual(ids.slice(0, 4));
    expect(second.map((m) => m.id)).toEqual(ids.slice(4));
    await repos.memoryIndex.markIndexed(ids);
  });

  it("a dead server's claims are left alone until its lease ends, then another server indexes them once", async () => {
    const ids = await seed('claims-dead', 2, 4);
    // What a server that claimed and then died leaves behind: claims it never renews.
    const held = await repos.memoryIndex.claim({ owner: 'dead-server', leaseMs: 1_500, limit: 100 });
    expect(held.map((m) => m.id).sort()).toEqual([...ids].sort());
    const survivor = indexer('survivor');
    await survivor.sweep({ minAgeMs: 0 });
    expect(survivor.stats().messagesIndexed).toBe(0);
    expect(ids.filter((id) => upserted.has(id))).toEqual([]);
    await new Promise((r) => setTimeout(r, 1_600));
    await sweepUntilDry(survivor, 100);
    expect(ids.filter((id) => upserted.get(id) !== 1)).toEqual([]);
    expect((await claimColumns(ids)).every((r) => r.indexed_at !== null && r.index_claimed_by === null)).toBe(true);
  });

  it('a failed job releases its claims at once, and a live job keeps renewing its lease', async () => {
    const ids = await seed('claims-fail', 1, 4);
    const failing = indexer('failing', { failUpserts: 1 });
    await failing.sweep({ minAgeMs: 0 });
    expect(failing.stats().failures).toBe(1);
    expect((await claimColumns(ids)).map((r) => r.index_claimed_by)).toEqual([null, null, null, null]);
    // a lease far shorter than the job: renewals keep it (no other server may take the messages meanwhile)
    const slow = indexer('slow', { leaseMs: 2_000 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const realUpsert = store.upsert.bind(store);
    store.upsert = async (records) => {
      await gate;
      return realUpsert(records);
    };
    try {
      const job = slow.sweep({ minAgeMs: 0 });
      await new Promise((r) => setTimeout(r, 3_000));
      expect(await repos.memoryIndex.claim({ owner: 'rival', leaseMs: 60_000, limit: 100 })).toEqual([]);
      release();
      await job;
    } finally {
      store.upsert = realUpsert;
    }
    expect(slow.stats()).toMatchObject({ messagesIndexed: 4, failures: 0, claimsLost: 0 });
    expect(ids.filter((id) => upserted.get(id) !== 1)).toEqual([]);
  });
});
