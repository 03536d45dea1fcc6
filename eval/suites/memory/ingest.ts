/**
 * Replay a memory dataset into a fresh embedded database through the real memory pipeline: one
 * user per conversation, one dated session per dataset session (message times follow the session's
 * date, so recency and time filters see the dataset's clock), then the background indexer turns the
 * messages into memories with the variant's chunking strategy. Records which turns every memory
 * came from, so retrieved memories can be scored against evidence turn ids.
 */
import type { Logger } from 'pino';
import { type ChunkingConfig, createIndexer, createPgvectorStore, createRepos, type Db, type EmbeddingProvider, openDb, type Repos, type VectorStore } from '../../../serve';
import type { Conversation } from '../../datasets/types';

/** Seconds between consecutive turns of a session (the datasets give one time per session). */
export const TURN_SPACING_MS = 30_000;

export interface IngestedStore {
  db: Db;
  repos: Repos;
  store: VectorStore;
  /** user id → memory id → dataset turn ids (the last version of every upserted memory) */
  memoryTurns: Map<string, Map<string, string[]>>;
  /** conversation id → turn id → text */
  turnText: Map<string, Map<string, string>>;
  messages: number;
  memories: number;
  ingestMs: number;
  close(): Promise<void>;
}

/** A store decorator that remembers which messages every upserted memory was made from. */
function recording(store: VectorStore, sink: Map<string, { userId: string; messageIds: readonly string[] }>): VectorStore {
  return {
    ...store,
    id: store.id,
    ensure: (d) => store.ensure(d),
    search: (v, o) => store.search(v, o),
    delete: (f) => store.delete(f),
    count: (f) => store.count(f),
    async upsert(records) {
      await store.upsert(records);
      for (const r of records) sink.set(r.id, { userId: r.userId, messageIds: r.messageIds });
    },
    ...(store.textSearch ? { textSearch: store.textSearch.bind(store) } : {}),
    ...(store.get ? { get: store.get.bind(store) } : {}),
  };
}

export async function ingest(p: {
  conversations: readonly Conversation[];
  embedder: EmbeddingProvider;
  chunking: ChunkingConfig;
  logger: Logger;
  /** the server's VECTOR_INDEX (default exact): 'hnsw' builds pgvector's HNSW index, searched as the server would */
  index?: { type: 'exact' } | { type: 'hnsw'; m: number; efConstruction: number; efSearch: number };
  onTurn?: () => void;
  signal?: AbortSignal;
}): Promise<IngestedStore> {
  const t0 = performance.now();
  const db = await openDb({ inMemory: true, poolMax: 1 });
  try {
    const repos = createRepos(db.knex);
    const byMessage = new Map<string, { userId: string; messageIds: readonly string[] }>();
    const store = recording(createPgvectorStore({ knex: db.knex, backend: db.backend, index: p.index ?? { type: 'exact' } }), byMessage);
    await store.ensure(p.embedder.dimensions);
    const indexer = createIndexer({ repos, store, embedder: p.embedder, chunking: p.chunking, logger: p.logger });
    const messageTurn = new Map<string, string>();
    const turnText = new Map<string, Map<string, string>>();
    let messages = 0;
    for (const conv of p.conversations) {
      if (p.signal?.aborted) break;
      await repos.users.ensure(conv.userId);
      const texts = new Map<string, string>();
      turnText.set(conv.id, texts);
      for (const s of conv.sessions) {
        const session = await repos.sessions.create({ userId: conv.userId, title: `${conv.id}/${s.id}`, createdAt: s.date.toISOString() });
        let i = 0;
        for (const turn of s.turns) {
          const row = await repos.messages.insert({
            sessionId: session.id,
            userId: conv.userId,
            role: turn.role,
            content: turn.text,
            status: 'complete',
            createdAt: new Date(s.date.getTime() + i++ * TURN_SPACING_MS).toISOString(),
          });
          messageTurn.set(row.id, turn.id);
          texts.set(turn.id, turn.text);
          messages++;
          p.onTurn?.();
        }
        // sessions are indexed in order, as they would be after each conversation day
        void indexer.indexSession(session.id);
      }
    }
    await indexer.idle();
    const stats = indexer.stats();
    if (stats.failures > 0) throw new Error(`indexing failed ${stats.failures} time(s): ${stats.lastError ?? 'unknown error'}`);
    const memoryTurns = new Map<string, Map<string, string[]>>();
    for (const [id, { userId, messageIds }] of byMessage) {
      const mine = memoryTurns.get(userId) ?? new Map<string, string[]>();
      memoryTurns.set(userId, mine);
      mine.set(id, messageIds.flatMap((m) => messageTurn.get(m) ?? []));
    }
    return {
      db,
      repos,
      store,
      memoryTurns,
      turnText,
      messages,
      memories: await store.count(),
      ingestMs: performance.now() - t0,
      close: () => db.close(),
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}

/** Every memory of one user that covers at least one of the turns (the relevant set for IDCG). */
export function memoriesCovering(userMemories: ReadonlyMap<string, readonly string[]> | undefined, turns: readonly string[]): Set<string> {
  const wanted = new Set(turns);
  const out = new Set<string>();
  for (const [id, turnIds] of userMemories ?? []) if (turnIds.some((t) => wanted.has(t))) out.add(id);
  return out;
}
