/**
 * The VectorStore contract: long-term memories with their embeddings, searched by cosine
 * similarity, always within one user. Every implementation passes serve/testing/vector-store-contract.ts.
 */

/** What a memory is about: one message, a whole turn, or a digest of several turns. */
export type MemoryRole = 'user' | 'assistant' | 'turn' | 'digest';

export interface MemoryRecord {
  /** Stable id; upserting the same id replaces the record (re-indexing never duplicates). */
  id: string;
  userId: string;
  sessionId: string | null;
  /** The chat messages this memory was made from. */
  messageIds: string[];
  /** One of MemoryRole (kept open for new strategies). */
  role: string;
  text: string;
  createdAt: Date;
  vector: Float32Array;
}

/**
 * Which memories a search, delete or count sees. `userId` is mandatory for search and delete:
 * there is no way to search across users. Time bounds are inclusive: from <= createdAt <= to.
 */
export interface MemoryFilter {
  userId: string;
  sessionId?: string;
  from?: Date;
  to?: Date;
}

/** Delete exactly these records, and only those of this user. */
export interface MemoryIdsFilter {
  ids: string[];
  userId: string;
}

export type StoredMemory = Omit<MemoryRecord, 'vector'>;

export interface SearchHit {
  record: StoredMemory;
  /** Cosine similarity to the query in [-1, 1], higher is better. */
  score: number;
  /** textSearch only: the hit's BM25 score within the user's memories (higher is better; comparable within one query). */
  lexicalScore?: number;
  /** The stored vector, only when the search asked for `withVectors` (MMR, near-duplicate checks). */
  vector?: Float32Array;
}

export interface SearchOptions {
  /** At most this many hits, nearest first. */
  k: number;
  filter: MemoryFilter;
  /** Force an exact (brute-force) scan even when an approximate index exists. */
  exact?: boolean;
  /** Return each hit's stored vector too. */
  withVectors?: boolean;
}

/** What `list` pages through: newest first (createdAt desc, then id desc). */
export interface ListOptions {
  /** At most this many records. */
  limit: number;
  /** Only records after this one in that order (keyset pagination: pass the last record of the previous page). */
  after?: { createdAt: Date; id: string };
}

/** Per call: once `signal` aborts the store starts no further query and rejects with its reason. */
export interface StoreCallOptions {
  signal?: AbortSignal;
}

export interface VectorStore {
  /** e.g. 'pgvector:pglite:hnsw', 'milvus:HNSW'. */
  readonly id: string;
  /**
   * Create the table/collection and indexes if missing (idempotent). Throws DimensionMismatchError
   * when they exist with another vector size.
   */
  ensure(dimensions: number): Promise<void>;
  /** Insert or replace by id. A record whose id belongs to another user is refused. */
  upsert(records: MemoryRecord[]): Promise<void>;
  search(vector: Float32Array, opts: SearchOptions, call?: StoreCallOptions): Promise<SearchHit[]>;
  /** Returns how many records were deleted. */
  delete(filter: MemoryFilter | MemoryIdsFilter): Promise<number>;
  /** Count records; without a userId this counts every user's (for metrics and admin). */
  count(filter?: Partial<MemoryFilter>): Promise<number>;
  /**
   * Full-text search within the filter (the lexical half of hybrid retrieval), best BM25 first:
   * `lexicalScore` is the BM25 score (IDF and average length over the user's memories; Milvus: over
   * its whole collection, see store/README.md), `score`
   * the cosine to `vector`, or 0 when `vector` is null (retrieval runs this search while the query is
   * still being embedded: fusion never reads it). Stores without it make hybrid retrieval fall back to
   * vector search alone.
   */
  textSearch?(query: string, vector: Float32Array | null, opts: SearchOptions, call?: StoreCallOptions): Promise<SearchHit[]>;
  /** Keep the user's `keep` newest memories, delete older ones (retention); returns how many went. */
  deleteOldest?(userId: string, keep: number): Promise<number>;
  /** The `n` memories just before and after each given one in its own session, nearest first (context expansion). */
  neighbours?(ids: string[], userId: string, n: number): Promise<Map<string, { before: StoredMemory[]; after: StoredMemory[] }>>;
  /** The filter's records, newest first, without vectors (the memory manager's list). */
  list?(filter: MemoryFilter, opts: ListOptions): Promise<StoredMemory[]>;
  /** These records of this user, with vectors, in no particular order; unknown ids are skipped. */
  get?(ids: string[], userId: string): Promise<MemoryRecord[]>;
  close?(): Promise<void>;
}

/** A vector of the wrong length, or a store created for another dimension. */
export class DimensionMismatchError extends Error {
  constructor(
    readonly expected: number,
    readonly actual: number,
    where: string,
  ) {
    super(
      `vector dimension mismatch in ${where}: the store holds ${expected}-d vectors but got ${actual}-d. ` +
        'Changing the embedding model needs a new table/collection (or deleting the old one) and re-indexing.',
    );
    this.name = 'DimensionMismatchError';
  }
}

/** A record or filter the store refuses (empty userId, NUL bytes, non-finite vector...). */
export class InvalidMemoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidMemoryError';
  }
}

/** The pgvector extension is missing from this PostgreSQL. */
export class PgvectorMissingError extends Error {
  constructor(serverMajor: string, cause?: unknown) {
    super(
      `the pgvector extension is not installed in this PostgreSQL: install postgresql-${serverMajor}-pgvector ` +
        '(or use an image with it, e.g. pgvector/pgvector) or use the embedded PGlite default',
      cause === undefined ? undefined : { cause },
    );
    this.name = 'PgvectorMissingError';
  }
}
