import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { MessageRow, Repos } from '../db/repos';
import type { EmbeddingProvider } from '../embeddings/types';
import { chunkDaily, chunksForNewTurn, chunksTouching, utcDay, type ChunkingConfig, type MemoryChunk, type Summariser } from './chunking';
import type { MemoryRecord, VectorStore } from './store/types';

export interface IndexerDeps {
  repos: Repos;
  store: VectorStore;
  embedder: EmbeddingProvider;
  chunking: ChunkingConfig;
  logger: Logger;
  /** Summarises a day's lines for 'daily' when a real LLM is configured; extractive otherwise. */
  summarise?: Summariser;
  /**
   * Who this indexer is in the messages' claims (default: host, pid and a random part, unique per
   * indexer) and how long a claim lasts without renewal (default 60 s; renewed every third of it).
   */
  claims?: { owner?: string; leaseMs?: number };
}

export interface IndexerStats {
  runs: number;
  messagesIndexed: number;
  chunksUpserted: number;
  failures: number;
  lastError?: string;
  queued: number;
  /** Chunks deleted again right after their upsert because their messages were forgotten meanwhile. */
  forgottenInFlight: number;
  /** Times this indexer found it no longer held some of its claims (it worked past its lease; another may redo them). */
  claimsLost: number;
}

const DAY_MS = 86_400_000;
/** Rows per store.upsert when a sweep stores many sessions' chunks at once. */
const UPSERT_BATCH = 500;

export const DEFAULT_INDEX_LEASE_MS = 60_000;

/**
 * Turns messages into memory chunks in the vector store, off the chat's path: jobs run one at a
 * time in the background. A job first claims its messages (servers sharing the database never index
 * the same message at once) and keeps the claim alive while it works; a failed job releases them
 * unmarked so a later sweep retries them, and a dead server's claims expire for another to take.
 */
