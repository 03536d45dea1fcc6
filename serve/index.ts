/**
 * Memocha's public face: what eval/, datasets/ and test/ may use from serve/ (an eslint rule forbids
 * deeper imports there; test helpers and startStack are in serve/testing/index.ts).
 * Importing it stays cheap: the four entry points that pull in the HTTP server, the database drivers
 * and the simulator's server load their module on first call (`Lazy`), and the use-lite model
 * (@energetic-ai) and Milvus' SDK load only when such an embedder or store is created.
 */

/** An async function whose module is imported on its first call. */
type Lazy<F extends (...a: never[]) => Promise<unknown>> = (...a: Parameters<F>) => ReturnType<F>;

// configuration, logging, the runtime and the HTTP server
export { ConfigError, loadConfig, testConfig, type Config, type Env } from './config';
export { createLogger } from './logger';
export type { Runtime, RuntimeOverrides } from './runtime';
export type { RunningServer } from './server';
export const createRuntime: Lazy<typeof import('./runtime').createRuntime> = async (...a) => (await import('./runtime')).createRuntime(...a);
export const startServer: Lazy<typeof import('./server').startServer> = async (...a) => (await import('./server')).startServer(...a);

// the LLM simulator
export type { DelaySpec, FaultSpec, ReplyMode, ScriptRule, SimRequestRecord, Simulator, SimulatorOptions } from './llm/simulator/types';
export { mulberry32 } from './llm/simulator/delays';
export { faultsSchema } from './llm/simulator/options';
export const startSimulator: Lazy<typeof import('./llm/simulator').startSimulator> = async (...a) => (await import('./llm/simulator')).startSimulator(...a);

// LLM providers, resilience, pricing and tokens
export type { ChatMessage, LlmProvider } from './llm/types';
export { createOpenAiProvider, type OpenAiProviderOptions } from './llm/openai';
export { createResilientLlm, type ResilienceStats, type ResilientLlm } from './llm/resilience';
export { costUsd, findPrice, type ModelPrice, type PricingTable } from './llm/pricing';
export { countTokens } from './llm/tokens';
export { extractJson } from './llm/json-reply';

// the database and its repositories
export type { Db, DbBackend, OpenDbOptions, PoolStats } from './db';
export const openDb: Lazy<typeof import('./db').openDb> = async (...a) => (await import('./db')).openDb(...a);
export { createRepos, type LiveSample, type MessageRow, type NewLiveSample, type Repos } from './db/repos';

// the chat turn's prompt and its memory seam
export { assemblePrompt, formatMemoryLine, MEMORY_HEADER, MIN_PROMPT_TOKENS } from './chat/prompt';
export { noMemory, type MemoryService, type UsedMemory } from './chat/memory-seam';

// Server-Sent Events as the chat routes write them
export { openSse, type SseStream } from './sse';

// embeddings
export type { EmbeddingProvider } from './embeddings/types';
export { createEmbedder, type CreateEmbedderOptions } from './embeddings/registry';
export { createUseLiteEmbedder } from './embeddings/use-lite';
export type { StaticEmbedder } from './embeddings/static';

// long-term memory: chunking, indexing, retrieval and the service that joins them
export { CHUNK_STRATEGIES, type ChunkingConfig, type ChunkStrategy } from './memory/chunking';
export { createIndexer, type Indexer } from './memory/indexer';
export { retrieveMemories, type RetrievalConfig } from './memory/retrieve';
export { chunkingConfig, createMemoryService, retrievalConfig, type FullMemoryService } from './memory/service';
export { embedderFromConfig } from './memory/wire';

// vector stores
export type { MemoryFilter, MemoryRecord, SearchHit, VectorStore } from './memory/store/types';
export { createVectorStore } from './memory/store/registry';
export { createPgvectorStore, type PgvectorStore } from './memory/store/pgvector';
export { ensureHnswIndex, indexNames } from './memory/store/pg-schema';
export { bm25Names } from './memory/store/pg-bm25-schema';