export function createIndexer(deps: IndexerDeps) {
  const { repos, store, embedder, chunking, logger } = deps;
  const owner = deps.claims?.owner ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const leaseMs = deps.claims?.leaseMs ?? DEFAULT_INDEX_LEASE_MS;
  const stats: IndexerStats = { runs: 0, messagesIndexed: 0, chunksUpserted: 0, failures: 0, queued: 0, forgottenInFlight: 0, claimsLost: 0 };
  let tail: Promise<void> = Promise.resolve();
  const queuedSessions = new Set<string>();

  function enqueue(job: () => Promise<void>) {
    stats.queued++;
    tail = tail.then(job).then(
      () => void stats.queued--,
      (err: unknown) => {
        stats.queued--;
        stats.failures++;
        stats.lastError = err instanceof Error ? err.message : String(err);
        logger.warn({ err }, 'memory indexing failed; the messages stay pending and are retried by the sweep');
      },
    );
    return tail;
  }

  async function contextFor(pending: MessageRow[]): Promise<MessageRow[]> {
    const first = pending[0];
    if (!first) return [];
    const sessionId = first.sessionId;
    const last = pending[pending.length - 1] ?? first;
    switch (chunking.strategy) {
      case 'message':
        return pending;
      case 'turn':
        // An assistant reply whose user message was indexed earlier needs that message for its turn;
        // a user message starts a turn, so nothing before it belongs to one being indexed (saves a query per session).
        if (first.role === 'user') return pending;
        return [...(await repos.memoryIndex.before(sessionId, first.seq, 1)), ...pending];
      case 'window':
        // Window starts count from the session's first turn.
        return repos.memoryIndex.before(sessionId, last.seq + 1, 100_000);
      case 'daily':
        return pending;
    }
  }

  async function chunksFor(pending: MessageRow[]): Promise<MemoryChunk[]> {
    const ids = pending.map((m) => m.id);
    if (chunking.strategy !== 'daily') return chunksForNewTurn(await contextFor(pending), ids, chunking);
    const days = new Set(pending.map((m) => `${m.userId}\u0000${utcDay(new Date(m.createdAt))}`));
    const chunks: MemoryChunk[] = [];
    for (const key of days) {
      const [userId = '', day = ''] = key.split('\u0000');
      const from = new Date(`${day}T00:00:00.000Z`);
      const whole = await repos.memoryIndex.between(userId, from, new Date(from.getTime() + DAY_MS));
      chunks.push(...chunksTouching(await chunkDaily(whole, chunking, deps.summarise), ids));
    }
    return chunks;
  }

  async function indexMessages(pending: MessageRow[]) {
    if (pending.length === 0) return;
    await storeChunks(pending, await chunksFor(pending));
  }

  /** The chunks all of whose source messages still exist and are not forgotten. */
  async function stillRemembered(chunks: MemoryChunk[]): Promise<MemoryChunk[]> {
    if (chunks.length === 0) return chunks;
    const live = await repos.memoryIndex.live(chunks.flatMap((c) => c.messageIds));
    return chunks.filter((c) => c.messageIds.every((id) => live.has(id)));
  }

  /**
   * Embed and upsert `chunks` (in UPSERT_BATCH slices), then mark `messages` indexed.
   * Forgetting wins over a job in flight: a forget marks the messages (or deletes them with their
   * session) and then deletes from the store; this job upserts and then checks the marks again, deleting
   * what it wrote for forgotten messages. Either the check sees the mark, or the upsert came before the
   * mark and so before the forget's delete, which removes it: nothing forgotten survives either order.
   */
  async function storeChunks(messages: MessageRow[], candidates: MemoryChunk[]) {
    const chunks = await stillRemembered(candidates);
    if (chunks.length > 0) {
      const vectors = await embedder.embed(chunks.map((c) => c.text), { priority: 'background' });
      const records: MemoryRecord[] = chunks.map((c, i) => ({ ...c, vector: vectors[i] ?? new Float32Array(embedder.dimensions) }));
      for (let i = 0; i < records.length; i += UPSERT_BATCH) await store.upsert(records.slice(i, i + UPSERT_BATCH));
      const kept = new Set(await stillRemembered(chunks));
      const forgotten = chunks.filter((c) => !kept.has(c));
      for (const [userId, ids] of groupIds(forgotten)) await store.delete({ userId, ids });
      stats.forgottenInFlight += forgotten.length;
    }
    await repos.memoryIndex.markIndexed(messages.map((m) => m.id));
    stats.messagesIndexed += messages.length;
    stats.chunksUpserted += chunks.length;
  }

  /** Run `work` on the messages claimed, renewing the claims meanwhile; on failure release them. */
  async function whileClaimed(claimed: MessageRow[], work: (messages: MessageRow[]) => Promise<void>) {
    if (claimed.length === 0) return;
    const ids = claimed.map((m) => m.id);
    const renew = setInterval(() => {
      repos.memoryIndex.renewClaims(ids, owner, leaseMs).then(
        (held) => {
          if (held < ids.length) stats.claimsLost++;
        },
        (err: unknown) => logger.warn({ err }, 'renewing memory indexing claims failed'),
      );
    }, Math.max(1, Math.floor(leaseMs / 3)));
    renew.unref();
    try {
      await work(claimed);
    } catch (err) {
      await repos.memoryIndex.releaseClaims(ids, owner).catch((e: unknown) => logger.warn({ err: e }, 'releasing memory indexing claims failed'));
      throw err;
    } finally {
      clearInterval(renew);
    }
  }

  /** Index every pending message of a session (after a turn). */
  function indexSession(sessionId: string): Promise<void> {
    if (queuedSessions.has(sessionId)) return tail;
    queuedSessions.add(sessionId);
    return enqueue(async () => {
      queuedSessions.delete(sessionId);
      stats.runs++;
      await whileClaimed(await repos.memoryIndex.claim({ owner, leaseMs, sessionId, limit: 10_000 }), indexMessages);
    });
  }

  /** Index pending messages older than `minAgeMs` (turns still being answered are left alone), session by session. */
  function sweep(opts: { minAgeMs: number; limit?: number }): Promise<void> {
    return enqueue(async () => {
      stats.runs++;
      const createdBefore = new Date(Date.now() - opts.minAgeMs);
      await whileClaimed(await repos.memoryIndex.claim({ owner, leaseMs, createdBefore, limit: opts.limit ?? 2_000 }), indexSessions);
    });
  }

  /** Index claimed messages of any sessions together (the sweep). */
  async function indexSessions(pending: MessageRow[]) {
    const bySession = new Map<string, MessageRow[]>();
    for (const m of pending) bySession.set(m.sessionId, [...(bySession.get(m.sessionId) ?? []), m]);
    // Every session's chunks go to the embedder and the store together: one embed call, upserts of
    // UPSERT_BATCH rows and one markIndexed per page instead of one of each per session (a re-index
    // of 2,000 messages in 100 sessions made 100 store round trips of 10 rows). Daily digests of
    // one user and day are the same chunk (same id) from each of its sessions: keep one.
    const chunks = new Map<string, MemoryChunk>();
    for (const messages of bySession.values()) for (const c of await chunksFor(messages)) chunks.set(c.id, c);
    await storeChunks(pending, [...chunks.values()]);
  }

  return {
    indexSession,
    sweep,
    /** Resolves when every queued job has run. */
    idle: () => tail,
    stats: (): IndexerStats => ({ ...stats }),
  };
}

export type Indexer = ReturnType<typeof createIndexer>;

/** Chunk ids by user (a store deletes ids only within one user). */
function groupIds(chunks: MemoryChunk[]): Map<string, string[]> {
  const byUser = new Map<string, string[]>();
  for (const c of chunks) {
    const ids = byUser.get(c.userId);
    if (ids) ids.push(c.id);
    else byUser.set(c.userId, [c.id]);
  }
  return byUser;
}
